//! The per-connection codec: frames to messages and back, applying the
//! connection's version, compression and the tracing flag.

use bytes::{BufMut, Bytes, BytesMut};
use uuid::Uuid;

use super::request::Request;
use super::response::Response;
use crate::compression::Compression;
use crate::error::{DecodeError, EncodeError};
use crate::frame::{Direction, Frame, FrameFlags, FrameHeader, Opcode, DEFAULT_MAX_FRAME_SIZE};
use crate::version::ProtocolVersion;
use crate::wire::Reader;

/// A request with the frame-level facts that travel with it.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestFrame {
    /// The stream id the response will carry.
    pub stream: i16,
    /// Whether the client asks the server to trace this request.
    pub tracing: bool,
    /// The message.
    pub request: Request,
}

impl RequestFrame {
    /// A request on `stream`, without tracing.
    pub fn new(stream: i16, request: Request) -> Self {
        RequestFrame {
            stream,
            tracing: false,
            request,
        }
    }
}

/// A response with the frame-level facts that travel with it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponseFrame {
    /// The stream id of the request this answers; -1 for events.
    pub stream: i16,
    /// The tracing session id, when the request asked for tracing.
    pub tracing_id: Option<Uuid>,
    /// The message.
    pub response: Response,
}

impl ResponseFrame {
    /// A response on `stream`, without a tracing id.
    pub fn new(stream: i16, response: Response) -> Self {
        ResponseFrame {
            stream,
            tracing_id: None,
            response,
        }
    }
}

/// Encodes and decodes the messages of one connection.
///
/// It knows the connection's protocol version and, once STARTUP has
/// negotiated it, its compression. Compression applies to every frame except
/// STARTUP itself, in both directions; a received frame is decompressed only
/// when its compression flag is set.
///
/// ```
/// use bytes::BytesMut;
/// use cql_protocol::message::{MessageCodec, RequestFrame};
/// use cql_protocol::message::request::Request;
/// use cql_protocol::{Compression, FrameDecoder, ProtocolVersion};
///
/// let codec = MessageCodec::new(ProtocolVersion::V2).with_compression(Some(Compression::Lz4));
/// let mut wire = BytesMut::new();
/// codec.encode_request(&RequestFrame::new(3, Request::Options), &mut wire).unwrap();
///
/// let frame = FrameDecoder::new().decode(&mut wire).unwrap().unwrap();
/// let decoded = codec.decode_request(frame).unwrap();
/// assert_eq!(decoded, RequestFrame::new(3, Request::Options));
/// ```
#[derive(Clone, Debug)]
pub struct MessageCodec {
    version: ProtocolVersion,
    compression: Option<Compression>,
    max_frame_size: usize,
}

impl MessageCodec {
    /// A codec for `version`, without compression, with the default 256 MiB frame limit.
    pub fn new(version: ProtocolVersion) -> Self {
        MessageCodec {
            version,
            compression: None,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
        }
    }

    /// Sets the negotiated compression.
    #[must_use]
    pub fn with_compression(mut self, compression: Option<Compression>) -> Self {
        self.compression = compression;
        self
    }

    /// Sets the largest body, compressed or not, that is accepted or produced.
    #[must_use]
    pub fn with_max_frame_size(mut self, max: usize) -> Self {
        self.max_frame_size = max;
        self
    }

    /// Changes the compression (a server does this when STARTUP asks for it).
    pub fn set_compression(&mut self, compression: Option<Compression>) {
        self.compression = compression;
    }

    /// The connection's protocol version.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The negotiated compression, if any.
    pub fn compression(&self) -> Option<Compression> {
        self.compression
    }

    /// The largest body accepted or produced, in bytes.
    pub fn max_frame_size(&self) -> usize {
        self.max_frame_size
    }

    /// Appends a whole request frame to `out`.
    pub fn encode_request(
        &self,
        frame: &RequestFrame,
        out: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        let mut flags = FrameFlags::empty();
        flags.set(FrameFlags::TRACING, frame.tracing);
        let opcode = frame.request.opcode();
        self.encode_frame(
            Direction::Request,
            opcode,
            frame.stream,
            flags,
            out,
            |body| frame.request.encode_body(self.version, body),
        )
    }

    /// Appends a whole response frame to `out`.
    pub fn encode_response(
        &self,
        frame: &ResponseFrame,
        out: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        let mut flags = FrameFlags::empty();
        flags.set(FrameFlags::TRACING, frame.tracing_id.is_some());
        let opcode = frame.response.opcode();
        self.encode_frame(
            Direction::Response,
            opcode,
            frame.stream,
            flags,
            out,
            |body| {
                if let Some(id) = &frame.tracing_id {
                    body.put_slice(id.as_bytes());
                }
                frame.response.encode_body(self.version, body)
            },
        )
    }

    /// Turns a received frame into a request.
    pub fn decode_request(&self, frame: Frame) -> Result<RequestFrame, DecodeError> {
        let (header, body) = self.open(frame, Direction::Request)?;
        let request = Request::decode_body(self.version, header.opcode, body)?;
        Ok(RequestFrame {
            stream: header.stream,
            tracing: header.flags.contains(FrameFlags::TRACING),
            request,
        })
    }

    /// Turns a received frame into a response.
    pub fn decode_response(&self, frame: Frame) -> Result<ResponseFrame, DecodeError> {
        let (header, body) = self.open(frame, Direction::Response)?;
        let (tracing_id, body) = if header.flags.contains(FrameFlags::TRACING) {
            let mut reader = Reader::new(body);
            let id = reader.read_uuid("tracing id")?;
            (Some(id), reader.take_rest())
        } else {
            (None, body)
        };
        let response = Response::decode_body(self.version, header.opcode, body)?;
        Ok(ResponseFrame {
            stream: header.stream,
            tracing_id,
            response,
        })
    }

    fn encode_frame(
        &self,
        direction: Direction,
        opcode: Opcode,
        stream: i16,
        mut flags: FrameFlags,
        out: &mut BytesMut,
        write_body: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        opcode.check_encodable(self.version)?;
        let start = out.len();
        let header_len = self.version.header_len();
        out.put_bytes(0, header_len);
        let result = self.write_body(opcode, &mut flags, out, start + header_len, write_body);
        let body_len = match result {
            Ok(len) => len,
            Err(e) => {
                out.truncate(start);
                return Err(e);
            }
        };
        let header = FrameHeader {
            version: self.version,
            direction,
            flags,
            stream,
            opcode,
            length: u32::try_from(body_len).unwrap_or(u32::MAX),
        };
        let mut encoded = BytesMut::with_capacity(header_len);
        if let Err(e) = header.encode(&mut encoded) {
            out.truncate(start);
            return Err(e);
        }
        out[start..start + header_len].copy_from_slice(&encoded);
        Ok(())
    }

    /// Writes the body after the header placeholder, compressing it when the
    /// connection has compression, and returns its length on the wire.
    fn write_body(
        &self,
        opcode: Opcode,
        flags: &mut FrameFlags,
        out: &mut BytesMut,
        body_start: usize,
        write_body: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>,
    ) -> Result<usize, EncodeError> {
        write_body(out)?;
        if let Some(compression) = self.compression.filter(|_| opcode != Opcode::Startup) {
            let plain = out.split_off(body_start);
            compression.compress(&plain, out)?;
            flags.set(FrameFlags::COMPRESSION, true);
        }
        let len = out.len() - body_start;
        if len > self.max_frame_size {
            return Err(EncodeError::TooLong {
                context: "frame body",
                length: len,
                max: self.max_frame_size,
            });
        }
        Ok(len)
    }

    fn open(
        &self,
        frame: Frame,
        direction: Direction,
    ) -> Result<(FrameHeader, Bytes), DecodeError> {
        let header = frame.header;
        if header.version != self.version {
            return Err(DecodeError::VersionMismatch {
                expected: self.version,
                found: header.version,
            });
        }
        if header.direction != direction || header.opcode.direction() != direction {
            return Err(DecodeError::WrongDirection {
                opcode: header.opcode,
                expected: direction,
                found: header.direction,
            });
        }
        if !header.flags.contains(FrameFlags::COMPRESSION) {
            return Ok((header, frame.body));
        }
        let compression = self.compression.ok_or(DecodeError::UnexpectedCompression)?;
        let body = compression.decompress(&frame.body, self.max_frame_size)?;
        Ok((header, body))
    }
}
