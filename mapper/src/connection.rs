//! Named connections: each is a driver [`Session`] with a default
//! keyspace. [`setup`] registers the default one; models and queries may
//! name another with `using`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use cql_driver::{Session, SessionBuilder};

use crate::error::{MapperError, Result};

/// The name [`setup`] registers.
pub const DEFAULT_CONNECTION: &str = "default";

/// A registered connection: a session and its default keyspace.
#[derive(Debug, Clone)]
pub struct Connection {
    name: String,
    session: Session,
    keyspace: Option<Arc<str>>,
}

impl Connection {
    /// The connection's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The driver session.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The keyspace models use when neither they nor the query name one.
    pub fn default_keyspace(&self) -> Option<&str> {
        self.keyspace.as_deref()
    }

    /// The default keyspace, shared.
    pub(crate) fn shared_keyspace(&self) -> Option<&Arc<str>> {
        self.keyspace.as_ref()
    }
}

#[derive(Default)]
struct Registry {
    connections: HashMap<String, Arc<Connection>>,
    default: Option<String>,
}

fn registry() -> &'static RwLock<Registry> {
    static REGISTRY: OnceLock<RwLock<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// Connects with `builder` (every driver option: policies, auth,
/// compression, protocol version, consistency...) and registers the
/// session as the default connection, with `default_keyspace`.
///
/// ```no_run
/// # async fn demo() -> cqlengine::Result<()> {
/// use cqlengine::driver::Session;
///
/// cqlengine::connection::setup(
///     Session::builder().contact_points(["127.0.0.1"]).consistency(cqlengine::QUORUM),
///     Some("app"),
/// )
/// .await?;
/// # Ok(())
/// # }
/// ```
pub async fn setup(
    builder: SessionBuilder,
    default_keyspace: Option<&str>,
) -> Result<Arc<Connection>> {
    register_connection(DEFAULT_CONNECTION, builder, default_keyspace, true).await
}

/// Connects with `builder` and registers the session as `name`; with
/// `make_default`, it also becomes the default connection.
pub async fn register_connection(
    name: &str,
    builder: SessionBuilder,
    default_keyspace: Option<&str>,
    make_default: bool,
) -> Result<Arc<Connection>> {
    let session = builder.build().await?;
    Ok(register_session(
        name,
        session,
        default_keyspace,
        make_default,
    ))
}

/// Registers an existing driver session as `name`.
pub fn register_session(
    name: &str,
    session: Session,
    default_keyspace: Option<&str>,
    make_default: bool,
) -> Arc<Connection> {
    let connection = Arc::new(Connection {
        name: name.to_string(),
        session,
        keyspace: default_keyspace.map(Arc::from),
    });
    let mut registry = registry().write().unwrap_or_else(|p| p.into_inner());
    registry
        .connections
        .insert(name.to_string(), connection.clone());
    if make_default || registry.default.is_none() {
        registry.default = Some(name.to_string());
    }
    connection
}

/// Removes a connection (its session stays open for whoever holds it).
pub fn unregister_connection(name: &str) -> Option<Arc<Connection>> {
    let mut registry = registry().write().unwrap_or_else(|p| p.into_inner());
    if registry.default.as_deref() == Some(name) {
        registry.default = None;
    }
    registry.connections.remove(name)
}

/// Makes a registered connection the default.
pub fn set_default_connection(name: &str) -> Result<()> {
    let mut registry = registry().write().unwrap_or_else(|p| p.into_inner());
    if !registry.connections.contains_key(name) {
        return Err(MapperError::NoConnection { name: name.into() });
    }
    registry.default = Some(name.to_string());
    Ok(())
}

/// The connection named `name`, or the default one.
pub fn get_connection(name: Option<&str>) -> Result<Arc<Connection>> {
    let registry = registry().read().unwrap_or_else(|p| p.into_inner());
    let name = match name {
        Some(name) => name,
        None => registry
            .default
            .as_deref()
            .ok_or_else(|| MapperError::NoConnection {
                name: DEFAULT_CONNECTION.into(),
            })?,
    };
    registry
        .connections
        .get(name)
        .cloned()
        .ok_or_else(|| MapperError::NoConnection { name: name.into() })
}
