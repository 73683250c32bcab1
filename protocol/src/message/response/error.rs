//! ERROR (spec v1 §4.2.1 and §7, v2 §4.2.1 and §8).

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

use crate::consistency::Consistency;
use crate::error::{DecodeError, EncodeError};
use crate::version::ProtocolVersion;
use crate::wire::{put_short_bytes, put_string, Reader};

/// An ERROR response: `<code int><message string>` and code-specific extras.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ErrorResponse {
    /// The error code and its extra fields.
    pub kind: ErrorKind,
    /// The server's message.
    pub message: String,
}

/// The kind of an ERROR, with the extra fields some codes carry.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 0x0000: a server-side bug.
    ServerError,
    /// 0x000A: the client violated the protocol (also used to reject an
    /// unsupported protocol version).
    ProtocolError,
    /// 0x0100: the credentials were refused.
    BadCredentials,
    /// 0x1000: not enough replicas are alive for the consistency level.
    Unavailable {
        /// The consistency level of the query.
        consistency: Consistency,
        /// How many replicas had to be alive.
        required: i32,
        /// How many were known to be alive.
        alive: i32,
    },
    /// 0x1001: the coordinator is overloaded.
    Overloaded,
    /// 0x1002: the coordinator is bootstrapping.
    IsBootstrapping,
    /// 0x1003: a truncation failed.
    TruncateError,
    /// 0x1100: a write timed out.
    WriteTimeout {
        /// The consistency level of the query.
        consistency: Consistency,
        /// How many replicas acknowledged the write.
        received: i32,
        /// How many acknowledgements were required.
        block_for: i32,
        /// What kind of write timed out.
        write_type: WriteType,
    },
    /// 0x1200: a read timed out.
    ReadTimeout {
        /// The consistency level of the query.
        consistency: Consistency,
        /// How many replicas answered.
        received: i32,
        /// How many answers were required.
        block_for: i32,
        /// Whether the replica asked for the data answered (a non-zero byte).
        data_present: bool,
    },
    /// 0x2000: the query has a syntax error.
    SyntaxError,
    /// 0x2100: the user may not perform the query.
    Unauthorized,
    /// 0x2200: the query is syntactically correct but invalid.
    Invalid,
    /// 0x2300: the query is invalid because of the configuration.
    ConfigError,
    /// 0x2400: the keyspace or table to create already exists.
    AlreadyExists {
        /// The keyspace that exists, or that holds the table that exists.
        keyspace: String,
        /// The table that exists, or `""` for a keyspace.
        table: String,
    },
    /// 0x2500: the prepared statement id is unknown to this node.
    Unprepared {
        /// The unknown id, so that the client can re-prepare.
        id: Bytes,
    },
}

/// The kind of write that timed out (Write_timeout's `writeType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WriteType {
    /// "SIMPLE": a non-batched, non-counter write.
    Simple,
    /// "BATCH": a logged batch; the batch log was written.
    Batch,
    /// "UNLOGGED_BATCH": an unlogged batch.
    UnloggedBatch,
    /// "COUNTER": a counter write.
    Counter,
    /// "BATCH_LOG": the write to the batch log timed out.
    BatchLog,
    /// "CAS": the Paxos phase of a lightweight transaction (sent by Cassandra
    /// 2.0, first documented in the v3 spec).
    Cas,
}

impl WriteType {
    /// The name on the wire, e.g. `"UNLOGGED_BATCH"`.
    pub fn as_str(self) -> &'static str {
        match self {
            WriteType::Simple => "SIMPLE",
            WriteType::Batch => "BATCH",
            WriteType::UnloggedBatch => "UNLOGGED_BATCH",
            WriteType::Counter => "COUNTER",
            WriteType::BatchLog => "BATCH_LOG",
            WriteType::Cas => "CAS",
        }
    }

    /// Parses a wire name; `None` if it is unknown.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "SIMPLE" => Some(WriteType::Simple),
            "BATCH" => Some(WriteType::Batch),
            "UNLOGGED_BATCH" => Some(WriteType::UnloggedBatch),
            "COUNTER" => Some(WriteType::Counter),
            "BATCH_LOG" => Some(WriteType::BatchLog),
            "CAS" => Some(WriteType::Cas),
            _ => None,
        }
    }
}

impl fmt::Display for WriteType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ErrorKind {
    /// The error code on the wire.
    pub fn code(&self) -> u32 {
        match self {
            ErrorKind::ServerError => 0x0000,
            ErrorKind::ProtocolError => 0x000A,
            ErrorKind::BadCredentials => 0x0100,
            ErrorKind::Unavailable { .. } => 0x1000,
            ErrorKind::Overloaded => 0x1001,
            ErrorKind::IsBootstrapping => 0x1002,
            ErrorKind::TruncateError => 0x1003,
            ErrorKind::WriteTimeout { .. } => 0x1100,
            ErrorKind::ReadTimeout { .. } => 0x1200,
            ErrorKind::SyntaxError => 0x2000,
            ErrorKind::Unauthorized => 0x2100,
            ErrorKind::Invalid => 0x2200,
            ErrorKind::ConfigError => 0x2300,
            ErrorKind::AlreadyExists { .. } => 0x2400,
            ErrorKind::Unprepared { .. } => 0x2500,
        }
    }

    /// The spec's name for the code, e.g. `"Write_timeout"`.
    pub fn name(&self) -> &'static str {
        match self {
            ErrorKind::ServerError => "Server_error",
            ErrorKind::ProtocolError => "Protocol_error",
            ErrorKind::BadCredentials => "Bad_credentials",
            ErrorKind::Unavailable { .. } => "Unavailable",
            ErrorKind::Overloaded => "Overloaded",
            ErrorKind::IsBootstrapping => "Is_bootstrapping",
            ErrorKind::TruncateError => "Truncate_error",
            ErrorKind::WriteTimeout { .. } => "Write_timeout",
            ErrorKind::ReadTimeout { .. } => "Read_timeout",
            ErrorKind::SyntaxError => "Syntax_error",
            ErrorKind::Unauthorized => "Unauthorized",
            ErrorKind::Invalid => "Invalid",
            ErrorKind::ConfigError => "Config_error",
            ErrorKind::AlreadyExists { .. } => "Already_exists",
            ErrorKind::Unprepared { .. } => "Unprepared",
        }
    }
}

const CODE: &str = "ERROR.code";
const MESSAGE: &str = "ERROR.message";
const CONSISTENCY: &str = "ERROR.consistency";
const REQUIRED: &str = "ERROR.unavailable.required";
const ALIVE: &str = "ERROR.unavailable.alive";
const RECEIVED: &str = "ERROR.received";
const BLOCK_FOR: &str = "ERROR.block_for";
const WRITE_TYPE: &str = "ERROR.write_timeout.write_type";
const DATA_PRESENT: &str = "ERROR.read_timeout.data_present";
const KEYSPACE: &str = "ERROR.already_exists.keyspace";
const TABLE: &str = "ERROR.already_exists.table";
const ID: &str = "ERROR.unprepared.id";

impl ErrorResponse {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ErrorResponse {
            kind,
            message: message.into(),
        }
    }

    /// The Protocol_error Cassandra 2.0 sends (on stream 0, in a v2 frame)
    /// before closing a connection whose first frame has a version it does
    /// not speak: `"Invalid or unsupported protocol version: <version>"`.
    pub fn unsupported_version(version: u8) -> Self {
        ErrorResponse::new(
            ErrorKind::ProtocolError,
            format!("Invalid or unsupported protocol version: {version}"),
        )
    }

    pub(crate) fn decode(r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let offset = r.position();
        let code = r.read_i32(CODE)? as u32;
        let later = match code {
            0x1300 => Some("Read_failure"),
            0x1400 => Some("Function_failure"),
            0x1500 => Some("Write_failure"),
            _ => None,
        };
        if let Some(name) = later {
            return Err(DecodeError::NotInVersion {
                what: format!("the {name} error (code 0x{code:04x})"),
                version,
            });
        }
        let known = matches!(
            code,
            0x0000 | 0x000A | 0x0100 | 0x1000
                ..=0x1003 | 0x1100 | 0x1200 | 0x2000 | 0x2100 | 0x2200 | 0x2300 | 0x2400 | 0x2500
        );
        if !known {
            return Err(DecodeError::UnknownCode {
                what: "error code",
                code,
                offset,
            });
        }
        let message = r.read_string(MESSAGE)?;
        let kind = match code {
            0x0000 => ErrorKind::ServerError,
            0x000A => ErrorKind::ProtocolError,
            0x0100 => ErrorKind::BadCredentials,
            0x1000 => ErrorKind::Unavailable {
                consistency: Consistency::read(r, CONSISTENCY)?,
                required: r.read_i32(REQUIRED)?,
                alive: r.read_i32(ALIVE)?,
            },
            0x1001 => ErrorKind::Overloaded,
            0x1002 => ErrorKind::IsBootstrapping,
            0x1003 => ErrorKind::TruncateError,
            0x1100 => {
                let consistency = Consistency::read(r, CONSISTENCY)?;
                let received = r.read_i32(RECEIVED)?;
                let block_for = r.read_i32(BLOCK_FOR)?;
                let offset = r.position();
                let name = r.read_string(WRITE_TYPE)?;
                let write_type =
                    WriteType::from_name(&name).ok_or_else(|| DecodeError::InvalidValue {
                        context: WRITE_TYPE,
                        offset,
                        reason: format!("unknown write type {name:?}"),
                    })?;
                ErrorKind::WriteTimeout {
                    consistency,
                    received,
                    block_for,
                    write_type,
                }
            }
            0x1200 => ErrorKind::ReadTimeout {
                consistency: Consistency::read(r, CONSISTENCY)?,
                received: r.read_i32(RECEIVED)?,
                block_for: r.read_i32(BLOCK_FOR)?,
                data_present: r.read_u8(DATA_PRESENT)? != 0,
            },
            0x2000 => ErrorKind::SyntaxError,
            0x2100 => ErrorKind::Unauthorized,
            0x2200 => ErrorKind::Invalid,
            0x2300 => ErrorKind::ConfigError,
            0x2400 => ErrorKind::AlreadyExists {
                keyspace: r.read_string(KEYSPACE)?,
                table: r.read_string(TABLE)?,
            },
            // 0x2500, the only code left after the check above.
            _ => ErrorKind::Unprepared {
                id: r.read_short_bytes(ID)?,
            },
        };
        Ok(ErrorResponse { kind, message })
    }

    pub(crate) fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        buf.put_u32(self.kind.code());
        put_string(buf, &self.message, MESSAGE)?;
        match &self.kind {
            ErrorKind::Unavailable {
                consistency,
                required,
                alive,
            } => {
                buf.put_u16(consistency.code());
                buf.put_i32(*required);
                buf.put_i32(*alive);
            }
            ErrorKind::WriteTimeout {
                consistency,
                received,
                block_for,
                write_type,
            } => {
                buf.put_u16(consistency.code());
                buf.put_i32(*received);
                buf.put_i32(*block_for);
                put_string(buf, write_type.as_str(), WRITE_TYPE)?;
            }
            ErrorKind::ReadTimeout {
                consistency,
                received,
                block_for,
                data_present,
            } => {
                buf.put_u16(consistency.code());
                buf.put_i32(*received);
                buf.put_i32(*block_for);
                buf.put_u8(u8::from(*data_present));
            }
            ErrorKind::AlreadyExists { keyspace, table } => {
                put_string(buf, keyspace, KEYSPACE)?;
                put_string(buf, table, TABLE)?;
            }
            ErrorKind::Unprepared { id } => put_short_bytes(buf, id, ID)?,
            _ => {}
        }
        Ok(())
    }
}

impl fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (0x{:04x}): {}",
            self.kind.name(),
            self.kind.code(),
            self.message
        )
    }
}

impl std::error::Error for ErrorResponse {}
