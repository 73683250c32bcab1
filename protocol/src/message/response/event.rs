//! EVENT (spec §4.2.6): pushes from the server, always on stream -1.

use std::net::SocketAddr;

use bytes::BytesMut;

use super::schema_change::{SchemaChange, EVENT_CONTEXT};
use crate::error::{DecodeError, EncodeError};
use crate::version::ProtocolVersion;
use crate::wire::{put_inet, put_string, Reader};

/// A change in the cluster's topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TopologyChangeType {
    /// "NEW_NODE": a node joined.
    NewNode,
    /// "REMOVED_NODE": a node left.
    RemovedNode,
    /// "MOVED_NODE": a node moved on the ring.
    MovedNode,
}

impl TopologyChangeType {
    /// The name on the wire, e.g. `"NEW_NODE"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TopologyChangeType::NewNode => "NEW_NODE",
            TopologyChangeType::RemovedNode => "REMOVED_NODE",
            TopologyChangeType::MovedNode => "MOVED_NODE",
        }
    }

    /// Parses a wire name; `None` if it is unknown.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "NEW_NODE" => Some(TopologyChangeType::NewNode),
            "REMOVED_NODE" => Some(TopologyChangeType::RemovedNode),
            "MOVED_NODE" => Some(TopologyChangeType::MovedNode),
            _ => None,
        }
    }
}

/// A change in a node's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusChangeType {
    /// "UP".
    Up,
    /// "DOWN".
    Down,
}

impl StatusChangeType {
    /// The name on the wire, `"UP"` or `"DOWN"`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusChangeType::Up => "UP",
            StatusChangeType::Down => "DOWN",
        }
    }

    /// Parses a wire name; `None` if it is unknown.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "UP" => Some(StatusChangeType::Up),
            "DOWN" => Some(StatusChangeType::Down),
            _ => None,
        }
    }
}

/// An event pushed by the server to connections that REGISTERed for its type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// "TOPOLOGY_CHANGE": a node joined, left or moved.
    TopologyChange {
        /// What happened.
        change: TopologyChangeType,
        /// The node's rpc address and the native port of the sending server.
        address: SocketAddr,
    },
    /// "STATUS_CHANGE": a node went up or down.
    StatusChange {
        /// What happened.
        change: StatusChangeType,
        /// The node's rpc address and the native port of the sending server.
        address: SocketAddr,
    },
    /// "SCHEMA_CHANGE": a keyspace or table was created, updated or dropped.
    SchemaChange(SchemaChange),
}

const TYPE: &str = "EVENT.type";
const TOPOLOGY_CHANGE: &str = "EVENT.topology_change.change";
const TOPOLOGY_ADDRESS: &str = "EVENT.topology_change.address";
const STATUS_CHANGE: &str = "EVENT.status_change.change";
const STATUS_ADDRESS: &str = "EVENT.status_change.address";

impl Event {
    /// The event type, as REGISTER names it: `"TOPOLOGY_CHANGE"`,
    /// `"STATUS_CHANGE"` or `"SCHEMA_CHANGE"`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Event::TopologyChange { .. } => "TOPOLOGY_CHANGE",
            Event::StatusChange { .. } => "STATUS_CHANGE",
            Event::SchemaChange(_) => "SCHEMA_CHANGE",
        }
    }

    pub(crate) fn decode(r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let offset = r.position();
        let kind = r.read_string(TYPE)?;
        match kind.as_str() {
            "TOPOLOGY_CHANGE" => {
                let offset = r.position();
                let name = r.read_string(TOPOLOGY_CHANGE)?;
                let change = TopologyChangeType::from_name(&name).ok_or_else(|| {
                    DecodeError::InvalidValue {
                        context: TOPOLOGY_CHANGE,
                        offset,
                        reason: format!("unknown topology change {name:?}"),
                    }
                })?;
                let address = r.read_inet(TOPOLOGY_ADDRESS)?;
                Ok(Event::TopologyChange { change, address })
            }
            "STATUS_CHANGE" => {
                let offset = r.position();
                let name = r.read_string(STATUS_CHANGE)?;
                let change = StatusChangeType::from_name(&name).ok_or_else(|| {
                    DecodeError::InvalidValue {
                        context: STATUS_CHANGE,
                        offset,
                        reason: format!("unknown status change {name:?}"),
                    }
                })?;
                let address = r.read_inet(STATUS_ADDRESS)?;
                Ok(Event::StatusChange { change, address })
            }
            "SCHEMA_CHANGE" => Ok(Event::SchemaChange(SchemaChange::decode(
                r,
                version,
                &EVENT_CONTEXT,
            )?)),
            _ => Err(DecodeError::InvalidValue {
                context: TYPE,
                offset,
                reason: format!("unknown event type {kind:?}"),
            }),
        }
    }

    pub(crate) fn encode(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        put_string(buf, self.event_type(), TYPE)?;
        match self {
            Event::TopologyChange { change, address } => {
                put_string(buf, change.as_str(), TOPOLOGY_CHANGE)?;
                put_inet(buf, address);
            }
            Event::StatusChange { change, address } => {
                put_string(buf, change.as_str(), STATUS_CHANGE)?;
                put_inet(buf, address);
            }
            Event::SchemaChange(sc) => sc.encode(version, buf, &EVENT_CONTEXT)?,
        }
        Ok(())
    }
}
