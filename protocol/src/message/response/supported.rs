//! SUPPORTED (spec §4.2.4): the answer to OPTIONS.

use bytes::BytesMut;

use crate::error::{DecodeError, EncodeError};
use crate::wire::{put_string_multimap, Reader};

/// SUPPORTED: for each STARTUP option, the values the server accepts.
///
/// Cassandra 2.0 sends `{"CQL_VERSION": ["3.1.7"], "COMPRESSION": ["snappy", "lz4"]}`.
/// python-driver requires the `COMPRESSION` key (its list may be empty).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Supported {
    /// The `[string multimap]`, in wire order.
    pub options: Vec<(String, Vec<String>)>,
}

const OPTIONS: &str = "SUPPORTED.options";

impl Supported {
    /// The values listed for `key` (the first entry if the key repeats).
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }

    pub(crate) fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Supported {
            options: r.read_string_multimap(OPTIONS)?,
        })
    }

    pub(crate) fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_string_multimap(buf, &self.options, OPTIONS)
    }
}
