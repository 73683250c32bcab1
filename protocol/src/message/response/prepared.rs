//! The Prepared RESULT (spec §4.2.5.4).

use bytes::{Bytes, BytesMut};

use super::rows::{RowsMetadata, PREPARED_METADATA, PREPARED_RESULT_METADATA};
use crate::error::{DecodeError, EncodeError};
use crate::version::ProtocolVersion;
use crate::wire::{put_short_bytes, Reader};

/// The answer to PREPARE: v1 `<id><metadata>`, v2 `<id><metadata><result_metadata>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Prepared {
    /// The prepared statement id (`[short bytes]`; Cassandra 2.0 uses a
    /// 16-byte MD5).
    pub id: Bytes,
    /// The bind variables. Never has a paging state. On v1/v2 the driver
    /// routes by these columns' names, so they should name real columns.
    pub metadata: RowsMetadata,
    /// The metadata of the rows EXECUTE will return (v2+).
    ///
    /// Must be `None` on v1 (encoding `Some` fails with
    /// [`EncodeError::NotInVersion`]). Decoding v2 always gives `Some`;
    /// encoding `None` on v2 writes the empty No_metadata metadata that
    /// Cassandra sends for non-SELECT statements, which decodes as
    /// `Some(RowsMetadata::no_metadata(0))`.
    pub result_metadata: Option<RowsMetadata>,
}

const ID: &str = "RESULT.prepared.id";

impl Prepared {
    pub(crate) fn decode(r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let id = r.read_short_bytes(ID)?;
        let metadata = RowsMetadata::decode(r, version, &PREPARED_METADATA)?;
        let result_metadata = if version >= ProtocolVersion::V2 {
            Some(RowsMetadata::decode(r, version, &PREPARED_RESULT_METADATA)?)
        } else {
            None
        };
        Ok(Prepared {
            id,
            metadata,
            result_metadata,
        })
    }

    pub(crate) fn encode(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        if version < ProtocolVersion::V2 && self.result_metadata.is_some() {
            return Err(EncodeError::NotInVersion {
                what: "the result metadata of a Prepared result".into(),
                version,
            });
        }
        put_short_bytes(buf, &self.id, ID)?;
        self.metadata.encode(version, buf, &PREPARED_METADATA)?;
        if version >= ProtocolVersion::V2 {
            match &self.result_metadata {
                Some(m) => m.encode(version, buf, &PREPARED_RESULT_METADATA)?,
                None => {
                    RowsMetadata::no_metadata(0).encode(version, buf, &PREPARED_RESULT_METADATA)?
                }
            }
        }
        Ok(())
    }
}
