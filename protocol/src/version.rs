//! Protocol versions and the layout rules that differ between them.

use std::fmt;

use crate::error::DecodeError;

/// A native protocol version this codec speaks.
///
/// Every rule that differs between versions (header length, stream id
/// width, collection size width, which opcodes exist) is a method here, so
/// that adding V3 and V4 means adding variants and extending these methods
/// rather than reshaping the API.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    /// Protocol v1, Cassandra 1.2.
    V1,
    /// Protocol v2, Cassandra 2.0.
    V2,
}

/// How sizes inside a serialized collection value are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectionSizeWidth {
    /// `[short]` counts and `[short bytes]` elements (v1 and v2).
    Short,
    /// `[int]` counts and `[bytes]` elements (v3 and later).
    Int,
}

impl ProtocolVersion {
    /// The newest version this codec supports.
    pub const LATEST: ProtocolVersion = ProtocolVersion::V2;

    /// Every supported version, oldest first.
    pub const ALL: [ProtocolVersion; 2] = [ProtocolVersion::V1, ProtocolVersion::V2];

    /// Parses a version number (the low seven bits of a header's first byte).
    ///
    /// ```
    /// use cql_protocol::ProtocolVersion;
    /// assert_eq!(ProtocolVersion::from_u8(2).unwrap(), ProtocolVersion::V2);
    /// assert!(ProtocolVersion::from_u8(3).is_err());
    /// ```
    pub fn from_u8(version: u8) -> Result<Self, DecodeError> {
        match version {
            1 => Ok(ProtocolVersion::V1),
            2 => Ok(ProtocolVersion::V2),
            other => Err(DecodeError::UnsupportedVersion { version: other }),
        }
    }

    /// The version number as it appears (without the direction bit) on the wire.
    pub fn as_u8(self) -> u8 {
        match self {
            ProtocolVersion::V1 => 1,
            ProtocolVersion::V2 => 2,
        }
    }

    /// Length in bytes of a frame header in this version.
    pub fn header_len(self) -> usize {
        match self {
            ProtocolVersion::V1 | ProtocolVersion::V2 => 8,
        }
    }

    /// How many stream ids a client may use at once (ids `0..max_client_streams`).
    pub fn max_client_streams(self) -> u16 {
        match self {
            ProtocolVersion::V1 | ProtocolVersion::V2 => 128,
        }
    }

    /// The smallest and largest stream id a header of this version can carry.
    pub fn stream_id_range(self) -> (i16, i16) {
        match self {
            ProtocolVersion::V1 | ProtocolVersion::V2 => (i8::MIN as i16, i8::MAX as i16),
        }
    }

    /// How collection values are laid out in this version.
    pub fn collection_size_width(self) -> CollectionSizeWidth {
        match self {
            ProtocolVersion::V1 | ProtocolVersion::V2 => CollectionSizeWidth::Short,
        }
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.as_u8())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_round_trip_and_reject_others() {
        for v in ProtocolVersion::ALL {
            assert_eq!(ProtocolVersion::from_u8(v.as_u8()).unwrap(), v);
        }
        for bad in [0u8, 3, 4, 5, 0x41, 0x42, 0x7f] {
            assert_eq!(
                ProtocolVersion::from_u8(bad),
                Err(DecodeError::UnsupportedVersion { version: bad })
            );
        }
    }

    #[test]
    fn v1_v2_layout() {
        for v in ProtocolVersion::ALL {
            assert_eq!(v.header_len(), 8);
            assert_eq!(v.max_client_streams(), 128);
            assert_eq!(v.stream_id_range(), (-128, 127));
            assert_eq!(v.collection_size_width(), CollectionSizeWidth::Short);
        }
        assert!(ProtocolVersion::V1 < ProtocolVersion::V2);
        assert_eq!(ProtocolVersion::V2.to_string(), "v2");
    }
}
