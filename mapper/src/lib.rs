//! The cqlengine object mapper.
//!
//! Not written yet: this crate is a placeholder in the workspace so that its
//! layout is fixed.

pub use cql_driver as driver;
pub use cqlengine_derive as derive;
