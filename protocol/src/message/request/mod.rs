//! Requests: the messages a client sends (spec §4.1).
//!
//! [`Request`] is the sum of every request message; its
//! [`encode_body`](Request::encode_body) and
//! [`decode_body`](Request::decode_body) handle the body of a frame (the
//! header is [`crate::frame`]'s job). Each message has its own struct, with
//! public fields and a few constructors.
//!
//! Version rules enforced here, for encoding and decoding alike:
//!
//! - CREDENTIALS exists only in v1; AUTH_RESPONSE and BATCH only from v2.
//! - A v1 QUERY carries only a query string and a consistency, and a v1
//!   EXECUTE only an id, values and a consistency; every other
//!   [`QueryParameters`] field is a v2 feature.
//! - Decoding a v1 QUERY ignores whatever follows the consistency, because
//!   the DataStax Python driver appends a flags byte even on v1 (Cassandra's
//!   own v1 decoder ignores it too). Every other body must be consumed
//!   exactly.

use bytes::{Bytes, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::frame::{Direction, Opcode};
use crate::version::ProtocolVersion;
use crate::wire::Reader;

mod auth;
mod batch;
mod execute;
mod prepare;
mod query;
mod register;
mod startup;

pub use auth::{AuthResponse, Credentials};
pub use batch::{Batch, BatchQuery, BatchStatement, BatchType};
pub use execute::Execute;
pub use prepare::Prepare;
pub use query::{Query, QueryParameters};
pub use register::{EventType, Register, UnknownEventType};
pub use startup::Startup;

/// A request message (client to server).
///
/// Only the body is handled here; a [`crate::frame::FrameHeader`] carries the
/// opcode ([`Request::opcode`]), version and stream.
///
/// ```
/// use bytes::BytesMut;
/// use cql_protocol::message::request::{Query, Request};
/// use cql_protocol::{Consistency, Opcode, ProtocolVersion};
///
/// let request = Request::Query(Query::new("USE ks", Consistency::Quorum));
/// assert_eq!(request.opcode(), Opcode::Query);
///
/// let mut body = BytesMut::new();
/// request.encode_body(ProtocolVersion::V2, &mut body).unwrap();
/// assert_eq!(
///     &body[..],
///     &[
///         0x00, 0x00, 0x00, 0x06, b'U', b'S', b'E', b' ', b'k', b's', // [long string] query
///         0x00, 0x04, // [consistency] QUORUM
///         0x00, // flags: none
///     ]
/// );
///
/// let decoded = Request::decode_body(ProtocolVersion::V2, Opcode::Query, body.freeze()).unwrap();
/// assert_eq!(decoded, request);
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// STARTUP (0x01): opens the connection with options.
    Startup(Startup),
    /// OPTIONS (0x05): asks which STARTUP options the server supports. Empty body.
    Options,
    /// CREDENTIALS (0x04, v1 only): authenticates with a string map.
    Credentials(Credentials),
    /// QUERY (0x07): runs a CQL statement.
    Query(Query),
    /// PREPARE (0x09): prepares a CQL statement.
    Prepare(Prepare),
    /// EXECUTE (0x0A): runs a prepared statement.
    Execute(Execute),
    /// REGISTER (0x0B): subscribes the connection to events.
    Register(Register),
    /// BATCH (0x0D, v2+): runs several statements as one batch.
    Batch(Batch),
    /// AUTH_RESPONSE (0x0F, v2+): answers a SASL challenge.
    AuthResponse(AuthResponse),
}

impl Request {
    /// The opcode of this message.
    pub fn opcode(&self) -> Opcode {
        match self {
            Request::Startup(_) => Opcode::Startup,
            Request::Options => Opcode::Options,
            Request::Credentials(_) => Opcode::Credentials,
            Request::Query(_) => Opcode::Query,
            Request::Prepare(_) => Opcode::Prepare,
            Request::Execute(_) => Opcode::Execute,
            Request::Register(_) => Opcode::Register,
            Request::Batch(_) => Opcode::Batch,
            Request::AuthResponse(_) => Opcode::AuthResponse,
        }
    }

    /// Encodes the body only (no header), appending it to `buf`.
    ///
    /// Fails with [`EncodeError::NotInVersion`] if the message, or any
    /// option it uses, is not part of `version`, and with
    /// [`EncodeError::TooLong`] if a field does not fit its length prefix.
    /// On error, `buf` is left as it was.
    pub fn encode_body(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        self.opcode().check_encodable(version)?;
        let start = buf.len();
        let result = match self {
            Request::Startup(m) => m.encode(buf),
            Request::Options => Ok(()),
            Request::Credentials(m) => m.encode(buf),
            Request::Query(m) => m.encode(version, buf),
            Request::Prepare(m) => m.encode(buf),
            Request::Execute(m) => m.encode(version, buf),
            Request::Register(m) => m.encode(buf),
            Request::Batch(m) => m.encode(version, buf),
            Request::AuthResponse(m) => m.encode(buf),
        };
        if result.is_err() {
            buf.truncate(start);
        }
        result
    }

    /// Decodes a body.
    ///
    /// Checks that `opcode` is a request ([`DecodeError::WrongDirection`]
    /// otherwise) and exists in `version` ([`DecodeError::NotInVersion`]),
    /// then requires the whole body to be consumed
    /// ([`DecodeError::TrailingBytes`]), except for a v1 QUERY, whose
    /// trailing bytes are ignored (see the [module docs](self)).
    pub fn decode_body(
        version: ProtocolVersion,
        opcode: Opcode,
        body: Bytes,
    ) -> Result<Request, DecodeError> {
        let wrong_direction = || DecodeError::WrongDirection {
            opcode,
            expected: opcode.direction(),
            found: Direction::Request,
        };
        if opcode.direction() != Direction::Request {
            return Err(wrong_direction());
        }
        opcode.check_version(version)?;
        let mut r = Reader::new(body);
        let request = match opcode {
            Opcode::Startup => Request::Startup(Startup::decode(&mut r)?),
            Opcode::Options => Request::Options,
            Opcode::Credentials => Request::Credentials(Credentials::decode(&mut r)?),
            Opcode::Query => Request::Query(Query::decode(version, &mut r)?),
            Opcode::Prepare => Request::Prepare(Prepare::decode(&mut r)?),
            Opcode::Execute => Request::Execute(Execute::decode(version, &mut r)?),
            Opcode::Register => Request::Register(Register::decode(&mut r)?),
            Opcode::Batch => Request::Batch(Batch::decode(version, &mut r)?),
            Opcode::AuthResponse => Request::AuthResponse(AuthResponse::decode(&mut r)?),
            _ => return Err(wrong_direction()),
        };
        let lenient = version == ProtocolVersion::V1 && opcode == Opcode::Query;
        if !lenient {
            r.expect_end(opcode.name())?;
        }
        Ok(request)
    }
}

macro_rules! impl_from {
    ($($ty:ident),*) => {
        $(
            impl From<$ty> for Request {
                fn from(message: $ty) -> Self {
                    Request::$ty(message)
                }
            }
        )*
    };
}

impl_from!(
    Startup,
    Credentials,
    Query,
    Prepare,
    Execute,
    Register,
    Batch,
    AuthResponse
);

/// The `NotInVersion` error for a field or option that `version` lacks.
fn not_in_version(what: &str, version: ProtocolVersion) -> EncodeError {
    EncodeError::NotInVersion {
        what: what.to_owned(),
        version,
    }
}
