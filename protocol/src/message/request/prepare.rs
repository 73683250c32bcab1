//! PREPARE (0x09): a statement to prepare.

use bytes::BytesMut;

use crate::error::{DecodeError, EncodeError};
use crate::wire::{put_long_string, Reader};

const CONTEXT: &str = "PREPARE.query";

/// PREPARE: the CQL statement to prepare, as a `[long string]`.
///
/// The server answers with a RESULT of kind Prepared, whose id goes into
/// [`Execute`](super::Execute) or a [`BatchQuery::Prepared`](super::BatchQuery).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prepare {
    /// The CQL statement.
    pub query: String,
}

impl Prepare {
    /// A PREPARE of `query`.
    pub fn new(query: impl Into<String>) -> Self {
        Prepare {
            query: query.into(),
        }
    }

    pub(super) fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_long_string(buf, &self.query, CONTEXT)
    }

    pub(super) fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Prepare {
            query: r.read_long_string(CONTEXT)?,
        })
    }
}
