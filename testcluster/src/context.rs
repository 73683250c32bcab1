//! What a node's executor needs from the cluster around it.
//!
//! The executor ([`crate::executor`]) turns statements into reads and writes
//! of [`crate::storage`] tables; the cluster ([`crate::cluster`]) owns the
//! nodes, the ring, the clock and the system tables. This trait is the seam
//! between them, so that each can be tested without the other.

use std::net::SocketAddr;
use std::sync::Arc;

use cql_protocol::message::response::{ErrorResponse, SchemaChange};
use cql_protocol::Consistency;
use uuid::Uuid;

use crate::server::Users;
use crate::storage::{Catalog, StorageResult, Table};

/// One traced request, written to `system_traces.sessions` and
/// `system_traces.events` by [`ClusterContext::record_trace`].
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSession {
    /// The session id, returned to the client as the frame's tracing id.
    pub session_id: Uuid,
    /// The node that coordinated the request.
    pub coordinator: SocketAddr,
    /// What was run, e.g. "Execute CQL3 query".
    pub request: String,
    /// Parameters such as the query text and the consistency level.
    pub parameters: Vec<(String, String)>,
    /// When the request started, in microseconds since the epoch.
    pub started_at_micros: i64,
    /// How long the request took, in microseconds.
    pub duration_micros: i32,
    /// The steps of the request, in order.
    pub events: Vec<TraceEvent>,
}

/// One step of a traced request (a row of `system_traces.events`).
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEvent {
    /// What happened, e.g. "Parsing SELECT * FROM ks.t".
    pub activity: String,
    /// The node where it happened.
    pub source: SocketAddr,
    /// Microseconds since the request started.
    pub source_elapsed_micros: i32,
}

/// The cluster as a node's executor sees it.
pub trait ClusterContext: Send + Sync + 'static {
    /// The catalog shared by every node: user keyspaces and the shared system
    /// keyspaces (`system` schema tables, `system_auth`, `system_traces`).
    fn catalog(&self) -> &Arc<Catalog>;

    /// Resolves a table as seen from `node`. Tables whose rows differ per
    /// node (`system.local`, `system.peers`) come from that node; every other
    /// table comes from [`ClusterContext::catalog`]. Errors are the storage
    /// layer's ("unconfigured columnfamily x", "Keyspace x does not exist").
    fn table(&self, node: SocketAddr, keyspace: &str, table: &str) -> StorageResult<Arc<Table>>;

    /// The cluster clock, in microseconds since the epoch. Tests can move it
    /// forward to expire TTLs, so the executor never reads the system clock.
    fn now_micros(&self) -> i64;

    /// Checks that enough replicas of `token` in `keyspace` are alive, as
    /// seen by the coordinator `node`, for `consistency`. Fails with the
    /// Unavailable error (consistency, required, alive) Cassandra sends.
    fn check_available(
        &self,
        node: SocketAddr,
        keyspace: &str,
        token: i64,
        consistency: Consistency,
    ) -> Result<(), ErrorResponse>;

    /// Called after every successful schema change: the cluster refreshes
    /// the schema tables and the schema version on every node and pushes a
    /// SCHEMA_CHANGE event to the connections that registered for it.
    fn schema_changed(&self, change: &SchemaChange);

    /// The users of PasswordAuthenticator, for CREATE/ALTER/DROP USER and
    /// LIST USERS. The cluster mirrors them into `system_auth.users`.
    fn users(&self) -> &Users;

    /// Writes a traced request to `system_traces`.
    fn record_trace(&self, session: &TraceSession);
}
