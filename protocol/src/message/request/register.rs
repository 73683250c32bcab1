//! REGISTER (0x0B): subscribes to server events.

use std::fmt;
use std::str::FromStr;

use bytes::BytesMut;

use crate::error::{DecodeError, EncodeError};
use crate::wire::{put_string_list, Reader};

const CONTEXT: &str = "REGISTER.events";

/// A kind of server event a connection can register for (spec §4.2.6).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    /// `TOPOLOGY_CHANGE`: nodes added to or removed from the cluster.
    TopologyChange,
    /// `STATUS_CHANGE`: nodes going up or down.
    StatusChange,
    /// `SCHEMA_CHANGE`: keyspaces and tables created, updated or dropped.
    SchemaChange,
}

impl EventType {
    /// Every event type.
    pub const ALL: [EventType; 3] = [
        EventType::TopologyChange,
        EventType::StatusChange,
        EventType::SchemaChange,
    ];

    /// The name on the wire, e.g. `"TOPOLOGY_CHANGE"`.
    pub fn name(self) -> &'static str {
        match self {
            EventType::TopologyChange => "TOPOLOGY_CHANGE",
            EventType::StatusChange => "STATUS_CHANGE",
            EventType::SchemaChange => "SCHEMA_CHANGE",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for an event type name that is not one of [`EventType`]'s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type {0:?}")]
pub struct UnknownEventType(pub String);

impl FromStr for EventType {
    type Err = UnknownEventType;

    /// Parses a name such as `"STATUS_CHANGE"`, case-insensitively as
    /// Cassandra does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventType::ALL
            .into_iter()
            .find(|e| e.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownEventType(s.to_owned()))
    }
}

/// REGISTER: the event types to subscribe to, as a `[string list]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Register {
    /// The event types, in wire order.
    pub events: Vec<EventType>,
}

impl Register {
    /// A REGISTER for `events`.
    pub fn new(events: Vec<EventType>) -> Self {
        Register { events }
    }

    /// A REGISTER for every event type.
    pub fn all() -> Self {
        Register::new(EventType::ALL.to_vec())
    }

    pub(super) fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let names: Vec<&str> = self.events.iter().map(|e| e.name()).collect();
        put_string_list(buf, &names, CONTEXT)
    }

    pub(super) fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        let n = r.read_short_count(2, CONTEXT)?;
        let mut events = Vec::with_capacity(n);
        for _ in 0..n {
            let offset = r.position();
            let name = r.read_string(CONTEXT)?;
            let event = name
                .parse()
                .map_err(|e: UnknownEventType| DecodeError::InvalidValue {
                    context: CONTEXT,
                    offset,
                    reason: e.to_string(),
                })?;
            events.push(event);
        }
        Ok(Register { events })
    }
}
