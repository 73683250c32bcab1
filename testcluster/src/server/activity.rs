//! A bounded, queryable log of the requests every node received.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use cql_protocol::message::request::{BatchStatement, Request};
use cql_protocol::{Consistency, Opcode, RawValue};

use super::faults::RuleId;

/// The number of entries an [`ActivityLog::new`] log keeps.
pub const DEFAULT_ACTIVITY_CAPACITY: usize = 10_000;

/// One request as a node received it.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivityEntry {
    /// When it was received.
    pub time: SystemTime,
    /// The node (local address of the connection).
    pub node: SocketAddr,
    /// The connection id ([`crate::server::ConnectionInfo::id`]).
    pub connection: u64,
    /// The client's address.
    pub peer: SocketAddr,
    /// The request's stream id.
    pub stream: i16,
    /// The message type.
    pub opcode: Opcode,
    /// The query text of a QUERY or PREPARE.
    pub query: Option<String>,
    /// The statement id of an EXECUTE.
    pub prepared_id: Option<Bytes>,
    /// The consistency of a QUERY, EXECUTE or BATCH.
    pub consistency: Option<Consistency>,
    /// The bound values of a QUERY or EXECUTE.
    pub values: Vec<RawValue>,
    /// The statements of a BATCH.
    pub batch: Vec<BatchStatement>,
    /// The fault rule that fired for this request, if any
    /// ([`crate::server::Faults`]).
    pub fault: Option<RuleId>,
}

impl ActivityEntry {
    pub(crate) fn new(
        node: SocketAddr,
        connection: u64,
        peer: SocketAddr,
        stream: i16,
        request: &Request,
        fault: Option<RuleId>,
    ) -> Self {
        let mut entry = ActivityEntry {
            time: SystemTime::now(),
            node,
            connection,
            peer,
            stream,
            opcode: request.opcode(),
            query: None,
            prepared_id: None,
            consistency: None,
            values: Vec::new(),
            batch: Vec::new(),
            fault,
        };
        match request {
            Request::Query(q) => {
                entry.query = Some(q.query.clone());
                entry.consistency = Some(q.params.consistency);
                entry.values = q.params.values.clone();
            }
            Request::Prepare(p) => entry.query = Some(p.query.clone()),
            Request::Execute(e) => {
                entry.prepared_id = Some(e.id.clone());
                entry.consistency = Some(e.params.consistency);
                entry.values = e.params.values.clone();
            }
            Request::Batch(b) => {
                entry.consistency = Some(b.consistency);
                entry.batch = b.statements.clone();
            }
            _ => {}
        }
        entry
    }
}

/// A shared (clones see the same entries), bounded log of requests: when
/// full, the oldest entries are dropped.
#[derive(Clone, Debug)]
pub struct ActivityLog {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    capacity: usize,
    entries: VecDeque<ActivityEntry>,
}

impl Default for ActivityLog {
    fn default() -> Self {
        ActivityLog::new()
    }
}

impl ActivityLog {
    /// A log keeping the last [`DEFAULT_ACTIVITY_CAPACITY`] entries.
    pub fn new() -> Self {
        ActivityLog::with_capacity(DEFAULT_ACTIVITY_CAPACITY)
    }

    /// A log keeping the last `capacity` entries (0 records nothing).
    pub fn with_capacity(capacity: usize) -> Self {
        ActivityLog {
            inner: Arc::new(Mutex::new(Inner {
                capacity,
                entries: VecDeque::new(),
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends an entry, dropping the oldest when full.
    pub fn record(&self, entry: ActivityEntry) {
        let mut inner = self.lock();
        if inner.capacity == 0 {
            return;
        }
        while inner.entries.len() >= inner.capacity {
            inner.entries.pop_front();
        }
        inner.entries.push_back(entry);
    }

    /// A copy of every entry, oldest first.
    pub fn entries(&self) -> Vec<ActivityEntry> {
        self.lock().entries.iter().cloned().collect()
    }

    /// The entries of one node, oldest first.
    pub fn entries_for(&self, node: SocketAddr) -> Vec<ActivityEntry> {
        self.lock()
            .entries
            .iter()
            .filter(|e| e.node == node)
            .cloned()
            .collect()
    }

    /// The query texts of the QUERY requests, oldest first.
    pub fn queries(&self) -> Vec<String> {
        self.lock()
            .entries
            .iter()
            .filter(|e| e.opcode == Opcode::Query)
            .filter_map(|e| e.query.clone())
            .collect()
    }

    /// How many entries the log holds.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every entry.
    pub fn clear(&self) {
        self.lock().entries.clear();
    }
}
