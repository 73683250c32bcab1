//! Frame headers and the incremental frame decoder (spec §1 and §2).
//!
//! A frame is a header followed by a body of `length` bytes. This module
//! splits a byte stream into [`Frame`]s whose bodies are zero-copy
//! [`Bytes`]; turning a body into a message is the job of
//! [`crate::message`].

use std::fmt;

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::version::ProtocolVersion;

/// Which way a frame travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client to server (direction bit 0).
    Request,
    /// Server to client (direction bit 1).
    Response,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Request => "request",
            Direction::Response => "response",
        })
    }
}

/// A message type (spec §2.4).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Opcode {
    /// ERROR (0x00), response.
    Error,
    /// STARTUP (0x01), request.
    Startup,
    /// READY (0x02), response.
    Ready,
    /// AUTHENTICATE (0x03), response.
    Authenticate,
    /// CREDENTIALS (0x04), request, v1 only.
    Credentials,
    /// OPTIONS (0x05), request.
    Options,
    /// SUPPORTED (0x06), response.
    Supported,
    /// QUERY (0x07), request.
    Query,
    /// RESULT (0x08), response.
    Result,
    /// PREPARE (0x09), request.
    Prepare,
    /// EXECUTE (0x0A), request.
    Execute,
    /// REGISTER (0x0B), request.
    Register,
    /// EVENT (0x0C), response, always on stream -1.
    Event,
    /// BATCH (0x0D), request, v2+.
    Batch,
    /// AUTH_CHALLENGE (0x0E), response, v2+.
    AuthChallenge,
    /// AUTH_RESPONSE (0x0F), request, v2+.
    AuthResponse,
    /// AUTH_SUCCESS (0x10), response, v2+.
    AuthSuccess,
}

impl Opcode {
    /// Every opcode, in code order.
    pub const ALL: [Opcode; 17] = [
        Opcode::Error,
        Opcode::Startup,
        Opcode::Ready,
        Opcode::Authenticate,
        Opcode::Credentials,
        Opcode::Options,
        Opcode::Supported,
        Opcode::Query,
        Opcode::Result,
        Opcode::Prepare,
        Opcode::Execute,
        Opcode::Register,
        Opcode::Event,
        Opcode::Batch,
        Opcode::AuthChallenge,
        Opcode::AuthResponse,
        Opcode::AuthSuccess,
    ];

    /// Parses an opcode byte.
    pub fn from_u8(code: u8) -> Result<Self, DecodeError> {
        Opcode::ALL
            .get(usize::from(code))
            .copied()
            .ok_or(DecodeError::UnknownOpcode { opcode: code })
    }

    /// The opcode byte.
    pub fn as_u8(self) -> u8 {
        match self {
            Opcode::Error => 0x00,
            Opcode::Startup => 0x01,
            Opcode::Ready => 0x02,
            Opcode::Authenticate => 0x03,
            Opcode::Credentials => 0x04,
            Opcode::Options => 0x05,
            Opcode::Supported => 0x06,
            Opcode::Query => 0x07,
            Opcode::Result => 0x08,
            Opcode::Prepare => 0x09,
            Opcode::Execute => 0x0A,
            Opcode::Register => 0x0B,
            Opcode::Event => 0x0C,
            Opcode::Batch => 0x0D,
            Opcode::AuthChallenge => 0x0E,
            Opcode::AuthResponse => 0x0F,
            Opcode::AuthSuccess => 0x10,
        }
    }

    /// The spec's name for the message, e.g. `"AUTH_RESPONSE"`.
    pub fn name(self) -> &'static str {
        match self {
            Opcode::Error => "ERROR",
            Opcode::Startup => "STARTUP",
            Opcode::Ready => "READY",
            Opcode::Authenticate => "AUTHENTICATE",
            Opcode::Credentials => "CREDENTIALS",
            Opcode::Options => "OPTIONS",
            Opcode::Supported => "SUPPORTED",
            Opcode::Query => "QUERY",
            Opcode::Result => "RESULT",
            Opcode::Prepare => "PREPARE",
            Opcode::Execute => "EXECUTE",
            Opcode::Register => "REGISTER",
            Opcode::Event => "EVENT",
            Opcode::Batch => "BATCH",
            Opcode::AuthChallenge => "AUTH_CHALLENGE",
            Opcode::AuthResponse => "AUTH_RESPONSE",
            Opcode::AuthSuccess => "AUTH_SUCCESS",
        }
    }

    /// Which way messages with this opcode travel.
    pub fn direction(self) -> Direction {
        match self {
            Opcode::Startup
            | Opcode::Credentials
            | Opcode::Options
            | Opcode::Query
            | Opcode::Prepare
            | Opcode::Execute
            | Opcode::Register
            | Opcode::Batch
            | Opcode::AuthResponse => Direction::Request,
            Opcode::Error
            | Opcode::Ready
            | Opcode::Authenticate
            | Opcode::Supported
            | Opcode::Result
            | Opcode::Event
            | Opcode::AuthChallenge
            | Opcode::AuthSuccess => Direction::Response,
        }
    }

    /// Whether the message exists in `version`.
    pub fn exists_in(self, version: ProtocolVersion) -> bool {
        match self {
            Opcode::Credentials => version == ProtocolVersion::V1,
            Opcode::Batch | Opcode::AuthChallenge | Opcode::AuthResponse | Opcode::AuthSuccess => {
                version >= ProtocolVersion::V2
            }
            _ => true,
        }
    }

    /// Fails with [`DecodeError::NotInVersion`] unless the message exists in `version`.
    pub fn check_version(self, version: ProtocolVersion) -> Result<(), DecodeError> {
        if self.exists_in(version) {
            Ok(())
        } else {
            Err(DecodeError::NotInVersion {
                what: self.missing_message(),
                version,
            })
        }
    }

    /// Fails with [`EncodeError::NotInVersion`] unless the message exists in
    /// `version`: the encoding side of [`Opcode::check_version`].
    pub fn check_encodable(self, version: ProtocolVersion) -> Result<(), EncodeError> {
        if self.exists_in(version) {
            Ok(())
        } else {
            Err(EncodeError::NotInVersion {
                what: self.missing_message(),
                version,
            })
        }
    }

    fn missing_message(self) -> String {
        format!("the {} message", self.name())
    }
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The flags byte of a frame header.
///
/// v1 and v2 define [`FrameFlags::COMPRESSION`] and [`FrameFlags::TRACING`];
/// other bits are kept as they arrive and ignored, as the spec says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FrameFlags(u8);

impl FrameFlags {
    /// The body is compressed with the algorithm chosen in STARTUP.
    pub const COMPRESSION: FrameFlags = FrameFlags(0x01);
    /// On a request, asks for tracing; on a response, the body starts with a tracing id.
    pub const TRACING: FrameFlags = FrameFlags(0x02);

    /// No flags.
    pub const fn empty() -> Self {
        FrameFlags(0)
    }

    /// Flags from the raw byte.
    pub const fn from_bits(bits: u8) -> Self {
        FrameFlags(bits)
    }

    /// The raw byte.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: FrameFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets or clears the flags of `other`.
    pub fn set(&mut self, other: FrameFlags, on: bool) {
        if on {
            self.0 |= other.0;
        } else {
            self.0 &= !other.0;
        }
    }

    /// These flags with those of `other` set too.
    #[must_use]
    pub const fn with(self, other: FrameFlags) -> Self {
        FrameFlags(self.0 | other.0)
    }
}

/// A decoded frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// The protocol version.
    pub version: ProtocolVersion,
    /// Request or response.
    pub direction: Direction,
    /// The flags byte.
    pub flags: FrameFlags,
    /// The stream id; -1 for events, negative ids are the server's.
    pub stream: i16,
    /// The message type.
    pub opcode: Opcode,
    /// Length of the body in bytes.
    pub length: u32,
}

/// The body size limit Cassandra uses by default (256 MiB).
pub const DEFAULT_MAX_FRAME_SIZE: usize = 256 * 1024 * 1024;

/// The stream id every EVENT travels on.
pub const EVENT_STREAM_ID: i16 = -1;

/// The most [`reserve_read_ahead`] reserves beyond the bytes already
/// buffered.
pub const MAX_READ_AHEAD: usize = 64 * 1024;

/// Reserves room in `buf` for `missing` more bytes of a frame, but never
/// more than [`MAX_READ_AHEAD`] at once. A header's length is only a claim:
/// the buffer grows as the bytes really arrive, so a header that declares
/// hundreds of megabytes and never sends them costs nothing.
pub fn reserve_read_ahead(buf: &mut BytesMut, missing: usize) {
    buf.reserve(missing.min(MAX_READ_AHEAD));
}

impl FrameHeader {
    /// Writes the header in its version's layout.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let (min, max) = self.version.stream_id_range();
        if self.stream < min || self.stream > max {
            return Err(EncodeError::StreamOutOfRange {
                stream: self.stream,
                version: self.version,
            });
        }
        let direction_bit = match self.direction {
            Direction::Request => 0x00,
            Direction::Response => 0x80,
        };
        buf.reserve(self.version.header_len());
        buf.put_u8(direction_bit | self.version.as_u8());
        buf.put_u8(self.flags.bits());
        match self.version {
            ProtocolVersion::V1 | ProtocolVersion::V2 => buf.put_i8(self.stream as i8),
        }
        buf.put_u8(self.opcode.as_u8());
        buf.put_u32(self.length);
        Ok(())
    }

    /// Parses a header from the start of `buf`.
    ///
    /// Returns `Ok(None)` when more bytes are needed. The version is checked
    /// first, from the first byte alone, so a client probing with a newer
    /// version is told so as early as Cassandra tells it.
    pub fn decode(buf: &[u8]) -> Result<Option<FrameHeader>, DecodeError> {
        let Some(&first) = buf.first() else {
            return Ok(None);
        };
        let version = ProtocolVersion::from_u8(first & 0x7f)?;
        if buf.len() < version.header_len() {
            return Ok(None);
        }
        let direction = if first & 0x80 == 0 {
            Direction::Request
        } else {
            Direction::Response
        };
        let flags = FrameFlags::from_bits(buf[1]);
        let (stream, rest) = match version {
            ProtocolVersion::V1 | ProtocolVersion::V2 => (i16::from(buf[2] as i8), &buf[3..]),
        };
        let opcode = Opcode::from_u8(rest[0])?;
        let length = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]);
        if opcode.direction() != direction {
            return Err(DecodeError::WrongDirection {
                opcode,
                expected: opcode.direction(),
                found: direction,
            });
        }
        Ok(Some(FrameHeader {
            version,
            direction,
            flags,
            stream,
            opcode,
            length,
        }))
    }
}

/// A whole frame: its header and its (possibly compressed) body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The header. `header.length` is the length of `body`.
    pub header: FrameHeader,
    /// The body as received, zero-copy.
    pub body: Bytes,
}

impl Frame {
    /// Writes header and body.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let mut header = self.header;
        header.length = u32::try_from(self.body.len()).map_err(|_| EncodeError::TooLong {
            context: "frame body",
            length: self.body.len(),
            max: u32::MAX as usize,
        })?;
        header.encode(buf)?;
        buf.extend_from_slice(&self.body);
        Ok(())
    }
}

/// Splits a byte stream into frames.
///
/// Feed it the connection's read buffer; each call either takes one whole
/// frame off the front of the buffer, asks for more bytes, or fails. After an
/// error the stream is out of sync and the connection should be closed.
///
/// ```
/// use bytes::BytesMut;
/// use cql_protocol::frame::{FrameDecoder, Opcode};
///
/// let mut decoder = FrameDecoder::new();
/// let mut buf = BytesMut::from(&[0x02, 0x00, 0x05, 0x05][..]);
/// assert!(decoder.decode(&mut buf).unwrap().is_none()); // header incomplete
/// buf.extend_from_slice(&[0, 0, 0, 0]);
/// let frame = decoder.decode(&mut buf).unwrap().unwrap();
/// assert_eq!(frame.header.opcode, Opcode::Options);
/// assert_eq!(frame.header.stream, 5);
/// assert!(buf.is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct FrameDecoder {
    max_frame_size: usize,
    expected_version: Option<ProtocolVersion>,
    expected_direction: Option<Direction>,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder with the default 256 MiB limit that accepts any version and direction.
    pub fn new() -> Self {
        FrameDecoder {
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            expected_version: None,
            expected_direction: None,
        }
    }

    /// Sets the largest body accepted, in bytes.
    #[must_use]
    pub fn with_max_frame_size(mut self, max: usize) -> Self {
        self.max_frame_size = max;
        self
    }

    /// Only accepts frames travelling in `direction` (a server expects
    /// requests, a client responses).
    #[must_use]
    pub fn with_direction(mut self, direction: Direction) -> Self {
        self.expected_direction = Some(direction);
        self
    }

    /// Fixes the connection's version: later frames must carry it.
    pub fn set_version(&mut self, version: Option<ProtocolVersion>) {
        self.expected_version = version;
    }

    /// The largest body accepted, in bytes.
    pub fn max_frame_size(&self) -> usize {
        self.max_frame_size
    }

    /// Parses and checks the header at the front of `buf` without consuming
    /// anything. `Ok(None)` means more bytes are needed.
    pub fn peek_header(&self, buf: &[u8]) -> Result<Option<FrameHeader>, DecodeError> {
        let Some(header) = FrameHeader::decode(buf)? else {
            return Ok(None);
        };
        if let Some(expected) = self.expected_version {
            if header.version != expected {
                return Err(DecodeError::VersionMismatch {
                    expected,
                    found: header.version,
                });
            }
        }
        if let Some(expected) = self.expected_direction {
            if header.direction != expected {
                return Err(DecodeError::WrongDirection {
                    opcode: header.opcode,
                    expected,
                    found: header.direction,
                });
            }
        }
        if header.length as u64 > self.max_frame_size as u64 {
            return Err(DecodeError::FrameTooLarge {
                length: header.length.into(),
                max: self.max_frame_size,
            });
        }
        Ok(Some(header))
    }

    /// Takes one frame off the front of `buf`, or returns `Ok(None)` if the
    /// buffer does not yet hold a whole frame (nothing is consumed then).
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        let Some(header) = self.peek_header(buf)? else {
            return Ok(None);
        };
        let header_len = header.version.header_len();
        let total = header_len + header.length as usize;
        if buf.len() < total {
            reserve_read_ahead(buf, total - buf.len());
            return Ok(None);
        }
        buf.advance(header_len);
        let body = buf.split_to(header.length as usize).freeze();
        Ok(Some(Frame { header, body }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcodes_round_trip() {
        for (i, op) in Opcode::ALL.iter().enumerate() {
            assert_eq!(op.as_u8() as usize, i);
            assert_eq!(Opcode::from_u8(i as u8).unwrap(), *op);
        }
        assert_eq!(
            Opcode::from_u8(0x11),
            Err(DecodeError::UnknownOpcode { opcode: 0x11 })
        );
    }

    #[test]
    fn opcode_versions() {
        use ProtocolVersion::*;
        assert!(Opcode::Credentials.exists_in(V1));
        assert!(!Opcode::Credentials.exists_in(V2));
        for op in [
            Opcode::Batch,
            Opcode::AuthChallenge,
            Opcode::AuthResponse,
            Opcode::AuthSuccess,
        ] {
            assert!(!op.exists_in(V1));
            assert!(op.exists_in(V2));
        }
    }

    #[test]
    fn header_hand_vectors() {
        // v2 response, tracing flag, stream -1, EVENT, length 0x0102.
        let bytes = [0x82, 0x02, 0xff, 0x0c, 0x00, 0x00, 0x01, 0x02];
        let header = FrameHeader::decode(&bytes).unwrap().unwrap();
        assert_eq!(
            header,
            FrameHeader {
                version: ProtocolVersion::V2,
                direction: Direction::Response,
                flags: FrameFlags::TRACING,
                stream: -1,
                opcode: Opcode::Event,
                length: 0x0102,
            }
        );
        let mut out = BytesMut::new();
        header.encode(&mut out).unwrap();
        assert_eq!(&out[..], &bytes);

        // v1 request, stream 127, QUERY, compressed.
        let bytes = [0x01, 0x01, 0x7f, 0x07, 0x00, 0x00, 0x00, 0x00];
        let header = FrameHeader::decode(&bytes).unwrap().unwrap();
        assert_eq!(header.version, ProtocolVersion::V1);
        assert_eq!(header.direction, Direction::Request);
        assert!(header.flags.contains(FrameFlags::COMPRESSION));
        assert_eq!(header.stream, 127);
    }

    #[test]
    fn header_errors() {
        // A v3 probe (9-byte header) is rejected from its first byte.
        assert_eq!(
            FrameHeader::decode(&[0x03]),
            Err(DecodeError::UnsupportedVersion { version: 3 })
        );
        assert_eq!(
            FrameHeader::decode(&[0x42, 0, 0, 0, 5, 0, 0, 0, 0]),
            Err(DecodeError::UnsupportedVersion { version: 0x42 })
        );
        // READY sent as a request.
        assert!(matches!(
            FrameHeader::decode(&[0x02, 0, 0, 0x02, 0, 0, 0, 0]),
            Err(DecodeError::WrongDirection {
                opcode: Opcode::Ready,
                ..
            })
        ));
        assert_eq!(
            FrameHeader::decode(&[0x02, 0, 0, 0x20, 0, 0, 0, 0]),
            Err(DecodeError::UnknownOpcode { opcode: 0x20 })
        );
        let header = FrameHeader {
            version: ProtocolVersion::V2,
            direction: Direction::Request,
            flags: FrameFlags::empty(),
            stream: 128,
            opcode: Opcode::Options,
            length: 0,
        };
        assert!(matches!(
            header.encode(&mut BytesMut::new()),
            Err(EncodeError::StreamOutOfRange { stream: 128, .. })
        ));
    }

    #[test]
    fn decoder_is_incremental() {
        let mut full = BytesMut::new();
        for stream in 0..3i16 {
            Frame {
                header: FrameHeader {
                    version: ProtocolVersion::V2,
                    direction: Direction::Response,
                    flags: FrameFlags::empty(),
                    stream,
                    opcode: Opcode::Result,
                    length: 0,
                },
                body: Bytes::from(vec![stream as u8; 5]),
            }
            .encode(&mut full)
            .unwrap();
        }
        let mut decoder = FrameDecoder::new().with_direction(Direction::Response);
        let mut buf = BytesMut::new();
        let mut frames = Vec::new();
        for byte in full.iter() {
            buf.put_u8(*byte);
            while let Some(frame) = decoder.decode(&mut buf).unwrap() {
                frames.push(frame);
            }
        }
        assert_eq!(frames.len(), 3);
        for (i, frame) in frames.iter().enumerate() {
            assert_eq!(frame.header.stream, i as i16);
            assert_eq!(frame.header.length, 5);
            assert_eq!(&frame.body[..], &[i as u8; 5]);
        }
        assert!(buf.is_empty());
    }

    #[test]
    fn decoder_limits_and_checks() {
        let mut decoder = FrameDecoder::new().with_max_frame_size(16);
        let mut buf = BytesMut::from(&[0x02, 0, 0, 0x07, 0, 0, 0, 17][..]);
        assert_eq!(
            decoder.decode(&mut buf),
            Err(DecodeError::FrameTooLarge {
                length: 17,
                max: 16
            })
        );
        // A header claiming 4 GiB does not make the decoder reserve it.
        let mut decoder = FrameDecoder::new();
        let mut buf = BytesMut::from(&[0x02, 0, 0, 0x07, 0xff, 0xff, 0xff, 0xff][..]);
        assert!(matches!(
            decoder.decode(&mut buf),
            Err(DecodeError::FrameTooLarge { .. })
        ));

        // A header claiming 200 MiB (within the limit) with no body behind
        // it reserves only a bounded read-ahead, not the claimed length.
        let mut decoder = FrameDecoder::new();
        let mut buf = BytesMut::from(&[0x02, 0, 0, 0x07, 0x0c, 0x80, 0, 0][..]);
        assert_eq!(decoder.decode(&mut buf), Ok(None));
        assert!(buf.capacity() <= 8 + MAX_READ_AHEAD, "{}", buf.capacity());

        let mut decoder = FrameDecoder::new().with_direction(Direction::Request);
        let mut buf = BytesMut::from(&[0x82, 0, 0, 0x02, 0, 0, 0, 0][..]);
        assert!(matches!(
            decoder.decode(&mut buf),
            Err(DecodeError::WrongDirection { .. })
        ));

        let mut decoder = FrameDecoder::new();
        decoder.set_version(Some(ProtocolVersion::V2));
        let mut buf = BytesMut::from(&[0x01, 0, 0, 0x05, 0, 0, 0, 0][..]);
        assert_eq!(
            decoder.decode(&mut buf),
            Err(DecodeError::VersionMismatch {
                expected: ProtocolVersion::V2,
                found: ProtocolVersion::V1
            })
        );
    }
}
