//! [`DiscriminatorValue`]: the value of a polymorphic table's discriminator
//! column that selects one model, typed as the attribute wrote it.

use std::fmt;

use bytes::{BufMut, BytesMut};
use cql_protocol::value::{IsNull, SerializeValue, ValueError};
use cql_protocol::{ColumnType, ProtocolVersion};

/// The discriminator value of a model in a polymorphic table
/// (`#[cql(discriminator_value = ...)]`): text for a text or ascii
/// discriminator column, an integer for an int, bigint or varint one.
///
/// It is written as a value of the discriminator column's type (an `Int`
/// into an `int` column must fit in an `i32`: [`ModelSchema::check`]
/// refuses a value its column cannot hold), and a row's discriminator is
/// compared with it after decoding the row's bytes as that type.
///
/// [`ModelSchema::check`]: crate::ModelSchema::check
///
/// ```
/// use cqlengine::{DiscriminatorValue, Model};
/// use cqlengine::driver::protocol::ColumnType;
///
/// #[derive(Model, Debug)]
/// #[cql(table = "vehicles", discriminator_value = 2)]
/// pub struct Truck {
///     #[cql(partition_key)]
///     pub id: i32,
///     #[cql(discriminator)]
///     pub kind: i32,
/// }
///
/// # fn main() {
/// assert_eq!(Truck::schema().discriminator_value, Some(DiscriminatorValue::Int(2)));
/// assert!(DiscriminatorValue::Int(2).fits(&ColumnType::Int));
/// assert!(!DiscriminatorValue::Text("truck").fits(&ColumnType::Int));
/// assert!(DiscriminatorValue::Int(2).matches(&[0, 0, 0, 2], &ColumnType::Int));
/// assert_eq!(DiscriminatorValue::Text("truck").to_string(), "\"truck\"");
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiscriminatorValue {
    /// A text value, for a `text`, `varchar` or `ascii` column.
    Text(&'static str),
    /// An integer value, for an `int` (if it fits an `i32`), `bigint` or
    /// `varint` column.
    Int(i64),
}

impl DiscriminatorValue {
    /// Whether a column of type `ty` can hold this value.
    pub fn fits(&self, ty: &ColumnType) -> bool {
        match self {
            DiscriminatorValue::Text(_) => {
                matches!(
                    ty,
                    ColumnType::Varchar | ColumnType::Text | ColumnType::Ascii
                )
            }
            DiscriminatorValue::Int(n) => match ty {
                ColumnType::Int => i32::try_from(*n).is_ok(),
                ColumnType::Bigint | ColumnType::Varint => true,
                _ => false,
            },
        }
    }

    /// Whether the bytes of a value of a column of type `ty` are this value.
    pub fn matches(&self, raw: &[u8], ty: &ColumnType) -> bool {
        match self {
            DiscriminatorValue::Text(text) => raw == text.as_bytes(),
            DiscriminatorValue::Int(n) => decode_int(raw, ty) == Some(*n),
        }
    }
}

impl fmt::Display for DiscriminatorValue {
    /// Text in double quotes (`"cat"`), an integer as is (`2`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscriminatorValue::Text(text) => write!(f, "{text:?}"),
            DiscriminatorValue::Int(n) => write!(f, "{n}"),
        }
    }
}

impl SerializeValue for DiscriminatorValue {
    fn serialize(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        match self {
            DiscriminatorValue::Text(text) => text.serialize(ty, version, out),
            DiscriminatorValue::Int(n) => match ty {
                ColumnType::Int => {
                    let small = i32::try_from(*n).map_err(|_| ValueError::OutOfRange {
                        rust_type: "DiscriminatorValue",
                        cql_type: ty.clone(),
                        value: n.to_string(),
                    })?;
                    out.put_i32(small);
                    Ok(IsNull::No)
                }
                _ => n.serialize(ty, version, out),
            },
        }
    }

    fn natural_type(&self) -> Option<ColumnType> {
        Some(match self {
            DiscriminatorValue::Text(_) => ColumnType::Varchar,
            DiscriminatorValue::Int(n) if i32::try_from(*n).is_ok() => ColumnType::Int,
            DiscriminatorValue::Int(_) => ColumnType::Bigint,
        })
    }
}

/// The integer in the bytes of an `int`, `bigint` or `varint` value (a
/// varint longer than 8 bytes only if its extra bytes are sign bytes).
pub(crate) fn decode_int(raw: &[u8], ty: &ColumnType) -> Option<i64> {
    match ty {
        ColumnType::Int => Some(i64::from(i32::from_be_bytes(raw.try_into().ok()?))),
        ColumnType::Bigint | ColumnType::Counter => Some(i64::from_be_bytes(raw.try_into().ok()?)),
        ColumnType::Varint => {
            let (&first, _) = raw.split_first()?;
            let sign: u8 = if first & 0x80 != 0 { 0xff } else { 0 };
            let extra = raw.len().saturating_sub(8);
            if raw[..extra].iter().any(|&b| b != sign) {
                return None;
            }
            let digits = &raw[extra..];
            if extra > 0 && digits.first().is_some_and(|&b| (b ^ sign) & 0x80 != 0) {
                // The kept bytes change sign: the value does not fit.
                return None;
            }
            let mut bytes = [sign; 8];
            bytes[8 - digits.len()..].copy_from_slice(digits);
            Some(i64::from_be_bytes(bytes))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serialized(value: DiscriminatorValue, ty: &ColumnType) -> Result<Vec<u8>, ValueError> {
        let mut out = BytesMut::new();
        value.serialize(ty, ProtocolVersion::V2, &mut out)?;
        Ok(out.to_vec())
    }

    #[test]
    fn integers_round_trip_through_each_integer_type() {
        for n in [0i64, 1, -1, 127, 128, -129, 70_000, i64::from(i32::MAX)] {
            let value = DiscriminatorValue::Int(n);
            for ty in [ColumnType::Int, ColumnType::Bigint, ColumnType::Varint] {
                let bytes = serialized(value, &ty).unwrap();
                assert!(value.matches(&bytes, &ty), "{n} as {ty:?}: {bytes:?}");
                assert!(!DiscriminatorValue::Int(n + 1).matches(&bytes, &ty));
            }
        }
        let big = DiscriminatorValue::Int(i64::MIN);
        for ty in [ColumnType::Bigint, ColumnType::Varint] {
            assert!(big.matches(&serialized(big, &ty).unwrap(), &ty));
        }
        assert!(serialized(big, &ColumnType::Int).is_err());
        assert!(!big.fits(&ColumnType::Int));
    }

    #[test]
    fn padded_varints_decode() {
        assert_eq!(
            decode_int(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 5], &ColumnType::Varint),
            Some(5)
        );
        assert_eq!(decode_int(&[0xff; 10], &ColumnType::Varint), Some(-1));
        assert_eq!(
            decode_int(&[1, 0, 0, 0, 0, 0, 0, 0, 0], &ColumnType::Varint),
            None
        );
        assert_eq!(
            decode_int(&[0, 0x80, 0, 0, 0, 0, 0, 0, 0], &ColumnType::Varint),
            None
        );
        assert_eq!(decode_int(&[], &ColumnType::Varint), None);
        assert_eq!(decode_int(&[1, 2], &ColumnType::Int), None);
    }

    #[test]
    fn text_fits_text_columns_only() {
        let cat = DiscriminatorValue::Text("cat");
        assert!(cat.fits(&ColumnType::Varchar) && cat.fits(&ColumnType::Ascii));
        assert!(!cat.fits(&ColumnType::Int));
        assert!(cat.matches(b"cat", &ColumnType::Varchar));
        assert!(serialized(cat, &ColumnType::Int).is_err());
        assert!(serialized(DiscriminatorValue::Int(1), &ColumnType::Varchar).is_err());
        assert_eq!(DiscriminatorValue::Int(-3).to_string(), "-3");
    }
}
