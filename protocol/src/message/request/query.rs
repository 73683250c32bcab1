//! QUERY (0x07), and the [`QueryParameters`] it shares with EXECUTE.

use bytes::{BufMut, Bytes, BytesMut};

use super::not_in_version;
use crate::consistency::Consistency;
use crate::error::{DecodeError, EncodeError};
use crate::version::ProtocolVersion;
use crate::wire::{put_bytes, put_long_string, put_opt_bytes, put_short_count, RawValue, Reader};

/// v2 `<flags>` bits (spec v2 §4.1.4).
const VALUES: u8 = 0x01;
const SKIP_METADATA: u8 = 0x02;
const PAGE_SIZE: u8 = 0x04;
const PAGING_STATE: u8 = 0x08;
const SERIAL_CONSISTENCY: u8 = 0x10;
/// v3 bits: a default timestamp, and names for values.
const DEFAULT_TIMESTAMP: u8 = 0x20;
const VALUE_NAMES: u8 = 0x40;

/// The field names of one message's parameters, for error contexts.
pub(super) struct Fields {
    pub(super) consistency: &'static str,
    pub(super) flags: &'static str,
    pub(super) values: &'static str,
    pub(super) skip_metadata: &'static str,
    pub(super) page_size: &'static str,
    pub(super) paging_state: &'static str,
    pub(super) serial_consistency: &'static str,
}

const QUERY_FIELDS: Fields = Fields {
    consistency: "QUERY.consistency",
    flags: "QUERY.flags",
    values: "QUERY.values",
    skip_metadata: "QUERY.skip_metadata",
    page_size: "QUERY.page_size",
    paging_state: "QUERY.paging_state",
    serial_consistency: "QUERY.serial_consistency",
};

/// The parameters of a QUERY or EXECUTE (`<query_parameters>` in v2).
///
/// In v1 a QUERY carries only [`consistency`](Self::consistency), and an
/// EXECUTE only the consistency and [`values`](Self::values); encoding any
/// other field there is [`EncodeError::NotInVersion`].
///
/// The default is consistency ONE and nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryParameters {
    /// The consistency level.
    pub consistency: Consistency,
    /// Values for the bound variables (flag 0x01 when non-empty; v2+ for QUERY).
    pub values: Vec<RawValue>,
    /// Asks for a result without metadata (flag 0x02, v2+).
    pub skip_metadata: bool,
    /// The page size, in CQL rows (flag 0x04, v2+).
    pub page_size: Option<i32>,
    /// The paging state of a previous result, to resume from (flag 0x08, v2+).
    pub paging_state: Option<Bytes>,
    /// The consistency of the Paxos phase, SERIAL or LOCAL_SERIAL (flag 0x10, v2+).
    pub serial_consistency: Option<Consistency>,
}

impl Default for QueryParameters {
    fn default() -> Self {
        QueryParameters::new(Consistency::One)
    }
}

impl QueryParameters {
    /// Parameters with the given consistency and nothing else.
    pub fn new(consistency: Consistency) -> Self {
        QueryParameters {
            consistency,
            values: Vec::new(),
            skip_metadata: false,
            page_size: None,
            paging_state: None,
            serial_consistency: None,
        }
    }

    /// Sets the bound values.
    #[must_use]
    pub fn with_values(mut self, values: Vec<RawValue>) -> Self {
        self.values = values;
        self
    }

    /// Sets the skip-metadata flag.
    #[must_use]
    pub fn with_skip_metadata(mut self, skip_metadata: bool) -> Self {
        self.skip_metadata = skip_metadata;
        self
    }

    /// Sets the page size.
    #[must_use]
    pub fn with_page_size(mut self, page_size: i32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Sets the paging state.
    #[must_use]
    pub fn with_paging_state(mut self, paging_state: Bytes) -> Self {
        self.paging_state = Some(paging_state);
        self
    }

    /// Sets the serial consistency.
    #[must_use]
    pub fn with_serial_consistency(mut self, serial_consistency: Consistency) -> Self {
        self.serial_consistency = Some(serial_consistency);
        self
    }

    /// Fails unless only the fields v1 allows are set: the consistency and,
    /// if `values_allowed`, the values.
    pub(super) fn check_v1(
        &self,
        fields: &Fields,
        values_allowed: bool,
        version: ProtocolVersion,
    ) -> Result<(), EncodeError> {
        let present = [
            (!values_allowed && !self.values.is_empty(), fields.values),
            (self.skip_metadata, fields.skip_metadata),
            (self.page_size.is_some(), fields.page_size),
            (self.paging_state.is_some(), fields.paging_state),
            (self.serial_consistency.is_some(), fields.serial_consistency),
        ];
        match present.iter().find(|(set, _)| *set) {
            Some((_, what)) => Err(not_in_version(what, version)),
            None => Ok(()),
        }
    }

    /// Writes v2 `<query_parameters>`, with exactly the flags of the fields present.
    pub(super) fn encode_v2(&self, fields: &Fields, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let mut flags = 0u8;
        if !self.values.is_empty() {
            flags |= VALUES;
        }
        if self.skip_metadata {
            flags |= SKIP_METADATA;
        }
        if self.page_size.is_some() {
            flags |= PAGE_SIZE;
        }
        if self.paging_state.is_some() {
            flags |= PAGING_STATE;
        }
        if self.serial_consistency.is_some() {
            flags |= SERIAL_CONSISTENCY;
        }
        buf.put_u16(self.consistency.code());
        buf.put_u8(flags);
        if !self.values.is_empty() {
            put_values(buf, &self.values, fields.values)?;
        }
        if let Some(page_size) = self.page_size {
            buf.put_i32(page_size);
        }
        if let Some(state) = &self.paging_state {
            put_opt_bytes(buf, Some(state), fields.paging_state)?;
        }
        if let Some(serial) = self.serial_consistency {
            buf.put_u16(serial.code());
        }
        Ok(())
    }

    /// Reads v2 `<query_parameters>`.
    pub(super) fn decode_v2(
        r: &mut Reader,
        fields: &Fields,
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        let consistency = Consistency::read(r, fields.consistency)?;
        let flags_offset = r.position();
        let flags = r.read_u8(fields.flags)?;
        for (bit, feature) in [
            (DEFAULT_TIMESTAMP, "default timestamp"),
            (VALUE_NAMES, "names for values"),
        ] {
            if flags & bit != 0 {
                return Err(DecodeError::NotInVersion {
                    what: format!("{} 0x{bit:02x} ({feature})", fields.flags),
                    version,
                });
            }
        }
        if flags & 0x80 != 0 {
            return Err(DecodeError::InvalidValue {
                context: fields.flags,
                offset: flags_offset,
                reason: format!("unknown flag bits in 0x{flags:02x}"),
            });
        }
        let values = if flags & VALUES != 0 {
            read_values(r, fields.values)?
        } else {
            Vec::new()
        };
        let page_size = if flags & PAGE_SIZE != 0 {
            Some(r.read_i32(fields.page_size)?)
        } else {
            None
        };
        // A null paging state under the flag means no paging state.
        let paging_state = if flags & PAGING_STATE != 0 {
            r.read_opt_bytes(fields.paging_state)?
        } else {
            None
        };
        let serial_consistency = if flags & SERIAL_CONSISTENCY != 0 {
            Some(Consistency::read(r, fields.serial_consistency)?)
        } else {
            None
        };
        Ok(QueryParameters {
            consistency,
            values,
            skip_metadata: flags & SKIP_METADATA != 0,
            page_size,
            paging_state,
            serial_consistency,
        })
    }
}

/// Writes `<n: short><value: bytes>*n`.
pub(super) fn put_values(
    buf: &mut BytesMut,
    values: &[RawValue],
    context: &'static str,
) -> Result<(), EncodeError> {
    put_short_count(buf, values.len(), context)?;
    for value in values {
        put_bytes(buf, value, context)?;
    }
    Ok(())
}

/// Reads `<n: short><value: bytes>*n`, checking `n` against the bytes left
/// (each value takes at least its 4-byte length) before allocating.
pub(super) fn read_values(
    r: &mut Reader,
    context: &'static str,
) -> Result<Vec<RawValue>, DecodeError> {
    let n = r.read_short_count(4, context)?;
    let mut values = Vec::with_capacity(n);
    for _ in 0..n {
        values.push(r.read_bytes(context)?);
    }
    Ok(values)
}

/// QUERY: a CQL statement and its parameters.
///
/// v1: `<query: long string><consistency>`. v2: `<query: long string>`
/// followed by [`QueryParameters`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// The CQL statement.
    pub query: String,
    /// Its parameters.
    pub params: QueryParameters,
}

impl Query {
    /// A QUERY of `query` at `consistency`, with no other parameters.
    pub fn new(query: impl Into<String>, consistency: Consistency) -> Self {
        Query {
            query: query.into(),
            params: QueryParameters::new(consistency),
        }
    }

    /// A QUERY of `query` with the given parameters.
    pub fn with_params(query: impl Into<String>, params: QueryParameters) -> Self {
        Query {
            query: query.into(),
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
                self.params.check_v1(&QUERY_FIELDS, false, version)?;
                put_long_string(buf, &self.query, "QUERY.query")?;
                buf.put_u16(self.params.consistency.code());
                Ok(())
            }
            ProtocolVersion::V2 => {
                put_long_string(buf, &self.query, "QUERY.query")?;
                self.params.encode_v2(&QUERY_FIELDS, buf)
            }
        }
    }

    /// Reads a QUERY. In v1 this stops after the consistency: the caller
    /// ignores anything after it.
    pub(super) fn decode(version: ProtocolVersion, r: &mut Reader) -> Result<Self, DecodeError> {
        let query = r.read_long_string("QUERY.query")?;
        let params = match version {
            ProtocolVersion::V1 => {
                QueryParameters::new(Consistency::read(r, QUERY_FIELDS.consistency)?)
            }
            ProtocolVersion::V2 => QueryParameters::decode_v2(r, &QUERY_FIELDS, version)?,
        };
        Ok(Query { query, params })
    }
}
