//! Authentication requests: CREDENTIALS (v1) and AUTH_RESPONSE (v2+).

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::wire::{put_opt_bytes, put_string_map, Reader};

/// CREDENTIALS (v1 only): a `[string map]` of credentials, kept in wire order.
///
/// With Cassandra's `PasswordAuthenticator` the keys are `username` and
/// `password` (see [`Credentials::password`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    /// The credentials, in wire order.
    pub credentials: Vec<(String, String)>,
}

impl Credentials {
    /// `username` and `password` credentials, as `PasswordAuthenticator` expects.
    pub fn password(username: &str, password: &str) -> Self {
        Credentials {
            credentials: vec![
                ("username".to_owned(), username.to_owned()),
                ("password".to_owned(), password.to_owned()),
            ],
        }
    }

    /// The value of the first credential named `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.credentials
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_string_map(buf, &self.credentials, "CREDENTIALS.credentials")
    }

    pub(super) fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Credentials {
            credentials: r.read_string_map("CREDENTIALS.credentials")?,
        })
    }
}

/// AUTH_RESPONSE (v2+): a SASL token as `[bytes]`, which may be null.
///
/// ```
/// use cql_protocol::message::request::AuthResponse;
///
/// let response = AuthResponse::plain("cassandra", "cassandra");
/// assert_eq!(response.token.as_deref(), Some(&b"\0cassandra\0cassandra"[..]));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthResponse {
    /// The token; `None` is a null `[bytes]`.
    pub token: Option<Bytes>,
}

impl AuthResponse {
    /// A response carrying `token`.
    pub fn new(token: impl Into<Bytes>) -> Self {
        AuthResponse {
            token: Some(token.into()),
        }
    }

    /// The SASL PLAIN token `\0username\0password`, as
    /// `PasswordAuthenticator` expects.
    pub fn plain(username: &str, password: &str) -> Self {
        let mut token = BytesMut::with_capacity(2 + username.len() + password.len());
        token.put_u8(0);
        token.put_slice(username.as_bytes());
        token.put_u8(0);
        token.put_slice(password.as_bytes());
        AuthResponse {
            token: Some(token.freeze()),
        }
    }

    pub(super) fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_opt_bytes(buf, self.token.as_deref(), "AUTH_RESPONSE.token")
    }

    pub(super) fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(AuthResponse {
            token: r.read_opt_bytes("AUTH_RESPONSE.token")?,
        })
    }
}
