//! The [`Model`] trait the derive implements, and [`CqlColumn`], which maps
//! Rust field types to CQL column types.
//!
//! ```
//! use std::collections::{BTreeMap, BTreeSet};
//!
//! use cqlengine::driver::protocol::ColumnType;
//! use cqlengine::Model;
//! use uuid::Uuid;
//!
//! #[derive(Model, Debug, Clone)]
//! struct Profile {
//!     #[cql(partition_key)]
//!     id: Uuid,
//!     #[cql(clustering_key, timeuuid)]
//!     updated: Uuid,
//!     nickname: Option<String>,
//!     #[cql(ascii)]
//!     country: String,
//!     tags: BTreeSet<String>,
//!     links: BTreeMap<String, String>,
//!     #[cql(default)]
//!     score: f64,
//! }
//!
//! # fn main() {
//! let types: Vec<&ColumnType> = Profile::schema().columns.iter().map(|c| &c.ty).collect();
//! let text = || Box::new(ColumnType::Varchar);
//! assert_eq!(
//!     types,
//!     [
//!         &ColumnType::Uuid,
//!         &ColumnType::Timeuuid,
//!         &ColumnType::Varchar,
//!         &ColumnType::Ascii,
//!         &ColumnType::Set(text()),
//!         &ColumnType::Map(text(), text()),
//!         &ColumnType::Double,
//!     ]
//! );
//! # }
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use bytes::Bytes;
use cql_driver::{FromRow, Row, RowError};
use cql_protocol::value::{CqlTimestamp, DeserializeValue, IsNull, SerializeValue, ValueError};
use cql_protocol::{ColumnType, ProtocolVersion, RawValue};
use uuid::Uuid;

use crate::error::{MapperError, ValidationError};
use crate::schema::ModelSchema;

/// A Rust type that can be a model field: its CQL type, and what validation
/// needs to know of a value.
///
/// It is implemented for `i32`, `i64`, `f32`, `f64`, `bool`, `String`,
/// `Uuid`, `IpAddr`, `Vec<u8>`, `Bytes`, `CqlTimestamp`, lists (`Vec`),
/// sets (`BTreeSet`, `HashSet`), maps (`BTreeMap`, `HashMap`), and
/// `Option` of any of them (a nullable column of the same type).
///
/// ```
/// use cqlengine::driver::protocol::ColumnType;
/// use cqlengine::CqlColumn;
///
/// fn describe<T: CqlColumn>(value: &T) -> String {
///     format!("{:?} null={} len={:?}", T::cql_type(), value.is_null(), value.text_len())
/// }
///
/// assert_eq!(describe(&"Ada".to_string()), "Varchar null=false len=Some(3)");
/// assert_eq!(describe(&None::<i64>), "Bigint null=true len=None");
/// assert_eq!(Vec::<i32>::cql_type(), ColumnType::List(Box::new(ColumnType::Int)));
/// ```
pub trait CqlColumn: SerializeValue + for<'a> DeserializeValue<'a> + Send + Sync {
    /// The CQL type of a column holding this type (an attribute may
    /// override it: `timeuuid`, `ascii`, `counter`).
    ///
    /// ```
    /// use std::collections::HashMap;
    ///
    /// use cqlengine::driver::protocol::ColumnType;
    /// use cqlengine::CqlColumn;
    ///
    /// assert_eq!(<Option<bool>>::cql_type(), ColumnType::Boolean);
    /// assert_eq!(
    ///     <HashMap<String, i64>>::cql_type(),
    ///     ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(ColumnType::Bigint))
    /// );
    /// ```
    fn cql_type() -> ColumnType;

    /// Whether the value is null: `None`, at any depth of `Option`s.
    ///
    /// ```
    /// use cqlengine::CqlColumn;
    ///
    /// assert!(None::<String>.is_null());
    /// assert!(Some(None::<i32>).is_null());
    /// assert!(!Some(0).is_null());
    /// ```
    fn is_null(&self) -> bool {
        false
    }

    /// For text, the length in characters (not bytes), which the
    /// `min_length` and `max_length` rules check.
    ///
    /// ```
    /// use cqlengine::CqlColumn;
    ///
    /// assert_eq!("café".to_string().text_len(), Some(4));
    /// assert_eq!(Some("Ada".to_string()).text_len(), Some(3));
    /// assert_eq!(42_i32.text_len(), None);
    /// ```
    fn text_len(&self) -> Option<usize> {
        None
    }

    /// For collections, the number of elements, which must not pass
    /// [`MAX_COLLECTION_LEN`].
    ///
    /// ```
    /// use std::collections::BTreeSet;
    ///
    /// use cqlengine::CqlColumn;
    ///
    /// assert_eq!(vec![1, 2, 3].collection_len(), Some(3));
    /// assert_eq!(BTreeSet::from(["a".to_string()]).collection_len(), Some(1));
    /// assert_eq!("abc".to_string().collection_len(), None);
    /// ```
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

/// The most elements a collection may hold in protocol v1/v2 (their
/// element counts are 16-bit); validation refuses a longer one.
///
/// ```
/// use cqlengine::{Model, MAX_COLLECTION_LEN};
///
/// #[derive(Model, Debug, Clone)]
/// struct Series {
///     #[cql(partition_key)]
///     id: i32,
///     points: Vec<i32>,
/// }
///
/// # fn main() {
/// let full = Series { id: 1, points: vec![0; MAX_COLLECTION_LEN] };
/// assert!(full.validate().is_ok());
/// let too_long = Series { id: 1, points: vec![0; MAX_COLLECTION_LEN + 1] };
/// assert_eq!(
///     too_long.validate().unwrap_err().message,
///     "holds 65536 elements; a collection holds at most 65535"
/// );
/// # }
/// ```
pub const MAX_COLLECTION_LEN: usize = 65_535;

/// A Cassandra table mapped to a Rust struct; implemented by
/// `#[derive(Model)]` (see [`derive@Model`](crate::Model)). Every model also
/// gets [`ModelExt`](crate::ModelExt)'s query and write methods, so code
/// generic over models is written against `Model` alone.
///
/// ```no_run
/// use cqlengine::prelude::*;
///
/// /// Rows of any model, counted per table.
/// async fn report<M: Model>() -> cqlengine::Result<String> {
///     let rows = M::objects().count().await?;
///     Ok(format!("{}: {rows} rows", M::schema().table))
/// }
/// ```
pub trait Model: FromRow + Send + Sync + Sized + 'static {
    /// The table description (built once).
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # fn main() {
    /// let schema = User::schema();
    /// assert_eq!((schema.model, schema.table, schema.columns.len()), ("User", "user", 3));
    /// # }
    /// ```
    fn schema() -> &'static ModelSchema;

    /// Serializes the field of column `index` (schema order).
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// use cqlengine::driver::protocol::{ProtocolVersion, RawValue};
    ///
    /// # fn main() {
    /// let ada = User { id: 1, name: None, age: 36 };
    /// let age = ada.column_value(user::age.index(), ProtocolVersion::V2).unwrap();
    /// assert_eq!(age, RawValue::Value(36_i32.to_be_bytes().to_vec().into()));
    /// let name = ada.column_value(user::name.index(), ProtocolVersion::V2).unwrap();
    /// assert_eq!(name, RawValue::Null);
    /// # }
    /// ```
    fn column_value(&self, index: usize, version: ProtocolVersion) -> Result<RawValue, ValueError>;

    /// Serializes the field of column `index` into `out` as a value of
    /// type `ty` (the bound column's type): what a statement binds. The
    /// derive writes straight from the field; this default goes through
    /// [`column_value`](Self::column_value).
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use cqlengine::driver::protocol::value::IsNull;
    /// use cqlengine::driver::protocol::{ColumnType, ProtocolVersion};
    /// use cqlengine::Model;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// struct User {
    ///     #[cql(partition_key)]
    ///     id: i32,
    ///     name: Option<String>,
    /// }
    ///
    /// # fn main() {
    /// let ada = User { id: 7, name: None };
    /// let mut out = BytesMut::new();
    /// let v2 = ProtocolVersion::V2;
    /// assert_eq!(ada.write_column(0, &ColumnType::Int, v2, &mut out).unwrap(), IsNull::No);
    /// assert_eq!(&out[..], [0, 0, 0, 7]);
    /// assert_eq!(ada.write_column(1, &ColumnType::Varchar, v2, &mut out).unwrap(), IsNull::Yes);
    /// # }
    /// ```
    fn write_column(
        &self,
        index: usize,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, ValueError> {
        write_column_value(self, index, ty, version, out)
    }

    /// Whether the field of column `index` is null (an INSERT leaves it
    /// out). The derive answers from the field; this default serializes
    /// it.
    ///
    /// ```
    /// use cqlengine::driver::protocol::ProtocolVersion;
    /// use cqlengine::Model;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// struct User {
    ///     #[cql(partition_key)]
    ///     id: i32,
    ///     name: Option<String>,
    /// }
    ///
    /// # fn main() {
    /// let ada = User { id: 7, name: None };
    /// assert!(!ada.column_is_null(0, ProtocolVersion::V2).unwrap());
    /// assert!(ada.column_is_null(1, ProtocolVersion::V2).unwrap());
    /// # }
    /// ```
    fn column_is_null(&self, index: usize, version: ProtocolVersion) -> Result<bool, ValueError> {
        column_value_is_null(self, index, version)
    }

    /// Checks every field: required, text lengths, collection sizes. Writes
    /// call it before anything is sent.
    ///
    /// ```
    /// use cqlengine::Model;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// struct User {
    ///     #[cql(partition_key)]
    ///     id: i32,
    ///     #[cql(required, min_length = 2)]
    ///     name: Option<String>,
    /// }
    ///
    /// # fn main() {
    /// assert!(User { id: 1, name: Some("Ada".into()) }.validate().is_ok());
    /// let nameless = User { id: 2, name: None }.validate().unwrap_err();
    /// assert_eq!(nameless.to_string(), "User.name: a value is required");
    /// let short = User { id: 3, name: Some("A".into()) }.validate().unwrap_err();
    /// assert_eq!(short.message, "is 1 characters long; the minimum is 2");
    /// # }
    /// ```
    fn validate(&self) -> Result<(), ValidationError>;

    /// The schema, once [`ModelSchema::check`] accepts it: query sets,
    /// writes and batches call this before anything is sent, so a broken
    /// definition (say, polymorphic variants on different tables) is a
    /// [`MapperError::ModelDefinition`] at first use. The derive caches
    /// the outcome; this default checks at every call.
    ///
    /// ```
    /// use cqlengine::{MapperError, Model};
    ///
    /// #[derive(Model, Debug, Clone)]
    /// #[cql(table = "cats", discriminator_value = "cat")]
    /// struct Cat {
    ///     #[cql(partition_key)]
    ///     id: i32,
    ///     #[cql(discriminator)]
    ///     kind: String,
    /// }
    ///
    /// // Wrong: the variants of one model must share one table.
    /// #[derive(Model, Debug, Clone)]
    /// #[cql(table = "dogs", discriminator_value = "dog")]
    /// struct Dog {
    ///     #[cql(partition_key)]
    ///     id: i32,
    ///     #[cql(discriminator)]
    ///     kind: String,
    /// }
    ///
    /// #[derive(Model, Debug, Clone)]
    /// enum Animal {
    ///     Cat(Cat),
    ///     Dog(Dog),
    /// }
    ///
    /// # fn main() {
    /// assert!(Cat::checked_schema().is_ok());
    /// let error = Animal::checked_schema().unwrap_err();
    /// assert!(matches!(error, MapperError::ModelDefinition { model: "Animal", .. }));
    /// assert!(error.to_string().contains("different tables (cats and dogs)"), "{error}");
    /// # }
    /// ```
    fn checked_schema() -> Result<&'static ModelSchema, MapperError> {
        let schema = Self::schema();
        schema.check()?;
        Ok(schema)
    }
}

/// The value of the column named `name` of a model (a variant of a
/// polymorphic enum model), or null if the model has no such column; the
/// enum's derived `column_value` calls it.
#[doc(hidden)]
pub fn variant_column_value<M: Model>(
    model: &M,
    name: &str,
    version: ProtocolVersion,
) -> Result<RawValue, ValueError> {
    match M::schema().column(name) {
        Some((index, _)) => model.column_value(index, version),
        None => Ok(RawValue::Null),
    }
}

/// The error of a row whose discriminator does not select the model.
fn discriminator_error(column: &str, ty: &ColumnType, reason: String) -> RowError {
    RowError::Value {
        column: column.to_string(),
        source: ValueError::Malformed {
            cql_type: ty.clone(),
            reason,
        },
    }
}

/// A discriminator as the row holds it: an integer column's number, else
/// the bytes as quoted text.
fn describe(raw: Option<&[u8]>, ty: &ColumnType) -> String {
    match raw {
        Some(bytes) => match crate::discriminator::decode_int(bytes, ty) {
            Some(n) => n.to_string(),
            None => format!("{:?}", String::from_utf8_lossy(bytes)),
        },
        None => "null".to_string(),
    }
}

/// Refuses a row whose discriminator column holds another value than the
/// discriminator value of `model` (whose schema is `schema`); a row
/// without the column (a partial select) passes, and so does any row of a
/// model without a discriminator value or column. The derived `FromRow`
/// of a model with a `discriminator_value` calls it.
#[doc(hidden)]
pub fn check_discriminator(
    row: &Row,
    model: &'static str,
    schema: &ModelSchema,
) -> Result<(), RowError> {
    let (Some(value), Some((_, column))) = (schema.discriminator_value, schema.discriminator())
    else {
        return Ok(());
    };
    match row.raw(column.name) {
        None => Ok(()),
        Some(Some(bytes)) if value.matches(bytes, &column.ty) => Ok(()),
        Some(raw) => Err(discriminator_error(
            column.name,
            &column.ty,
            format!(
                "the discriminator is {}, not {model}'s {value}",
                describe(raw, &column.ty)
            ),
        )),
    }
}

/// Which of `variants` (their discriminator values, in order) the row's
/// discriminator column selects: the index, or an error naming the value.
/// The derived `FromRow` of a polymorphic enum model calls it.
#[doc(hidden)]
pub fn select_variant(
    row: &Row,
    model: &'static str,
    schema: &ModelSchema,
) -> Result<usize, RowError> {
    let Some((_, column)) = schema.discriminator() else {
        return Err(discriminator_error(
            "?",
            &ColumnType::Varchar,
            format!("{model} has no discriminator column"),
        ));
    };
    let raw = match row.raw(column.name) {
        Some(raw) => raw,
        None => {
            return Err(RowError::NoSuchColumn {
                name: column.name.to_string(),
            })
        }
    };
    if let Some(bytes) = raw {
        if let Some(i) = schema.variants.iter().position(|v| {
            v.discriminator_value
                .is_some_and(|d| d.matches(bytes, &column.ty))
        }) {
            return Ok(i);
        }
    }
    let known: Vec<String> = schema
        .variants
        .iter()
        .filter_map(|v| v.discriminator_value.map(|d| d.to_string()))
        .collect();
    Err(discriminator_error(
        column.name,
        &column.ty,
        format!(
            "unknown discriminator value {} for {model} (known: {})",
            describe(raw, &column.ty),
            known.join(", ")
        ),
    ))
}

/// Checks one field against its column's rules; the derive calls it for
/// every field. A null value passes unless the column is required or part
/// of the primary key.
///
/// ```
/// use cqlengine::driver::protocol::ColumnType;
/// use cqlengine::{validate_field, ColumnDef};
///
/// let name = ColumnDef { max_length: Some(5), ..ColumnDef::new("name", "name", ColumnType::Varchar) };
/// assert!(validate_field("User", &name, &"Ada".to_string()).is_ok());
/// assert!(validate_field("User", &name, &None::<String>).is_ok());
/// let error = validate_field("User", &name, &"Ada Lovelace".to_string()).unwrap_err();
/// assert_eq!(error.to_string(), "User.name: is 12 characters long; the maximum is 5");
/// ```
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
    // Counting characters costs a pass over the text: only when limited.
    let limited = column.min_length.is_some() || column.max_length.is_some();
    if let Some(len) = limited.then(|| value.text_len()).flatten() {
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

/// Serializes a model's field for a statement (what the derive's
/// `column_value` calls).
///
/// Values are written into a per-thread scratch buffer and split off it,
/// so a model's columns usually share one allocation instead of taking
/// one each: the buffer is reallocated only once its space is used up,
/// and a block is freed when the last value cut from it is dropped.
/// Values kept for long (a [`Tracked`](crate::Tracked) model's stored
/// values) are copied out with [`detached`], so they do not hold a block.
#[doc(hidden)]
pub fn field_value<T: SerializeValue + ?Sized>(
    value: &T,
    ty: &ColumnType,
    version: ProtocolVersion,
) -> Result<RawValue, ValueError> {
    thread_local! {
        static SCRATCH: std::cell::RefCell<bytes::BytesMut> =
            std::cell::RefCell::new(bytes::BytesMut::with_capacity(SCRATCH_BLOCK));
    }
    SCRATCH.with(|scratch| {
        // A value type whose serialization serializes a model field itself
        // finds the buffer busy: it gets its own.
        let Ok(mut scratch) = scratch.try_borrow_mut() else {
            return cql_protocol::value::to_raw_value(value, ty, version);
        };
        if scratch.capacity() < 64 {
            scratch.reserve(SCRATCH_BLOCK);
        }
        let result = value.serialize(ty, version, &mut scratch);
        let length = scratch.len();
        match result {
            Ok(IsNull::No) if length <= i32::MAX as usize => {
                Ok(RawValue::Value(scratch.split().freeze()))
            }
            Ok(IsNull::No) => {
                scratch.clear();
                Err(ValueError::ValueTooLarge {
                    length,
                    max: i32::MAX as usize,
                })
            }
            Ok(IsNull::Yes) => {
                scratch.clear();
                Ok(RawValue::Null)
            }
            Err(error) => {
                scratch.clear();
                Err(error)
            }
        }
    })
}

/// The size of a scratch block of [`field_value`].
const SCRATCH_BLOCK: usize = 8 * 1024;

/// `value` with bytes of its own, not shared with a scratch block.
pub(crate) fn detached(value: RawValue) -> RawValue {
    match value {
        RawValue::Value(bytes) => RawValue::Value(Bytes::copy_from_slice(&bytes)),
        other => other,
    }
}

/// [`Model::write_column`] through [`Model::column_value`]: the default,
/// and the derive's path for the columns of a flattened group.
#[doc(hidden)]
pub fn write_column_value<M: Model>(
    model: &M,
    index: usize,
    ty: &ColumnType,
    version: ProtocolVersion,
    out: &mut bytes::BytesMut,
) -> Result<IsNull, ValueError> {
    model
        .column_value(index, version)?
        .serialize(ty, version, out)
}

/// [`Model::column_is_null`] through [`Model::column_value`].
#[doc(hidden)]
pub fn column_value_is_null<M: Model>(
    model: &M,
    index: usize,
    version: ProtocolVersion,
) -> Result<bool, ValueError> {
    Ok(!matches!(
        model.column_value(index, version)?,
        RawValue::Value(_)
    ))
}

/// The error of a `column_value` for an index past the last column of the
/// model or group named `owner`, which has `columns` columns.
#[doc(hidden)]
pub fn column_out_of_range(owner: &'static str, index: usize, columns: usize) -> ValueError {
    ValueError::OutOfRange {
        rust_type: owner,
        cql_type: ColumnType::Int,
        value: format!("column index {index} ({owner} has {columns} columns)"),
    }
}
