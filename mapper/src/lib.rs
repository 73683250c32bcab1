//! cqlengine, the object mapper for Apache Cassandra, in Rust, on
//! [`cql_driver`].
//!
//! A model is a struct with `#[derive(Model)]`; the derive describes its
//! table ([`ModelSchema`]), reads and writes its rows, validates its fields
//! and makes a module of typed [`Column`]s for query expressions. The mapper
//! owns no connection: pooling, failover, discovery, policies and auth are
//! the driver's.

pub mod column;
pub mod error;
pub mod management;
pub mod model;
pub mod schema;

pub use column::{token, Assignment, Column, Filter, Op, TimeUuidBound};
pub use cql_driver as driver;
// The derive macro is re-exported once written: pub use cqlengine_derive::Model;
pub use error::{MapperError, Result, ValidationError};
pub use model::{validate_field, CqlColumn, Model, MAX_COLLECTION_LEN};
pub use schema::{ClusteringOrder, ColumnDef, ColumnRole, ModelSchema};

/// What the derive's generated code uses; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use cql_driver::{FromRow, Row, RowError};
    pub use cql_protocol::value::{to_raw_value, ValueError};
    pub use cql_protocol::{ColumnType, ProtocolVersion, RawValue};
    pub use std::sync::OnceLock;
}

pub mod connection;

pub use cql_driver::Consistency;

/// Consistency ANY (writes only).
pub const ANY: Consistency = Consistency::Any;
/// Consistency ONE.
pub const ONE: Consistency = Consistency::One;
/// Consistency TWO.
pub const TWO: Consistency = Consistency::Two;
/// Consistency THREE.
pub const THREE: Consistency = Consistency::Three;
/// Consistency QUORUM.
pub const QUORUM: Consistency = Consistency::Quorum;
/// Consistency ALL.
pub const ALL: Consistency = Consistency::All;
/// Consistency LOCAL_QUORUM.
pub const LOCAL_QUORUM: Consistency = Consistency::LocalQuorum;
/// Consistency EACH_QUORUM.
pub const EACH_QUORUM: Consistency = Consistency::EachQuorum;
/// Consistency LOCAL_ONE.
pub const LOCAL_ONE: Consistency = Consistency::LocalOne;
/// Serial consistency SERIAL.
pub const SERIAL: Consistency = Consistency::Serial;
/// Serial consistency LOCAL_SERIAL.
pub const LOCAL_SERIAL: Consistency = Consistency::LocalSerial;
