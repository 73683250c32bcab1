//! BATCH (0x0D, v2+): several statements run as one batch.

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

use super::not_in_version;
use super::query::{put_values, read_values};
use crate::consistency::Consistency;
use crate::error::{DecodeError, EncodeError};
use crate::version::ProtocolVersion;
use crate::wire::{put_long_string, put_short_bytes, put_short_count, RawValue, Reader};

/// The kind of a batch (`<type>` byte).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BatchType {
    /// A logged batch (0), like a plain CQL `BEGIN BATCH`.
    #[default]
    Logged,
    /// An unlogged batch (1).
    Unlogged,
    /// A counter batch (2): only counter updates are allowed.
    Counter,
}

impl BatchType {
    /// Every batch type, in code order.
    pub const ALL: [BatchType; 3] = [BatchType::Logged, BatchType::Unlogged, BatchType::Counter];

    /// The wire code.
    pub fn code(self) -> u8 {
        match self {
            BatchType::Logged => 0,
            BatchType::Unlogged => 1,
            BatchType::Counter => 2,
        }
    }

    /// The batch type for a wire code, if there is one.
    pub fn from_code(code: u8) -> Option<Self> {
        BatchType::ALL.get(usize::from(code)).copied()
    }

    /// The CQL name, e.g. `"UNLOGGED"`.
    pub fn name(self) -> &'static str {
        match self {
            BatchType::Logged => "LOGGED",
            BatchType::Unlogged => "UNLOGGED",
            BatchType::Counter => "COUNTER",
        }
    }
}

impl fmt::Display for BatchType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The statement of a batch entry: a query string (kind 0) or a prepared
/// statement id (kind 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchQuery {
    /// A CQL statement (kind 0, `[long string]`).
    Query(String),
    /// A prepared statement id (kind 1, `[short bytes]`).
    Prepared(Bytes),
}

/// One entry of a batch: a statement and the values for its bind markers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchStatement {
    /// The statement.
    pub query: BatchQuery,
    /// Values for its bound variables (possibly none).
    pub values: Vec<RawValue>,
}

impl BatchStatement {
    /// An entry running the CQL statement `query` with `values`.
    pub fn query(query: impl Into<String>, values: Vec<RawValue>) -> Self {
        BatchStatement {
            query: BatchQuery::Query(query.into()),
            values,
        }
    }

    /// An entry running prepared statement `id` with `values`.
    pub fn prepared(id: impl Into<Bytes>, values: Vec<RawValue>) -> Self {
        BatchStatement {
            query: BatchQuery::Prepared(id.into()),
            values,
        }
    }
}

/// BATCH (v2+): `<type: byte><n: short><statement>*n<consistency>`, each
/// statement `<kind: byte><long string | short bytes><n: short><value: bytes>*n`.
///
/// [`serial_consistency`](Self::serial_consistency) and
/// [`timestamp`](Self::timestamp) are v3 fields: setting them and encoding
/// for v2 is [`EncodeError::NotInVersion`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Logged, unlogged or counter.
    pub batch_type: BatchType,
    /// The statements, in order.
    pub statements: Vec<BatchStatement>,
    /// The consistency level.
    pub consistency: Consistency,
    /// The serial consistency (v3+).
    pub serial_consistency: Option<Consistency>,
    /// The default timestamp in microseconds (v3+).
    pub timestamp: Option<i64>,
}

impl Batch {
    /// An empty batch of `batch_type` at `consistency`.
    pub fn new(batch_type: BatchType, consistency: Consistency) -> Self {
        Batch {
            batch_type,
            statements: Vec::new(),
            consistency,
            serial_consistency: None,
            timestamp: None,
        }
    }

    /// Appends a statement.
    #[must_use]
    pub fn with_statement(mut self, statement: BatchStatement) -> Self {
        self.statements.push(statement);
        self
    }

    pub(super) fn encode(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        match version {
            ProtocolVersion::V1 => Err(not_in_version("the BATCH message", version)),
            ProtocolVersion::V2 => {
                if self.serial_consistency.is_some() {
                    return Err(not_in_version("BATCH.serial_consistency", version));
                }
                if self.timestamp.is_some() {
                    return Err(not_in_version("BATCH.timestamp", version));
                }
                buf.put_u8(self.batch_type.code());
                put_short_count(buf, self.statements.len(), "BATCH.statements")?;
                for statement in &self.statements {
                    match &statement.query {
                        BatchQuery::Query(query) => {
                            buf.put_u8(0);
                            put_long_string(buf, query, "BATCH.statement.query")?;
                        }
                        BatchQuery::Prepared(id) => {
                            buf.put_u8(1);
                            put_short_bytes(buf, id, "BATCH.statement.id")?;
                        }
                    }
                    put_values(buf, &statement.values, "BATCH.statement.values")?;
                }
                buf.put_u16(self.consistency.code());
                Ok(())
            }
        }
    }

    pub(super) fn decode(version: ProtocolVersion, r: &mut Reader) -> Result<Self, DecodeError> {
        match version {
            ProtocolVersion::V1 => Err(DecodeError::NotInVersion {
                what: "the BATCH message".to_owned(),
                version,
            }),
            ProtocolVersion::V2 => Self::decode_v2(r),
        }
    }

    fn decode_v2(r: &mut Reader) -> Result<Self, DecodeError> {
        let offset = r.position();
        let code = r.read_u8("BATCH.type")?;
        let batch_type = BatchType::from_code(code).ok_or(DecodeError::UnknownCode {
            what: "batch type",
            code: code.into(),
            offset,
        })?;
        // The smallest statement is a kind byte, an empty [short bytes] id
        // and a zero value count: 5 bytes.
        let n = r.read_short_count(5, "BATCH.statements")?;
        let mut statements = Vec::with_capacity(n);
        for _ in 0..n {
            let offset = r.position();
            let query = match r.read_u8("BATCH.statement.kind")? {
                0 => BatchQuery::Query(r.read_long_string("BATCH.statement.query")?),
                1 => BatchQuery::Prepared(r.read_short_bytes("BATCH.statement.id")?),
                kind => {
                    return Err(DecodeError::UnknownCode {
                        what: "batch statement kind",
                        code: kind.into(),
                        offset,
                    })
                }
            };
            let values = read_values(r, "BATCH.statement.values")?;
            statements.push(BatchStatement { query, values });
        }
        let consistency = Consistency::read(r, "BATCH.consistency")?;
        Ok(Batch {
            batch_type,
            statements,
            consistency,
            serial_consistency: None,
            timestamp: None,
        })
    }
}
