//! The [`ClusterContext`] the executors see, and the refreshes of the
//! system tables.

use std::net::SocketAddr;
use std::sync::Arc;

use cql_protocol::message::response::{ErrorResponse, Event, SchemaChange};
use cql_protocol::Consistency;
use tracing::warn;

use super::ring::{self, RingMember};
use super::system::{self, NodeRowContext};
use super::{NodeInfo, NodeState, Shared};
use crate::context::{ClusterContext, TraceSession};
use crate::server::{Node, Users};
use crate::storage::{Catalog, StorageResult, Table};

/// A node's info with its `system.local` and `system.peers` tables.
type NodeTables = (NodeInfo, Arc<Table>, Arc<Table>);

impl Shared {
    /// The index of the node listening on `address` (matched by IP).
    pub(crate) fn index_of(&self, address: SocketAddr) -> Option<usize> {
        self.slots()
            .iter()
            .find(|s| s.info.address.ip() == address.ip())
            .map(|s| s.info.index)
    }

    /// The ring members (every node not removed).
    pub(crate) fn members(&self) -> Vec<RingMember> {
        self.slots()
            .iter()
            .filter(|s| s.info.state != NodeState::Removed)
            .map(|s| RingMember {
                index: s.info.index,
                dc: s.info.dc.clone(),
                rack: s.info.rack.clone(),
                tokens: s.info.tokens.clone(),
                up: s.info.state == NodeState::Up,
            })
            .collect()
    }

    fn row_context(&self) -> NodeRowContext {
        NodeRowContext {
            schema_version: self.catalog.schema_version(),
            gossip_generation: self.gossip_generation,
        }
    }

    /// Rewrites `system.local` and `system.peers` of node `index` (every
    /// node when `None`).
    pub(crate) fn refresh_node_tables(&self, index: Option<usize>) -> StorageResult<()> {
        let (infos, targets): (Vec<NodeInfo>, Vec<NodeTables>) = {
            let slots = self.slots();
            let infos = slots.iter().map(|s| s.info.clone()).collect();
            let targets = slots
                .iter()
                .filter(|s| index.is_none_or(|i| i == s.info.index))
                .map(|s| (s.info.clone(), s.local.clone(), s.peers.clone()))
                .collect();
            (infos, targets)
        };
        let _guard = self.refresh.lock().unwrap_or_else(|e| e.into_inner());
        let ctx = self.row_context();
        let now = self.clock.now_seconds();
        for (info, local, peers) in targets {
            let ts = self.clock.now_micros();
            system::sync_rows(&local, &[system::local_row(&info, &ctx)], ts, now)?;
            system::sync_rows(&peers, &system::peer_rows(&info, &infos, &ctx), ts, now)?;
        }
        Ok(())
    }

    /// Rewrites the schema tables from the catalog.
    pub(crate) fn refresh_schema_tables(&self) -> StorageResult<()> {
        let _guard = self.refresh.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.clock.now_seconds();
        let ts = self.clock.now_micros();
        let catalog = &self.catalog;
        let keyspaces = system::keyspace_rows(catalog);
        let tables = system::columnfamily_rows(catalog);
        let columns = system::column_rows(catalog);
        system::sync_rows(
            &*catalog.table("system", "schema_keyspaces")?,
            &keyspaces,
            ts,
            now,
        )?;
        system::sync_rows(
            &*catalog.table("system", "schema_columnfamilies")?,
            &tables,
            ts,
            now,
        )?;
        system::sync_rows(
            &*catalog.table("system", "schema_columns")?,
            &columns,
            ts,
            now,
        )?;
        Ok(())
    }

    /// Rewrites `system_auth.users` from the user store.
    pub(crate) fn refresh_users(&self) -> StorageResult<()> {
        let _guard = self.refresh.lock().unwrap_or_else(|e| e.into_inner());
        let rows = system::user_rows(&self.users.list());
        let table = self.catalog.table("system_auth", "users")?;
        system::sync_rows(
            &table,
            &rows,
            self.clock.now_micros(),
            self.clock.now_seconds(),
        )
    }

    /// Rewrites every system table.
    pub(crate) fn refresh_all(&self) -> StorageResult<()> {
        self.refresh_schema_tables()?;
        self.refresh_users()?;
        self.refresh_node_tables(None)
    }

    /// The nodes that are up.
    pub(crate) fn live_nodes(&self) -> Vec<Arc<Node>> {
        self.slots()
            .iter()
            .filter(|s| s.info.state == NodeState::Up)
            .filter_map(|s| s.node.clone())
            .collect()
    }

    /// Pushes `event` to the registered connections of every live node.
    pub(crate) fn push_to_live(&self, event: &Event) {
        for node in self.live_nodes() {
            node.push_event(event.clone());
        }
    }
}

impl ClusterContext for Shared {
    fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    fn table(&self, node: SocketAddr, keyspace: &str, table: &str) -> StorageResult<Arc<Table>> {
        match (keyspace, table) {
            ("system", "local" | "peers") => {
                let index = self.index_of(node);
                let found = index.and_then(|i| {
                    self.slots()
                        .get(i - 1)
                        .map(|s| (s.local.clone(), s.peers.clone()))
                });
                let Some((local, peers)) = found else {
                    return self.catalog.table(keyspace, table);
                };
                if let Err(e) = self.refresh_node_tables(index) {
                    warn!(error = %e, "cannot refresh system.local/peers");
                }
                Ok(if table == "local" { local } else { peers })
            }
            ("system_auth", "users") => {
                if let Err(e) = self.refresh_users() {
                    warn!(error = %e, "cannot refresh system_auth.users");
                }
                self.catalog.table(keyspace, table)
            }
            _ => self.catalog.table(keyspace, table),
        }
    }

    fn now_micros(&self) -> i64 {
        self.clock.now_micros()
    }

    fn check_available(
        &self,
        node: SocketAddr,
        keyspace: &str,
        token: i64,
        consistency: Consistency,
    ) -> Result<(), ErrorResponse> {
        let Some(ks) = self.catalog.keyspace(keyspace) else {
            return Ok(());
        };
        let coordinator = self.index_of(node).unwrap_or(0);
        ring::check_available(
            &self.members(),
            &ks.replication,
            token,
            coordinator,
            consistency,
        )
    }

    fn schema_changed(&self, change: &SchemaChange) {
        if let Err(e) = self.refresh_schema_tables() {
            warn!(error = %e, "cannot refresh the schema tables");
        }
        if let Err(e) = self.refresh_node_tables(None) {
            warn!(error = %e, "cannot refresh system.local/peers");
        }
        self.push_to_live(&Event::SchemaChange(change.clone()));
    }

    fn users(&self) -> &Users {
        &self.users
    }

    fn record_trace(&self, session: &TraceSession) {
        let (session_row, events) = system::trace_rows(session);
        let ts = self.clock.now_micros();
        let now = self.clock.now_seconds();
        let result = (|| -> StorageResult<()> {
            system::write_rows(
                &*self.catalog.table("system_traces", "sessions")?,
                &[session_row],
                ts,
                now,
            )?;
            system::write_rows(
                &*self.catalog.table("system_traces", "events")?,
                &events,
                ts,
                now,
            )
        })();
        if let Err(e) = result {
            warn!(error = %e, "cannot record a trace");
        }
    }
}
