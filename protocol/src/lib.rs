//! A sans-IO codec for the Apache Cassandra CQL native protocol, versions 1
//! and 2 (Cassandra 1.2 and 2.0).
//!
//! The crate does no I/O and needs no async runtime, so a driver, a server,
//! benchmarks and fuzzers can all share it. Its layers, from the bottom up:
//!
//! - [`wire`]: the spec's notation types (`[int]`, `[string]`, `[bytes]`, ...);
//! - [`frame`]: frame headers and the incremental [`FrameDecoder`];
//! - [`compression`]: lz4 and snappy bodies;
//! - [`message`]: every request and response, and [`MessageCodec`], which
//!   turns frames into messages and back;
//! - [`types`] and [`value`]: column types and CQL values, with traits that
//!   map Rust types to them;
//! - [`murmur3`]: the Murmur3 partitioner's token.
//!
//! Decoding never panics and never allocates more than the input can
//! justify: every malformed input is a [`DecodeError`].
//!
//! # Example
//!
//! One side encodes a request into a frame; the other splits its byte
//! stream into frames and decodes them.
//!
//! ```
//! use bytes::BytesMut;
//! use cql_protocol::message::request::{Query, QueryParameters, Request};
//! use cql_protocol::message::{MessageCodec, RequestFrame};
//! use cql_protocol::{Compression, Consistency, FrameDecoder, ProtocolVersion};
//!
//! let codec = MessageCodec::new(ProtocolVersion::V2).with_compression(Some(Compression::Lz4));
//! let query = Query {
//!     query: "SELECT * FROM system.local".into(),
//!     params: QueryParameters { consistency: Consistency::One, ..Default::default() },
//! };
//! let mut wire = BytesMut::new();
//! codec.encode_request(&RequestFrame::new(1, Request::Query(query.clone())), &mut wire)?;
//!
//! let frame = FrameDecoder::new().decode(&mut wire)?.expect("a whole frame");
//! let request = codec.decode_request(frame)?;
//! assert_eq!(request.request, Request::Query(query));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod compression;
pub mod consistency;
pub mod error;
pub mod frame;
pub mod message;
pub mod murmur3;
pub mod types;
pub mod value;
pub mod version;
pub mod wire;

pub use compression::Compression;
pub use consistency::Consistency;
pub use error::{DecodeError, EncodeError};
pub use frame::{Direction, Frame, FrameDecoder, FrameFlags, FrameHeader, Opcode};
pub use message::{MessageCodec, RequestFrame, ResponseFrame};
pub use types::{ColumnSpec, ColumnType, TableSpec};
pub use version::ProtocolVersion;
pub use wire::RawValue;
