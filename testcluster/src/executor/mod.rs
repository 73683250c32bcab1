//! The CQL executor: statements to storage reads and writes.
//!
//! [`Executor`] is a node's [`RequestHandler`]: it parses QUERY, PREPARE,
//! EXECUTE and BATCH requests with [`crate::cql`], and runs them against the
//! tables of the [`ClusterContext`] with Cassandra 2.0's semantics, results
//! and error messages.

mod ddl;
mod dml;
pub mod errors;
mod prepared;
mod select;
mod users;
pub mod values;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use cql_protocol::message::request::{Batch, BatchQuery, QueryParameters, Request};
use cql_protocol::message::response::{ErrorKind, ErrorResponse, Response, ResultBody};
use cql_protocol::{Consistency, RawValue};
use uuid::Uuid;

use crate::context::{ClusterContext, TraceEvent, TraceSession};
use crate::cql::{parse_statement, ErrorClass, QualifiedName, Statement};
use crate::server::{ConnectionInfo, HandlerFuture, HandlerResponse, RequestHandler};
use crate::storage::{Table, TableDef};
use errors::{invalid, ExecResult};
use values::Env;

/// A prepared statement, as stored by [`Executor`].
#[derive(Debug)]
struct PreparedStatement {
    /// The keyspace current when it was prepared.
    keyspace: Option<String>,
    /// The statement.
    statement: Statement,
}

/// The executor of one node: a [`RequestHandler`] for QUERY, PREPARE,
/// EXECUTE and BATCH.
pub struct Executor {
    node: SocketAddr,
    ctx: Arc<dyn ClusterContext>,
    prepared: Mutex<HashMap<Bytes, Arc<PreparedStatement>>>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}

/// Collects the events of a traced request.
pub(crate) struct Tracer {
    start: Instant,
    source: SocketAddr,
    events: Mutex<Vec<TraceEvent>>,
}

impl Tracer {
    fn event(&self, activity: impl Into<String>) {
        let elapsed = i32::try_from(self.start.elapsed().as_micros()).unwrap_or(i32::MAX);
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(TraceEvent {
                activity: activity.into(),
                source: self.source,
                source_elapsed_micros: elapsed.max(1),
            });
    }
}

/// Everything a statement's execution needs about its request.
pub(crate) struct Call<'a> {
    pub conn: &'a ConnectionInfo,
    /// The keyspace for unqualified names.
    pub keyspace: Option<String>,
    pub consistency: Consistency,
    pub serial: Option<Consistency>,
    pub values: &'a [RawValue],
    pub page_size: Option<i32>,
    pub paging_state: Option<Bytes>,
    pub now_micros: i64,
    /// A BATCH-level timestamp.
    pub batch_timestamp: Option<i64>,
    pub tracer: Option<&'a Tracer>,
}

impl Call<'_> {
    pub fn env(&self) -> Env<'_> {
        Env {
            values: self.values,
            now_micros: self.now_micros,
            layout: self.conn.version.collection_size_width(),
        }
    }

    pub fn trace(&self, activity: impl Into<String>) {
        if let Some(t) = self.tracer {
            t.event(activity);
        }
    }

    pub fn now_secs(&self) -> i64 {
        self.now_micros.div_euclid(1_000_000)
    }
}

/// A stable 16-byte id for a prepared statement (two murmur3 hashes).
fn statement_id(keyspace: Option<&str>, query: &str) -> Bytes {
    let text = format!("{}{}", keyspace.unwrap_or(""), query);
    let (a, b) = cql_protocol::murmur3::hash3_x64_128(text.as_bytes(), 0);
    let mut out = Vec::with_capacity(16);
    out.extend_from_slice(&a.to_be_bytes());
    out.extend_from_slice(&b.to_be_bytes());
    Bytes::from(out)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unprepared(id: &Bytes) -> ErrorResponse {
    ErrorResponse::new(
        ErrorKind::Unprepared { id: id.clone() },
        format!(
            "Prepared query with ID {} not found (either the query was not prepared on this host (maybe the host has been restarted?) or you have prepared too many queries and it has been evicted from the internal cache)",
            hex(id)
        ),
    )
}

fn parse(query: &str) -> ExecResult<Statement> {
    parse_statement(query).map_err(|e| match e.class {
        ErrorClass::Syntax => errors::syntax(e.to_string()),
        ErrorClass::Invalid => errors::invalid(e.message),
    })
}

impl Executor {
    /// The executor of the node listening on `node`.
    pub fn new(node: SocketAddr, ctx: Arc<dyn ClusterContext>) -> Self {
        Executor {
            node,
            ctx,
            prepared: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets every prepared statement (the next EXECUTE gets Unprepared).
    pub fn forget_prepared(&self) {
        self.prepared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn lookup_prepared(&self, id: &Bytes) -> ExecResult<Arc<PreparedStatement>> {
        self.prepared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
            .ok_or_else(|| unprepared(id))
    }

    pub(crate) fn ctx(&self) -> &dyn ClusterContext {
        &*self.ctx
    }

    /// The keyspace of a possibly qualified name.
    pub(crate) fn keyspace_of(&self, call: &Call, name: &QualifiedName) -> ExecResult<String> {
        name.keyspace
            .clone()
            .or_else(|| call.keyspace.clone())
            .ok_or_else(|| invalid(errors::NO_KEYSPACE))
    }

    /// Resolves a table.
    pub(crate) fn table(
        &self,
        call: &Call,
        name: &QualifiedName,
    ) -> ExecResult<(String, Arc<Table>, Arc<TableDef>)> {
        let ks = self.keyspace_of(call, name)?;
        let table = self
            .ctx
            .table(self.node, &ks, &name.name)
            .map_err(errors::storage)?;
        let def = table.def();
        Ok((ks, table, def))
    }

    pub(crate) fn check_available(
        &self,
        ks: &str,
        token: i64,
        consistency: Consistency,
    ) -> ExecResult<()> {
        self.ctx.check_available(self.node, ks, token, consistency)
    }

    fn params_call<'a>(
        &self,
        conn: &'a ConnectionInfo,
        keyspace: Option<String>,
        params: &'a QueryParameters,
        tracer: Option<&'a Tracer>,
    ) -> Call<'a> {
        Call {
            conn,
            keyspace,
            consistency: params.consistency,
            serial: params.serial_consistency,
            values: &params.values,
            page_size: params.page_size.filter(|p| *p > 0),
            paging_state: params.paging_state.clone(),
            now_micros: self.ctx.now_micros(),
            batch_timestamp: None,
            tracer,
        }
    }

    fn check_count(stmt: &Statement, values: &[RawValue]) -> ExecResult<()> {
        let n = stmt.bind_marker_count();
        if n != values.len() {
            return Err(invalid(format!(
                "There were {n} markers(?) in CQL but {} bound variables",
                values.len()
            )));
        }
        Ok(())
    }

    /// Executes one parsed statement.
    pub(crate) fn execute(&self, call: &Call, stmt: &Statement) -> ExecResult<ResultBody> {
        match stmt {
            Statement::Use(ks) => {
                if self.ctx.catalog().keyspace(ks).is_none() {
                    return Err(invalid(format!("Keyspace '{ks}' does not exist")));
                }
                Ok(ResultBody::SetKeyspace(ks.clone()))
            }
            Statement::Select(s) => self.select(call, s),
            Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) => {
                self.modification(call, stmt)
            }
            Statement::Batch(b) => self.text_batch(call, b),
            Statement::CreateUser { .. }
            | Statement::AlterUser { .. }
            | Statement::DropUser { .. }
            | Statement::ListUsers => self.user_statement(call, stmt),
            Statement::Grant(_) => Err(invalid(
                "GRANT operation is not supported by AllowAllAuthorizer",
            )),
            Statement::Revoke(_) => Err(invalid(
                "REVOKE operation is not supported by AllowAllAuthorizer",
            )),
            Statement::ListPermissions(_) => Err(invalid(
                "LIST PERMISSIONS operation is not supported by AllowAllAuthorizer",
            )),
            _ => self.ddl(call, stmt),
        }
    }

    fn run_query(
        &self,
        conn: &ConnectionInfo,
        query: &str,
        params: &QueryParameters,
        tracer: Option<&Tracer>,
    ) -> ExecResult<ResultBody> {
        let stmt = parse_traced(query, tracer)?;
        Self::check_count(&stmt, &params.values)?;
        let call = self.params_call(conn, conn.keyspace.clone(), params, tracer);
        self.execute(&call, &stmt)
    }

    fn run_prepare(
        &self,
        conn: &ConnectionInfo,
        query: &str,
        tracer: Option<&Tracer>,
    ) -> ExecResult<ResultBody> {
        let stmt = parse_traced(query, tracer)?;
        let params = QueryParameters::new(Consistency::One);
        let call = self.params_call(conn, conn.keyspace.clone(), &params, tracer);
        let (metadata, result_metadata) = self.prepared_metadata(&call, &stmt)?;
        let id = statement_id(conn.keyspace.as_deref(), query);
        self.prepared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                id.clone(),
                Arc::new(PreparedStatement {
                    keyspace: conn.keyspace.clone(),
                    statement: stmt,
                }),
            );
        let result_metadata = match conn.version {
            cql_protocol::ProtocolVersion::V1 => None,
            _ => result_metadata,
        };
        Ok(ResultBody::Prepared(
            cql_protocol::message::response::Prepared {
                id,
                metadata,
                result_metadata,
            },
        ))
    }

    fn run_execute(
        &self,
        conn: &ConnectionInfo,
        id: &Bytes,
        params: &QueryParameters,
        tracer: Option<&Tracer>,
    ) -> ExecResult<ResultBody> {
        let prepared = self.lookup_prepared(id)?;
        Self::check_count(&prepared.statement, &params.values)?;
        let ks = prepared.keyspace.clone().or_else(|| conn.keyspace.clone());
        let call = self.params_call(conn, ks, params, tracer);
        self.execute(&call, &prepared.statement)
    }

    fn run_batch(
        &self,
        conn: &ConnectionInfo,
        batch: &Batch,
        tracer: Option<&Tracer>,
    ) -> ExecResult<ResultBody> {
        let mut items = Vec::new();
        for entry in &batch.statements {
            let (ks, stmt) = match &entry.query {
                BatchQuery::Query(q) => (conn.keyspace.clone(), Arc::new(parse(q)?)),
                BatchQuery::Prepared(id) => {
                    let p = self.lookup_prepared(id)?;
                    (
                        p.keyspace.clone().or_else(|| conn.keyspace.clone()),
                        Arc::new(p.statement.clone()),
                    )
                }
            };
            if !matches!(
                *stmt,
                Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_)
            ) {
                return Err(invalid("Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed."));
            }
            Self::check_count(&stmt, &entry.values)?;
            items.push((ks, stmt, &entry.values));
        }
        let now = self.ctx.now_micros();
        let calls: Vec<(Call, &Statement)> = items
            .iter()
            .map(|(ks, stmt, values)| {
                (
                    Call {
                        conn,
                        keyspace: ks.clone(),
                        consistency: batch.consistency,
                        serial: batch.serial_consistency,
                        values,
                        page_size: None,
                        paging_state: None,
                        now_micros: now,
                        batch_timestamp: Some(batch.timestamp.unwrap_or(now)),
                        tracer,
                    },
                    &**stmt,
                )
            })
            .collect();
        let kind = match batch.batch_type {
            cql_protocol::message::request::BatchType::Logged => crate::cql::BatchKind::Logged,
            cql_protocol::message::request::BatchType::Unlogged => crate::cql::BatchKind::Unlogged,
            cql_protocol::message::request::BatchType::Counter => crate::cql::BatchKind::Counter,
            _ => crate::cql::BatchKind::Logged,
        };
        self.run_batch_calls(kind, &calls)
    }

    fn handle_sync(
        &self,
        conn: &ConnectionInfo,
        request: Request,
        tracing: bool,
    ) -> HandlerResponse {
        let tracer = tracing.then(|| Tracer {
            start: Instant::now(),
            source: self.node,
            events: Mutex::new(Vec::new()),
        });
        let started = self.ctx.now_micros();
        let (request_name, mut parameters, result) = match &request {
            Request::Query(q) => (
                "Execute CQL3 query",
                vec![
                    ("query".to_owned(), q.query.clone()),
                    (
                        "consistency_level".to_owned(),
                        q.params.consistency.name().to_owned(),
                    ),
                ],
                self.run_query(conn, &q.query, &q.params, tracer.as_ref()),
            ),
            Request::Prepare(p) => (
                "Preparing CQL3 query",
                vec![("query".to_owned(), p.query.clone())],
                self.run_prepare(conn, &p.query, tracer.as_ref()),
            ),
            Request::Execute(e) => (
                "Execute CQL3 prepared query",
                vec![(
                    "consistency_level".to_owned(),
                    e.params.consistency.name().to_owned(),
                )],
                self.run_execute(conn, &e.id, &e.params, tracer.as_ref()),
            ),
            Request::Batch(b) => (
                "Execute batch of CQL3 queries",
                vec![(
                    "consistency_level".to_owned(),
                    b.consistency.name().to_owned(),
                )],
                self.run_batch(conn, b, tracer.as_ref()),
            ),
            _ => (
                "",
                vec![],
                Err(ErrorResponse::new(
                    ErrorKind::ProtocolError,
                    "Unexpected message for the executor",
                )),
            ),
        };
        let response = match result {
            Ok(body) => Response::Result(body),
            Err(e) => Response::Error(e),
        };
        let mut out = HandlerResponse::new(response);
        if let Some(tracer) = tracer {
            tracer.event("Request complete");
            // Cassandra 2.0's Tracing.newSession takes UUIDGen.getTimeUUID():
            // a version 1 uuid of the time the request started.
            let session_id = Uuid::from_bytes(values::new_timeuuid(started));
            let events = tracer
                .events
                .into_inner()
                .unwrap_or_else(|e| e.into_inner());
            let duration = events.last().map_or(1, |e| e.source_elapsed_micros);
            parameters.retain(|(_, v)| !v.is_empty());
            self.ctx.record_trace(&TraceSession {
                session_id,
                coordinator: self.node,
                request: request_name.to_owned(),
                parameters,
                started_at_micros: started,
                duration_micros: duration,
                events,
            });
            out = out.with_tracing_id(session_id);
        }
        out
    }
}

impl RequestHandler for Executor {
    fn handle<'a>(
        &'a self,
        conn: &'a ConnectionInfo,
        request: Request,
        tracing: bool,
    ) -> HandlerFuture<'a> {
        Box::pin(async move { self.handle_sync(conn, request, tracing) })
    }
}

/// Parses `query`, recording the parsing and preparing steps when the
/// request is traced.
fn parse_traced(query: &str, tracer: Option<&Tracer>) -> ExecResult<Statement> {
    if let Some(t) = tracer {
        t.event(format!("Parsing {query}"));
    }
    let stmt = parse(query)?;
    if let Some(t) = tracer {
        t.event("Preparing statement");
    }
    Ok(stmt)
}
