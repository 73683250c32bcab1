//! Column types: the `[option]` that describes a column in result and bind
//! metadata (spec §4.2.5.2).

use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::version::ProtocolVersion;
use crate::wire::{put_string, Reader};

/// How deeply collection types may nest when decoded from the wire. Real
/// schemas nest at most a few levels (collections of collections need the
/// frozen types of Cassandra 2.1+); the bound keeps a hostile body from
/// recursing without end.
pub const MAX_TYPE_NESTING: usize = 16;

/// The type of a column, as described by an `[option]`.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// A custom type (0x0000), named by its Java class.
    Custom(String),
    /// ascii (0x0001).
    Ascii,
    /// bigint (0x0002).
    Bigint,
    /// blob (0x0003).
    Blob,
    /// boolean (0x0004).
    Boolean,
    /// counter (0x0005).
    Counter,
    /// decimal (0x0006).
    Decimal,
    /// double (0x0007).
    Double,
    /// float (0x0008).
    Float,
    /// int (0x0009).
    Int,
    /// text (0x000A); Cassandra itself sends varchar for text columns.
    Text,
    /// timestamp (0x000B).
    Timestamp,
    /// uuid (0x000C).
    Uuid,
    /// varchar (0x000D).
    Varchar,
    /// varint (0x000E).
    Varint,
    /// timeuuid (0x000F).
    Timeuuid,
    /// inet (0x0010).
    Inet,
    /// list (0x0020) of an element type.
    List(Box<ColumnType>),
    /// map (0x0021) of a key and a value type.
    Map(Box<ColumnType>, Box<ColumnType>),
    /// set (0x0022) of an element type.
    Set(Box<ColumnType>),
}

impl ColumnType {
    /// The option id of this type.
    pub fn id(&self) -> u16 {
        match self {
            ColumnType::Custom(_) => 0x0000,
            ColumnType::Ascii => 0x0001,
            ColumnType::Bigint => 0x0002,
            ColumnType::Blob => 0x0003,
            ColumnType::Boolean => 0x0004,
            ColumnType::Counter => 0x0005,
            ColumnType::Decimal => 0x0006,
            ColumnType::Double => 0x0007,
            ColumnType::Float => 0x0008,
            ColumnType::Int => 0x0009,
            ColumnType::Text => 0x000A,
            ColumnType::Timestamp => 0x000B,
            ColumnType::Uuid => 0x000C,
            ColumnType::Varchar => 0x000D,
            ColumnType::Varint => 0x000E,
            ColumnType::Timeuuid => 0x000F,
            ColumnType::Inet => 0x0010,
            ColumnType::List(_) => 0x0020,
            ColumnType::Map(_, _) => 0x0021,
            ColumnType::Set(_) => 0x0022,
        }
    }

    /// Whether this is a list, set or map.
    pub fn is_collection(&self) -> bool {
        matches!(
            self,
            ColumnType::List(_) | ColumnType::Set(_) | ColumnType::Map(_, _)
        )
    }

    /// Whether values of this type are character strings (ascii, text, varchar).
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            ColumnType::Ascii | ColumnType::Text | ColumnType::Varchar
        )
    }

    /// Reads an `[option]`.
    ///
    /// Ids that later versions define (date, time, smallint, tinyint,
    /// duration, UDT, tuple) are reported as [`DecodeError::NotInVersion`].
    pub fn read(reader: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        Self::read_nested(reader, version, 0)
    }

    fn read_nested(
        reader: &mut Reader,
        version: ProtocolVersion,
        depth: usize,
    ) -> Result<Self, DecodeError> {
        const CONTEXT: &str = "type option";
        let offset = reader.position();
        if depth > MAX_TYPE_NESTING {
            return Err(DecodeError::InvalidValue {
                context: CONTEXT,
                offset,
                reason: format!("collection types nested more than {MAX_TYPE_NESTING} deep"),
            });
        }
        let id = reader.read_u16(CONTEXT)?;
        let nested = |reader: &mut Reader| Self::read_nested(reader, version, depth + 1);
        Ok(match id {
            0x0000 => ColumnType::Custom(reader.read_string("custom type class name")?),
            0x0001 => ColumnType::Ascii,
            0x0002 => ColumnType::Bigint,
            0x0003 => ColumnType::Blob,
            0x0004 => ColumnType::Boolean,
            0x0005 => ColumnType::Counter,
            0x0006 => ColumnType::Decimal,
            0x0007 => ColumnType::Double,
            0x0008 => ColumnType::Float,
            0x0009 => ColumnType::Int,
            0x000A => ColumnType::Text,
            0x000B => ColumnType::Timestamp,
            0x000C => ColumnType::Uuid,
            0x000D => ColumnType::Varchar,
            0x000E => ColumnType::Varint,
            0x000F => ColumnType::Timeuuid,
            0x0010 => ColumnType::Inet,
            0x0020 => ColumnType::List(Box::new(nested(reader)?)),
            0x0021 => {
                let key = nested(reader)?;
                let value = nested(reader)?;
                ColumnType::Map(Box::new(key), Box::new(value))
            }
            0x0022 => ColumnType::Set(Box::new(nested(reader)?)),
            later @ (0x0011..=0x0015 | 0x0030 | 0x0031) => {
                let name = match later {
                    0x0011 => "date",
                    0x0012 => "time",
                    0x0013 => "smallint",
                    0x0014 => "tinyint",
                    0x0015 => "duration",
                    0x0030 => "user-defined type",
                    _ => "tuple",
                };
                return Err(DecodeError::NotInVersion {
                    what: format!("the {name} type (option id 0x{later:04x})"),
                    version,
                });
            }
            other => {
                return Err(DecodeError::UnknownCode {
                    what: "type option id",
                    code: other.into(),
                    offset,
                })
            }
        })
    }

    /// Writes this type as an `[option]`.
    // `version` is unused by the v1/v2 types, all of which every version
    // knows; it is in the signature for the v3+ ones (UDT, tuple, date...).
    #[allow(clippy::only_used_in_recursion)]
    pub fn write(&self, buf: &mut BytesMut, version: ProtocolVersion) -> Result<(), EncodeError> {
        buf.put_u16(self.id());
        match self {
            ColumnType::Custom(class) => put_string(buf, class, "custom type class name")?,
            ColumnType::List(elem) | ColumnType::Set(elem) => elem.write(buf, version)?,
            ColumnType::Map(key, value) => {
                key.write(buf, version)?;
                value.write(buf, version)?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// The keyspace and table a column belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct TableSpec {
    /// The keyspace name.
    pub keyspace: String,
    /// The table name.
    pub table: String,
}

impl TableSpec {
    /// A table spec from its two names.
    pub fn new(keyspace: impl Into<String>, table: impl Into<String>) -> Self {
        TableSpec {
            keyspace: keyspace.into(),
            table: table.into(),
        }
    }
}

/// One column of result or bind metadata: where it comes from, its name and type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ColumnSpec {
    /// The keyspace and table of the column.
    pub table: TableSpec,
    /// The column's name (or a bind marker's name).
    pub name: String,
    /// The column's type.
    pub ty: ColumnType,
}

impl ColumnSpec {
    /// A column spec from its parts.
    pub fn new(table: TableSpec, name: impl Into<String>, ty: ColumnType) -> Self {
        ColumnSpec {
            table,
            name: name.into(),
            ty,
        }
    }
}

impl fmt::Display for ColumnType {
    /// Formats the type as CQL writes it, e.g. `map<text, int>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::Custom(class) => write!(f, "'{class}'"),
            ColumnType::Ascii => f.write_str("ascii"),
            ColumnType::Bigint => f.write_str("bigint"),
            ColumnType::Blob => f.write_str("blob"),
            ColumnType::Boolean => f.write_str("boolean"),
            ColumnType::Counter => f.write_str("counter"),
            ColumnType::Decimal => f.write_str("decimal"),
            ColumnType::Double => f.write_str("double"),
            ColumnType::Float => f.write_str("float"),
            ColumnType::Int => f.write_str("int"),
            ColumnType::Text => f.write_str("text"),
            ColumnType::Timestamp => f.write_str("timestamp"),
            ColumnType::Uuid => f.write_str("uuid"),
            ColumnType::Varchar => f.write_str("varchar"),
            ColumnType::Varint => f.write_str("varint"),
            ColumnType::Timeuuid => f.write_str("timeuuid"),
            ColumnType::Inet => f.write_str("inet"),
            ColumnType::List(e) => write!(f, "list<{e}>"),
            ColumnType::Set(e) => write!(f, "set<{e}>"),
            ColumnType::Map(k, v) => write!(f, "map<{k}, {v}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn decode(bytes: &'static [u8]) -> Result<ColumnType, DecodeError> {
        let mut r = Reader::new(Bytes::from_static(bytes));
        let t = ColumnType::read(&mut r, ProtocolVersion::V2)?;
        r.expect_end("type")?;
        Ok(t)
    }

    fn encode(t: &ColumnType) -> Vec<u8> {
        let mut b = BytesMut::new();
        t.write(&mut b, ProtocolVersion::V2).unwrap();
        b.to_vec()
    }

    #[test]
    fn hand_vectors() {
        let cases: &[(&[u8], ColumnType)] = &[
            (&[0x00, 0x0d], ColumnType::Varchar),
            (&[0x00, 0x10], ColumnType::Inet),
            (
                &[0x00, 0x20, 0x00, 0x09],
                ColumnType::List(Box::new(ColumnType::Int)),
            ),
            (
                &[0x00, 0x21, 0x00, 0x0d, 0x00, 0x02],
                ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(ColumnType::Bigint)),
            ),
            (
                &[0x00, 0x22, 0x00, 0x0c],
                ColumnType::Set(Box::new(ColumnType::Uuid)),
            ),
            (
                &[0x00, 0x00, 0x00, 0x03, b'a', b'.', b'B'],
                ColumnType::Custom("a.B".into()),
            ),
        ];
        for (bytes, ty) in cases {
            assert_eq!(decode(bytes).unwrap(), *ty);
            assert_eq!(encode(ty), *bytes);
        }
        for id in 1u16..=0x10 {
            let bytes = id.to_be_bytes();
            let mut r = Reader::new(Bytes::copy_from_slice(&bytes));
            let t = ColumnType::read(&mut r, ProtocolVersion::V1).unwrap();
            assert_eq!(t.id(), id);
        }
    }

    #[test]
    fn later_types_are_not_in_v2() {
        for id in [0x11u8, 0x12, 0x13, 0x14, 0x15, 0x30, 0x31] {
            let bytes: &'static [u8] = Box::leak(Box::new([0x00, id]));
            assert!(matches!(
                decode(bytes),
                Err(DecodeError::NotInVersion {
                    version: ProtocolVersion::V2,
                    ..
                })
            ));
        }
        assert!(matches!(
            decode(&[0x00, 0x40]),
            Err(DecodeError::UnknownCode { code: 0x40, .. })
        ));
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let mut bytes = Vec::new();
        for _ in 0..10_000 {
            bytes.extend_from_slice(&[0x00, 0x20]);
        }
        bytes.extend_from_slice(&[0x00, 0x09]);
        let mut r = Reader::new(Bytes::from(bytes));
        assert!(matches!(
            ColumnType::read(&mut r, ProtocolVersion::V2),
            Err(DecodeError::InvalidValue { .. })
        ));
    }

    #[test]
    fn displays_as_cql() {
        let t = ColumnType::Map(
            Box::new(ColumnType::Varchar),
            Box::new(ColumnType::List(Box::new(ColumnType::Int))),
        );
        assert_eq!(t.to_string(), "map<varchar, list<int>>");
    }
}
