//! Running one request: the query plan, retries, re-preparation and
//! speculative executions.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::task::JoinSet;
use tracing::Instrument;

use cql_protocol::message::request::{
    Batch as BatchRequest, BatchQuery, BatchStatement, Execute, Prepare, Query, QueryParameters,
    Request,
};
use cql_protocol::message::response::{ErrorKind, Response, ResultBody};
use cql_protocol::{ColumnSpec, Consistency, ProtocolVersion, RawValue, ResponseFrame};

use super::SessionInner;
use crate::cluster::Host;
use crate::connection::Connection;
use crate::error::{NoHostAvailable, QueryError};
use crate::metadata::Token;
use crate::policies::{RetryDecision, RetryPolicy, RetryRequest, RoutingInfo};
use crate::result::{PagingState, QueryResult};
use crate::rows::RowSet;
use crate::statement::{Batch, BatchEntry, PreparedInner, StatementOptions};

/// What is sent.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Query(String),
    Execute(Arc<PreparedInner>),
    Batch(Batch),
}

/// One request, ready to send to any host at any consistency.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub kind: Kind,
    pub values: Vec<RawValue>,
    pub consistency: Consistency,
    pub serial_consistency: Option<Consistency>,
    pub page_size: Option<i32>,
    pub paging_state: Option<Bytes>,
    pub tracing: bool,
    pub timeout: Duration,
    pub is_idempotent: bool,
    pub retry_policy: Arc<dyn RetryPolicy>,
    pub keyspace: Option<String>,
    pub token: Option<Token>,
}

impl Spec {
    /// A spec from a statement's options and the session's defaults.
    pub(crate) fn new(
        inner: &SessionInner,
        kind: Kind,
        values: Vec<RawValue>,
        options: &StatementOptions,
    ) -> Result<Spec, QueryError> {
        let config = &inner.config;
        let version = inner.version;
        let paged = version >= ProtocolVersion::V2;
        if !paged && options.serial_consistency.is_some() {
            return Err(QueryError::Unsupported {
                feature: "serial consistency",
                needs: 2,
                version,
            });
        }
        let page_size = options
            .page_size
            .or(Some(config.page_size))
            .filter(|size| paged && *size > 0);
        Ok(Spec {
            kind,
            values,
            consistency: options.consistency.unwrap_or(config.consistency),
            serial_consistency: options.serial_consistency.or(config.serial_consistency),
            page_size,
            paging_state: None,
            tracing: options.tracing,
            timeout: options.timeout.unwrap_or(config.request_timeout),
            is_idempotent: options.is_idempotent,
            retry_policy: options
                .retry_policy
                .clone()
                .unwrap_or_else(|| config.retry_policy.clone()),
            keyspace: options.routing_keyspace.clone(),
            token: options.routing_token.or_else(|| {
                let key = options.routing_key.as_ref()?;
                inner.state.metadata().token_of(key)
            }),
        })
    }

    pub(crate) fn with_paging_state(
        mut self,
        state: Option<PagingState>,
        version: ProtocolVersion,
    ) -> Result<Spec, QueryError> {
        if let Some(state) = state {
            if version < ProtocolVersion::V2 {
                return Err(QueryError::Unsupported {
                    feature: "paging",
                    needs: 2,
                    version,
                });
            }
            self.paging_state = Some(state.as_bytes().clone());
        }
        Ok(self)
    }

    fn request(&self, consistency: Consistency) -> Request {
        let params = QueryParameters {
            consistency,
            values: self.values.clone(),
            skip_metadata: false,
            page_size: self.page_size,
            paging_state: self.paging_state.clone(),
            serial_consistency: self.serial_consistency,
        };
        match &self.kind {
            Kind::Query(text) => Request::Query(Query::with_params(text.clone(), params)),
            Kind::Execute(prepared) => Request::Execute(Execute::new(prepared.id.clone(), params)),
            Kind::Batch(batch) => {
                let statements = batch
                    .entries
                    .iter()
                    .map(|entry| match entry {
                        BatchEntry::Query(text, values) => BatchStatement {
                            query: BatchQuery::Query(text.clone()),
                            values: values.clone(),
                        },
                        BatchEntry::Prepared(prepared, values) => BatchStatement {
                            query: BatchQuery::Prepared(prepared.id.clone()),
                            values: values.clone(),
                        },
                    })
                    .collect();
                Request::Batch(BatchRequest {
                    batch_type: batch.batch_type,
                    statements,
                    consistency,
                    serial_consistency: self.serial_consistency,
                    timestamp: None,
                })
            }
        }
    }

    /// The result columns a No_metadata result would need.
    fn result_columns(&self) -> Option<Arc<[ColumnSpec]>> {
        match &self.kind {
            Kind::Execute(prepared) => prepared.result.clone(),
            _ => None,
        }
    }

    fn routing(&self) -> RoutingInfo<'_> {
        RoutingInfo {
            keyspace: self.keyspace.as_deref(),
            token: self.token,
            consistency: self.consistency,
            is_idempotent: self.is_idempotent,
        }
    }
}

/// The hosts of one request's plan, shared by its executions.
struct Plan {
    hosts: Mutex<std::vec::IntoIter<Arc<Host>>>,
    errors: Mutex<Vec<(SocketAddr, QueryError)>>,
}

impl Plan {
    fn next(&self) -> Option<Arc<Host>> {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner()).next()
    }

    fn is_exhausted(&self) -> bool {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner()).len() == 0
    }

    fn record(&self, address: SocketAddr, error: QueryError) {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((address, error));
    }

    fn no_host_available(&self) -> QueryError {
        let errors = self
            .errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        QueryError::NoHostAvailable(NoHostAvailable { errors })
    }
}

/// How many times one request may go back to the same host.
const MAX_SAME_HOST_RETRIES: u32 = 3;

/// Runs a request to completion: through the plan, with retries and, for
/// idempotent requests, speculative executions.
///
/// The spec comes shared: an `async fn` keeps its arguments in every state
/// of its future, and a request's future is copied as it is moved around.
pub(crate) async fn run(
    inner: &Arc<SessionInner>,
    spec: Arc<Spec>,
) -> Result<QueryResult, QueryError> {
    if inner.is_closed() {
        return Err(QueryError::SessionClosed);
    }
    let started = std::time::Instant::now();
    let view = inner.state.view();
    let hosts = inner.state.load_balancing.plan(&spec.routing(), &view);
    let plan = Arc::new(Plan {
        hosts: Mutex::new(hosts.into_iter()),
        errors: Mutex::new(Vec::new()),
    });
    let speculative = inner
        .config
        .speculative
        .clone()
        .filter(|_| spec.is_idempotent);
    let result = match speculative {
        None => execution(inner.clone(), spec.clone(), plan).await,
        Some(policy) => {
            let mut running = JoinSet::new();
            running.spawn(execution(inner.clone(), spec.clone(), plan.clone()));
            let mut count = 1;
            let mut last_error = None;
            loop {
                let delay = policy
                    .next_execution(count)
                    .filter(|_| !plan.is_exhausted());
                tokio::select! {
                    done = running.join_next() => match done {
                        Some(Ok(Ok(result))) => {
                            running.abort_all();
                            break Ok(result);
                        }
                        Some(Ok(Err(error))) => {
                            last_error = Some(error);
                            if running.is_empty() && (delay.is_none() || plan.is_exhausted()) {
                                break Err(last_error.unwrap_or_else(|| plan.no_host_available()));
                            }
                        }
                        Some(Err(join_error)) => {
                            last_error = Some(QueryError::Invalid(format!("an execution failed: {join_error}")));
                        }
                        None => break Err(last_error.unwrap_or_else(|| plan.no_host_available())),
                    },
                    _ = tokio::time::sleep(delay.unwrap_or_default()), if delay.is_some() => {
                        count += 1;
                        inner.metrics.record_speculative_execution();
                        tracing::debug!(execution = count, "speculative execution started");
                        running.spawn(execution(inner.clone(), spec.clone(), plan.clone()));
                    }
                }
            }
        }
    };
    match &result {
        Ok(_) => inner.metrics.record_request(started.elapsed()),
        Err(error) => {
            inner.metrics.record_error();
            if matches!(error, QueryError::Timeout { .. }) {
                inner.metrics.record_timeout();
            }
        }
    }
    result
}

/// One execution: walks the plan until a host answers or the retry policy
/// gives up.
async fn execution(
    inner: Arc<SessionInner>,
    spec: Arc<Spec>,
    plan: Arc<Plan>,
) -> Result<QueryResult, QueryError> {
    let mut consistency = spec.consistency;
    let mut retry_count = 0;
    'hosts: while let Some(host) = plan.next() {
        let address = host.address();
        let mut same_host_retries = 0;
        let mut reprepared = false;
        loop {
            let Some(connection) = inner.state.pool(address).and_then(|p| p.pick()) else {
                plan.record(
                    address,
                    QueryError::Connection(crate::error::ConnectionError::Closed {
                        address,
                        reason: "the host has no open connection".into(),
                    }),
                );
                continue 'hosts;
            };
            let span = tracing::debug_span!("attempt", host = %address, %consistency, retry_count);
            let answer = connection
                .send(&spec.request(consistency), spec.tracing, spec.timeout)
                .instrument(span)
                .await;
            let error = match answer {
                Ok(frame) => match frame.response {
                    Response::Error(error) => {
                        if let (ErrorKind::Unprepared { .. }, Kind::Execute(_) | Kind::Batch(_)) =
                            (&error.kind, &spec.kind)
                        {
                            if !reprepared {
                                reprepared = true;
                                tracing::debug!(host = %address, "statement unknown to the host; re-preparing");
                                // Boxed: rare, and as large as the rest of
                                // this future, which every request carries.
                                match Box::pin(reprepare(&connection, &spec, spec.timeout)).await {
                                    Ok(()) => continue,
                                    Err(e) => e,
                                }
                            } else {
                                QueryError::Server(error)
                            }
                        } else {
                            QueryError::Server(error)
                        }
                    }
                    _ => return to_result(frame, spec.result_columns(), inner.version, address),
                },
                Err(error) => error,
            };
            tracing::debug!(host = %address, %error, "attempt failed");
            let decision = spec.retry_policy.decide(&RetryRequest {
                error: &error,
                consistency,
                is_idempotent: spec.is_idempotent,
                retry_count,
            });
            match decision {
                RetryDecision::RetrySameHost(c) if same_host_retries < MAX_SAME_HOST_RETRIES => {
                    inner.metrics.record_retry();
                    retry_count += 1;
                    same_host_retries += 1;
                    consistency = c.unwrap_or(consistency);
                    tracing::debug!(host = %address, %consistency, "retrying on the same host");
                }
                RetryDecision::RetrySameHost(c) | RetryDecision::RetryNextHost(c) => {
                    inner.metrics.record_retry();
                    retry_count += 1;
                    consistency = c.unwrap_or(consistency);
                    plan.record(address, error);
                    tracing::debug!(%consistency, "retrying on the next host");
                    continue 'hosts;
                }
                RetryDecision::Rethrow => return Err(error),
                RetryDecision::Ignore => {
                    tracing::debug!(host = %address, %error, "error ignored by the retry policy");
                    return Ok(QueryResult::empty());
                }
            }
        }
    }
    Err(plan.no_host_available())
}

/// Prepares again, on `connection`, every prepared statement of the request.
async fn reprepare(
    connection: &Connection,
    spec: &Spec,
    timeout: Duration,
) -> Result<(), QueryError> {
    let texts: Vec<&str> = match &spec.kind {
        Kind::Execute(prepared) => vec![&prepared.text],
        Kind::Batch(batch) => batch
            .entries
            .iter()
            .filter_map(|e| match e {
                BatchEntry::Prepared(p, _) => Some(&*p.text),
                BatchEntry::Query(..) => None,
            })
            .collect(),
        Kind::Query(_) => Vec::new(),
    };
    for text in texts {
        prepare_on(connection, text, timeout).await?;
    }
    Ok(())
}

/// Sends PREPARE on one connection.
pub(crate) async fn prepare_on(
    connection: &Connection,
    text: &str,
    timeout: Duration,
) -> Result<cql_protocol::message::response::Prepared, QueryError> {
    let answer = connection
        .send(&Request::Prepare(Prepare::new(text)), false, timeout)
        .await?;
    match answer.response {
        Response::Result(ResultBody::Prepared(prepared)) => Ok(prepared),
        Response::Error(error) => Err(QueryError::Server(error)),
        other => Err(QueryError::UnexpectedResponse {
            request: "PREPARE",
            response: other.opcode().name(),
        }),
    }
}

/// Turns a successful answer into a result.
pub(crate) fn to_result(
    frame: ResponseFrame,
    columns: Option<Arc<[ColumnSpec]>>,
    version: ProtocolVersion,
    coordinator: SocketAddr,
) -> Result<QueryResult, QueryError> {
    let mut result = QueryResult::empty();
    result.tracing_id = frame.tracing_id;
    result.coordinator = Some(coordinator);
    match frame.response {
        Response::Result(ResultBody::Void) => {}
        Response::Result(ResultBody::Rows(rows)) => {
            result.paging_state = rows
                .metadata
                .paging_state
                .clone()
                .map(PagingState::from_bytes);
            let set = RowSet::new(rows, columns, version)
                .map_err(|e| QueryError::Invalid(format!("unreadable rows: {e}")))?;
            result.rows = Some(set);
        }
        Response::Result(ResultBody::SetKeyspace(keyspace)) => result.keyspace = Some(keyspace),
        Response::Result(ResultBody::SchemaChange(change)) => result.schema_change = Some(change),
        other => {
            return Err(QueryError::UnexpectedResponse {
                request: "a query",
                response: other.opcode().name(),
            })
        }
    }
    Ok(result)
}
