//! The session: the user's handle on the cluster.

mod builder;
mod execute;
mod paging;
mod prepared;
mod trace;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

use cql_protocol::message::request::BatchType;
use cql_protocol::message::response::Event;
use cql_protocol::{Consistency, ProtocolVersion};

use crate::cluster::control;
use crate::cluster::pool::PoolEvent;
use crate::cluster::state::ClusterState;
use crate::cluster::Host;
use crate::error::QueryError;
use crate::metadata::ClusterMetadata;
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::policies::{RetryPolicy, RoutingInfo, SpeculativeExecutionPolicy};
use crate::result::{PagingState, QueryResult};
use crate::statement::{
    check_count, Batch, PreparedInner, PreparedStatement, Query, SerializeValues, StatementOptions,
};

pub use builder::SessionBuilder;
use execute::{Kind, Spec};
pub use paging::RowStream;
pub use trace::{TracingEvent, TracingInfo};

/// The session-wide request defaults.
#[derive(Debug, Clone)]
pub(crate) struct SessionConfig {
    pub consistency: Consistency,
    pub serial_consistency: Option<Consistency>,
    pub page_size: i32,
    pub request_timeout: Duration,
    pub retry_policy: Arc<dyn RetryPolicy>,
    pub speculative: Option<Arc<dyn SpeculativeExecutionPolicy>>,
    pub schema_agreement_timeout: Duration,
    pub schema_agreement_interval: Duration,
}

pub(crate) struct SessionInner {
    pub(crate) config: SessionConfig,
    pub(crate) version: ProtocolVersion,
    pub(crate) state: Arc<ClusterState>,
    pub(crate) metrics: Arc<Metrics>,
    prepared: Mutex<prepared::PreparedCache>,
    keyspace: RwLock<Option<Arc<str>>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    closed: AtomicBool,
}

impl SessionInner {
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn keyspace(&self) -> Option<String> {
        self.shared_keyspace().map(|k| k.to_string())
    }

    fn shared_keyspace(&self) -> Option<Arc<str>> {
        self.keyspace
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn close(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            task.abort();
        }
        self.state.shutdown();
    }
}

impl Drop for SessionInner {
    fn drop(&mut self) {
        self.close();
    }
}

/// A connected session: cheap to clone, safe to share between tasks.
///
/// Build one with [`Session::builder`]. Every request goes through the
/// load-balancing policy's plan, is retried as the retry policy decides,
/// and fails with a typed [`QueryError`].
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use cql_driver::Session;
///
/// let session = Session::builder().contact_point("127.0.0.1").build().await?;
/// let insert = session.prepare("INSERT INTO ks.users (id, name) VALUES (?, ?)").await?;
/// session.execute(&insert, (1i32, "ada")).await?;
/// let result = session.query("SELECT name FROM ks.users WHERE id = ?", (1i32,)).await?;
/// let (name,): (String,) = result.first_row_typed()?;
/// assert_eq!(name, "ada");
/// session.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("version", &self.inner.version)
            .field("keyspace", &self.inner.keyspace())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A builder with the defaults.
    pub fn builder() -> SessionBuilder {
        SessionBuilder::new()
    }

    /// The protocol version the session speaks.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.inner.version
    }

    /// The keyspace unqualified names refer to, if one is in use.
    pub fn keyspace(&self) -> Option<String> {
        self.inner.keyspace()
    }

    /// Runs a simple statement with `values` (use `()` for none).
    pub async fn query(
        &self,
        query: impl Into<Query>,
        values: impl SerializeValues,
    ) -> Result<QueryResult, QueryError> {
        self.query_page(query, values, None).await
    }

    /// Runs a simple statement and returns one page, starting at
    /// `paging_state` (from a previous page's result) or at the beginning.
    pub async fn query_page(
        &self,
        query: impl Into<Query>,
        values: impl SerializeValues,
        paging_state: Option<PagingState>,
    ) -> Result<QueryResult, QueryError> {
        let spec = self.query_spec(query.into(), values)?;
        let spec = spec.with_paging_state(paging_state, self.inner.version)?;
        self.run(Arc::new(spec)).await
    }

    /// Runs a simple statement and streams its rows, fetching each page
    /// when the previous one is used up.
    pub async fn query_iter(
        &self,
        query: impl Into<Query>,
        values: impl SerializeValues,
    ) -> Result<RowStream, QueryError> {
        let spec = self.query_spec(query.into(), values)?;
        RowStream::start(self.inner.clone(), spec).await
    }

    fn query_spec(&self, query: Query, values: impl SerializeValues) -> Result<Spec, QueryError> {
        let raw = values.serialize_values(None, self.inner.version)?;
        let mut spec = Spec::new(
            &self.inner,
            Kind::Query(query.text().to_string()),
            raw,
            query.options(),
        )?;
        if spec.keyspace.is_none() {
            spec.keyspace = self.inner.keyspace();
        }
        Ok(spec)
    }

    /// Prepares a statement, or returns it from the session's cache (keyed by
    /// keyspace and text). It is prepared on the first host of the plan, then
    /// on the other hosts of the plan concurrently, and again on any host
    /// that comes back or joins; an execution that still meets `Unprepared`
    /// re-prepares on that host and retries once.
    pub async fn prepare(&self, query: impl Into<Query>) -> Result<PreparedStatement, QueryError> {
        let query = query.into();
        if let Some(inner) = self.cached_prepared(&query) {
            return Ok(PreparedStatement {
                inner,
                options: query.into_options(),
            });
        }
        let keyspace = self.inner.shared_keyspace();
        let timeout = query
            .options()
            .timeout
            .unwrap_or(self.inner.config.request_timeout);
        let routing = RoutingInfo {
            keyspace: keyspace.as_deref(),
            token: None,
            consistency: self.inner.config.consistency,
            is_idempotent: true,
        };
        let plan = self
            .inner
            .state
            .load_balancing
            .plan(&routing, &self.inner.state.view());
        let mut errors = Vec::new();
        for host in &plan {
            let Some(connection) = self.inner.state.pool(host.address()).and_then(|p| p.pick())
            else {
                continue;
            };
            match execute::prepare_on(&connection, query.text(), timeout).await {
                Ok(prepared) => {
                    let statement = self.make_prepared(prepared, &query, keyspace.clone());
                    self.inner
                        .prepared
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(statement.inner.clone());
                    // As the DataStax drivers do, the other hosts prepare it
                    // too before this returns (concurrently, failures only
                    // logged), so that the first executions routed to them
                    // do not come back Unprepared.
                    let mut others = tokio::task::JoinSet::new();
                    for other in plan.iter().filter(|h| h.address() != host.address()) {
                        let inner = self.inner.clone();
                        let other = other.clone();
                        let text = statement.inner.text.clone();
                        others.spawn(async move { prepare_on_host(&inner, &other, &text).await });
                    }
                    while others.join_next().await.is_some() {}
                    return Ok(statement);
                }
                Err(error @ QueryError::Server(_)) => return Err(error),
                Err(error) => errors.push((host.address(), error)),
            }
        }
        Err(QueryError::NoHostAvailable(crate::NoHostAvailable {
            errors,
        }))
    }

    /// `query` prepared, if the session's cache has it. The hot path
    /// (every execution of a mapper statement, say): no allocation, and at
    /// most one hash of the text.
    fn cached_prepared(&self, query: &Query) -> Option<Arc<PreparedInner>> {
        let keyspace = self.inner.shared_keyspace();
        self.inner
            .prepared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(query.shared_text(), keyspace.as_ref())
            .cloned()
    }

    fn make_prepared(
        &self,
        prepared: cql_protocol::message::response::Prepared,
        query: &Query,
        keyspace: Option<Arc<str>>,
    ) -> PreparedStatement {
        let bound: Arc<[cql_protocol::ColumnSpec]> =
            prepared.metadata.columns.clone().unwrap_or_default().into();
        let result = prepared
            .result_metadata
            .as_ref()
            .and_then(|m| m.columns.clone())
            .map(Arc::from);
        let metadata = self.inner.state.metadata();
        let partition_key = bound.first().and_then(|first| {
            let table = metadata.table(&first.table.keyspace, &first.table.table)?;
            table.partition_key_indexes(&bound).map(Arc::from)
        });
        PreparedStatement {
            inner: Arc::new(PreparedInner {
                id: prepared.id,
                text: query.shared_text().clone(),
                keyspace,
                bound,
                result,
                partition_key,
            }),
            options: query.options().clone(),
        }
    }

    /// Runs `query` as a prepared statement with `values` and the query's
    /// own options: it is prepared on first use and then found in the
    /// session's prepared-statement cache (see [`prepare`](Self::prepare)).
    /// The same as `prepare` then [`execute`](Self::execute), one copy of
    /// the prepared statement cheaper: for code that keeps texts rather
    /// than prepared statements, such as an object mapper.
    ///
    /// ```no_run
    /// # async fn demo(session: cql_driver::Session) -> Result<(), cql_driver::QueryError> {
    /// use std::sync::Arc;
    ///
    /// use cql_driver::{Consistency, Query};
    ///
    /// // Kept as one `Arc<str>`, the text is found in the cache by address.
    /// let text: Arc<str> = Arc::from("INSERT INTO ks.users (id, name) VALUES (?, ?)");
    /// for (id, name) in [(1i32, "ada"), (2, "alan")] {
    ///     let insert = Query::new(text.clone()).with_consistency(Consistency::Quorum);
    ///     session.prepare_and_execute(insert, (id, name)).await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn prepare_and_execute(
        &self,
        query: impl Into<Query>,
        values: impl SerializeValues,
    ) -> Result<QueryResult, QueryError> {
        let query = query.into();
        // A cached statement is taken without building `prepare`'s future.
        let prepared = match self.cached_prepared(&query) {
            Some(prepared) => prepared,
            None => self.prepare(query.clone()).await?.inner,
        };
        let spec = self.execute_spec(prepared, query.options(), values)?;
        self.run(Arc::new(spec)).await
    }

    /// [`prepare_and_execute`](Self::prepare_and_execute), streaming the
    /// rows page by page as [`execute_iter`](Self::execute_iter) does.
    ///
    /// ```no_run
    /// # async fn demo(session: cql_driver::Session) -> Result<(), Box<dyn std::error::Error>> {
    /// use cql_driver::Query;
    /// use futures_util::StreamExt;
    ///
    /// let select = Query::new("SELECT name FROM ks.users WHERE id > ? ALLOW FILTERING")
    ///     .with_page_size(100);
    /// let mut rows = session.prepare_and_execute_iter(select, (0i32,)).await?;
    /// while let Some(row) = rows.next().await {
    ///     let name: String = row?.get("name")?;
    ///     println!("{name}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn prepare_and_execute_iter(
        &self,
        query: impl Into<Query>,
        values: impl SerializeValues,
    ) -> Result<RowStream, QueryError> {
        let query = query.into();
        // A cached statement is taken without building `prepare`'s future.
        let prepared = match self.cached_prepared(&query) {
            Some(prepared) => prepared,
            None => self.prepare(query.clone()).await?.inner,
        };
        let spec = self.execute_spec(prepared, query.options(), values)?;
        RowStream::start(self.inner.clone(), spec).await
    }

    /// Runs a prepared statement with `values`.
    pub async fn execute(
        &self,
        statement: &PreparedStatement,
        values: impl SerializeValues,
    ) -> Result<QueryResult, QueryError> {
        self.execute_page(statement, values, None).await
    }

    /// Runs a prepared statement and returns one page, starting at
    /// `paging_state` or at the beginning.
    pub async fn execute_page(
        &self,
        statement: &PreparedStatement,
        values: impl SerializeValues,
        paging_state: Option<PagingState>,
    ) -> Result<QueryResult, QueryError> {
        let spec = self.execute_spec(statement.inner.clone(), &statement.options, values)?;
        let spec = spec.with_paging_state(paging_state, self.inner.version)?;
        self.run(Arc::new(spec)).await
    }

    /// Runs a prepared statement and streams its rows page by page.
    pub async fn execute_iter(
        &self,
        statement: &PreparedStatement,
        values: impl SerializeValues,
    ) -> Result<RowStream, QueryError> {
        let spec = self.execute_spec(statement.inner.clone(), &statement.options, values)?;
        RowStream::start(self.inner.clone(), spec).await
    }

    fn execute_spec(
        &self,
        statement: Arc<PreparedInner>,
        options: &StatementOptions,
        values: impl SerializeValues,
    ) -> Result<Spec, QueryError> {
        check_count(&statement, values.len())?;
        let raw = values.serialize_values(Some(&statement.bound), self.inner.version)?;
        // The kind is set last, once the statement's fields are read, so
        // the statement is moved in rather than copied.
        let mut spec = Spec::new(&self.inner, Kind::Query(String::new()), raw, options)?;
        if spec.keyspace.is_none() {
            spec.keyspace = statement.keyspace().map(str::to_string);
        }
        if spec.token.is_none() {
            spec.token = self.routing_token(&statement, &spec.values);
        }
        spec.kind = Kind::Execute(statement);
        Ok(spec)
    }

    /// The token of a prepared statement's partition key, from its bound
    /// values, when the whole key is bound and the partitioner is known.
    fn routing_token(
        &self,
        statement: &PreparedInner,
        values: &[cql_protocol::RawValue],
    ) -> Option<crate::metadata::Token> {
        let indexes = statement.partition_key.as_ref()?;
        let mut parts = Vec::with_capacity(indexes.len());
        for &index in indexes.iter() {
            match values.get(index)? {
                cql_protocol::RawValue::Value(bytes) => parts.push(&bytes[..]),
                _ => return None,
            }
        }
        let key = match parts.as_slice() {
            [single] => single.to_vec(),
            many => cql_protocol::murmur3::partition_key(many).ok()?,
        };
        self.inner.state.metadata().token_of(&key)
    }

    /// A new, empty batch of this type.
    pub fn new_batch(&self, batch_type: BatchType) -> Batch {
        Batch::new(batch_type, self.inner.version)
    }

    /// Runs a batch (protocol v2+; on v1 it is an
    /// [`Unsupported`](QueryError::Unsupported) error).
    pub async fn batch(&self, batch: &Batch) -> Result<QueryResult, QueryError> {
        if self.inner.version < ProtocolVersion::V2 {
            return Err(QueryError::Unsupported {
                feature: "BATCH",
                needs: 2,
                version: self.inner.version,
            });
        }
        if batch.is_empty() {
            return Err(QueryError::Invalid(
                "a batch needs at least one statement".into(),
            ));
        }
        let mut spec = Spec::new(
            &self.inner,
            Kind::Batch(batch.clone()),
            Vec::new(),
            &batch.options,
        )?;
        spec.page_size = None;
        if spec.keyspace.is_none() {
            spec.keyspace = self.inner.keyspace();
        }
        self.run(Arc::new(spec)).await
    }

    async fn run(&self, spec: Arc<Spec>) -> Result<QueryResult, QueryError> {
        let result = execute::run(&self.inner, spec).await?;
        // The rare follow-ups are boxed: their futures would otherwise be
        // part of every request's.
        if let Some(keyspace) = result.set_keyspace() {
            Box::pin(self.switch_keyspace(keyspace.to_string())).await?;
        }
        if result.schema_change().is_some() {
            Box::pin(self.after_schema_change()).await;
        }
        Ok(result)
    }

    /// After DDL: waits for schema agreement and refreshes the schema, so
    /// that the change is in the metadata when the DDL call returns.
    async fn after_schema_change(&self) {
        match self.await_schema_agreement().await {
            Ok(true) => {}
            Ok(false) => tracing::warn!("schema agreement timed out after a schema change"),
            Err(error) => tracing::warn!(%error, "could not check schema agreement"),
        }
        if let Err(error) = self.refresh_schema().await {
            tracing::warn!(%error, "schema refresh after a schema change failed");
        }
    }

    /// Switches every connection to `keyspace` (`USE`).
    pub async fn use_keyspace(&self, keyspace: &str) -> Result<(), QueryError> {
        let statement = format!("USE {}", crate::statement::quote_identifier(keyspace));
        self.query(statement, ()).await.map(|_| ())
    }

    async fn switch_keyspace(&self, keyspace: String) -> Result<(), QueryError> {
        *self
            .inner
            .keyspace
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(Arc::from(keyspace.as_str()));
        self.inner
            .state
            .pool_context
            .set_keyspace(Some(keyspace.clone()));
        let config = self.inner.state.pool_context.config();
        let mut running = tokio::task::JoinSet::new();
        for pool in self.inner.state.pools() {
            for connection in pool.connections() {
                let config = config.clone();
                let keyspace = keyspace.clone();
                running.spawn(async move {
                    if let Err(error) = crate::connection::use_keyspace(&connection, &config, &keyspace).await {
                        tracing::warn!(host = %connection.address(), %error, "USE failed; closing the connection");
                        connection.close("USE failed");
                    }
                });
            }
        }
        while running.join_next().await.is_some() {}
        Ok(())
    }

    /// Waits until every up host reports the same schema version, polling the
    /// control connection; `Ok(false)` if that did not happen within the
    /// schema agreement timeout.
    pub async fn await_schema_agreement(&self) -> Result<bool, QueryError> {
        let config = &self.inner.config;
        let deadline = tokio::time::Instant::now() + config.schema_agreement_timeout;
        loop {
            let connection = self.control()?;
            if control::schema_in_agreement(&self.inner.state, &connection, config.request_timeout)
                .await?
            {
                return Ok(true);
            }
            if tokio::time::Instant::now() + config.schema_agreement_interval > deadline {
                return Ok(false);
            }
            tokio::time::sleep(config.schema_agreement_interval).await;
        }
    }

    /// Reads the hosts and the schema again.
    pub async fn refresh_metadata(&self) -> Result<(), QueryError> {
        let connection = self.control()?;
        let timeout = self.inner.config.request_timeout;
        control::refresh_topology(&self.inner.state, &connection, timeout).await?;
        control::refresh_schema(&self.inner.state, &connection, timeout).await
    }

    async fn refresh_schema(&self) -> Result<(), QueryError> {
        let connection = self.control()?;
        control::refresh_schema(
            &self.inner.state,
            &connection,
            self.inner.config.request_timeout,
        )
        .await
    }

    fn control(&self) -> Result<crate::connection::Connection, QueryError> {
        if self.inner.is_closed() {
            return Err(QueryError::SessionClosed);
        }
        self.inner.state.control().ok_or_else(|| {
            QueryError::NoHostAvailable(crate::NoHostAvailable { errors: Vec::new() })
        })
    }

    /// The cluster's hosts, schema and token map, as last read.
    pub fn cluster_metadata(&self) -> Arc<ClusterMetadata> {
        self.inner.state.metadata()
    }

    /// The address of the control connection's host, if it is connected.
    pub fn control_host(&self) -> Option<SocketAddr> {
        self.inner.state.control().map(|c| c.address())
    }

    /// Subscribes to the events the cluster pushes (topology, status and
    /// schema changes). A subscriber that falls more than 1024 events behind
    /// loses the oldest ([`broadcast::error::RecvError::Lagged`]).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.state.events.subscribe()
    }

    /// The request counters and the latency histogram.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.inner.metrics.snapshot()
    }

    /// Reads a request's trace (`system_traces`), waiting for it to be
    /// complete for up to the request timeout.
    pub async fn tracing_info(&self, id: uuid::Uuid) -> Result<TracingInfo, QueryError> {
        trace::fetch(self, id).await
    }

    /// Shuts the session down: connections close, background tasks stop,
    /// and every later request fails with [`QueryError::SessionClosed`].
    pub async fn shutdown(&self) {
        self.inner.close();
        tokio::task::yield_now().await;
    }

    /// How many open connections each host's pool has.
    pub fn pool_sizes(&self) -> Vec<(SocketAddr, usize)> {
        let mut sizes: Vec<_> = self
            .inner
            .state
            .pools()
            .iter()
            .map(|p| (p.host().address(), p.connections().len()))
            .collect();
        sizes.sort();
        sizes
    }
}

/// Prepares `text` on one host (best effort: for the other hosts of a
/// PREPARE, and for hosts that come up).
async fn prepare_on_host(inner: &SessionInner, host: &Host, text: &str) {
    let Some(connection) = inner.state.pool(host.address()).and_then(|p| p.pick()) else {
        return;
    };
    if let Err(error) = execute::prepare_on(&connection, text, inner.config.request_timeout).await {
        tracing::debug!(host = %host.address(), %error, "prepare on another host failed");
    }
}

/// Re-prepares every cached statement on hosts that come up or join.
async fn watch_pools(inner: std::sync::Weak<SessionInner>, mut events: mpsc::Receiver<PoolEvent>) {
    while let Some(event) = events.recv().await {
        let Some(inner) = inner.upgrade() else { return };
        match event {
            PoolEvent::Up(host) => {
                let texts = inner
                    .prepared
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .texts();
                if !texts.is_empty() {
                    tracing::debug!(host = %host.address(), count = texts.len(), "re-preparing statements");
                }
                for text in texts {
                    prepare_on_host(&inner, &host, &text).await;
                }
            }
            PoolEvent::Down(host) => {
                tracing::debug!(host = %host.address(), "pool reports the host down");
            }
        }
    }
}
