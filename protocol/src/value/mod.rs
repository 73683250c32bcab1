//! CQL values (spec §6): their encodings, and traits that map Rust types to
//! and from them.
//!
//! - [`CqlValue`] holds any value, decoded by its column type;
//! - [`SerializeValue`] writes a Rust value for a column of a given type,
//!   checking that the two fit; [`write_value`] writes it as a `[bytes]`
//!   and [`to_raw_value`] as a [`RawValue`](crate::RawValue);
//! - [`DeserializeValue`] reads a Rust value from a column of a given type
//!   (zero-copy for `&str` and `&[u8]`), and [`DeserializeRow`] a whole row;
//! - [`CqlTimestamp`] and [`CqlDecimal`] represent `timestamp` and `decimal`
//!   (with `chrono` and `bigdecimal` conversions behind those features);
//! - [`MaybeEmpty`] accepts the legacy zero-length "empty" value.
//!
//! Nulls map to `Option::None`. Collections use the layout of the protocol
//! version ([`ProtocolVersion::collection_size_width`](crate::ProtocolVersion::collection_size_width)):
//! in v1 and v2 at most 65535 elements of at most 65535 bytes, none null.
//!
//! Decoding never panics and never allocates more than its input justifies.
//!
//! ```
//! use std::collections::HashMap;
//! use cql_protocol::value::{to_raw_value, DeserializeValue};
//! use cql_protocol::{ColumnType, ProtocolVersion, RawValue};
//!
//! let ty = ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(ColumnType::Int));
//! let scores = HashMap::from([("ada".to_string(), 3)]);
//! let raw = to_raw_value(&scores, &ty, ProtocolVersion::V2)?;
//! let RawValue::Value(bytes) = raw else { unreachable!() };
//! assert_eq!(&bytes[..], &[0, 1, 0, 3, b'a', b'd', b'a', 0, 4, 0, 0, 0, 3]);
//! let back = HashMap::<&str, i32>::deserialize(&ty, Some(&bytes[..]), ProtocolVersion::V2)?;
//! assert_eq!(back.get("ada"), Some(&3));
//! # Ok::<(), cql_protocol::value::ValueError>(())
//! ```

mod collection;
mod cql_value;
mod decimal;
mod deserialize;
mod error;
mod row;
mod scalar;
mod serialize;
mod timestamp;
mod varint;

pub use collection::{INT_LAYOUT_MAX, SHORT_LAYOUT_MAX};
pub use cql_value::CqlValue;
pub use decimal::CqlDecimal;
pub use deserialize::{DeserializeValue, MaybeEmpty};
pub use error::ValueError;
pub use row::DeserializeRow;
pub use serialize::{to_raw_value, write_value, IsNull, SerializeValue};
pub use timestamp::CqlTimestamp;

/// How deeply collection values may nest when decoded: a value inside more
/// than this many collections is rejected with
/// [`ValueError::NestingTooDeep`]. It matches the nesting the type parser
/// accepts ([`MAX_TYPE_NESTING`](crate::types::MAX_TYPE_NESTING)).
pub const MAX_VALUE_NESTING: usize = crate::types::MAX_TYPE_NESTING;
