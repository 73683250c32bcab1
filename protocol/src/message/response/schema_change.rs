//! Schema changes: the body shared by the Schema_change RESULT (spec
//! §4.2.5.5) and the SCHEMA_CHANGE event (§4.2.6).

use bytes::BytesMut;

use crate::error::{DecodeError, EncodeError};
use crate::version::ProtocolVersion;
use crate::wire::{put_string, Reader};

/// What happened to a schema element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchemaChangeType {
    /// "CREATED".
    Created,
    /// "UPDATED".
    Updated,
    /// "DROPPED".
    Dropped,
}

impl SchemaChangeType {
    /// The name on the wire, e.g. `"CREATED"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaChangeType::Created => "CREATED",
            SchemaChangeType::Updated => "UPDATED",
            SchemaChangeType::Dropped => "DROPPED",
        }
    }

    /// Parses a wire name; `None` if it is not one of the three.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "CREATED" => Some(SchemaChangeType::Created),
            "UPDATED" => Some(SchemaChangeType::Updated),
            "DROPPED" => Some(SchemaChangeType::Dropped),
            _ => None,
        }
    }
}

/// The schema element a change applies to.
///
/// In v1 and v2 a keyspace change is sent with an empty table name, so a
/// [`SchemaChangeTarget::Table`] must name a non-empty table.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SchemaChangeTarget {
    /// A keyspace (and, in Cassandra 2.1+, a user type inside it).
    Keyspace(String),
    /// A table (creating or dropping an index updates its table).
    Table {
        /// The table's keyspace.
        keyspace: String,
        /// The table's name; never empty.
        table: String,
    },
}

impl SchemaChangeTarget {
    /// The keyspace the change happened in.
    pub fn keyspace(&self) -> &str {
        match self {
            SchemaChangeTarget::Keyspace(ks) => ks,
            SchemaChangeTarget::Table { keyspace, .. } => keyspace,
        }
    }
}

/// A schema change: what happened, and to what.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SchemaChange {
    /// What happened.
    pub change: SchemaChangeType,
    /// The keyspace or table it happened to.
    pub target: SchemaChangeTarget,
}

/// Field names used in errors, one set per message carrying a schema change.
pub(crate) struct SchemaChangeContext {
    pub change: &'static str,
    pub keyspace: &'static str,
    pub table: &'static str,
}

pub(crate) const RESULT_CONTEXT: SchemaChangeContext = SchemaChangeContext {
    change: "RESULT.schema_change.change",
    keyspace: "RESULT.schema_change.keyspace",
    table: "RESULT.schema_change.table",
};

pub(crate) const EVENT_CONTEXT: SchemaChangeContext = SchemaChangeContext {
    change: "EVENT.schema_change.change",
    keyspace: "EVENT.schema_change.keyspace",
    table: "EVENT.schema_change.table",
};

impl SchemaChange {
    /// A change to a keyspace.
    pub fn keyspace(change: SchemaChangeType, keyspace: impl Into<String>) -> Self {
        SchemaChange {
            change,
            target: SchemaChangeTarget::Keyspace(keyspace.into()),
        }
    }

    /// A change to a table.
    pub fn table(
        change: SchemaChangeType,
        keyspace: impl Into<String>,
        table: impl Into<String>,
    ) -> Self {
        SchemaChange {
            change,
            target: SchemaChangeTarget::Table {
                keyspace: keyspace.into(),
                table: table.into(),
            },
        }
    }

    /// Reads the v1/v2 body `<change><keyspace><table>`.
    pub(crate) fn decode(
        r: &mut Reader,
        _version: ProtocolVersion,
        ctx: &SchemaChangeContext,
    ) -> Result<Self, DecodeError> {
        let offset = r.position();
        let name = r.read_string(ctx.change)?;
        let change =
            SchemaChangeType::from_name(&name).ok_or_else(|| DecodeError::InvalidValue {
                context: ctx.change,
                offset,
                reason: format!("unknown schema change type {name:?}"),
            })?;
        let keyspace = r.read_string(ctx.keyspace)?;
        let table = r.read_string(ctx.table)?;
        let target = if table.is_empty() {
            SchemaChangeTarget::Keyspace(keyspace)
        } else {
            SchemaChangeTarget::Table { keyspace, table }
        };
        Ok(SchemaChange { change, target })
    }

    /// Writes the v1/v2 body `<change><keyspace><table>`.
    pub(crate) fn encode(
        &self,
        _version: ProtocolVersion,
        buf: &mut BytesMut,
        ctx: &SchemaChangeContext,
    ) -> Result<(), EncodeError> {
        put_string(buf, self.change.as_str(), ctx.change)?;
        match &self.target {
            SchemaChangeTarget::Keyspace(ks) => {
                put_string(buf, ks, ctx.keyspace)?;
                put_string(buf, "", ctx.table)?;
            }
            SchemaChangeTarget::Table { keyspace, table } => {
                if table.is_empty() {
                    return Err(EncodeError::InvalidValue {
                        context: ctx.table,
                        reason: "a table target needs a non-empty table name \
                                 (an empty name means a keyspace change)"
                            .into(),
                    });
                }
                put_string(buf, keyspace, ctx.keyspace)?;
                put_string(buf, table, ctx.table)?;
            }
        }
        Ok(())
    }
}
