//! What the driver knows of the cluster: tokens, the token map and the
//! schema.

mod token;
mod token_map;

pub use token::{Partitioner, Token};
pub use token_map::{ReplicaRing, TokenMap};
mod cluster;
pub use cluster::ClusterMetadata;
