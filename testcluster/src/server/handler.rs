//! The interface between the server core and the CQL executor.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use cql_protocol::message::request::Request;
use cql_protocol::message::response::{ErrorKind, ErrorResponse, Response, ResultBody};
use cql_protocol::ProtocolVersion;
use uuid::Uuid;

/// What the server knows about the connection a request came on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// A process-wide unique id of the connection.
    pub id: u64,
    /// The client's address.
    pub peer: SocketAddr,
    /// The node's address (the local end of the connection).
    pub local: SocketAddr,
    /// The protocol version fixed by the connection's first frame.
    pub version: ProtocolVersion,
    /// The authenticated user, when authentication is on and has succeeded.
    pub user: Option<String>,
    /// The current keyspace, set by a `USE` whose result was
    /// `RESULT Set_keyspace`.
    pub keyspace: Option<String>,
}

/// The future a [`RequestHandler`] returns.
pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = HandlerResponse> + Send + 'a>>;

/// Executes the requests the server does not handle itself.
///
/// The server answers STARTUP, OPTIONS, REGISTER, CREDENTIALS and
/// AUTH_RESPONSE; every QUERY, PREPARE, EXECUTE and BATCH of an authenticated
/// connection goes to [`RequestHandler::handle`], each in its own task, so a
/// slow request does not hold up the others of its connection. Responses are
/// written as they complete, on their request's stream.
///
/// The trait is object-safe: a node holds an `Arc<dyn RequestHandler>`.
///
/// ```
/// use cql_protocol::message::request::Request;
/// use cql_protocol::message::response::{Response, ResultBody};
/// use cql_testcluster::server::{ConnectionInfo, HandlerFuture, HandlerResponse, RequestHandler};
///
/// struct VoidHandler;
///
/// impl RequestHandler for VoidHandler {
///     fn handle<'a>(&'a self, _: &'a ConnectionInfo, _: Request, _: bool) -> HandlerFuture<'a> {
///         Box::pin(async { HandlerResponse::new(Response::Result(ResultBody::Void)) })
///     }
/// }
/// ```
pub trait RequestHandler: Send + Sync + 'static {
    /// Executes a QUERY, PREPARE, EXECUTE or BATCH. `tracing` is the frame's
    /// tracing flag. A panic is answered with a Server_error on the
    /// request's stream; the connection keeps working.
    fn handle<'a>(
        &'a self,
        conn: &'a ConnectionInfo,
        request: Request,
        tracing: bool,
    ) -> HandlerFuture<'a>;
}

/// A handler's answer to one request.
#[derive(Clone, Debug, PartialEq)]
pub struct HandlerResponse {
    /// The message to send on the request's stream.
    pub response: Response,
    /// The tracing session id, sent in the frame when present.
    pub tracing_id: Option<Uuid>,
    /// The keyspace the connection switches to. When `None` and
    /// `response` is `RESULT Set_keyspace`, the keyspace of that result is
    /// used.
    pub set_keyspace: Option<String>,
}

impl HandlerResponse {
    /// A response without tracing id or keyspace change (beyond the one a
    /// `RESULT Set_keyspace` implies).
    pub fn new(response: Response) -> Self {
        HandlerResponse {
            response,
            tracing_id: None,
            set_keyspace: None,
        }
    }

    /// An ERROR response.
    pub fn error(kind: ErrorKind, message: impl Into<String>) -> Self {
        HandlerResponse::new(Response::Error(ErrorResponse::new(kind, message)))
    }

    /// This response with a tracing session id.
    #[must_use]
    pub fn with_tracing_id(mut self, tracing_id: Uuid) -> Self {
        self.tracing_id = Some(tracing_id);
        self
    }

    /// The keyspace the connection should switch to after this response.
    pub fn keyspace_change(&self) -> Option<&str> {
        match (&self.set_keyspace, &self.response) {
            (Some(ks), _) => Some(ks),
            (None, Response::Result(ResultBody::SetKeyspace(ks))) => Some(ks),
            _ => None,
        }
    }
}

impl From<Response> for HandlerResponse {
    fn from(response: Response) -> Self {
        HandlerResponse::new(response)
    }
}
