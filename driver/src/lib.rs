//! The async Cassandra driver.
//!
//! Not written yet: this crate is a placeholder in the workspace so that its
//! layout is fixed. Its codec, [`cql_protocol`], is re-exported.

pub use cql_protocol as protocol;
