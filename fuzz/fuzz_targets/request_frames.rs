//! Server side: arbitrary bytes from a client, split into frames and decoded
//! as requests. Whatever decodes must encode again and decode to the same
//! request.
#![no_main]

use bytes::BytesMut;
use cql_fuzz::for_each_frame;
use cql_protocol::FrameDecoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for_each_frame(data, |codec, frame| {
        let Ok(request) = codec.decode_request(frame) else {
            return;
        };
        let mut out = BytesMut::new();
        codec
            .encode_request(&request, &mut out)
            .expect("a decoded request re-encodes");
        let frame = FrameDecoder::new()
            .decode(&mut out)
            .expect("re-encoded frame splits")
            .expect("re-encoded frame is whole");
        let again = codec
            .decode_request(frame)
            .expect("re-encoded request decodes");
        assert_eq!(again, request);
    });
});
