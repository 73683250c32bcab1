//! CQL value encodings (spec §6): hand-written vectors, malformed input, and
//! property tests.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Debug;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::{Bytes, BytesMut};
use cql_protocol::value::{
    to_raw_value, write_value, CqlDecimal, CqlTimestamp, CqlValue, DeserializeRow,
    DeserializeValue, IsNull, MaybeEmpty, SerializeValue, ValueError, MAX_VALUE_NESTING,
};
use cql_protocol::{ColumnSpec, ColumnType, ProtocolVersion, RawValue, TableSpec};
use num_bigint::BigInt;
use proptest::prelude::*;
use uuid::Uuid;

const V2: ProtocolVersion = ProtocolVersion::V2;

fn list(t: ColumnType) -> ColumnType {
    ColumnType::List(Box::new(t))
}
fn set(t: ColumnType) -> ColumnType {
    ColumnType::Set(Box::new(t))
}
fn map(k: ColumnType, v: ColumnType) -> ColumnType {
    ColumnType::Map(Box::new(k), Box::new(v))
}

/// Encodes `value` for `ty` (without the length prefix).
fn enc<T: SerializeValue + ?Sized>(value: &T, ty: &ColumnType) -> Result<Vec<u8>, ValueError> {
    match to_raw_value(value, ty, V2)? {
        RawValue::Value(b) => Ok(b.to_vec()),
        _ => panic!("unexpected null"),
    }
}

fn dec<'a, T: DeserializeValue<'a>>(ty: &ColumnType, bytes: &'a [u8]) -> Result<T, ValueError> {
    T::deserialize(ty, Some(bytes), V2)
}

/// Checks a hand-written vector in every direction: the typed value encodes
/// to exactly `bytes` and decodes back, and so does the `CqlValue`.
fn vector<T>(value: T, ty: &ColumnType, bytes: &[u8], cql: CqlValue)
where
    T: SerializeValue + for<'a> DeserializeValue<'a> + PartialEq + Debug,
{
    for v in ProtocolVersion::ALL {
        let raw = to_raw_value(&value, ty, v).unwrap();
        assert_eq!(raw, RawValue::Value(Bytes::copy_from_slice(bytes)), "{ty}");
        assert_eq!(T::deserialize(ty, Some(bytes), v).unwrap(), value, "{ty}");
        assert_eq!(CqlValue::deserialize(ty, bytes, v).unwrap(), cql, "{ty}");
        let mut out = BytesMut::new();
        cql.serialize(v, &mut out).unwrap();
        assert_eq!(&out[..], bytes, "{ty} (untyped CqlValue)");
        assert_eq!(enc(&cql, ty).unwrap(), bytes, "{ty} (typed CqlValue)");
    }
}

fn timeuuid() -> Uuid {
    // A real version 1 UUID (from the RFC 4122 era of Cassandra examples).
    Uuid::parse_str("d2177dd0-eaa2-11de-a572-001b779c76e3").unwrap()
}

fn uuid_v4() -> Uuid {
    Uuid::parse_str("550e8400-e29b-41d4-a716-446655440000").unwrap()
}

// ---------------------------------------------------------------------------
// Hand-written vectors
// ---------------------------------------------------------------------------

#[test]
fn fixed_size_numbers() {
    vector(1i32, &ColumnType::Int, &[0, 0, 0, 1], CqlValue::Int(1));
    vector(
        -2i32,
        &ColumnType::Int,
        &[0xff, 0xff, 0xff, 0xfe],
        CqlValue::Int(-2),
    );
    vector(-1i64, &ColumnType::Bigint, &[0xff; 8], CqlValue::Bigint(-1));
    vector(
        5i64,
        &ColumnType::Counter,
        &[0, 0, 0, 0, 0, 0, 0, 5],
        CqlValue::Counter(5),
    );
    vector(
        1.5f32,
        &ColumnType::Float,
        &[0x3f, 0xc0, 0, 0],
        CqlValue::Float(1.5),
    );
    vector(
        1.5f64,
        &ColumnType::Double,
        &[0x3f, 0xf8, 0, 0, 0, 0, 0, 0],
        CqlValue::Double(1.5),
    );
    vector(true, &ColumnType::Boolean, &[1], CqlValue::Boolean(true));
    vector(false, &ColumnType::Boolean, &[0], CqlValue::Boolean(false));
    // Any non-zero byte is true.
    assert!(dec::<bool>(&ColumnType::Boolean, &[0x02]).unwrap());
    vector(
        CqlTimestamp(1_400_000_000_000),
        &ColumnType::Timestamp,
        &[0x00, 0x00, 0x01, 0x45, 0xf6, 0x80, 0xb0, 0x00],
        CqlValue::Timestamp(CqlTimestamp(1_400_000_000_000)),
    );
    vector(
        CqlTimestamp(-1_400_000_000_000),
        &ColumnType::Timestamp,
        &[0xff, 0xff, 0xfe, 0xba, 0x09, 0x7f, 0x50, 0x00],
        CqlValue::Timestamp(CqlTimestamp(-1_400_000_000_000)),
    );
}

#[test]
fn small_and_unsigned_integers() {
    assert_eq!(enc(&-1i8, &ColumnType::Int).unwrap(), [0xff; 4]);
    assert_eq!(enc(&300i16, &ColumnType::Int).unwrap(), [0, 0, 1, 0x2c]);
    assert_eq!(
        enc(&65535u16, &ColumnType::Int).unwrap(),
        [0, 0, 0xff, 0xff]
    );
    assert_eq!(
        enc(&u32::MAX, &ColumnType::Bigint).unwrap(),
        [0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]
    );
    assert_eq!(
        dec::<i8>(&ColumnType::Int, &[0xff, 0xff, 0xff, 0x80]).unwrap(),
        -128
    );
    assert_eq!(dec::<i16>(&ColumnType::Int, &[0, 0, 1, 0x2c]).unwrap(), 300);
    assert_eq!(
        dec::<u16>(&ColumnType::Int, &[0, 0, 0xff, 0xff]).unwrap(),
        65535
    );
    assert_eq!(
        dec::<u32>(&ColumnType::Bigint, &[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]).unwrap(),
        u32::MAX
    );
    // Integers also go to and from varint.
    assert_eq!(enc(&128i64, &ColumnType::Varint).unwrap(), [0x00, 0x80]);
    assert_eq!(enc(&-129i32, &ColumnType::Varint).unwrap(), [0xff, 0x7f]);
    assert_eq!(dec::<i64>(&ColumnType::Varint, &[0x00, 0x80]).unwrap(), 128);
    assert_eq!(
        dec::<i8>(&ColumnType::Varint, &[0x00, 0x00, 0x7f]).unwrap(),
        127
    );
}

#[test]
fn strings_and_blobs() {
    vector(
        "abc".to_string(),
        &ColumnType::Ascii,
        b"abc",
        CqlValue::Ascii("abc".into()),
    );
    let text = "h\u{e9}llo \u{1f600}";
    vector(
        text.to_string(),
        &ColumnType::Varchar,
        text.as_bytes(),
        CqlValue::Text(text.into()),
    );
    vector(
        text.to_string(),
        &ColumnType::Text,
        text.as_bytes(),
        CqlValue::Text(text.into()),
    );
    vector(
        vec![0xdeu8, 0xad, 0xbe, 0xef],
        &ColumnType::Blob,
        &[0xde, 0xad, 0xbe, 0xef],
        CqlValue::Blob(Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef])),
    );
    vector(
        Bytes::from_static(b"\x01\x02"),
        &ColumnType::Custom("org.example.T".into()),
        &[1, 2],
        CqlValue::Custom(Bytes::from_static(b"\x01\x02")),
    );
    // Zero-length strings and blobs are ordinary values.
    vector(
        String::new(),
        &ColumnType::Varchar,
        &[],
        CqlValue::Text(String::new()),
    );
    vector(
        Vec::<u8>::new(),
        &ColumnType::Blob,
        &[],
        CqlValue::Blob(Bytes::new()),
    );
    // &str and &[u8] borrow from the input.
    let body = b"zero-copy".to_vec();
    let s: &str = dec(&ColumnType::Varchar, &body).unwrap();
    assert_eq!(s.as_ptr(), body.as_ptr());
    let b: &[u8] = dec(&ColumnType::Blob, &body).unwrap();
    assert_eq!(b.as_ptr(), body.as_ptr());
    assert_eq!(enc("x", &ColumnType::Ascii).unwrap(), b"x");
    assert_eq!(enc(&b"\x07"[..], &ColumnType::Blob).unwrap(), [7]);
}

#[test]
fn uuids_and_inets() {
    let u = uuid_v4();
    vector(u, &ColumnType::Uuid, u.as_bytes(), CqlValue::Uuid(u));
    let t = timeuuid();
    assert_eq!(t.get_version_num(), 1);
    vector(
        t,
        &ColumnType::Timeuuid,
        t.as_bytes(),
        CqlValue::Timeuuid(t),
    );
    // A version 1 UUID is also a valid uuid.
    vector(t, &ColumnType::Uuid, t.as_bytes(), CqlValue::Uuid(t));

    let v4 = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
    vector(v4, &ColumnType::Inet, &[127, 0, 0, 1], CqlValue::Inet(v4));
    let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
    let mut v6_bytes = [0u8; 16];
    v6_bytes[15] = 1;
    vector(v6, &ColumnType::Inet, &v6_bytes, CqlValue::Inet(v6));
    vector(
        Ipv4Addr::new(10, 1, 2, 3),
        &ColumnType::Inet,
        &[10, 1, 2, 3],
        CqlValue::Inet(IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3))),
    );
    vector(
        Ipv6Addr::LOCALHOST,
        &ColumnType::Inet,
        &v6_bytes,
        CqlValue::Inet(v6),
    );
}

#[test]
fn varints() {
    let cases: &[(i64, &[u8])] = &[
        (0, &[0x00]),
        (1, &[0x01]),
        (127, &[0x7f]),
        (128, &[0x00, 0x80]),
        (129, &[0x00, 0x81]),
        (-1, &[0xff]),
        (-128, &[0x80]),
        (-129, &[0xff, 0x7f]),
    ];
    for (v, bytes) in cases {
        let big = BigInt::from(*v);
        vector(
            big.clone(),
            &ColumnType::Varint,
            bytes,
            CqlValue::Varint(big),
        );
        assert_eq!(enc(v, &ColumnType::Varint).unwrap(), *bytes);
    }
    // 2^64 and -2^64 need nine bytes.
    let big: BigInt = BigInt::from(1u8) << 64u32;
    vector(
        big.clone(),
        &ColumnType::Varint,
        &[0x01, 0, 0, 0, 0, 0, 0, 0, 0],
        CqlValue::Varint(big.clone()),
    );
    vector(
        -big.clone(),
        &ColumnType::Varint,
        &[0xff, 0, 0, 0, 0, 0, 0, 0, 0],
        CqlValue::Varint(-big),
    );
    // Decoding accepts redundant padding.
    assert_eq!(
        dec::<BigInt>(&ColumnType::Varint, &[0, 0, 0, 0x05]).unwrap(),
        BigInt::from(5)
    );
}

#[test]
fn decimals() {
    let d = CqlDecimal::new(BigInt::from(123), 2);
    assert_eq!(d.to_string(), "1.23");
    vector(
        d.clone(),
        &ColumnType::Decimal,
        &[0, 0, 0, 2, 0x7b],
        CqlValue::Decimal(d),
    );
    let d = CqlDecimal::new(BigInt::from(-129), -3);
    vector(
        d.clone(),
        &ColumnType::Decimal,
        &[0xff, 0xff, 0xff, 0xfd, 0xff, 0x7f],
        CqlValue::Decimal(d),
    );
}

#[test]
fn collections_in_the_v2_layout() {
    vector(
        vec![1i32, 2],
        &list(ColumnType::Int),
        &[0, 2, 0, 4, 0, 0, 0, 1, 0, 4, 0, 0, 0, 2],
        CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2)]),
    );
    vector(
        Vec::<i32>::new(),
        &list(ColumnType::Int),
        &[0, 0],
        CqlValue::List(vec![]),
    );
    vector(
        BTreeSet::from(["a".to_string(), "b".to_string()]),
        &set(ColumnType::Varchar),
        &[0, 2, 0, 1, b'a', 0, 1, b'b'],
        CqlValue::Set(vec![CqlValue::Text("a".into()), CqlValue::Text("b".into())]),
    );
    let map_bytes: &[u8] = &[0, 1, 0, 1, b'a', 0, 4, 0, 0, 0, 1];
    vector(
        BTreeMap::from([("a".to_string(), 1i32)]),
        &map(ColumnType::Varchar, ColumnType::Int),
        map_bytes,
        CqlValue::Map(vec![(CqlValue::Text("a".into()), CqlValue::Int(1))]),
    );
    // A collection nested in a collection takes the v3 [int] layout on every
    // version (Cassandra 2.1+, and the DataStax drivers' max(3, version)):
    // the outer list is [short]-sized, the map inside it [int]-sized.
    #[rustfmt::skip]
    let nested: &[u8] = &[
        0, 1,                                  // list: 1 element ([short])
        0, 17,                                 // element: 17 bytes ([short])
        0, 0, 0, 1,                            // map: 1 entry ([int])
        0, 0, 0, 1, b'a',                      // key "a" ([int] length)
        0, 0, 0, 4, 0, 0, 0, 1,                // value 1 ([int] length)
    ];
    vector(
        vec![BTreeMap::from([("a".to_string(), 1i32)])],
        &list(map(ColumnType::Varchar, ColumnType::Int)),
        nested,
        CqlValue::List(vec![CqlValue::Map(vec![(
            CqlValue::Text("a".into()),
            CqlValue::Int(1),
        )])]),
    );
    // Hash collections, slices and sets read from lists.
    let hs: HashSet<i32> = dec(&list(ColumnType::Int), &[0, 1, 0, 4, 0, 0, 0, 9]).unwrap();
    assert_eq!(hs, HashSet::from([9]));
    assert_eq!(
        enc(&HashSet::from([9i32]), &set(ColumnType::Int)).unwrap(),
        [0, 1, 0, 4, 0, 0, 0, 9]
    );
    let hm: HashMap<&str, i32> =
        dec(&map(ColumnType::Varchar, ColumnType::Int), map_bytes).unwrap();
    assert_eq!(hm, HashMap::from([("a", 1)]));
    assert_eq!(
        enc(
            &HashMap::from([("a", 1i32)]),
            &map(ColumnType::Varchar, ColumnType::Int)
        )
        .unwrap(),
        map_bytes
    );
    assert_eq!(
        enc(&[1i32, 2][..], &set(ColumnType::Int)).unwrap(),
        [0, 2, 0, 4, 0, 0, 0, 1, 0, 4, 0, 0, 0, 2]
    );
    // Blob elements: Vec<Vec<u8>> is a list of blobs.
    vector(
        vec![vec![0xaau8]],
        &list(ColumnType::Blob),
        &[0, 1, 0, 1, 0xaa],
        CqlValue::List(vec![CqlValue::Blob(Bytes::from_static(&[0xaa]))]),
    );
}

#[test]
fn write_value_prefixes_and_handles_null() {
    let mut out = BytesMut::from(&b"xx"[..]);
    write_value(&7i32, &ColumnType::Int, V2, &mut out).unwrap();
    write_value(&None::<i32>, &ColumnType::Int, V2, &mut out).unwrap();
    write_value("", &ColumnType::Varchar, V2, &mut out).unwrap();
    write_value(&MaybeEmpty::<i32>::Empty, &ColumnType::Int, V2, &mut out).unwrap();
    assert_eq!(
        &out[..],
        &[b'x', b'x', 0, 0, 0, 4, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    // On error nothing is left behind.
    let before = out.clone();
    let bad = vec![Some(1i32), None];
    assert!(write_value(&bad, &list(ColumnType::Int), V2, &mut out).is_err());
    assert_eq!(out, before);
    assert_eq!(
        to_raw_value(&None::<String>, &ColumnType::Varchar, V2).unwrap(),
        RawValue::Null
    );
    let mut out = BytesMut::new();
    assert_eq!(
        Some(1i32).serialize(&ColumnType::Int, V2, &mut out),
        Ok(IsNull::No)
    );
    assert_eq!(
        None::<i32>.serialize(&ColumnType::Int, V2, &mut out),
        Ok(IsNull::Yes)
    );
}

#[test]
fn nulls_and_empty_values() {
    assert_eq!(
        i32::deserialize(&ColumnType::Int, None, V2),
        Err(ValueError::UnexpectedNull {
            rust_type: "i32",
            cql_type: ColumnType::Int
        })
    );
    assert_eq!(
        Option::<i32>::deserialize(&ColumnType::Int, None, V2),
        Ok(None)
    );
    assert_eq!(
        dec::<i32>(&ColumnType::Int, &[]),
        Err(ValueError::UnexpectedEmpty {
            cql_type: ColumnType::Int
        })
    );
    assert_eq!(
        dec::<MaybeEmpty<i32>>(&ColumnType::Int, &[]),
        Ok(MaybeEmpty::Empty)
    );
    assert_eq!(
        dec::<MaybeEmpty<i32>>(&ColumnType::Int, &[0, 0, 0, 3]),
        Ok(MaybeEmpty::Value(3))
    );
    assert_eq!(
        dec::<MaybeEmpty<String>>(&ColumnType::Varchar, &[]),
        Ok(MaybeEmpty::Value(String::new()))
    );
    assert!(matches!(
        dec::<Vec<i32>>(&list(ColumnType::Int), &[]),
        Err(ValueError::UnexpectedEmpty { .. })
    ));
    assert_eq!(
        Option::<MaybeEmpty<i32>>::deserialize(&ColumnType::Int, Some(&[]), V2),
        Ok(Some(MaybeEmpty::Empty))
    );
    for ty in [
        ColumnType::Int,
        ColumnType::Uuid,
        ColumnType::Inet,
        ColumnType::Varint,
        ColumnType::Decimal,
        list(ColumnType::Int),
    ] {
        assert_eq!(
            CqlValue::deserialize(&ty, &[], V2),
            Ok(CqlValue::Empty),
            "{ty}"
        );
    }
    assert_eq!(
        CqlValue::deserialize(&ColumnType::Ascii, &[], V2),
        Ok(CqlValue::Ascii(String::new()))
    );
    assert!(matches!(
        <CqlValue as DeserializeValue>::deserialize(&ColumnType::Int, None, V2),
        Err(ValueError::UnexpectedNull { .. })
    ));
    assert_eq!(
        Option::<CqlValue>::deserialize(&ColumnType::Int, None, V2),
        Ok(None)
    );
}

#[test]
fn natural_types() {
    assert_eq!(1i32.natural_type(), Some(ColumnType::Int));
    assert_eq!(1i64.natural_type(), Some(ColumnType::Bigint));
    assert_eq!(1u32.natural_type(), Some(ColumnType::Bigint));
    assert_eq!("s".natural_type(), Some(ColumnType::Varchar));
    assert_eq!(vec![1u8].natural_type(), Some(ColumnType::Blob));
    assert_eq!(timeuuid().natural_type(), Some(ColumnType::Uuid));
    assert_eq!(vec![1i32].natural_type(), Some(list(ColumnType::Int)));
    assert_eq!(Vec::<i32>::new().natural_type(), None);
    assert_eq!(
        HashMap::from([("k", 1.5f64)]).natural_type(),
        Some(map(ColumnType::Varchar, ColumnType::Double))
    );
    assert_eq!(
        BTreeSet::from([true]).natural_type(),
        Some(set(ColumnType::Boolean))
    );
    assert_eq!(None::<i32>.natural_type(), None);
    assert_eq!(
        CqlValue::List(vec![CqlValue::Empty, CqlValue::Int(1)]).column_type(),
        Some(list(ColumnType::Int))
    );
    assert_eq!(CqlValue::Map(vec![]).column_type(), None);
    assert_eq!(CqlValue::Empty.column_type(), None);
}

// ---------------------------------------------------------------------------
// Malformed input and mismatches
// ---------------------------------------------------------------------------

#[test]
fn wrong_fixed_lengths() {
    assert_eq!(
        dec::<i32>(&ColumnType::Int, &[0, 0, 1]),
        Err(ValueError::WrongLength {
            cql_type: ColumnType::Int,
            expected: 4,
            got: 3
        })
    );
    for (ty, expected) in [
        (ColumnType::Bigint, 8),
        (ColumnType::Counter, 8),
        (ColumnType::Double, 8),
        (ColumnType::Float, 4),
        (ColumnType::Boolean, 1),
        (ColumnType::Timestamp, 8),
        (ColumnType::Uuid, 16),
        (ColumnType::Timeuuid, 16),
    ] {
        let bytes = vec![0u8; expected + 1];
        assert_eq!(
            CqlValue::deserialize(&ty, &bytes, V2),
            Err(ValueError::WrongLength {
                cql_type: ty.clone(),
                expected,
                got: expected + 1
            }),
            "{ty}"
        );
    }
    assert!(matches!(
        dec::<Ipv4Addr>(&ColumnType::Inet, &[0; 16]),
        Err(ValueError::WrongLength { expected: 4, .. })
    ));
    assert!(matches!(
        dec::<CqlDecimal>(&ColumnType::Decimal, &[0, 0, 0, 2]),
        Err(ValueError::Malformed { .. })
    ));
}

#[test]
fn bad_text() {
    assert_eq!(
        dec::<String>(&ColumnType::Varchar, &[b'a', 0xc3, 0x28]),
        Err(ValueError::InvalidUtf8 { valid_up_to: 1 })
    );
    assert!(matches!(
        CqlValue::deserialize(&ColumnType::Text, &[0xff], V2),
        Err(ValueError::InvalidUtf8 { valid_up_to: 0 })
    ));
    assert_eq!(
        dec::<&str>(&ColumnType::Ascii, &[b'a', b'b', 0x80]),
        Err(ValueError::NotAscii {
            index: 2,
            byte: 0x80
        })
    );
    assert_eq!(
        enc("caf\u{e9}", &ColumnType::Ascii),
        Err(ValueError::NotAscii {
            index: 3,
            byte: 0xc3
        })
    );
    assert!(matches!(
        enc(&CqlValue::Text("\u{e9}".into()), &ColumnType::Ascii),
        Err(ValueError::NotAscii { .. })
    ));
    let mut out = BytesMut::new();
    assert!(matches!(
        CqlValue::Ascii("\u{e9}".into()).serialize(V2, &mut out),
        Err(ValueError::NotAscii { .. })
    ));
}

#[test]
fn malformed_collections() {
    let ty = list(ColumnType::Int);
    // Five elements claimed, room for at most three length prefixes.
    assert_eq!(
        CqlValue::deserialize(&ty, &[0, 5, 0, 4, 0, 0, 0, 1], V2),
        Err(ValueError::CountTooLarge {
            cql_type: ty.clone(),
            count: 5,
            remaining: 6,
            min_element_len: 2
        })
    );
    assert!(matches!(
        dec::<Vec<i32>>(&ty, &[0xff, 0xff, 0, 0]),
        Err(ValueError::CountTooLarge { count: 65535, .. })
    ));
    // Map entries need two length prefixes each.
    assert!(matches!(
        dec::<HashMap<i32, i32>>(
            &map(ColumnType::Int, ColumnType::Int),
            &[0, 2, 0, 0, 0, 0, 0, 0]
        ),
        Err(ValueError::CountTooLarge {
            min_element_len: 4,
            ..
        })
    ));
    // Truncated element.
    assert!(matches!(
        dec::<Vec<i32>>(&ty, &[0, 1, 0, 4, 0, 0]),
        Err(ValueError::MalformedCollection { .. })
    ));
    // Truncated count.
    assert!(matches!(
        CqlValue::deserialize(&ty, &[0], V2),
        Err(ValueError::MalformedCollection { .. })
    ));
    // Trailing bytes.
    let err = dec::<Vec<i32>>(&ty, &[0, 1, 0, 4, 0, 0, 0, 1, 9]).unwrap_err();
    assert!(err.to_string().contains("1 trailing bytes"), "{err}");
    // An element of the wrong size.
    assert!(matches!(
        dec::<Vec<i32>>(&ty, &[0, 1, 0, 3, 0, 0, 1]),
        Err(ValueError::WrongLength {
            expected: 4,
            got: 3,
            ..
        })
    ));
}

#[test]
fn collection_limits_in_v2() {
    let ty = list(ColumnType::Int);
    assert_eq!(
        enc(&vec![Some(1i32), None], &ty),
        Err(ValueError::NullElement {
            cql_type: ty.clone()
        })
    );
    assert_eq!(
        enc(&vec![0i32; 65_536], &ty),
        Err(ValueError::TooManyElements {
            count: 65_536,
            max: 65_535
        })
    );
    assert_eq!(enc(&vec![0i32; 65_535], &ty).unwrap().len(), 2 + 65_535 * 6);
    assert_eq!(
        enc(&vec!["x".repeat(70_000)], &list(ColumnType::Varchar)),
        Err(ValueError::ElementTooLarge {
            length: 70_000,
            max: 65_535
        })
    );
    assert!(matches!(
        enc(
            &CqlValue::List(vec![CqlValue::Text("x".repeat(65_536))]),
            &list(ColumnType::Varchar)
        ),
        Err(ValueError::ElementTooLarge { .. })
    ));
}

#[test]
fn timeuuid_must_be_version_1() {
    let v4 = uuid_v4();
    assert_eq!(
        dec::<Uuid>(&ColumnType::Timeuuid, v4.as_bytes()),
        Err(ValueError::InvalidTimeuuid { version: 4 })
    );
    assert_eq!(
        CqlValue::deserialize(&ColumnType::Timeuuid, v4.as_bytes(), V2),
        Err(ValueError::InvalidTimeuuid { version: 4 })
    );
    assert_eq!(
        enc(&v4, &ColumnType::Timeuuid),
        Err(ValueError::InvalidTimeuuid { version: 4 })
    );
    assert!(enc(&CqlValue::Uuid(v4), &ColumnType::Timeuuid).is_err());
    let mut out = BytesMut::new();
    assert_eq!(
        CqlValue::Timeuuid(v4).serialize(V2, &mut out),
        Err(ValueError::InvalidTimeuuid { version: 4 })
    );
    // Any uuid is fine for a uuid column.
    assert_eq!(dec::<Uuid>(&ColumnType::Uuid, v4.as_bytes()), Ok(v4));
}

#[test]
fn inet_lengths() {
    assert_eq!(
        dec::<IpAddr>(&ColumnType::Inet, &[1, 2, 3, 4, 5]),
        Err(ValueError::InvalidInetLength { length: 5 })
    );
    assert_eq!(
        CqlValue::deserialize(&ColumnType::Inet, &[1, 2, 3, 4, 5, 6], V2),
        Err(ValueError::InvalidInetLength { length: 6 })
    );
}

#[test]
fn integer_ranges() {
    assert_eq!(
        dec::<i8>(&ColumnType::Int, &[0, 0, 0, 200]),
        Err(ValueError::OutOfRange {
            rust_type: "i8",
            cql_type: ColumnType::Int,
            value: "200".into()
        })
    );
    assert!(matches!(
        dec::<u16>(&ColumnType::Int, &[0xff, 0xff, 0xff, 0xff]),
        Err(ValueError::OutOfRange {
            rust_type: "u16",
            ..
        })
    ));
    assert!(matches!(
        dec::<u32>(&ColumnType::Bigint, &[0, 0, 0, 1, 0, 0, 0, 0]),
        Err(ValueError::OutOfRange {
            rust_type: "u32",
            ..
        })
    ));
    assert!(matches!(
        dec::<i64>(&ColumnType::Varint, &[0x01, 0, 0, 0, 0, 0, 0, 0, 0]),
        Err(ValueError::OutOfRange {
            rust_type: "i64",
            ..
        })
    ));
    assert!(matches!(
        dec::<i16>(&ColumnType::Varint, &[0x01, 0, 0]),
        Err(ValueError::OutOfRange {
            rust_type: "i16",
            ..
        })
    ));
}

#[test]
fn type_mismatches() {
    assert_eq!(
        dec::<i32>(&ColumnType::Varchar, b"1"),
        Err(ValueError::TypeMismatch {
            rust_type: "i32",
            cql_type: ColumnType::Varchar
        })
    );
    for ty in [ColumnType::Bigint, ColumnType::Float, ColumnType::Text] {
        assert!(
            matches!(enc(&1i32, &ty), Err(ValueError::TypeMismatch { .. })),
            "{ty}"
        );
    }
    assert!(matches!(
        enc(&1i64, &ColumnType::Int),
        Err(ValueError::TypeMismatch { .. })
    ));
    assert!(matches!(
        dec::<i64>(&ColumnType::Int, &[0; 4]),
        Err(ValueError::TypeMismatch { .. })
    ));
    assert!(matches!(
        dec::<String>(&ColumnType::Blob, b"x"),
        Err(ValueError::TypeMismatch { .. })
    ));
    assert!(matches!(
        dec::<Vec<u8>>(&ColumnType::Varchar, b"x"),
        Err(ValueError::TypeMismatch { .. })
    ));
    assert!(matches!(
        enc("x", &ColumnType::Blob),
        Err(ValueError::TypeMismatch { .. })
    ));
    assert!(matches!(
        enc(&1.0f32, &ColumnType::Double),
        Err(ValueError::TypeMismatch { .. })
    ));
    // Element types are checked too.
    assert_eq!(
        enc(&vec![1i32], &list(ColumnType::Varchar)),
        Err(ValueError::TypeMismatch {
            rust_type: "i32",
            cql_type: ColumnType::Varchar
        })
    );
    assert!(matches!(
        dec::<Vec<String>>(&list(ColumnType::Int), &[0, 1, 0, 4, 0, 0, 0, 1]),
        Err(ValueError::TypeMismatch { .. })
    ));
    assert!(matches!(
        dec::<HashSet<i32>>(&map(ColumnType::Int, ColumnType::Int), &[0, 0]),
        Err(ValueError::TypeMismatch { .. })
    ));
    assert!(matches!(
        enc(&CqlValue::Int(1), &ColumnType::Bigint),
        Err(ValueError::TypeMismatch {
            rust_type: "CqlValue::Int",
            ..
        })
    ));
    assert!(matches!(
        enc(&CqlValue::Map(vec![]), &list(ColumnType::Int)),
        Err(ValueError::TypeMismatch { .. })
    ));
    let err = dec::<i32>(&ColumnType::Varchar, b"1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Rust type i32 does not match CQL type varchar"
    );
}

#[test]
fn nesting_is_bounded() {
    /// list<list<...<int>...>> `depth` deep with one element per level: the
    /// outermost list in the v2 [short] layout, the nested ones in [int].
    fn nested_lists(depth: usize) -> (ColumnType, Vec<u8>) {
        let mut ty = ColumnType::Int;
        let mut bytes = vec![0, 0, 0, 1];
        for level in (0..depth).rev() {
            ty = list(ty);
            let mut outer = Vec::new();
            if level == 0 {
                outer.extend_from_slice(&1u16.to_be_bytes());
                outer.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
            } else {
                outer.extend_from_slice(&1i32.to_be_bytes());
                outer.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
            }
            outer.extend_from_slice(&bytes);
            bytes = outer;
        }
        (ty, bytes)
    }
    let (ty, bytes) = nested_lists(40);
    assert_eq!(
        CqlValue::deserialize(&ty, &bytes, V2),
        Err(ValueError::NestingTooDeep {
            max: MAX_VALUE_NESTING
        })
    );
    // Nesting within the limit decodes.
    let (ty, bytes) = nested_lists(MAX_VALUE_NESTING);
    let value = CqlValue::deserialize(&ty, &bytes, V2).unwrap();
    let mut out = BytesMut::new();
    value.serialize(V2, &mut out).unwrap();
    assert_eq!(&out[..], &bytes[..]);
}

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

fn columns(types: &[(&str, ColumnType)]) -> Vec<ColumnSpec> {
    let table = TableSpec::new("ks", "t");
    types
        .iter()
        .map(|(name, ty)| ColumnSpec::new(table.clone(), *name, ty.clone()))
        .collect()
}

#[test]
fn rows() {
    let cols = columns(&[
        ("id", ColumnType::Int),
        ("name", ColumnType::Varchar),
        ("tags", set(ColumnType::Varchar)),
    ]);
    let id = [0u8, 0, 0, 7];
    let name = b"ada".to_vec();
    let tags = [0u8, 1, 0, 1, b'x'];
    let cells = [Some(&id[..]), Some(&name[..]), Some(&tags[..])];
    let row: (i32, &str, BTreeSet<String>) =
        DeserializeRow::deserialize_row(&cols, cells.into_iter(), V2).unwrap();
    assert_eq!(row, (7, "ada", BTreeSet::from(["x".to_string()])));

    let dynamic: Vec<Option<CqlValue>> = DeserializeRow::deserialize_row(
        &cols,
        [Some(&id[..]), None, Some(&tags[..])].into_iter(),
        V2,
    )
    .unwrap();
    assert_eq!(
        dynamic,
        vec![
            Some(CqlValue::Int(7)),
            None,
            Some(CqlValue::Set(vec![CqlValue::Text("x".into())]))
        ]
    );

    // Arity mismatch.
    assert_eq!(
        <(i32, String)>::deserialize_row(&cols, cells.into_iter(), V2),
        Err(ValueError::WrongColumnCount {
            expected: 2,
            got: 3
        })
    );
    // Fewer or more values than columns.
    assert_eq!(
        <(i32, &str, Vec<String>)>::deserialize_row(&cols, cells[..2].iter().copied(), V2),
        Err(ValueError::WrongValueCount {
            expected: 3,
            got: 2
        })
    );
    assert_eq!(
        Vec::<Option<CqlValue>>::deserialize_row(&cols, cells.into_iter().chain([None, None]), V2),
        Err(ValueError::WrongValueCount {
            expected: 3,
            got: 5
        })
    );
    // Errors name the column.
    let err = <(i32, i32, Vec<String>)>::deserialize_row(&cols, cells.into_iter(), V2).unwrap_err();
    assert_eq!(
        err,
        ValueError::Column {
            index: 1,
            name: "name".into(),
            source: Box::new(ValueError::TypeMismatch {
                rust_type: "i32",
                cql_type: ColumnType::Varchar
            })
        }
    );
    assert_eq!(
        err.to_string(),
        "column 1 (name): Rust type i32 does not match CQL type varchar"
    );
    let err = <(i32, &str, Vec<String>)>::deserialize_row(
        &cols,
        [Some(&id[..]), None, Some(&tags[..])].into_iter(),
        V2,
    )
    .unwrap_err();
    assert!(matches!(err, ValueError::Column { index: 1, .. }));

    // Sixteen columns.
    let cols16: Vec<ColumnSpec> = (0..16)
        .map(|i| ColumnSpec::new(TableSpec::new("ks", "t"), format!("c{i}"), ColumnType::Int))
        .collect();
    let cells16: Vec<[u8; 4]> = (0..16i32).map(i32::to_be_bytes).collect();
    type Row16 = (
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
    );
    let row: Row16 =
        DeserializeRow::deserialize_row(&cols16, cells16.iter().map(|c| Some(&c[..])), V2).unwrap();
    assert_eq!(row.0, 0);
    assert_eq!(row.15, 15);
}

// ---------------------------------------------------------------------------
// Optional features
// ---------------------------------------------------------------------------

#[cfg(feature = "chrono")]
#[test]
fn chrono_conversions() {
    use chrono::{DateTime, TimeZone, Utc};
    let t = Utc.with_ymd_and_hms(2014, 5, 13, 16, 53, 20).unwrap();
    assert_eq!(CqlTimestamp::from(t), CqlTimestamp(1_400_000_000_000));
    assert_eq!(
        DateTime::<Utc>::try_from(CqlTimestamp(1_400_000_000_000)),
        Ok(t)
    );
    assert_eq!(
        DateTime::<Utc>::try_from(CqlTimestamp(i64::MAX)),
        Err(ValueError::TimestampOutOfRange { millis: i64::MAX })
    );
    let bytes = [0x00, 0x00, 0x01, 0x45, 0xf6, 0x80, 0xb0, 0x00];
    assert_eq!(enc(&t, &ColumnType::Timestamp).unwrap(), bytes);
    assert_eq!(dec::<DateTime<Utc>>(&ColumnType::Timestamp, &bytes), Ok(t));
    assert_eq!(
        dec::<DateTime<Utc>>(&ColumnType::Timestamp, &i64::MIN.to_be_bytes()),
        Err(ValueError::TimestampOutOfRange { millis: i64::MIN })
    );
    assert!(matches!(
        enc(&t, &ColumnType::Bigint),
        Err(ValueError::TypeMismatch { .. })
    ));
}

#[cfg(feature = "bigdecimal")]
#[test]
fn bigdecimal_conversions() {
    use bigdecimal::BigDecimal;
    use std::str::FromStr;
    let bd = BigDecimal::from_str("1.23").unwrap();
    let d = CqlDecimal::try_from(bd.clone()).unwrap();
    assert_eq!(d, CqlDecimal::new(BigInt::from(123), 2));
    assert_eq!(BigDecimal::from(d.clone()), bd);
    assert_eq!(enc(&bd, &ColumnType::Decimal).unwrap(), [0, 0, 0, 2, 0x7b]);
    assert_eq!(
        dec::<BigDecimal>(&ColumnType::Decimal, &[0, 0, 0, 2, 0x7b]),
        Ok(bd)
    );
    let huge = BigDecimal::new(BigInt::from(1), i64::from(i32::MAX) + 1);
    assert_eq!(
        CqlDecimal::try_from(huge.clone()),
        Err(ValueError::DecimalScaleOutOfRange {
            scale: i64::from(i32::MAX) + 1
        })
    );
    assert!(matches!(
        enc(&huge, &ColumnType::Decimal),
        Err(ValueError::DecimalScaleOutOfRange { .. })
    ));
}

// ---------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------

/// Equality that compares floats by their bits, so NaN equals itself.
fn same(a: &CqlValue, b: &CqlValue) -> bool {
    match (a, b) {
        (CqlValue::Float(x), CqlValue::Float(y)) => x.to_bits() == y.to_bits(),
        (CqlValue::Double(x), CqlValue::Double(y)) => x.to_bits() == y.to_bits(),
        (CqlValue::List(x), CqlValue::List(y)) | (CqlValue::Set(x), CqlValue::Set(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (CqlValue::Map(x), CqlValue::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| same(ka, kb) && same(va, vb))
        }
        _ => a == b,
    }
}

fn scalar_type() -> impl Strategy<Value = ColumnType> {
    prop_oneof![
        Just(ColumnType::Custom("org.example.T".into())),
        Just(ColumnType::Ascii),
        Just(ColumnType::Bigint),
        Just(ColumnType::Blob),
        Just(ColumnType::Boolean),
        Just(ColumnType::Counter),
        Just(ColumnType::Decimal),
        Just(ColumnType::Double),
        Just(ColumnType::Float),
        Just(ColumnType::Int),
        Just(ColumnType::Text),
        Just(ColumnType::Timestamp),
        Just(ColumnType::Uuid),
        Just(ColumnType::Varchar),
        Just(ColumnType::Varint),
        Just(ColumnType::Timeuuid),
        Just(ColumnType::Inet),
    ]
}

fn any_type() -> impl Strategy<Value = ColumnType> {
    scalar_type().prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(list),
            inner.clone().prop_map(set),
            (inner.clone(), inner).prop_map(|(k, v)| map(k, v)),
        ]
    })
}

fn big_int() -> impl Strategy<Value = BigInt> {
    prop::collection::vec(any::<u8>(), 1..24).prop_map(|b| BigInt::from_signed_bytes_be(&b))
}

fn v1_uuid() -> impl Strategy<Value = Uuid> {
    any::<[u8; 16]>().prop_map(|b| {
        uuid::Builder::from_bytes(b)
            .with_version(uuid::Version::Mac)
            .into_uuid()
    })
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        any::<[u8; 16]>().prop_map(|b| IpAddr::V6(Ipv6Addr::from(b))),
    ]
}

fn decimal() -> impl Strategy<Value = CqlDecimal> {
    (big_int(), any::<i32>()).prop_map(|(u, s)| CqlDecimal::new(u, s))
}

/// A value of type `ty` (including the empty value where it exists).
fn value_for(ty: &ColumnType) -> BoxedStrategy<CqlValue> {
    let value = match ty {
        ColumnType::Custom(_) => prop::collection::vec(any::<u8>(), 0..8)
            .prop_map(|b| CqlValue::Custom(b.into()))
            .boxed(),
        ColumnType::Ascii => "[\\x00-\\x7f]{0,8}".prop_map(CqlValue::Ascii).boxed(),
        ColumnType::Bigint => any::<i64>().prop_map(CqlValue::Bigint).boxed(),
        ColumnType::Blob => prop::collection::vec(any::<u8>(), 0..8)
            .prop_map(|b| CqlValue::Blob(b.into()))
            .boxed(),
        ColumnType::Boolean => any::<bool>().prop_map(CqlValue::Boolean).boxed(),
        ColumnType::Counter => any::<i64>().prop_map(CqlValue::Counter).boxed(),
        ColumnType::Decimal => decimal().prop_map(CqlValue::Decimal).boxed(),
        ColumnType::Double => any::<u64>()
            .prop_map(|b| CqlValue::Double(f64::from_bits(b)))
            .boxed(),
        ColumnType::Float => any::<u32>()
            .prop_map(|b| CqlValue::Float(f32::from_bits(b)))
            .boxed(),
        ColumnType::Int => any::<i32>().prop_map(CqlValue::Int).boxed(),
        ColumnType::Text | ColumnType::Varchar => any::<String>().prop_map(CqlValue::Text).boxed(),
        ColumnType::Timestamp => any::<i64>()
            .prop_map(|t| CqlValue::Timestamp(CqlTimestamp(t)))
            .boxed(),
        ColumnType::Uuid => any::<[u8; 16]>()
            .prop_map(|b| CqlValue::Uuid(Uuid::from_bytes(b)))
            .boxed(),
        ColumnType::Varint => big_int().prop_map(CqlValue::Varint).boxed(),
        ColumnType::Timeuuid => v1_uuid().prop_map(CqlValue::Timeuuid).boxed(),
        ColumnType::Inet => ip().prop_map(CqlValue::Inet).boxed(),
        ColumnType::List(e) => prop::collection::vec(value_for(e), 0..4)
            .prop_map(CqlValue::List)
            .boxed(),
        ColumnType::Set(e) => prop::collection::vec(value_for(e), 0..4)
            .prop_map(CqlValue::Set)
            .boxed(),
        ColumnType::Map(k, v) => prop::collection::vec((value_for(k), value_for(v)), 0..4)
            .prop_map(CqlValue::Map)
            .boxed(),
        _ => unreachable!("no other types in v2"),
    };
    if ColumnType::is_text(ty) || matches!(ty, ColumnType::Blob | ColumnType::Custom(_)) {
        value
    } else {
        prop_oneof![9 => value, 1 => Just(CqlValue::Empty)].boxed()
    }
}

fn typed_value() -> impl Strategy<Value = (ColumnType, CqlValue)> {
    any_type().prop_flat_map(|ty| {
        let values = value_for(&ty);
        (Just(ty), values)
    })
}

fn round_trip<T>(value: &T, ty: &ColumnType) -> T
where
    T: SerializeValue + for<'a> DeserializeValue<'a>,
{
    let bytes = enc(value, ty).unwrap();
    dec::<T>(ty, &bytes).unwrap()
}

proptest! {
    #[test]
    fn integers_round_trip(a in any::<i8>(), b in any::<i16>(), c in any::<i32>(), d in any::<i64>(),
                           e in any::<u16>(), f in any::<u32>()) {
        prop_assert_eq!(round_trip(&a, &ColumnType::Int), a);
        prop_assert_eq!(round_trip(&b, &ColumnType::Int), b);
        prop_assert_eq!(round_trip(&c, &ColumnType::Int), c);
        prop_assert_eq!(round_trip(&d, &ColumnType::Bigint), d);
        prop_assert_eq!(round_trip(&d, &ColumnType::Counter), d);
        prop_assert_eq!(round_trip(&e, &ColumnType::Int), e);
        prop_assert_eq!(round_trip(&f, &ColumnType::Bigint), f);
        for v in [i64::from(a), i64::from(c), d, i64::from(f)] {
            prop_assert_eq!(round_trip(&v, &ColumnType::Varint), v);
            let bytes = enc(&v, &ColumnType::Varint).unwrap();
            prop_assert_eq!(bytes, BigInt::from(v).to_signed_bytes_be());
        }
    }

    #[test]
    fn floats_round_trip_bitwise(a in any::<u32>(), b in any::<u64>()) {
        let f = f32::from_bits(a);
        let d = f64::from_bits(b);
        prop_assert_eq!(round_trip(&f, &ColumnType::Float).to_bits(), a);
        prop_assert_eq!(round_trip(&d, &ColumnType::Double).to_bits(), b);
    }

    #[test]
    fn strings_blobs_and_ids_round_trip(
        s in any::<String>(),
        ascii in "[\\x00-\\x7f]{0,16}",
        blob in prop::collection::vec(any::<u8>(), 0..64),
        id in any::<[u8; 16]>(),
        tid in v1_uuid(),
        addr in ip(),
    ) {
        prop_assert_eq!(&round_trip(&s, &ColumnType::Varchar), &s);
        prop_assert_eq!(&round_trip(&ascii, &ColumnType::Ascii), &ascii);
        prop_assert_eq!(&round_trip(&blob, &ColumnType::Blob), &blob);
        let b = Bytes::from(blob.clone());
        prop_assert_eq!(&round_trip(&b, &ColumnType::Blob), &b);
        let id = Uuid::from_bytes(id);
        prop_assert_eq!(round_trip(&id, &ColumnType::Uuid), id);
        prop_assert_eq!(round_trip(&tid, &ColumnType::Timeuuid), tid);
        prop_assert_eq!(round_trip(&addr, &ColumnType::Inet), addr);
    }

    #[test]
    fn numbers_round_trip(n in big_int(), d in decimal(), t in any::<i64>()) {
        let bytes = enc(&n, &ColumnType::Varint).unwrap();
        // Minimal: a leading byte never just repeats the next byte's sign.
        if let [first, second, ..] = bytes[..] {
            prop_assert!(!(first == 0 && second & 0x80 == 0));
            prop_assert!(!(first == 0xff && second & 0x80 != 0));
        }
        prop_assert_eq!(&round_trip(&n, &ColumnType::Varint), &n);
        prop_assert_eq!(&round_trip(&d, &ColumnType::Decimal), &d);
        prop_assert_eq!(round_trip(&CqlTimestamp(t), &ColumnType::Timestamp), CqlTimestamp(t));
    }

    #[test]
    fn collections_round_trip(
        l in prop::collection::vec(any::<i32>(), 0..20),
        s in prop::collection::btree_set(any::<String>(), 0..8),
        m in prop::collection::hash_map(any::<String>(), prop::collection::vec(any::<i64>(), 0..4), 0..6),
        nested in prop::collection::vec(prop::collection::btree_map(any::<i32>(), any::<bool>(), 0..4), 0..4),
    ) {
        prop_assert_eq!(&round_trip(&l, &list(ColumnType::Int)), &l);
        prop_assert_eq!(&round_trip(&l, &set(ColumnType::Int)), &l);
        prop_assert_eq!(&round_trip(&s, &set(ColumnType::Varchar)), &s);
        let mty = map(ColumnType::Varchar, list(ColumnType::Bigint));
        prop_assert_eq!(&round_trip(&m, &mty), &m);
        let nty = list(map(ColumnType::Int, ColumnType::Boolean));
        prop_assert_eq!(&round_trip(&nested, &nty), &nested);
    }

    #[test]
    fn cql_values_round_trip((ty, value) in typed_value()) {
        let mut untyped = BytesMut::new();
        value.serialize(V2, &mut untyped).unwrap();
        let typed = enc(&value, &ty).unwrap();
        prop_assert_eq!(&typed[..], &untyped[..]);
        let back = CqlValue::deserialize(&ty, &untyped, V2).unwrap();
        prop_assert!(same(&back, &value), "{:?} != {:?}", back, value);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(
        ty in any_type(),
        bytes in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        if let Ok(value) = CqlValue::deserialize(&ty, &bytes, V2) {
            // Whatever decodes re-encodes to something that decodes the same.
            let again = enc(&value, &ty).unwrap();
            let back = CqlValue::deserialize(&ty, &again, V2).unwrap();
            prop_assert!(same(&back, &value));
        }
        let _ = dec::<Vec<Option<i32>>>(&ty, &bytes);
        let _ = dec::<HashMap<String, Vec<i64>>>(&ty, &bytes);
        let _ = dec::<MaybeEmpty<BTreeSet<&str>>>(&ty, &bytes);
        let _ = dec::<Option<CqlDecimal>>(&ty, &bytes);
    }

    #[test]
    fn decoding_structured_garbage_never_panics(
        ty in any_type(),
        parts in prop::collection::vec((0u16..12, prop::collection::vec(any::<u8>(), 0..12)), 0..6),
    ) {
        // Bodies built from plausible counts and lengths reach deeper code
        // than uniformly random bytes.
        let mut bytes = Vec::new();
        for (n, chunk) in parts {
            bytes.extend_from_slice(&n.to_be_bytes());
            bytes.extend_from_slice(&chunk);
        }
        let _ = CqlValue::deserialize(&ty, &bytes, V2);
        let _ = CqlValue::deserialize(&ty, &bytes, ProtocolVersion::V1);
    }
}

#[cfg(feature = "chrono")]
#[test]
fn chrono_errors_name_the_rust_type() {
    use chrono::{DateTime, Utc};
    assert_eq!(
        DateTime::<Utc>::deserialize(&ColumnType::Timestamp, None, V2),
        Err(ValueError::UnexpectedNull {
            rust_type: "DateTime<Utc>",
            cql_type: ColumnType::Timestamp
        })
    );
    assert_eq!(
        dec::<DateTime<Utc>>(&ColumnType::Bigint, &[0; 8]),
        Err(ValueError::TypeMismatch {
            rust_type: "DateTime<Utc>",
            cql_type: ColumnType::Bigint
        })
    );
}
