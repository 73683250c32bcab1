//! Reading a request's trace back from `system_traces`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use uuid::Uuid;

use super::Session;
use crate::error::QueryError;
use crate::rows::Row;

/// A traced request: the `system_traces.sessions` row and its events.
#[derive(Debug, Clone, PartialEq)]
pub struct TracingInfo {
    /// The trace (session) id.
    pub id: Uuid,
    /// The coordinator.
    pub coordinator: Option<IpAddr>,
    /// What was traced, e.g. "Execute CQL3 query".
    pub request: Option<String>,
    /// The request's parameters (the query text, the consistency...).
    pub parameters: HashMap<String, String>,
    /// How long the request took, in microseconds.
    pub duration_micros: Option<i32>,
    /// When the request started, in milliseconds since the epoch.
    pub started_at_millis: Option<i64>,
    /// What happened, in order.
    pub events: Vec<TracingEvent>,
}

/// One `system_traces.events` row.
#[derive(Debug, Clone, PartialEq)]
pub struct TracingEvent {
    /// The event id (a time UUID).
    pub id: Uuid,
    /// What happened.
    pub activity: Option<String>,
    /// The node it happened on.
    pub source: Option<IpAddr>,
    /// Microseconds since the request started on that node.
    pub source_elapsed_micros: Option<i32>,
    /// The thread.
    pub thread: Option<String>,
}

/// How many times to look for a complete trace, and how long to wait in
/// between: traces are written asynchronously.
const ATTEMPTS: u32 = 10;
const PAUSE: Duration = Duration::from_millis(50);

pub(super) async fn fetch(session: &Session, id: Uuid) -> Result<TracingInfo, QueryError> {
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(PAUSE * attempt).await;
        }
        let sessions = session
            .query(
                "SELECT * FROM system_traces.sessions WHERE session_id = ?",
                (id,),
            )
            .await?;
        let Ok(row) = sessions.first_row() else {
            continue;
        };
        let duration: Option<i32> = get(&row, "duration");
        if duration.is_none() {
            // Not finished yet.
            continue;
        }
        let events = session
            .query(
                "SELECT * FROM system_traces.events WHERE session_id = ?",
                (id,),
            )
            .await?;
        let events = events
            .rows()
            .map(|rows| rows.iter().map(|row| event(&row)).collect())
            .unwrap_or_default();
        return Ok(TracingInfo {
            id,
            coordinator: get(&row, "coordinator"),
            request: get(&row, "request"),
            parameters: get(&row, "parameters").unwrap_or_default(),
            duration_micros: duration,
            started_at_millis: get::<cql_protocol::value::CqlTimestamp>(&row, "started_at")
                .map(|t| t.0),
            events,
        });
    }
    Err(QueryError::Invalid(format!(
        "the trace {id} was not complete after {ATTEMPTS} attempts"
    )))
}

fn event(row: &Row) -> TracingEvent {
    TracingEvent {
        id: get(row, "event_id").unwrap_or_default(),
        activity: get(row, "activity"),
        source: get(row, "source"),
        source_elapsed_micros: get(row, "source_elapsed"),
        thread: get(row, "thread"),
    }
}

/// A column's value, or `None` when the column is missing, null or not of
/// the expected type.
fn get<T: for<'a> cql_protocol::value::DeserializeValue<'a>>(row: &Row, name: &str) -> Option<T> {
    row.get::<Option<T>>(name).ok().flatten()
}
