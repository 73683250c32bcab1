//! Typed errors for decoding and encoding.
//!
//! Decoding never panics: every malformed input is one of the variants of
//! [`DecodeError`], which names what was wrong and, where it applies, which
//! field (`context`) and at which byte offset of the body (`offset`).

use crate::frame::{Direction, Opcode};
use crate::version::ProtocolVersion;

/// Why a frame, message or value could not be decoded.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The first byte of a header names a version this codec does not speak.
    #[error("Invalid or unsupported protocol version: {version}")]
    UnsupportedVersion {
        /// The version number found (direction bit removed).
        version: u8,
    },
    /// A frame arrived with a version other than the one the connection uses.
    #[error("frame has protocol version {found} but the connection uses {expected}")]
    VersionMismatch {
        /// The connection's version.
        expected: ProtocolVersion,
        /// The version in the frame header.
        found: ProtocolVersion,
    },
    /// The opcode byte is not a known message.
    #[error("unknown opcode 0x{opcode:02x}")]
    UnknownOpcode {
        /// The opcode byte.
        opcode: u8,
    },
    /// A request arrived where a response was expected, or the reverse.
    #[error("{opcode:?} is a {expected} message but the frame's direction bit says {found}")]
    WrongDirection {
        /// The opcode of the frame.
        opcode: Opcode,
        /// The direction the opcode belongs to.
        expected: Direction,
        /// The direction the header declared.
        found: Direction,
    },
    /// The message or feature exists in the protocol, but not in this version.
    #[error("{what} is not part of protocol {version}")]
    NotInVersion {
        /// What is missing from the version (a message, flag or type).
        what: String,
        /// The version in use.
        version: ProtocolVersion,
    },
    /// A header declared a body longer than the configured maximum.
    #[error("frame body of {length} bytes exceeds the maximum frame size of {max} bytes")]
    FrameTooLarge {
        /// The declared body length.
        length: u64,
        /// The configured maximum.
        max: usize,
    },
    /// The body ended before a field was complete.
    #[error("truncated {context} at byte {offset}: needed {needed} bytes, {available} left")]
    Truncated {
        /// The field being read.
        context: &'static str,
        /// Offset of the field in the body.
        offset: usize,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the body.
        available: usize,
    },
    /// A length field is negative where no negative value is allowed.
    #[error("invalid length {length} for {context} at byte {offset}")]
    InvalidLength {
        /// The field being read.
        context: &'static str,
        /// Offset of the length in the body.
        offset: usize,
        /// The length found.
        length: i64,
    },
    /// An element count cannot fit in the bytes that remain, so it is rejected
    /// before anything is allocated for it.
    #[error(
        "{context} at byte {offset} claims {count} elements, but the {available} bytes left hold at most {max_possible}"
    )]
    CountTooLarge {
        /// The collection or list being read.
        context: &'static str,
        /// Offset of the count.
        offset: usize,
        /// The claimed count.
        count: u64,
        /// Bytes left after the count.
        available: usize,
        /// The largest count those bytes could hold.
        max_possible: u64,
    },
    /// A string is not valid UTF-8.
    #[error("invalid UTF-8 in {context} at byte {offset}")]
    InvalidUtf8 {
        /// The field being read.
        context: &'static str,
        /// Offset of the string's bytes.
        offset: usize,
    },
    /// A code (consistency, result kind, error code, type id, ...) is unknown.
    #[error("unknown {what} 0x{code:04x} at byte {offset}")]
    UnknownCode {
        /// What kind of code it is.
        what: &'static str,
        /// The value found.
        code: u32,
        /// Offset of the code in the body.
        offset: usize,
    },
    /// A field holds a value the protocol does not allow (a bad inet size, an
    /// unknown event name, nesting that is too deep, ...).
    #[error("invalid {context} at byte {offset}: {reason}")]
    InvalidValue {
        /// The field being read.
        context: &'static str,
        /// Offset of the field.
        offset: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// Bytes remain after a message that must fill its whole body.
    #[error("{count} unexpected trailing bytes after {context}")]
    TrailingBytes {
        /// The message that was decoded.
        context: &'static str,
        /// How many bytes were left over.
        count: usize,
    },
    /// A compressed body could not be decompressed.
    #[error("cannot decompress {algorithm} body: {reason}")]
    Decompression {
        /// "lz4" or "snappy".
        algorithm: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// The compression flag is set but the connection has no compression.
    #[error("frame has the compression flag set but no compression was negotiated")]
    UnexpectedCompression,
}

/// Why a message or frame could not be encoded.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The message or one of its options does not exist in this version.
    #[error("{what} is not part of protocol {version}")]
    NotInVersion {
        /// What is missing from the version.
        what: String,
        /// The version in use.
        version: ProtocolVersion,
    },
    /// A value is too long for the length field that must describe it.
    #[error("{context} is {length} long, more than the maximum of {max}")]
    TooLong {
        /// The field being written.
        context: &'static str,
        /// Its length (bytes or elements).
        length: usize,
        /// The largest length the field can hold.
        max: usize,
    },
    /// A stream id does not fit the version's header.
    #[error("stream id {stream} does not fit a protocol {version} header")]
    StreamOutOfRange {
        /// The stream id.
        stream: i16,
        /// The version in use.
        version: ProtocolVersion,
    },
    /// A field holds a value the protocol cannot represent.
    #[error("invalid {context}: {reason}")]
    InvalidValue {
        /// The field being written.
        context: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}
