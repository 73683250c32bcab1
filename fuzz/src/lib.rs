//! Helpers shared by the fuzz targets.

use bytes::BytesMut;
use cql_protocol::message::MessageCodec;
use cql_protocol::{Compression, Frame, FrameDecoder};

/// Splits `data` into frames with a small size limit, the way a connection
/// would, and hands each one to `handle` with a codec for the frame's
/// version. The first input byte picks the negotiated compression, so that
/// compressed bodies are reached too.
pub fn for_each_frame(data: &[u8], mut handle: impl FnMut(&MessageCodec, Frame)) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let compression = match selector % 3 {
        0 => None,
        1 => Some(Compression::Lz4),
        _ => Some(Compression::Snappy),
    };
    let mut decoder = FrameDecoder::new().with_max_frame_size(1 << 20);
    let mut buf = BytesMut::from(rest);
    // Any error leaves the stream out of sync, as on a real connection.
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        let codec = MessageCodec::new(frame.header.version)
            .with_compression(compression)
            .with_max_frame_size(1 << 20);
        handle(&codec, frame);
    }
}
