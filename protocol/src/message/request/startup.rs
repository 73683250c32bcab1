//! STARTUP (0x01): the options that open a connection.

use bytes::BytesMut;

use crate::compression::{Compression, UnknownCompression};
use crate::error::{DecodeError, EncodeError};
use crate::wire::{put_string_map, Reader};

const CONTEXT: &str = "STARTUP.options";

/// STARTUP: a `[string map]` of options, kept in wire order.
///
/// `CQL_VERSION` is mandatory for a server to accept it and `COMPRESSION`
/// is optional; other keys (drivers send `DRIVER_NAME`, `DRIVER_VERSION`,
/// ...) are kept as they are.
///
/// ```
/// use cql_protocol::message::request::Startup;
/// use cql_protocol::Compression;
///
/// let startup = Startup::new("3.0.0").with_compression(Compression::Lz4);
/// assert_eq!(startup.cql_version(), Some("3.0.0"));
/// assert_eq!(startup.compression(), Ok(Some(Compression::Lz4)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Startup {
    /// The options, in wire order.
    pub options: Vec<(String, String)>,
}

impl Startup {
    /// The key of the mandatory CQL version option.
    pub const CQL_VERSION: &'static str = "CQL_VERSION";
    /// The key of the optional compression option.
    pub const COMPRESSION: &'static str = "COMPRESSION";

    /// A STARTUP with only `CQL_VERSION` set.
    pub fn new(cql_version: &str) -> Self {
        Startup {
            options: vec![(Self::CQL_VERSION.to_owned(), cql_version.to_owned())],
        }
    }

    /// Sets option `key` to `value`, replacing an earlier value of the same
    /// key in place, or appending it.
    #[must_use]
    pub fn with_option(mut self, key: &str, value: &str) -> Self {
        match self.options.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value.to_owned(),
            None => self.options.push((key.to_owned(), value.to_owned())),
        }
        self
    }

    /// Sets the `COMPRESSION` option.
    #[must_use]
    pub fn with_compression(self, compression: Compression) -> Self {
        self.with_option(Self::COMPRESSION, compression.name())
    }

    /// The value of the first option named `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The `CQL_VERSION` option.
    pub fn cql_version(&self) -> Option<&str> {
        self.get(Self::CQL_VERSION)
    }

    /// The `COMPRESSION` option, parsed: `Ok(None)` when absent, an error
    /// for a name that is not lz4 or snappy.
    pub fn compression(&self) -> Result<Option<Compression>, UnknownCompression> {
        self.get(Self::COMPRESSION).map(str::parse).transpose()
    }

    pub(super) fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_string_map(buf, &self.options, CONTEXT)
    }

    pub(super) fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Startup {
            options: r.read_string_map(CONTEXT)?,
        })
    }
}
