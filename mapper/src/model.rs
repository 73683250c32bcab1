//! The [`Model`] trait the derive implements, and [`CqlColumn`], which maps
//! Rust field types to CQL column types.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use bytes::Bytes;
use cql_driver::FromRow;
use cql_protocol::value::{CqlTimestamp, DeserializeValue, SerializeValue, ValueError};
use cql_protocol::{ColumnType, ProtocolVersion, RawValue};
use uuid::Uuid;

use crate::error::ValidationError;
use crate::schema::ModelSchema;

/// A Rust type that can be a model field: its CQL type, and what validation
/// needs to know of a value.
pub trait CqlColumn: SerializeValue + for<'a> DeserializeValue<'a> + Send + Sync {
    /// The CQL type of a column holding this type (an attribute may
    /// override it: `timeuuid`, `ascii`, `counter`).
    fn cql_type() -> ColumnType;

    /// Whether the value is null.
    fn is_null(&self) -> bool {
        false
    }

    /// For text, the length in characters.
    fn text_len(&self) -> Option<usize> {
        None
    }

    /// For collections, the number of elements.
    fn collection_len(&self) -> Option<usize> {
        None
    }
}

macro_rules! scalar_columns {
    ($($t:ty => $ty:expr),* $(,)?) => {
        $(impl CqlColumn for $t {
            fn cql_type() -> ColumnType {
                $ty
            }
        })*
    };
}

scalar_columns! {
    i32 => ColumnType::Int,
    i64 => ColumnType::Bigint,
    f32 => ColumnType::Float,
    f64 => ColumnType::Double,
    bool => ColumnType::Boolean,
    Uuid => ColumnType::Uuid,
    IpAddr => ColumnType::Inet,
    Vec<u8> => ColumnType::Blob,
    Bytes => ColumnType::Blob,
    CqlTimestamp => ColumnType::Timestamp,
}

impl CqlColumn for String {
    fn cql_type() -> ColumnType {
        ColumnType::Varchar
    }

    fn text_len(&self) -> Option<usize> {
        Some(self.chars().count())
    }
}

impl<T: CqlColumn> CqlColumn for Option<T> {
    fn cql_type() -> ColumnType {
        T::cql_type()
    }

    fn is_null(&self) -> bool {
        self.as_ref().is_none_or(CqlColumn::is_null)
    }

    fn text_len(&self) -> Option<usize> {
        self.as_ref().and_then(CqlColumn::text_len)
    }

    fn collection_len(&self) -> Option<usize> {
        self.as_ref().and_then(CqlColumn::collection_len)
    }
}

macro_rules! collection_columns {
    ($($(#[$m:meta])* [$($g:tt)*] $t:ty => $ty:expr),* $(,)?) => {
        $(impl<$($g)*> CqlColumn for $t {
            fn cql_type() -> ColumnType {
                $ty
            }

            fn collection_len(&self) -> Option<usize> {
                Some(self.len())
            }
        })*
    };
}

collection_columns! {
    [T: CqlColumn] Vec<T> => ColumnType::List(Box::new(T::cql_type())),
    [T: CqlColumn + Ord] BTreeSet<T> => ColumnType::Set(Box::new(T::cql_type())),
    [T: CqlColumn + Eq + std::hash::Hash] HashSet<T> => ColumnType::Set(Box::new(T::cql_type())),
    [K: CqlColumn + Ord, V: CqlColumn] BTreeMap<K, V> =>
        ColumnType::Map(Box::new(K::cql_type()), Box::new(V::cql_type())),
    [K: CqlColumn + Eq + std::hash::Hash, V: CqlColumn] HashMap<K, V> =>
        ColumnType::Map(Box::new(K::cql_type()), Box::new(V::cql_type())),
}

/// The most elements a collection may hold in protocol v1/v2.
pub const MAX_COLLECTION_LEN: usize = 65_535;

/// A Cassandra table mapped to a Rust struct; implemented by
/// `#[derive(Model)]`.
pub trait Model: FromRow + Send + Sync + Sized + 'static {
    /// The table description (built once).
    fn schema() -> &'static ModelSchema;

    /// Serializes the field of column `index` (schema order).
    fn column_value(&self, index: usize, version: ProtocolVersion) -> Result<RawValue, ValueError>;

    /// Checks every field: required, text lengths, collection sizes.
    fn validate(&self) -> Result<(), ValidationError>;
}

/// Checks one field against its column's rules; the derive calls it for
/// every field.
pub fn validate_field<T: CqlColumn>(
    model: &'static str,
    column: &crate::schema::ColumnDef,
    value: &T,
) -> Result<(), ValidationError> {
    let fail = |message: String| {
        Err(ValidationError {
            model,
            field: column.field.to_string(),
            message,
        })
    };
    if value.is_null() {
        if column.required || column.is_primary_key() {
            return fail("a value is required".into());
        }
        return Ok(());
    }
    if let Some(len) = value.text_len() {
        if let Some(min) = column.min_length {
            if len < min {
                return fail(format!("is {len} characters long; the minimum is {min}"));
            }
        }
        if let Some(max) = column.max_length {
            if len > max {
                return fail(format!("is {len} characters long; the maximum is {max}"));
            }
        }
    }
    if let Some(len) = value.collection_len() {
        if len > MAX_COLLECTION_LEN {
            return fail(format!(
                "holds {len} elements; a collection holds at most {MAX_COLLECTION_LEN}"
            ));
        }
    }
    Ok(())
}
