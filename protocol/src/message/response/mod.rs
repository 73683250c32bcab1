//! Responses: the messages a server sends (spec §4.2).
//!
//! [`Response::decode_body`] turns a frame body (after any tracing id) into
//! a [`Response`]; [`Response::encode_body`] writes one. Both follow the
//! rules of the [`ProtocolVersion`] in use: AUTH_CHALLENGE and AUTH_SUCCESS,
//! paging state and No_metadata exist only from v2 on.

mod auth;
mod error;
mod event;
mod prepared;
mod result;
mod rows;
mod schema_change;
mod supported;

use bytes::{Bytes, BytesMut};

pub use auth::{AuthChallenge, AuthSuccess, Authenticate};
pub use error::{ErrorKind, ErrorResponse, WriteType};
pub use event::{Event, StatusChangeType, TopologyChangeType};
pub use prepared::Prepared;
pub use result::ResultBody;
pub use rows::{RowIter, RowRef, RowValues, Rows, RowsBuilder, RowsMetadata, TypedRows};
pub use schema_change::{SchemaChange, SchemaChangeTarget, SchemaChangeType};
pub use supported::Supported;

use crate::error::{DecodeError, EncodeError};
use crate::frame::{Direction, Opcode};
use crate::version::ProtocolVersion;
use crate::wire::Reader;

/// A message sent by the server.
///
/// ```
/// use bytes::{Bytes, BytesMut};
/// use cql_protocol::message::response::{Response, Supported};
/// use cql_protocol::{Opcode, ProtocolVersion};
///
/// // SUPPORTED {"COMPRESSION": ["lz4"]}
/// let body = Bytes::from_static(b"\x00\x01\x00\x0bCOMPRESSION\x00\x01\x00\x03lz4");
/// let response = Response::decode_body(ProtocolVersion::V2, Opcode::Supported, body.clone())?;
/// let Response::Supported(supported) = &response else { unreachable!() };
/// assert_eq!(supported.get("COMPRESSION"), Some(&["lz4".to_string()][..]));
///
/// let mut buf = BytesMut::new();
/// response.encode_body(ProtocolVersion::V2, &mut buf)?;
/// assert_eq!(buf, body);
/// assert_eq!(response.opcode(), Opcode::Supported);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Response {
    /// ERROR (0x00).
    Error(ErrorResponse),
    /// READY (0x02): empty body.
    Ready,
    /// AUTHENTICATE (0x03).
    Authenticate(Authenticate),
    /// SUPPORTED (0x06).
    Supported(Supported),
    /// RESULT (0x08).
    Result(ResultBody),
    /// EVENT (0x0C).
    Event(Event),
    /// AUTH_CHALLENGE (0x0E), v2+.
    AuthChallenge(AuthChallenge),
    /// AUTH_SUCCESS (0x10), v2+.
    AuthSuccess(AuthSuccess),
}

impl Response {
    /// The opcode of this message.
    pub fn opcode(&self) -> Opcode {
        match self {
            Response::Error(_) => Opcode::Error,
            Response::Ready => Opcode::Ready,
            Response::Authenticate(_) => Opcode::Authenticate,
            Response::Supported(_) => Opcode::Supported,
            Response::Result(_) => Opcode::Result,
            Response::Event(_) => Opcode::Event,
            Response::AuthChallenge(_) => Opcode::AuthChallenge,
            Response::AuthSuccess(_) => Opcode::AuthSuccess,
        }
    }

    /// Appends the body of this message, as `version` lays it out, to `buf`.
    ///
    /// Fails with [`EncodeError::NotInVersion`] for a message or option the
    /// version lacks. On error `buf` is left as it was.
    pub fn encode_body(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        self.opcode().check_encodable(version)?;
        let start = buf.len();
        let result = self.encode_inner(version, buf);
        if result.is_err() {
            buf.truncate(start);
        }
        result
    }

    fn encode_inner(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        match self {
            Response::Error(e) => e.encode(buf),
            Response::Ready => Ok(()),
            Response::Authenticate(a) => a.encode(buf),
            Response::Supported(s) => s.encode(buf),
            Response::Result(r) => r.encode(version, buf),
            Response::Event(e) => e.encode(version, buf),
            Response::AuthChallenge(c) => c.encode(buf),
            Response::AuthSuccess(s) => s.encode(buf),
        }
    }

    /// Decodes the body of a response frame with `opcode`.
    ///
    /// Checks that the opcode is a response ([`DecodeError::WrongDirection`])
    /// that exists in `version` ([`DecodeError::NotInVersion`]), and that the
    /// whole body is consumed ([`DecodeError::TrailingBytes`]). `[bytes]`
    /// fields and rows are zero-copy slices of `body`.
    pub fn decode_body(
        version: ProtocolVersion,
        opcode: Opcode,
        body: Bytes,
    ) -> Result<Response, DecodeError> {
        if opcode.direction() != Direction::Response {
            return Err(DecodeError::WrongDirection {
                opcode,
                expected: opcode.direction(),
                found: Direction::Response,
            });
        }
        opcode.check_version(version)?;
        let mut r = Reader::new(body);
        let response = match opcode {
            Opcode::Error => Response::Error(ErrorResponse::decode(&mut r, version)?),
            Opcode::Ready => Response::Ready,
            Opcode::Authenticate => Response::Authenticate(Authenticate::decode(&mut r)?),
            Opcode::Supported => Response::Supported(Supported::decode(&mut r)?),
            Opcode::Result => Response::Result(ResultBody::decode(&mut r, version)?),
            Opcode::Event => Response::Event(Event::decode(&mut r, version)?),
            Opcode::AuthChallenge => Response::AuthChallenge(AuthChallenge::decode(&mut r)?),
            Opcode::AuthSuccess => Response::AuthSuccess(AuthSuccess::decode(&mut r)?),
            // Every other opcode is a request, rejected above.
            _ => {
                return Err(DecodeError::WrongDirection {
                    opcode,
                    expected: Direction::Request,
                    found: Direction::Response,
                })
            }
        };
        r.expect_end(opcode.name())?;
        Ok(response)
    }
}

impl From<ErrorResponse> for Response {
    fn from(e: ErrorResponse) -> Self {
        Response::Error(e)
    }
}

impl From<ResultBody> for Response {
    fn from(r: ResultBody) -> Self {
        Response::Result(r)
    }
}

impl From<Event> for Response {
    fn from(e: Event) -> Self {
        Response::Event(e)
    }
}
