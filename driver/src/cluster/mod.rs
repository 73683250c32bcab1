//! The cluster as the driver sees it: hosts, their pools, the control
//! connection and the routing view.

pub(crate) mod control;
mod host;
pub(crate) mod pool;
pub(crate) mod state;
mod view;

pub use host::{Host, HostDistance, HostInfo};
pub use state::PoolSize;
pub use view::ClusterView;
