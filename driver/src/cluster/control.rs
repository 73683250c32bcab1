//! The control connection: discovers the hosts, reads the schema, and
//! receives the events the cluster pushes.
//!
//! It connects to one host (a contact point first), reads `system.local`
//! and `system.peers` for the hosts and `system.schema_*` for the schema,
//! and REGISTERs for topology, status and schema events:
//!
//! - a new, removed or moved node refreshes the host list (debounced);
//! - an UP event makes the host's pool try to connect at once; the host is
//!   up again when that succeeds;
//! - a DOWN event makes the pool probe its connections; the host is down
//!   when they fail (a live host that answers stays up);
//! - a schema change refreshes the schema (debounced).
//!
//! Every event is also passed on to the session's subscribers. When the
//! control host dies, the control connection moves to another live host.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use cql_protocol::message::request::{Query, Request};
use cql_protocol::message::response::{Event, Response, ResultBody, Rows, StatusChangeType};
use cql_protocol::{Consistency, ProtocolVersion};

use crate::cluster::state::ClusterState;
use crate::connection::{negotiate, Connection, ConnectionConfig, EVENT_QUEUE};
use crate::error::{ConnectionError, QueryError};
use crate::metadata;
use crate::policies::ReconnectionPolicy;

/// How the control connection behaves.
#[derive(Debug, Clone)]
pub(crate) struct ControlConfig {
    pub connection: ConnectionConfig,
    pub pinned_version: Option<ProtocolVersion>,
    pub contact_points: Vec<SocketAddr>,
    pub topology_debounce: Duration,
    pub schema_debounce: Duration,
    pub reconnection: Arc<dyn ReconnectionPolicy>,
}

/// A connected control connection and its event queue.
pub(crate) struct ControlConnection {
    pub connection: Connection,
    pub events: mpsc::Receiver<Event>,
}

/// Connects to the first of `candidates` that accepts, with REGISTER.
pub(crate) async fn connect(
    config: &ControlConfig,
    candidates: &[SocketAddr],
) -> Result<ControlConnection, Vec<ConnectionError>> {
    let mut errors = Vec::new();
    for &address in candidates {
        let (sender, events) = mpsc::channel(EVENT_QUEUE);
        let mut connection_config = config.connection.clone();
        // The control connection reads system tables; it needs no keyspace.
        connection_config.keyspace = None;
        match negotiate(
            address,
            &connection_config,
            config.pinned_version,
            Some(sender),
            None,
        )
        .await
        {
            Ok(connection) => {
                tracing::debug!(host = %address, version = %connection.version(), "control connection open");
                return Ok(ControlConnection { connection, events });
            }
            Err(error) => {
                tracing::debug!(host = %address, %error, "control connection attempt failed");
                errors.push(error);
            }
        }
    }
    Err(errors)
}

/// Runs one query on a connection and returns its rows.
pub(crate) async fn query_rows(
    connection: &Connection,
    text: &str,
    timeout: Duration,
) -> Result<Rows, QueryError> {
    let request = Request::Query(Query::new(text, Consistency::One));
    let answer = connection.send(&request, false, timeout).await?;
    match answer.response {
        Response::Result(ResultBody::Rows(rows)) => Ok(rows),
        Response::Error(error) => Err(QueryError::Server(error)),
        other => Err(QueryError::UnexpectedResponse {
            request: "a system query",
            response: other.opcode().name(),
        }),
    }
}

/// Reads `system.local` and `system.peers` and updates the host list.
pub(crate) async fn refresh_topology(
    state: &ClusterState,
    connection: &Connection,
    timeout: Duration,
) -> Result<(), QueryError> {
    let version = connection.version();
    let (local, peers) = tokio::try_join!(
        query_rows(
            connection,
            "SELECT * FROM system.local WHERE key='local'",
            timeout
        ),
        query_rows(connection, "SELECT * FROM system.peers", timeout),
    )?;
    let bad = |what: &str, e: metadata::MetadataError| {
        QueryError::Invalid(format!("bad {what} rows: {e}"))
    };
    let local = metadata::parse_local(&local, version).map_err(|e| bad("system.local", e))?;
    let partitioner = local.routing_partitioner();
    let mut hosts = vec![(connection.address(), local.info)];
    let peers =
        metadata::parse_peers(&peers, version, partitioner).map_err(|e| bad("system.peers", e))?;
    for peer in peers {
        let address = SocketAddr::new(peer.address, state.port);
        if address != connection.address() {
            hosts.push((address, peer.info));
        }
    }
    state.set_hosts(local.cluster_name, partitioner, hosts);
    Ok(())
}

/// Reads the `system.schema_*` tables and replaces the schema.
pub(crate) async fn refresh_schema(
    state: &ClusterState,
    connection: &Connection,
    timeout: Duration,
) -> Result<(), QueryError> {
    let version = connection.version();
    let (keyspaces, tables, columns) = tokio::try_join!(
        query_rows(connection, "SELECT * FROM system.schema_keyspaces", timeout),
        query_rows(
            connection,
            "SELECT * FROM system.schema_columnfamilies",
            timeout
        ),
        query_rows(connection, "SELECT * FROM system.schema_columns", timeout),
    )?;
    let schema: BTreeMap<String, metadata::KeyspaceMetadata> =
        metadata::parse_schema(&keyspaces, &tables, &columns, version)
            .map_err(|e| QueryError::Invalid(format!("bad schema rows: {e}")))?;
    state.set_keyspaces(schema);
    Ok(())
}

/// Whether every up host reports the same schema version.
pub(crate) async fn schema_in_agreement(
    state: &ClusterState,
    connection: &Connection,
    timeout: Duration,
) -> Result<bool, QueryError> {
    let version = connection.version();
    let (local, peers) = tokio::try_join!(
        query_rows(
            connection,
            "SELECT schema_version FROM system.local WHERE key='local'",
            timeout
        ),
        query_rows(
            connection,
            "SELECT peer, host_id, rpc_address, schema_version FROM system.peers",
            timeout
        ),
    )?;
    let bad =
        |e: metadata::MetadataError| QueryError::Invalid(format!("bad schema version rows: {e}"));
    let local = metadata::parse_local_schema_version(&local, version).map_err(bad)?;
    let peers = metadata::parse_peer_schema_versions(&peers, version).map_err(bad)?;
    let view = state.view();
    Ok(metadata::schema_in_agreement(local, &peers, |peer| {
        view.hosts()
            .iter()
            .find(|h| h.address().ip() == peer.address)
            .is_some_and(|h| h.is_up())
    }))
}

/// The control connection's task: handles events, and reconnects to
/// another host when its own dies. Ends when the session is gone.
pub(crate) async fn run(
    state: Weak<ClusterState>,
    config: ControlConfig,
    mut control: ControlConnection,
) {
    let timeout = config.connection.request_timeout;
    loop {
        let mut topology_due: Option<Instant> = None;
        let mut schema_due: Option<Instant> = None;
        loop {
            let due = match (topology_due, schema_due) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            tokio::select! {
                event = control.events.recv() => {
                    let Some(event) = event else { break };
                    let Some(state) = state.upgrade() else { return };
                    let _ = state.events.send(event.clone());
                    match handle_event(&state, &event) {
                        Refresh::Topology => {
                            topology_due.get_or_insert(Instant::now() + config.topology_debounce);
                        }
                        Refresh::Schema => {
                            schema_due.get_or_insert(Instant::now() + config.schema_debounce);
                        }
                        Refresh::Nothing => {}
                    }
                }
                _ = control.connection.closed() => break,
                _ = sleep_until(due), if due.is_some() => {
                    let Some(state) = state.upgrade() else { return };
                    let now = Instant::now();
                    if topology_due.is_some_and(|t| t <= now) {
                        topology_due = None;
                        if let Err(error) = refresh_topology(&state, &control.connection, timeout).await {
                            tracing::warn!(%error, "topology refresh failed");
                        }
                    }
                    if schema_due.is_some_and(|t| t <= now) {
                        schema_due = None;
                        if let Err(error) = refresh_schema(&state, &control.connection, timeout).await {
                            tracing::warn!(%error, "schema refresh failed");
                        }
                    }
                }
            }
        }
        tracing::info!(host = %control.connection.address(), "control connection lost; reconnecting");
        let Some(next) = reconnect(&state, &config).await else {
            return;
        };
        control = next;
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

enum Refresh {
    Topology,
    Schema,
    Nothing,
}

fn handle_event(state: &ClusterState, event: &Event) -> Refresh {
    match event {
        Event::TopologyChange { change, address } => {
            tracing::info!(?change, %address, "topology change event");
            Refresh::Topology
        }
        Event::StatusChange { change, address } => {
            let host = state
                .view()
                .hosts()
                .iter()
                .find(|h| h.address().ip() == address.ip())
                .cloned();
            let Some(host) = host else {
                tracing::info!(?change, %address, "status event for an unknown host");
                return Refresh::Topology;
            };
            let pool = state.pool(host.address());
            match change {
                StatusChangeType::Up => {
                    tracing::info!(host = %host.address(), "UP event; the pool will confirm");
                    if let Some(pool) = pool {
                        pool.wake();
                    }
                }
                StatusChangeType::Down => {
                    let connections = pool.as_ref().map(|p| p.connections()).unwrap_or_default();
                    if connections.is_empty() {
                        if host.set_up(false) {
                            tracing::info!(host = %host.address(), "DOWN event; host down");
                        }
                    } else {
                        tracing::info!(host = %host.address(), "DOWN event; probing its connections");
                        let timeout = state.pool_context.probe_timeout();
                        tokio::spawn(probe(connections, timeout));
                    }
                }
            }
            Refresh::Nothing
        }
        Event::SchemaChange(change) => {
            tracing::debug!(?change, "schema change event");
            Refresh::Schema
        }
    }
}

/// Sends OPTIONS on each connection and closes those that do not answer.
async fn probe(connections: Vec<Connection>, timeout: Duration) {
    for connection in connections {
        if let Err(error) = connection.send(&Request::Options, false, timeout).await {
            tracing::info!(host = %connection.address(), %error, "probe failed; closing the connection");
            connection.close("it did not answer a probe after a DOWN event");
        }
    }
}

/// Finds a new control host: up hosts first, then the others, then the
/// contact points; waits on the reconnection schedule between rounds.
async fn reconnect(
    state: &Weak<ClusterState>,
    config: &ControlConfig,
) -> Option<ControlConnection> {
    let timeout = config.connection.request_timeout;
    let mut schedule = config.reconnection.new_schedule();
    loop {
        let candidates = {
            let state = state.upgrade()?;
            state.set_control(None);
            let view = state.view();
            let mut up: Vec<SocketAddr> = Vec::new();
            let mut down: Vec<SocketAddr> = Vec::new();
            for host in view.hosts() {
                if host.is_up() {
                    up.push(host.address())
                } else {
                    down.push(host.address())
                }
            }
            up.extend(down);
            for contact in &config.contact_points {
                if !up.contains(contact) {
                    up.push(*contact);
                }
            }
            up
        };
        match connect(config, &candidates).await {
            Ok(control) => {
                let state = state.upgrade()?;
                let refreshed = async {
                    refresh_topology(&state, &control.connection, timeout).await?;
                    refresh_schema(&state, &control.connection, timeout).await
                }
                .await;
                match refreshed {
                    Ok(()) => {
                        tracing::info!(host = %control.connection.address(), "control connection moved");
                        state.set_control(Some(control.connection.clone()));
                        return Some(control);
                    }
                    Err(error) => {
                        tracing::warn!(%error, "refresh on the new control connection failed");
                    }
                }
            }
            Err(errors) => {
                tracing::warn!(
                    attempts = errors.len(),
                    "no host accepted the control connection"
                );
            }
        }
        tokio::time::sleep(schedule.next_delay()).await;
    }
}
