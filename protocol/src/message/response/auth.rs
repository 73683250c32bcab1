//! AUTHENTICATE (spec §4.2.3), AUTH_CHALLENGE (§4.2.7) and AUTH_SUCCESS (§4.2.8).

use bytes::{Bytes, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::wire::{put_opt_bytes, put_string, Reader};

/// AUTHENTICATE: the server requires authentication with this authenticator.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Authenticate {
    /// The authenticator's full Java class name, e.g.
    /// `org.apache.cassandra.auth.PasswordAuthenticator`.
    pub authenticator: String,
}

/// AUTH_CHALLENGE (v2+): a SASL challenge the client answers with AUTH_RESPONSE.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AuthChallenge {
    /// The challenge token; `None` is a null `[bytes]`.
    pub token: Option<Bytes>,
}

/// AUTH_SUCCESS (v2+): authentication finished successfully.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AuthSuccess {
    /// Final information from the server; Cassandra's PasswordAuthenticator
    /// sends null (`None`).
    pub token: Option<Bytes>,
}

const AUTHENTICATOR: &str = "AUTHENTICATE.authenticator";
const CHALLENGE_TOKEN: &str = "AUTH_CHALLENGE.token";
const SUCCESS_TOKEN: &str = "AUTH_SUCCESS.token";

impl Authenticate {
    /// An AUTHENTICATE naming `authenticator`.
    pub fn new(authenticator: impl Into<String>) -> Self {
        Authenticate {
            authenticator: authenticator.into(),
        }
    }

    pub(crate) fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Authenticate {
            authenticator: r.read_string(AUTHENTICATOR)?,
        })
    }

    pub(crate) fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_string(buf, &self.authenticator, AUTHENTICATOR)
    }
}

impl AuthChallenge {
    pub(crate) fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(AuthChallenge {
            token: r.read_opt_bytes(CHALLENGE_TOKEN)?,
        })
    }

    pub(crate) fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_opt_bytes(buf, self.token.as_deref(), CHALLENGE_TOKEN)
    }
}

impl AuthSuccess {
    pub(crate) fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(AuthSuccess {
            token: r.read_opt_bytes(SUCCESS_TOKEN)?,
        })
    }

    pub(crate) fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_opt_bytes(buf, self.token.as_deref(), SUCCESS_TOKEN)
    }
}
