//! RESULT (spec §4.2.5): an `[int]` kind and a kind-specific body.

use bytes::{BufMut, BytesMut};

use super::prepared::Prepared;
use super::rows::Rows;
use super::schema_change::{SchemaChange, RESULT_CONTEXT};
use crate::error::{DecodeError, EncodeError};
use crate::version::ProtocolVersion;
use crate::wire::{put_string, Reader};

/// The body of a RESULT response.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ResultBody {
    /// Void (kind 1): success with nothing to say.
    Void,
    /// Rows (kind 2): the rows of a SELECT (or of a conditional update).
    Rows(Rows),
    /// Set_keyspace (kind 3): the keyspace a USE switched to.
    SetKeyspace(String),
    /// Prepared (kind 4): the answer to PREPARE.
    Prepared(Prepared),
    /// Schema_change (kind 5): the answer to a DDL statement.
    SchemaChange(SchemaChange),
}

const KIND: &str = "RESULT.kind";
const KEYSPACE: &str = "RESULT.set_keyspace.keyspace";

impl ResultBody {
    /// The kind on the wire (1 to 5).
    pub fn kind(&self) -> i32 {
        match self {
            ResultBody::Void => 0x0001,
            ResultBody::Rows(_) => 0x0002,
            ResultBody::SetKeyspace(_) => 0x0003,
            ResultBody::Prepared(_) => 0x0004,
            ResultBody::SchemaChange(_) => 0x0005,
        }
    }

    pub(crate) fn decode(r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let offset = r.position();
        let kind = r.read_i32(KIND)?;
        Ok(match kind {
            0x0001 => ResultBody::Void,
            0x0002 => ResultBody::Rows(Rows::decode(r, version)?),
            0x0003 => ResultBody::SetKeyspace(r.read_string(KEYSPACE)?),
            0x0004 => ResultBody::Prepared(Prepared::decode(r, version)?),
            0x0005 => ResultBody::SchemaChange(SchemaChange::decode(r, version, &RESULT_CONTEXT)?),
            other => {
                return Err(DecodeError::UnknownCode {
                    what: "RESULT kind",
                    code: other as u32,
                    offset,
                })
            }
        })
    }

    pub(crate) fn encode(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        buf.put_i32(self.kind());
        match self {
            ResultBody::Void => Ok(()),
            ResultBody::Rows(rows) => rows.encode(version, buf),
            ResultBody::SetKeyspace(ks) => put_string(buf, ks, KEYSPACE),
            ResultBody::Prepared(p) => p.encode(version, buf),
            ResultBody::SchemaChange(sc) => sc.encode(version, buf, &RESULT_CONTEXT),
        }
    }
}
