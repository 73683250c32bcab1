//! Comparators and validators: how Cassandra 2.0 orders and checks the
//! serialized (CQL native protocol) bytes of each type.
//!
//! Every function here takes arbitrary bytes and never panics: a value of an
//! unexpected length falls back to a byte-wise comparison, as the typed
//! comparison would be meaningless.

use std::cmp::Ordering;

use cql_protocol::ColumnType;

use super::schema::Order;

/// The package prefix of Cassandra's marshal classes.
pub const MARSHAL_PACKAGE: &str = "org.apache.cassandra.db.marshal.";

/// Compares two serialized values of type `ty` as Cassandra 2.0's
/// `AbstractType.compare` does.
///
/// - int, bigint, counter, timestamp: signed integers;
/// - varint and decimal: numerically, whatever their (non-minimal) encoding;
/// - float and double: Java's `Float.compareTo`/`Double.compareTo`
///   (`-0.0 < 0.0`, NaN is greater than everything and equal to itself);
/// - boolean: `false < true` (any non-zero byte is true);
/// - ascii, text, varchar, blob, inet and custom types: unsigned bytes;
/// - uuid (`UUIDType`): by version, then (version 1) by timestamp, then
///   unsigned bytes; timeuuid (`TimeUUIDType`): by timestamp, then Java's
///   signed `ByteBuffer.compareTo`;
/// - the empty value sorts before every other value.
pub fn compare_values(ty: &ColumnType, a: &[u8], b: &[u8]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    match ty {
        ColumnType::Int | ColumnType::Bigint | ColumnType::Counter | ColumnType::Timestamp => {
            if a.len() == b.len() {
                compare_signed_be(a, b)
            } else {
                a.cmp(b)
            }
        }
        ColumnType::Varint => compare_varint(a, b),
        ColumnType::Decimal => compare_decimal(a, b),
        ColumnType::Float => match (<[u8; 4]>::try_from(a), <[u8; 4]>::try_from(b)) {
            (Ok(x), Ok(y)) => java_float_cmp(
                f64::from(f32::from_be_bytes(x)),
                f64::from(f32::from_be_bytes(y)),
            ),
            _ => a.cmp(b),
        },
        ColumnType::Double => match (<[u8; 8]>::try_from(a), <[u8; 8]>::try_from(b)) {
            (Ok(x), Ok(y)) => java_float_cmp(f64::from_be_bytes(x), f64::from_be_bytes(y)),
            _ => a.cmp(b),
        },
        ColumnType::Boolean => (a[0] != 0).cmp(&(b[0] != 0)),
        ColumnType::Uuid => compare_uuid(a, b),
        ColumnType::Timeuuid => compare_timeuuid(a, b),
        _ => a.cmp(b),
    }
}

/// Compares two values of a clustering column with its clustering order:
/// `Desc` reverses the type's order, except that the empty value still
/// sorts first (as Cassandra's `ReversedType` does).
pub fn compare_with_order(ty: &ColumnType, order: Order, a: &[u8], b: &[u8]) -> Ordering {
    match order {
        Order::Asc => compare_values(ty, a, b),
        Order::Desc => match (a.is_empty(), b.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => compare_values(ty, b, a),
        },
    }
}

/// Java's signed `ByteBuffer.compareTo`: bytes compared as `i8`, then
/// length. Cassandra 2.0 uses it to break timestamp ties between two live
/// cells (`Column.reconcile`) and in `TimeUUIDType`.
pub fn compare_signed_bytes(a: &[u8], b: &[u8]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let c = (*x as i8).cmp(&(*y as i8));
        if c != Ordering::Equal {
            return c;
        }
    }
    a.len().cmp(&b.len())
}

/// Two's complement big-endian integers of the same length.
fn compare_signed_be(a: &[u8], b: &[u8]) -> Ordering {
    (a[0] as i8)
        .cmp(&(b[0] as i8))
        .then_with(|| a[1..].cmp(&b[1..]))
}

fn java_float_cmp(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => x.total_cmp(&y),
    }
}

/// Strips redundant sign bytes from a two's complement big-endian integer.
fn minimal_varint(mut v: &[u8]) -> &[u8] {
    while v.len() > 1 && ((v[0] == 0x00 && v[1] & 0x80 == 0) || (v[0] == 0xff && v[1] & 0x80 != 0))
    {
        v = &v[1..];
    }
    v
}

fn compare_varint(a: &[u8], b: &[u8]) -> Ordering {
    let a = minimal_varint(a);
    let b = minimal_varint(b);
    let neg_a = a.first().is_some_and(|x| x & 0x80 != 0);
    let neg_b = b.first().is_some_and(|x| x & 0x80 != 0);
    match (neg_a, neg_b) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        // Same sign: a longer minimal encoding has a larger magnitude, and
        // same-length two's complement numbers of one sign compare unsigned.
        (false, false) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (true, true) => b.len().cmp(&a.len()).then_with(|| a.cmp(b)),
    }
}

/// The sign and decimal digits (no leading zeros; empty for zero) of a
/// two's complement big-endian integer.
fn varint_to_decimal(v: &[u8]) -> (bool, Vec<u8>) {
    let negative = v.first().is_some_and(|x| x & 0x80 != 0);
    // Magnitude, big-endian.
    let mut mag: Vec<u8> = v.to_vec();
    if negative {
        for byte in &mut mag {
            *byte = !*byte;
        }
        for byte in mag.iter_mut().rev() {
            let (sum, carry) = byte.overflowing_add(1);
            *byte = sum;
            if !carry {
                break;
            }
        }
        // -2^(8n-1) negates to itself; the magnitude then needs a leading 0
        // that the in-place negation dropped, read unsigned it is right.
    }
    let mut digits = Vec::new();
    let mut words: Vec<u32> = mag.iter().map(|&x| u32::from(x)).collect();
    while words.iter().any(|&w| w != 0) {
        let mut rem = 0u32;
        for w in words.iter_mut() {
            let cur = rem * 256 + *w;
            *w = cur / 10;
            rem = cur % 10;
        }
        digits.push(rem as u8);
        while words.first() == Some(&0) {
            words.remove(0);
        }
    }
    digits.reverse();
    (negative, digits)
}

fn compare_decimal(a: &[u8], b: &[u8]) -> Ordering {
    if a.len() < 4 || b.len() < 4 {
        return a.cmp(b);
    }
    let scale_a = i64::from(i32::from_be_bytes([a[0], a[1], a[2], a[3]]));
    let scale_b = i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let (neg_a, mut da) = varint_to_decimal(&a[4..]);
    let (neg_b, mut db) = varint_to_decimal(&b[4..]);
    let zero_a = da.is_empty();
    let zero_b = db.is_empty();
    let sign = |neg: bool, zero: bool| {
        if zero {
            0
        } else if neg {
            -1
        } else {
            1
        }
    };
    let (sa, sb) = (sign(neg_a, zero_a), sign(neg_b, zero_b));
    if sa != sb || sa == 0 {
        return sa.cmp(&sb);
    }
    // value = 0.d1d2... * 10^(len - scale)
    let exp_a = da.len() as i64 - scale_a;
    let exp_b = db.len() as i64 - scale_b;
    while da.last() == Some(&0) {
        da.pop();
    }
    while db.last() == Some(&0) {
        db.pop();
    }
    let magnitude = exp_a.cmp(&exp_b).then_with(|| da.cmp(&db));
    if sa < 0 {
        magnitude.reverse()
    } else {
        magnitude
    }
}

/// Compares the 60-bit timestamps of two version 1 UUIDs (16 bytes each).
fn compare_uuid_timestamps(a: &[u8], b: &[u8]) -> Ordering {
    (a[6] & 0x0f).cmp(&(b[6] & 0x0f)).then_with(|| {
        [a[7], a[4], a[5], a[0], a[1], a[2], a[3]].cmp(&[b[7], b[4], b[5], b[0], b[1], b[2], b[3]])
    })
}

fn compare_uuid(a: &[u8], b: &[u8]) -> Ordering {
    match (a.len() < 16, b.len() < 16) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    let va = a[6] >> 4;
    let vb = b[6] >> 4;
    va.cmp(&vb)
        .then_with(|| {
            if va == 1 {
                compare_uuid_timestamps(a, b)
            } else {
                Ordering::Equal
            }
        })
        .then_with(|| a[..16].cmp(&b[..16]))
}

fn compare_timeuuid(a: &[u8], b: &[u8]) -> Ordering {
    if a.len() < 16 || b.len() < 16 {
        return compare_signed_bytes(a, b);
    }
    compare_uuid_timestamps(a, b).then_with(|| compare_signed_bytes(a, b))
}

/// Checks that `value` is a valid serialization of `ty`, with Cassandra
/// 2.0's messages (`AbstractType.validate`). The empty value is valid for
/// every type. Collections are checked by decoding them elsewhere.
pub fn validate_value(ty: &ColumnType, value: &[u8]) -> Result<(), String> {
    let len = value.len();
    if len == 0 {
        return Ok(());
    }
    match ty {
        ColumnType::Int if len != 4 => Err(format!("Expected 4 or 0 byte int ({len})")),
        ColumnType::Bigint | ColumnType::Timestamp | ColumnType::Counter if len != 8 => {
            Err(format!("Expected 8 or 0 byte long ({len})"))
        }
        ColumnType::Boolean if len != 1 => Err(format!("Expected 1 or 0 byte value ({len})")),
        ColumnType::Float if len != 4 => {
            Err(format!("Expected 4 or 0 byte value for a float ({len})"))
        }
        ColumnType::Double if len != 8 => {
            Err(format!("Expected 8 or 0 byte value for a double ({len})"))
        }
        ColumnType::Uuid if len != 16 => Err(format!("UUID should be 16 or 0 bytes ({len})")),
        ColumnType::Timeuuid if len != 16 => {
            Err(format!("TimeUUID should be 16 or 0 bytes ({len})"))
        }
        ColumnType::Timeuuid if value[6] >> 4 != 1 => {
            Err("Invalid version for TimeUUID type.".to_owned())
        }
        ColumnType::Inet if len != 4 && len != 16 => {
            Err(format!("Invalid length for an inet address ({len})"))
        }
        ColumnType::Decimal if len < 4 => {
            Err(format!("Expected at least 4 bytes for a decimal ({len})"))
        }
        ColumnType::Ascii => match value.iter().find(|b| **b > 0x7f) {
            Some(b) => Err(format!("Invalid byte for ascii: {}", *b as i8)),
            None => Ok(()),
        },
        ColumnType::Text | ColumnType::Varchar if std::str::from_utf8(value).is_err() => {
            Err("String didn't validate.".to_owned())
        }
        _ => Ok(()),
    }
}

/// The short name of the marshal class of `ty` (`Int32Type`,
/// `ListType(org.apache.cassandra.db.marshal.Int32Type)`, ...), as Cassandra
/// 2.0's `CQL3Type` maps it, without the package.
fn marshal_short_name(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Ascii => "AsciiType".into(),
        ColumnType::Bigint => "LongType".into(),
        ColumnType::Blob => "BytesType".into(),
        ColumnType::Boolean => "BooleanType".into(),
        ColumnType::Counter => "CounterColumnType".into(),
        ColumnType::Decimal => "DecimalType".into(),
        ColumnType::Double => "DoubleType".into(),
        ColumnType::Float => "FloatType".into(),
        ColumnType::Inet => "InetAddressType".into(),
        ColumnType::Int => "Int32Type".into(),
        ColumnType::Text | ColumnType::Varchar => "UTF8Type".into(),
        ColumnType::Timestamp => "TimestampType".into(),
        ColumnType::Uuid => "UUIDType".into(),
        ColumnType::Varint => "IntegerType".into(),
        ColumnType::Timeuuid => "TimeUUIDType".into(),
        ColumnType::List(e) => format!("ListType({})", marshal_class(e)),
        ColumnType::Set(e) => format!("SetType({})", marshal_class(e)),
        ColumnType::Map(k, v) => format!("MapType({},{})", marshal_class(k), marshal_class(v)),
        _ => "BytesType".into(),
    }
}

/// The fully qualified marshal class of `ty`, e.g.
/// `org.apache.cassandra.db.marshal.Int32Type`; a custom type keeps its own
/// class name.
pub fn marshal_class(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Custom(class) => class.clone(),
        _ => format!("{MARSHAL_PACKAGE}{}", marshal_short_name(ty)),
    }
}

/// The marshal class of a clustering column: `ReversedType(...)` for `Desc`.
pub fn marshal_class_with_order(ty: &ColumnType, order: Order) -> String {
    match order {
        Order::Asc => marshal_class(ty),
        Order::Desc => format!("{MARSHAL_PACKAGE}ReversedType({})", marshal_class(ty)),
    }
}

/// Whether a column of type `from` may be altered to `to` when the column
/// orders data (a clustering column): Cassandra's `isCompatibleWith`.
pub fn is_order_compatible(from: &ColumnType, to: &ColumnType) -> bool {
    same_type(from, to)
        || (from == &ColumnType::Ascii && to.is_text())
        || (from.is_text()
            && to.is_text()
            && from != &ColumnType::Ascii
            && to != &ColumnType::Ascii)
        || (to == &ColumnType::Blob && (from.is_text()))
}

/// Whether values of type `from` can be read as `to` (a partition key or
/// regular column): Cassandra's `isValueCompatibleWith`.
pub fn is_value_compatible(from: &ColumnType, to: &ColumnType) -> bool {
    if from.is_collection() || to.is_collection() {
        return same_type(from, to);
    }
    if from == &ColumnType::Counter || to == &ColumnType::Counter {
        return from == to;
    }
    is_order_compatible(from, to)
        || to == &ColumnType::Blob
        || (from == &ColumnType::Timeuuid && to == &ColumnType::Uuid)
        || (matches!(from, ColumnType::Bigint | ColumnType::Timestamp)
            && matches!(to, ColumnType::Bigint | ColumnType::Timestamp))
        || (from == &ColumnType::Int && to == &ColumnType::Varint)
}

/// Type equality that treats text and varchar as the same type (both are
/// `UTF8Type`).
pub fn same_type(a: &ColumnType, b: &ColumnType) -> bool {
    marshal_class(a) == marshal_class(b)
}

/// The CQL name of a type, as `DESCRIBE` and error messages print it.
pub fn cql_type_name(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Custom(c) => format!("'{c}'"),
        ColumnType::Ascii => "ascii".into(),
        ColumnType::Bigint => "bigint".into(),
        ColumnType::Blob => "blob".into(),
        ColumnType::Boolean => "boolean".into(),
        ColumnType::Counter => "counter".into(),
        ColumnType::Decimal => "decimal".into(),
        ColumnType::Double => "double".into(),
        ColumnType::Float => "float".into(),
        ColumnType::Int => "int".into(),
        ColumnType::Text => "text".into(),
        ColumnType::Timestamp => "timestamp".into(),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Varchar => "varchar".into(),
        ColumnType::Varint => "varint".into(),
        ColumnType::Timeuuid => "timeuuid".into(),
        ColumnType::Inet => "inet".into(),
        ColumnType::List(e) => format!("list<{}>", cql_type_name(e)),
        ColumnType::Set(e) => format!("set<{}>", cql_type_name(e)),
        ColumnType::Map(k, v) => format!("map<{}, {}>", cql_type_name(k), cql_type_name(v)),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(v: i64) -> Vec<u8> {
        let bytes = v.to_be_bytes();
        minimal_varint(&bytes).to_vec()
    }

    #[test]
    fn varint_numeric_order() {
        let values = [-70000i64, -129, -128, -1, 0, 1, 127, 128, 255, 70000];
        for w in values.windows(2) {
            assert_eq!(
                compare_values(&ColumnType::Varint, &varint(w[0]), &varint(w[1])),
                Ordering::Less,
                "{} < {}",
                w[0],
                w[1]
            );
        }
        // Non-minimal encodings compare by value.
        assert_eq!(
            compare_values(&ColumnType::Varint, &[0, 0, 1], &[1]),
            Ordering::Equal
        );
        assert_eq!(
            compare_values(&ColumnType::Varint, &[0xff, 0xff], &[0xff]),
            Ordering::Equal
        );
    }

    fn decimal(unscaled: i64, scale: i32) -> Vec<u8> {
        let mut out = scale.to_be_bytes().to_vec();
        out.extend(varint(unscaled));
        out
    }

    #[test]
    fn decimal_numeric_order() {
        let d = ColumnType::Decimal;
        // 1.5 < 2 < 10.00 ; -3 < -2.5 < 0 ; 1.50 == 1.5
        assert_eq!(
            compare_values(&d, &decimal(15, 1), &decimal(2, 0)),
            Ordering::Less
        );
        assert_eq!(
            compare_values(&d, &decimal(2, 0), &decimal(1000, 2)),
            Ordering::Less
        );
        assert_eq!(
            compare_values(&d, &decimal(-3, 0), &decimal(-25, 1)),
            Ordering::Less
        );
        assert_eq!(
            compare_values(&d, &decimal(-25, 1), &decimal(0, 5)),
            Ordering::Less
        );
        assert_eq!(
            compare_values(&d, &decimal(150, 2), &decimal(15, 1)),
            Ordering::Equal
        );
        assert_eq!(
            compare_values(&d, &decimal(1, -3), &decimal(999, 0)),
            Ordering::Greater
        );
        assert_eq!(
            compare_values(&d, &decimal(i64::MIN, 0), &decimal(i64::MIN + 1, 0)),
            Ordering::Less
        );
    }

    #[test]
    fn validation_messages() {
        assert_eq!(
            validate_value(&ColumnType::Int, &[1, 2, 3]),
            Err("Expected 4 or 0 byte int (3)".to_owned())
        );
        assert!(validate_value(&ColumnType::Int, &[]).is_ok());
        assert!(validate_value(&ColumnType::Text, &[0xff]).is_err());
    }
}
