//! The cluster as the driver sees it: hosts, their pools, the control
//! connection and the routing view.

mod host;
mod view;

pub use host::{Host, HostDistance, HostInfo};
pub use view::ClusterView;
