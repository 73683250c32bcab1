//! Node control: stop, start, add, remove, drop connections, forget
//! prepared statements; with the events Cassandra sends for each.

use std::sync::Arc;

use cql_protocol::message::response::{ErrorResponse, Event, StatusChangeType, TopologyChangeType};
use cql_protocol::Consistency;
use tracing::{info, warn};
use uuid::Uuid;

use super::ring::{self, split_largest_range};
use super::system::node_tables;
use super::{ClusterError, NodeInfo, NodeState, Slot, TestCluster};
use crate::executor::Executor;
use crate::server::{Node, NodeServices, RequestHandler};

impl TestCluster {
    /// The server of node `index`, if it is part of the ring.
    fn server(&self, index: usize) -> Result<(Arc<Node>, NodeInfo), ClusterError> {
        let slots = self.shared.slots();
        let slot = index
            .checked_sub(1)
            .and_then(|i| slots.get(i))
            .ok_or(ClusterError::NoSuchNode(index))?;
        if slot.info.state == NodeState::Removed {
            return Err(ClusterError::Removed(index));
        }
        let node = slot.node.clone().ok_or(ClusterError::Removed(index))?;
        Ok((node, slot.info.clone()))
    }

    fn set_state(&self, index: usize, state: NodeState) {
        if let Some(slot) = self.shared.slots().get_mut(index - 1) {
            slot.info.state = state;
        }
    }

    fn refresh_nodes(&self) {
        if let Err(e) = self.shared.refresh_node_tables(None) {
            warn!(error = %e, "cannot refresh system.local/peers");
        }
    }

    /// Stops node `index`: it refuses new connections and closes the open
    /// ones; the other live nodes push STATUS_CHANGE DOWN. Does nothing
    /// (and sends nothing) if the node is already down.
    pub async fn stop_node(&self, index: usize) -> Result<(), ClusterError> {
        let (node, info) = self.server(index)?;
        if info.state == NodeState::Down {
            return Ok(());
        }
        self.set_state(index, NodeState::Down);
        node.stop().await;
        info!(node = index, address = %info.address, "node stopped");
        self.refresh_nodes();
        self.shared.push_to_live(&Event::StatusChange {
            change: StatusChangeType::Down,
            address: info.address,
        });
        Ok(())
    }

    /// Starts node `index` again; every live node (itself included) pushes
    /// STATUS_CHANGE UP.
    pub async fn start_node(&self, index: usize) -> Result<(), ClusterError> {
        let (node, info) = self.server(index)?;
        if info.state == NodeState::Up {
            return Ok(());
        }
        node.start().await.map_err(|source| ClusterError::Bind {
            address: info.address,
            source,
        })?;
        self.set_state(index, NodeState::Up);
        info!(node = index, address = %info.address, "node started");
        self.refresh_nodes();
        self.shared.push_to_live(&Event::StatusChange {
            change: StatusChangeType::Up,
            address: info.address,
        });
        Ok(())
    }

    /// Adds a node in `dc`/`rack` at the next address (base + number of
    /// nodes so far), with a token splitting the largest range, and returns
    /// its index. The live nodes push TOPOLOGY_CHANGE NEW_NODE.
    pub async fn add_node(&self, dc: &str, rack: &str) -> Result<usize, ClusterError> {
        let shared = &self.shared;
        let (index, tokens) = {
            let slots = shared.slots();
            let tokens: Vec<i64> = slots
                .iter()
                .filter(|s| s.info.state != NodeState::Removed)
                .flat_map(|s| s.info.tokens.iter().copied())
                .collect();
            (slots.len() + 1, tokens)
        };
        let address = shared
            .address_of(index)
            .ok_or_else(|| ClusterError::Config("address block overflows".into()))?;
        let mut config = shared.config.clone();
        config.address = address.ip();
        config.port = shared.port();
        let executor = Arc::new(Executor::new(address, shared.clone()));
        let services = NodeServices {
            users: shared.users.clone(),
            activity: shared.activity.clone(),
            faults: shared.faults.clone(),
            ..NodeServices::default()
        };
        let node = Node::bind(
            config,
            executor.clone() as Arc<dyn RequestHandler>,
            services,
        )
        .await
        .map_err(|source| ClusterError::Bind { address, source })?;
        let (local, peers) = node_tables()?;
        let info = NodeInfo {
            index,
            address: node.address(),
            dc: dc.to_owned(),
            rack: rack.to_owned(),
            tokens: vec![split_largest_range(&tokens)],
            host_id: Uuid::new_v4(),
            state: NodeState::Up,
        };
        info!(node = index, address = %info.address, dc, rack, "node added");
        let event = Event::TopologyChange {
            change: TopologyChangeType::NewNode,
            address: info.address,
        };
        {
            let mut slots = shared.slots();
            // A concurrent add_node may have taken the slot: keep indexes
            // equal to positions by refusing that race.
            if slots.len() + 1 != index {
                return Err(ClusterError::Config("concurrent add_node".into()));
            }
            slots.push(Slot {
                info,
                node: Some(Arc::new(node)),
                executor: Some(executor),
                local,
                peers,
            });
        }
        self.refresh_nodes();
        shared.push_to_live(&event);
        Ok(index)
    }

    /// Decommissions node `index`: it stops, leaves the ring and the peers
    /// tables, and the live nodes push TOPOLOGY_CHANGE REMOVED_NODE. Its
    /// index and address are not reused.
    pub async fn decommission(&self, index: usize) -> Result<(), ClusterError> {
        let (node, info) = self.server(index)?;
        self.set_state(index, NodeState::Removed);
        node.stop().await;
        let executor = self
            .shared
            .slots()
            .get_mut(index - 1)
            .map(|s| (s.node.take(), s.executor.take()));
        drop(executor);
        info!(node = index, address = %info.address, "node removed");
        self.refresh_nodes();
        self.shared.push_to_live(&Event::TopologyChange {
            change: TopologyChangeType::RemovedNode,
            address: info.address,
        });
        Ok(())
    }

    /// The same as [`TestCluster::decommission`] (`nodetool removenode`).
    pub async fn remove_node(&self, index: usize) -> Result<(), ClusterError> {
        self.decommission(index).await
    }

    /// Closes every client connection of node `index` (it keeps listening).
    pub fn drop_connections(&self, index: usize) -> Result<(), ClusterError> {
        let (node, _) = self.server(index)?;
        node.drop_connections();
        Ok(())
    }

    /// Makes node `index` forget its prepared statements (the next EXECUTE
    /// of one gets Unprepared).
    pub fn forget_prepared(&self, index: usize) -> Result<(), ClusterError> {
        self.server(index)?;
        let executor = self
            .shared
            .slots()
            .get(index - 1)
            .and_then(|s| s.executor.clone());
        if let Some(executor) = executor {
            executor.forget_prepared();
        }
        Ok(())
    }

    /// The replicas (node indexes, in placement order) of `token` in
    /// `keyspace`, or `None` if the keyspace does not exist.
    pub fn replicas(&self, keyspace: &str, token: i64) -> Option<Vec<usize>> {
        let ks = self.shared.catalog.keyspace(keyspace)?;
        Some(ring::replicas(
            &self.shared.members(),
            &ks.replication,
            token,
            1,
        ))
    }

    /// [`ClusterContext::check_available`](crate::context::ClusterContext::check_available)
    /// with node `coordinator` (an index) as coordinator.
    pub fn check_available(
        &self,
        coordinator: usize,
        keyspace: &str,
        token: i64,
        consistency: Consistency,
    ) -> Result<(), ErrorResponse> {
        let Some(ks) = self.shared.catalog.keyspace(keyspace) else {
            return Ok(());
        };
        ring::check_available(
            &self.shared.members(),
            &ks.replication,
            token,
            coordinator,
            consistency,
        )
    }
}
