//! Named connections: each is a driver [`Session`] with a default
//! keyspace. [`setup`] registers the default one; models and queries may
//! name another with `using`.
//!
//! ```no_run
//! # use cqlengine::{prelude::*, Model};
//! # #[derive(Model, Debug, Clone)]
//! # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
//! use cqlengine::connection::{register_connection, setup};
//! use cqlengine::driver::Session;
//!
//! # async fn example() -> cqlengine::Result<()> {
//! setup(Session::builder().contact_points(["10.0.0.1", "10.0.0.2"]), Some("app")).await?;
//! register_connection("analytics", Session::builder().contact_point("10.1.0.1"), Some("stats"), false)
//!     .await?;
//!
//! let ada = User::filter(user::id.eq(1)).get().await?; // on "default", in "app"
//! let copies = User::objects().using("analytics").count().await?; // in "stats"
//! # let _ = (ada, copies);
//! # Ok(()) }
//! # fn main() {}
//! ```

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use cql_driver::{Session, SessionBuilder};

use crate::error::{MapperError, Result};

/// The name [`setup`] registers.
///
/// ```
/// use cqlengine::connection::{get_connection, DEFAULT_CONNECTION};
/// use cqlengine::MapperError;
///
/// // Before `setup`, asking for the default connection names it in the error.
/// match get_connection(None) {
///     Err(MapperError::NoConnection { name }) => assert_eq!(name, DEFAULT_CONNECTION),
///     other => panic!("unexpected: {other:?}"),
/// }
/// ```
pub const DEFAULT_CONNECTION: &str = "default";

/// A registered connection: a session and its default keyspace.
///
/// ```no_run
/// # async fn example() -> cqlengine::Result<()> {
/// use cqlengine::connection::setup;
/// use cqlengine::driver::Session;
///
/// let connection = setup(Session::builder().contact_point("127.0.0.1"), Some("app")).await?;
/// assert_eq!((connection.name(), connection.default_keyspace()), ("default", Some("app")));
/// // The driver session, for statements the mapper does not write.
/// connection.session().query("TRUNCATE app.users", ()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Connection {
    name: String,
    session: Session,
    keyspace: Option<Arc<str>>,
}

impl Connection {
    /// The connection's name.
    ///
    /// ```no_run
    /// # async fn example() -> cqlengine::Result<()> {
    /// use cqlengine::connection::get_connection;
    ///
    /// let connection = get_connection(None)?;
    /// println!("the default connection is {:?}", connection.name());
    /// # Ok(()) }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The driver session.
    ///
    /// ```no_run
    /// # async fn example() -> cqlengine::Result<()> {
    /// use cqlengine::connection::get_connection;
    ///
    /// let session = get_connection(Some("analytics"))?.session().clone();
    /// let result = session.query("SELECT release_version FROM system.local", ()).await?;
    /// # let _ = result;
    /// # Ok(()) }
    /// ```
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The keyspace models use when neither they nor the query name one.
    ///
    /// ```no_run
    /// # async fn example() -> cqlengine::Result<()> {
    /// use cqlengine::connection::get_connection;
    ///
    /// let keyspace = get_connection(None)?.default_keyspace().unwrap_or("(none)").to_string();
    /// println!("models without a keyspace use {keyspace}");
    /// # Ok(()) }
    /// ```
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
    /// The default connection itself, so that the common case (no name
    /// given) takes no lookup by name.
    default: Option<Arc<Connection>>,
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
///
/// ```no_run
/// # async fn example() -> cqlengine::Result<()> {
/// use cqlengine::connection::register_connection;
/// use cqlengine::driver::Session;
///
/// let builder = Session::builder().contact_points(["10.1.0.1"]).consistency(cqlengine::ONE);
/// register_connection("analytics", builder, Some("stats"), false).await?;
/// # Ok(()) }
/// ```
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
///
/// ```no_run
/// # async fn example() -> cqlengine::Result<()> {
/// use cqlengine::connection::register_session;
/// use cqlengine::driver::Session;
///
/// // One session, two default keyspaces.
/// let session = Session::builder().contact_point("127.0.0.1").build().await?;
/// register_session("app", session.clone(), Some("app"), true);
/// register_session("audit", session, Some("audit"), false);
/// # Ok(()) }
/// ```
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
    let replaces_default = registry
        .default
        .as_ref()
        .is_some_and(|default| default.name == name);
    if make_default || replaces_default || registry.default.is_none() {
        registry.default = Some(connection.clone());
    }
    connection
}

/// Removes a connection (its session stays open for whoever holds it).
///
/// ```no_run
/// # async fn example() -> cqlengine::Result<()> {
/// use cqlengine::connection::{register_connection, unregister_connection};
/// use cqlengine::driver::Session;
///
/// register_connection("tmp", Session::builder().contact_point("127.0.0.1"), None, false).await?;
/// let removed = unregister_connection("tmp").expect("it was registered");
/// assert_eq!(removed.name(), "tmp");
/// assert!(unregister_connection("tmp").is_none());
/// # Ok(()) }
/// ```
pub fn unregister_connection(name: &str) -> Option<Arc<Connection>> {
    let mut registry = registry().write().unwrap_or_else(|p| p.into_inner());
    if registry
        .default
        .as_ref()
        .is_some_and(|default| default.name == name)
    {
        registry.default = None;
    }
    registry.connections.remove(name)
}

/// Makes a registered connection the default.
///
/// ```
/// use cqlengine::connection::set_default_connection;
/// use cqlengine::MapperError;
///
/// // Only a registered connection can become the default.
/// let error = set_default_connection("replica").unwrap_err();
/// assert!(matches!(error, MapperError::NoConnection { ref name } if name == "replica"));
/// ```
pub fn set_default_connection(name: &str) -> Result<()> {
    let mut registry = registry().write().unwrap_or_else(|p| p.into_inner());
    let Some(connection) = registry.connections.get(name).cloned() else {
        return Err(MapperError::NoConnection { name: name.into() });
    };
    registry.default = Some(connection);
    Ok(())
}

/// The connection named `name`, or the default one.
///
/// ```no_run
/// # async fn example() -> cqlengine::Result<()> {
/// use cqlengine::connection::get_connection;
///
/// let default = get_connection(None)?;
/// let analytics = get_connection(Some("analytics"))?;
/// analytics.session().query("SELECT now() FROM system.local", ()).await?;
/// # let _ = default;
/// # Ok(()) }
/// ```
pub fn get_connection(name: Option<&str>) -> Result<Arc<Connection>> {
    let registry = registry().read().unwrap_or_else(|p| p.into_inner());
    let Some(name) = name else {
        return registry
            .default
            .clone()
            .ok_or_else(|| MapperError::NoConnection {
                name: DEFAULT_CONNECTION.into(),
            });
    };
    registry
        .connections
        .get(name)
        .cloned()
        .ok_or_else(|| MapperError::NoConnection { name: name.into() })
}
