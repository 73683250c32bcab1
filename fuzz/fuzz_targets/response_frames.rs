//! Client side: arbitrary bytes from a server, split into frames and decoded
//! as responses; every value of a Rows result is then deserialized by its
//! column type. Whatever decodes must encode again and decode to the same
//! response.
#![no_main]

use bytes::BytesMut;
use cql_fuzz::for_each_frame;
use cql_protocol::message::response::{Response, ResultBody};
use cql_protocol::value::CqlValue;
use cql_protocol::FrameDecoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for_each_frame(data, |codec, frame| {
        let Ok(response) = codec.decode_response(frame) else {
            return;
        };
        if let Response::Result(ResultBody::Rows(rows)) = &response.response {
            if let Some(columns) = rows.metadata.columns.as_deref() {
                for row in rows.iter() {
                    for (value, column) in row.values().zip(columns) {
                        if let Some(bytes) = value {
                            let _ = CqlValue::deserialize(&column.ty, bytes, codec.version());
                        }
                    }
                }
            }
        }
        let mut out = BytesMut::new();
        codec
            .encode_response(&response, &mut out)
            .expect("a decoded response re-encodes");
        let frame = FrameDecoder::new()
            .decode(&mut out)
            .expect("re-encoded frame splits")
            .expect("re-encoded frame is whole");
        let again = codec
            .decode_response(frame)
            .expect("re-encoded response decodes");
        assert_eq!(again, response);
    });
});
