//! Value deserialization for every column type: the input starts with an
//! `[option]` (so the fuzzer explores every type, collections nested in
//! collections included) followed by the value's bytes. A value that
//! deserializes must serialize back to bytes that deserialize to it again.
#![no_main]

use bytes::{Bytes, BytesMut};
use cql_protocol::value::{CqlValue, DeserializeValue};
use cql_protocol::wire::Reader;
use cql_protocol::{ColumnType, ProtocolVersion};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let reader = Reader::new(Bytes::copy_from_slice(data));
    for version in ProtocolVersion::ALL {
        let mut reader = reader.clone();
        let Ok(ty) = ColumnType::read(&mut reader, version) else {
            continue;
        };
        let value = reader.take_rest();
        // Typed targets must fail cleanly on any mismatch.
        let _ = i32::deserialize(&ty, Some(&value), version);
        let _ = String::deserialize(&ty, Some(&value), version);
        let _ = <Vec<i64>>::deserialize(&ty, Some(&value), version);
        let Ok(decoded) = CqlValue::deserialize(&ty, &value, version) else {
            continue;
        };
        let mut out = BytesMut::new();
        decoded
            .serialize(version, &mut out)
            .expect("a decoded value re-serializes");
        let again = CqlValue::deserialize(&ty, &out, version).expect("re-serialized value decodes");
        // NaN != NaN: compare the bytes of a third round instead.
        let mut out2 = BytesMut::new();
        again.serialize(version, &mut out2).expect("re-serializes");
        assert_eq!(out, out2);
    }
});
