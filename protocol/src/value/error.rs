//! [`ValueError`]: why a value could not be converted to or from its bytes.

use crate::types::ColumnType;

/// Why a CQL value could not be serialized or deserialized.
///
/// Every malformed input and every mismatch between a Rust type and a CQL
/// type is one of these variants; decoding never panics.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The Rust type cannot represent values of the CQL type (or the reverse).
    #[error("Rust type {rust_type} does not match CQL type {cql_type}")]
    TypeMismatch {
        /// The Rust type (or `CqlValue` variant) involved.
        rust_type: &'static str,
        /// The CQL type of the column or element.
        cql_type: ColumnType,
    },
    /// A null arrived for a Rust type that cannot hold one (use `Option<T>`).
    #[error("unexpected null for CQL type {cql_type} (Rust type {rust_type}); use Option<T> to accept nulls")]
    UnexpectedNull {
        /// The Rust type asked for.
        rust_type: &'static str,
        /// The CQL type of the column or element.
        cql_type: ColumnType,
    },
    /// A zero-length value arrived for a type whose values are not strings
    /// or blobs (use `MaybeEmpty<T>` to accept it).
    #[error(
        "unexpected empty value for CQL type {cql_type}; use MaybeEmpty<T> to accept empty values"
    )]
    UnexpectedEmpty {
        /// The CQL type of the column or element.
        cql_type: ColumnType,
    },
    /// A fixed-size value has the wrong number of bytes.
    #[error("a {cql_type} value must be {expected} bytes long, got {got}")]
    WrongLength {
        /// The CQL type.
        cql_type: ColumnType,
        /// The size the type requires.
        expected: usize,
        /// The size found.
        got: usize,
    },
    /// A text or varchar value is not valid UTF-8.
    #[error("invalid UTF-8 in a text value (valid up to byte {valid_up_to})")]
    InvalidUtf8 {
        /// How many leading bytes are valid UTF-8.
        valid_up_to: usize,
    },
    /// An ascii value holds a byte (or character) outside 0..=127.
    #[error("non-ASCII byte 0x{byte:02x} at index {index} of an ascii value")]
    NotAscii {
        /// Index of the first offending byte.
        index: usize,
        /// The byte found.
        byte: u8,
    },
    /// An integer does not fit the target type.
    #[error("value {value} of CQL type {cql_type} is out of range for Rust type {rust_type}")]
    OutOfRange {
        /// The target Rust type (or CQL type, when serializing).
        rust_type: &'static str,
        /// The CQL type involved.
        cql_type: ColumnType,
        /// The value, as text.
        value: String,
    },
    /// A collection has more elements than its count field can describe.
    #[error("collection has {count} elements, more than the maximum of {max}")]
    TooManyElements {
        /// The number of elements.
        count: usize,
        /// The largest count the layout allows.
        max: usize,
    },
    /// A collection element is longer than its length field can describe.
    #[error("collection element is {length} bytes long, more than the maximum of {max}")]
    ElementTooLarge {
        /// The element's serialized length.
        length: usize,
        /// The largest length the layout allows.
        max: usize,
    },
    /// A value is longer than a `[bytes]` length can describe.
    #[error("value is {length} bytes long, more than the maximum of {max}")]
    ValueTooLarge {
        /// The value's serialized length.
        length: usize,
        /// The largest length a `[bytes]` can hold.
        max: usize,
    },
    /// A collection element is null, which the collection layout cannot hold.
    #[error("null element in a {cql_type} value, which this protocol version cannot encode")]
    NullElement {
        /// The collection type.
        cql_type: ColumnType,
    },
    /// A collection value is truncated or otherwise malformed.
    #[error("malformed {cql_type} value: {reason}")]
    MalformedCollection {
        /// The collection type.
        cql_type: ColumnType,
        /// What is wrong with it.
        reason: String,
    },
    /// A collection's element count cannot fit in the bytes that follow it;
    /// rejected before anything is allocated.
    #[error("{cql_type} value claims {count} elements, but only {remaining} bytes follow (each element needs at least {min_element_len})")]
    CountTooLarge {
        /// The collection type.
        cql_type: ColumnType,
        /// The claimed number of elements (entries, for a map).
        count: usize,
        /// Bytes left after the count.
        remaining: usize,
        /// The smallest number of bytes one element (or entry) takes.
        min_element_len: usize,
    },
    /// A value (usually a malformed one) is not a collection, or its contents
    /// are invalid for its type in a way no other variant describes.
    #[error("invalid {cql_type} value: {reason}")]
    Malformed {
        /// The CQL type.
        cql_type: ColumnType,
        /// What is wrong with it.
        reason: String,
    },
    /// Collections nest more deeply than [`MAX_VALUE_NESTING`](super::MAX_VALUE_NESTING).
    #[error("collections nested more than {max} deep")]
    NestingTooDeep {
        /// The nesting limit.
        max: usize,
    },
    /// A timeuuid value is not a version 1 UUID.
    #[error("invalid timeuuid: expected a version 1 UUID, got version {version}")]
    InvalidTimeuuid {
        /// The UUID version found.
        version: usize,
    },
    /// An inet value is neither 4 nor 16 bytes long.
    #[error("invalid inet value: an address must be 4 or 16 bytes long, got {length}")]
    InvalidInetLength {
        /// The length found.
        length: usize,
    },
    /// A timestamp is outside the range of the target date-time type.
    #[error("timestamp {millis} ms is out of range for the target date-time type")]
    TimestampOutOfRange {
        /// Milliseconds since the epoch.
        millis: i64,
    },
    /// A decimal's scale does not fit the 32-bit scale of the CQL decimal.
    #[error("decimal scale {scale} does not fit in 32 bits")]
    DecimalScaleOutOfRange {
        /// The scale found.
        scale: i64,
    },
    /// A row type has a different number of columns from the result metadata.
    #[error("row type has {expected} columns but the result has {got}")]
    WrongColumnCount {
        /// Columns the Rust row type expects.
        expected: usize,
        /// Columns in the result metadata.
        got: usize,
    },
    /// The row held a different number of values from its column metadata.
    #[error("row has {got} values but the metadata describes {expected} columns")]
    WrongValueCount {
        /// Columns in the metadata.
        expected: usize,
        /// Values the row held.
        got: usize,
    },
    /// A result without column metadata (No_metadata) was read into typed
    /// rows; the metadata must come from elsewhere (the prepared statement).
    #[error("the result carries no column metadata (No_metadata): pass the prepared statement's result columns")]
    MissingMetadata,
    /// A column of a row could not be deserialized.
    #[error("column {index} ({name}): {source}")]
    Column {
        /// The column's index in the row.
        index: usize,
        /// The column's name.
        name: String,
        /// What went wrong.
        source: Box<ValueError>,
    },
}

impl ValueError {
    /// Wraps this error with the index and name of the column it came from.
    pub fn in_column(self, index: usize, name: impl Into<String>) -> ValueError {
        ValueError::Column {
            index,
            name: name.into(),
            source: Box::new(self),
        }
    }

    pub(crate) fn mismatch(rust_type: &'static str, cql_type: &ColumnType) -> ValueError {
        ValueError::TypeMismatch {
            rust_type,
            cql_type: cql_type.clone(),
        }
    }

    pub(crate) fn malformed(cql_type: &ColumnType, reason: impl Into<String>) -> ValueError {
        ValueError::MalformedCollection {
            cql_type: cql_type.clone(),
            reason: reason.into(),
        }
    }
}
