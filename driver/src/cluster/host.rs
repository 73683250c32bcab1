//! A node of the cluster as the driver sees it: its address, location,
//! tokens and whether it is up.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

use uuid::Uuid;

use crate::metadata::Token;

/// How far a host is from the client, as a load-balancing policy sees it.
/// Pools are sized by distance; ignored hosts get no pool at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostDistance {
    /// In the local data center: queried first, with the largest pool.
    Local,
    /// In another data center: queried only when the local ones fail.
    Remote,
    /// Never queried.
    Ignored,
}

/// Where a host is and what it owns, as read from `system.local` /
/// `system.peers`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostInfo {
    /// The host id (`host_id`).
    pub host_id: Option<Uuid>,
    /// The data center (`data_center`).
    pub datacenter: Option<String>,
    /// The rack (`rack`).
    pub rack: Option<String>,
    /// The tokens the host owns (`tokens`).
    pub tokens: Vec<Token>,
    /// The Cassandra version (`release_version`).
    pub release_version: Option<String>,
    /// The schema version the host has (`schema_version`).
    pub schema_version: Option<Uuid>,
}

/// A node of the cluster. Shared (`Arc<Host>`) between the session, the
/// control connection and the policies; its state changes in place.
pub struct Host {
    address: SocketAddr,
    info: RwLock<HostInfo>,
    up: AtomicBool,
}

impl Host {
    /// A host at `address` with what is known of it, initially up.
    pub fn new(address: SocketAddr, info: HostInfo) -> Self {
        Host {
            address,
            info: RwLock::new(info),
            up: AtomicBool::new(true),
        }
    }

    /// The address the driver connects to (`rpc_address` and the port).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A copy of what is known of the host.
    pub fn info(&self) -> HostInfo {
        self.read_info(HostInfo::clone)
    }

    /// The host's data center, if known.
    pub fn datacenter(&self) -> Option<String> {
        self.read_info(|info| info.datacenter.clone())
    }

    /// The host's rack, if known.
    pub fn rack(&self) -> Option<String> {
        self.read_info(|info| info.rack.clone())
    }

    /// The host id, if known.
    pub fn host_id(&self) -> Option<Uuid> {
        self.read_info(|info| info.host_id)
    }

    /// The tokens the host owns.
    pub fn tokens(&self) -> Vec<Token> {
        self.read_info(|info| info.tokens.clone())
    }

    /// Whether the host is considered up (the driver can reach it).
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Marks the host up or down; returns whether that changed its state.
    pub fn set_up(&self, up: bool) -> bool {
        self.up.swap(up, Ordering::AcqRel) != up
    }

    /// Replaces what is known of the host (after a metadata refresh).
    pub fn set_info(&self, info: HostInfo) {
        match self.info.write() {
            Ok(mut guard) => *guard = info,
            Err(poisoned) => *poisoned.into_inner() = info,
        }
    }

    fn read_info<T>(&self, f: impl FnOnce(&HostInfo) -> T) -> T {
        match self.info.read() {
            Ok(guard) => f(&guard),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = self.info();
        f.debug_struct("Host")
            .field("address", &self.address)
            .field("datacenter", &info.datacenter)
            .field("rack", &info.rack)
            .field("up", &self.is_up())
            .finish()
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.address)
    }
}
