//! Pushing server events (TOPOLOGY_CHANGE, STATUS_CHANGE, SCHEMA_CHANGE) to
//! the connections that REGISTERed for them.

use cql_protocol::message::request::EventType;
use cql_protocol::message::response::Event;
use tokio::sync::broadcast;

/// How many events a slow connection may fall behind before it misses some.
const CAPACITY: usize = 1024;

/// A broadcast channel of events for the connections of one or more nodes.
///
/// Each node has one (see [`crate::server::NodeServices::events`]); clones
/// share the channel. A connection subscribes when it REGISTERs and
/// forwards, on stream -1, the events of the types it registered for.
/// An event's `address` must be the node's rpc address plus the native port
/// of the server sending it (protocol notes §9).
#[derive(Clone, Debug)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new()
    }
}

impl EventBus {
    /// A new, separate channel.
    pub fn new() -> Self {
        EventBus {
            tx: broadcast::channel(CAPACITY).0,
        }
    }

    /// Sends `event` to every subscribed connection (each filters by type).
    /// Returns how many connections are subscribed.
    pub fn publish(&self, event: Event) -> usize {
        self.tx.send(event).unwrap_or(0)
    }

    /// How many connections are subscribed (REGISTERed for anything).
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}

/// The REGISTER type an event is delivered to.
pub fn event_type_of(event: &Event) -> EventType {
    match event {
        Event::TopologyChange { .. } => EventType::TopologyChange,
        Event::StatusChange { .. } => EventType::StatusChange,
        Event::SchemaChange(_) => EventType::SchemaChange,
    }
}
