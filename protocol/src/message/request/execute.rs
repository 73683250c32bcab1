//! EXECUTE (0x0A): runs a prepared statement.

use bytes::{BufMut, Bytes, BytesMut};

use super::query::{put_values, read_values, Fields, QueryParameters};
use crate::consistency::Consistency;
use crate::error::{DecodeError, EncodeError};
use crate::version::ProtocolVersion;
use crate::wire::{put_short_bytes, Reader};

const ID: &str = "EXECUTE.id";

const EXECUTE_FIELDS: Fields = Fields {
    consistency: "EXECUTE.consistency",
    flags: "EXECUTE.flags",
    values: "EXECUTE.values",
    skip_metadata: "EXECUTE.skip_metadata",
    page_size: "EXECUTE.page_size",
    paging_state: "EXECUTE.paging_state",
    serial_consistency: "EXECUTE.serial_consistency",
};

/// EXECUTE: a prepared statement's id and its parameters.
///
/// v1: `<id: short bytes><n: short><value: bytes>*n<consistency>` (the
/// values come *before* the consistency). v2: `<id: short bytes>` followed
/// by the same [`QueryParameters`] as QUERY.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Execute {
    /// The prepared statement id, as returned by PREPARE.
    pub id: Bytes,
    /// The parameters.
    pub params: QueryParameters,
}

impl Execute {
    /// An EXECUTE of prepared statement `id` with the given parameters.
    pub fn new(id: impl Into<Bytes>, params: QueryParameters) -> Self {
        Execute {
            id: id.into(),
            params,
        }
    }

    pub(super) fn encode(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        match version {
            ProtocolVersion::V1 => {
                self.params.check_v1(&EXECUTE_FIELDS, true, version)?;
                put_short_bytes(buf, &self.id, ID)?;
                put_values(buf, &self.params.values, EXECUTE_FIELDS.values)?;
                buf.put_u16(self.params.consistency.code());
                Ok(())
            }
            ProtocolVersion::V2 => {
                put_short_bytes(buf, &self.id, ID)?;
                self.params.encode_v2(&EXECUTE_FIELDS, buf)
            }
        }
    }

    pub(super) fn decode(version: ProtocolVersion, r: &mut Reader) -> Result<Self, DecodeError> {
        let id = r.read_short_bytes(ID)?;
        let params = match version {
            ProtocolVersion::V1 => {
                let values = read_values(r, EXECUTE_FIELDS.values)?;
                let consistency = Consistency::read(r, EXECUTE_FIELDS.consistency)?;
                QueryParameters::new(consistency).with_values(values)
            }
            ProtocolVersion::V2 => QueryParameters::decode_v2(r, &EXECUTE_FIELDS, version)?,
        };
        Ok(Execute { id, params })
    }
}
