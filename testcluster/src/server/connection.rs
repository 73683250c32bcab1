//! One client connection: version negotiation, the STARTUP/auth state
//! machine, concurrent dispatch to the [`RequestHandler`] and event
//! forwarding.
//!
//! The connection task reads and decodes frames, answers the messages the
//! server handles itself, spawns one task per QUERY/PREPARE/EXECUTE/BATCH
//! and encodes every response; a separate writer task owns the write half
//! and coalesces queued frames into few writes.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use cql_protocol::frame::{reserve_read_ahead, EVENT_STREAM_ID};
use cql_protocol::message::request::Register;
use cql_protocol::message::request::{AuthResponse, Credentials, EventType, Request, Startup};
use cql_protocol::message::response::AuthChallenge;
use cql_protocol::message::response::{
    AuthSuccess, Authenticate, ErrorKind, ErrorResponse, Event, Response, ResultBody, Supported,
};
use cql_protocol::{Direction, FrameDecoder, MessageCodec, Opcode, ProtocolVersion, ResponseFrame};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::{self, JoinError, JoinHandle, JoinSet};
use tracing::{debug, info, warn, Instrument};

use super::activity::{ActivityEntry, ActivityLog};
use super::auth::{Authenticator, SaslNegotiator, SaslStep};
use super::config::ServerConfig;
use super::events::{event_type_of, EventBus};
use super::faults::{Faults, Fired, Outcome, Reaction, RuleId};
use super::handler::{ConnectionInfo, HandlerResponse, RequestHandler};

/// Largest batch of queued frames the writer gathers into one write.
const WRITE_BATCH: usize = 64 * 1024;
/// How long a closing connection waits for the client to close its side,
/// so that the kernel does not reset the connection (losing the last
/// frames) because of unread input.
const LINGER: Duration = Duration::from_secs(1);

static NEXT_CONNECTION_ID: AtomicU64 = AtomicU64::new(1);

/// A process-wide unique connection id.
pub(crate) fn next_connection_id() -> u64 {
    NEXT_CONNECTION_ID.fetch_add(1, Ordering::Relaxed)
}

/// What every connection of a node shares.
pub(crate) struct Shared {
    pub(crate) config: ServerConfig,
    pub(crate) handler: Arc<dyn RequestHandler>,
    pub(crate) authenticator: Option<Arc<dyn Authenticator>>,
    pub(crate) events: EventBus,
    pub(crate) activity: ActivityLog,
    pub(crate) faults: Faults,
    /// Bumped to close every open connection of the node.
    pub(crate) kick: watch::Sender<u64>,
    pub(crate) open_connections: AtomicUsize,
}

/// Counts a connection as open while alive.
struct OpenGuard<'a>(&'a AtomicUsize);

impl<'a> OpenGuard<'a> {
    fn new(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        OpenGuard(counter)
    }
}

impl Drop for OpenGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Aborts a task when dropped, so an aborted connection takes its writer
/// with it.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

enum WriterCmd {
    Frame(Bytes),
    /// Write everything queued before, then shut the write half down.
    Close,
}

/// How the connection goes on after an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    /// Stop now (client gone, node stopping, writer failed).
    Close,
    /// Flush what was queued, then close (after a fatal protocol error).
    CloseAfterFlush,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Before STARTUP.
    Uninitialized,
    /// After AUTHENTICATE, before the credentials are accepted.
    Authenticating,
    /// Requests may be executed.
    Ready,
}

/// Serves one connection until it closes.
pub(crate) async fn serve<R, W>(
    reader: R,
    writer: W,
    peer: SocketAddr,
    local: SocketAddr,
    shared: Arc<Shared>,
    kick: watch::Receiver<u64>,
) where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let id = next_connection_id();
    let span = tracing::info_span!("cql_connection", id, %peer, node = %local);
    async move {
        let _open = OpenGuard::new(&shared.open_connections);
        debug!("connection opened");
        let (tx, rx) = mpsc::channel(shared.config.write_queue.max(1));
        let writer_task = AbortOnDrop(tokio::spawn(
            write_loop(writer, rx, shared.config.write_timeout).in_current_span(),
        ));
        let mut conn = Connection {
            info: ConnectionInfo {
                id,
                peer,
                local,
                version: ProtocolVersion::LATEST,
                user: None,
                keyspace: None,
            },
            version: None,
            codec: MessageCodec::new(ProtocolVersion::LATEST)
                .with_max_frame_size(shared.config.max_frame_size),
            decoder: FrameDecoder::new()
                .with_direction(Direction::Request)
                .with_max_frame_size(shared.config.max_frame_size),
            phase: Phase::Uninitialized,
            sasl: None,
            registered: HashSet::new(),
            events: None,
            tasks: JoinSet::new(),
            task_streams: HashMap::new(),
            out: tx,
            shared: shared.clone(),
        };
        let mut reader = reader;
        let flow = conn.run(&mut reader, kick).await;
        // Abort the requests still running and stop queueing frames.
        drop(conn);
        finish(flow, reader, writer_task, &shared.config).await;
        debug!(?flow, "connection closed");
    }
    .instrument(span)
    .await;
}

/// Closes the connection: abruptly, or after flushing the queued frames and
/// letting the client close first.
async fn finish<R: AsyncRead + Unpin>(
    flow: Flow,
    mut reader: R,
    mut writer_task: AbortOnDrop,
    config: &ServerConfig,
) {
    if flow != Flow::CloseAfterFlush {
        writer_task.0.abort();
        let _ = (&mut writer_task.0).await;
        return;
    }
    // The sender is gone, so the writer ends after the queued frames (the
    // last one is a Close command).
    if tokio::time::timeout(config.write_timeout, &mut writer_task.0)
        .await
        .is_err()
    {
        return;
    }
    let mut scratch = [0u8; 4096];
    let _ = tokio::time::timeout(LINGER, async {
        while let Ok(n) = reader.read(&mut scratch).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

async fn write_loop<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut rx: mpsc::Receiver<WriterCmd>,
    write_timeout: Duration,
) {
    let mut batch = BytesMut::new();
    while let Some(cmd) = rx.recv().await {
        let mut close = false;
        match cmd {
            WriterCmd::Frame(frame) => batch.extend_from_slice(&frame),
            WriterCmd::Close => close = true,
        }
        while !close && batch.len() < WRITE_BATCH {
            match rx.try_recv() {
                Ok(WriterCmd::Frame(frame)) => batch.extend_from_slice(&frame),
                Ok(WriterCmd::Close) => close = true,
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            // The flush matters for TLS: a TLS stream may keep the end of
            // a write in its buffer when the socket is full; for plain TCP
            // it does nothing.
            let write = async {
                writer.write_all(&batch).await?;
                writer.flush().await
            };
            match tokio::time::timeout(write_timeout, write).await {
                Ok(Ok(())) => batch.clear(),
                Ok(Err(e)) => {
                    debug!(error = %e, "write failed");
                    return;
                }
                Err(_) => {
                    warn!("write timed out; closing the connection");
                    return;
                }
            }
        }
        if close {
            break;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), writer.shutdown()).await;
}

struct Connection {
    shared: Arc<Shared>,
    info: ConnectionInfo,
    /// Fixed by the first frame.
    version: Option<ProtocolVersion>,
    codec: MessageCodec,
    decoder: FrameDecoder,
    phase: Phase,
    sasl: Option<Box<dyn SaslNegotiator>>,
    registered: HashSet<EventType>,
    events: Option<broadcast::Receiver<Event>>,
    tasks: JoinSet<TaskOutput>,
    /// The stream of each request task, and the query text of a PREPARE
    /// (to map the prepared id to its text for the fault rules).
    task_streams: HashMap<task::Id, (i16, Option<String>)>,
    out: mpsc::Sender<WriterCmd>,
}

/// What a request task ends with.
// Moved once per request, like the bare HandlerResponse it replaces:
// boxing it would add an allocation to every request.
#[allow(clippy::large_enum_variant)]
enum TaskOutput {
    /// Send this on the request's stream.
    Respond(HandlerResponse),
    /// Close the connection (an injected fault).
    Close,
}

enum Action {
    Kicked,
    Done(Result<(task::Id, TaskOutput), JoinError>),
    Event(Result<Event, broadcast::error::RecvError>),
    Read(std::io::Result<usize>),
}

async fn next_event(
    events: &mut Option<broadcast::Receiver<Event>>,
) -> Result<Event, broadcast::error::RecvError> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl Connection {
    async fn run<R: AsyncRead + Unpin>(
        &mut self,
        reader: &mut R,
        mut kick: watch::Receiver<u64>,
    ) -> Flow {
        let mut buf = BytesMut::with_capacity(16 * 1024);
        let max_in_flight = self.shared.config.max_in_flight.max(1);
        loop {
            let can_read = self.tasks.len() < max_in_flight;
            let action = tokio::select! {
                biased;
                _ = kick.changed() => Action::Kicked,
                Some(done) = self.tasks.join_next_with_id(), if !self.tasks.is_empty() => Action::Done(done),
                event = next_event(&mut self.events) => Action::Event(event),
                read = reader.read_buf(&mut buf), if can_read => Action::Read(read),
            };
            let flow = match action {
                Action::Kicked => {
                    debug!("connection dropped by the node");
                    Flow::Close
                }
                Action::Done(done) => match self.request_done(done).await {
                    // A slot is free again: frames may be waiting in the buffer.
                    Flow::Continue => self.process(&mut buf).await,
                    other => other,
                },
                Action::Event(event) => self.forward_event(event).await,
                Action::Read(Ok(0)) => {
                    debug!("client closed the connection");
                    Flow::Close
                }
                Action::Read(Ok(_)) => self.process(&mut buf).await,
                Action::Read(Err(e)) => {
                    debug!(error = %e, "read failed");
                    Flow::Close
                }
            };
            if flow != Flow::Continue {
                return flow;
            }
        }
    }

    /// Decodes and handles the whole frames at the front of `buf`, as long
    /// as the in-flight limit allows.
    async fn process(&mut self, buf: &mut BytesMut) -> Flow {
        let max_in_flight = self.shared.config.max_in_flight.max(1);
        loop {
            if self.tasks.len() >= max_in_flight || buf.is_empty() {
                return Flow::Continue;
            }
            let raw_version = buf[0] & 0x7f;
            match (self.version, ProtocolVersion::from_u8(raw_version).ok()) {
                (None, None) => {
                    // Cassandra 2.0 answers in a v2 frame on stream 0; echo
                    // the probe's stream (its low byte for a v3+ header).
                    let stream_at = if raw_version >= 3 { 3 } else { 2 };
                    let Some(&stream) = buf.get(stream_at) else {
                        return Flow::Continue;
                    };
                    info!(
                        version = raw_version,
                        "rejecting unsupported protocol version"
                    );
                    let codec = MessageCodec::new(ProtocolVersion::V2);
                    let frame = ResponseFrame::new(
                        i16::from(stream as i8),
                        Response::Error(ErrorResponse::unsupported_version(raw_version)),
                    );
                    return self.send_with(&codec, frame).await.and_close();
                }
                (Some(_), None) => {
                    info!(
                        version = raw_version,
                        "frame with an unsupported protocol version"
                    );
                    let error = ErrorResponse::unsupported_version(raw_version);
                    return self.send(0, Response::Error(error)).await.and_close();
                }
                (Some(established), Some(found)) if found != established => {
                    let Some(skip) = self.skip_whole_frame(buf) else {
                        return Flow::Continue;
                    };
                    let stream = i16::from(buf[2] as i8);
                    let message = format!(
                        "Invalid message version. Got {} but previous messages on this connection had version {}",
                        found.as_u8(),
                        established.as_u8()
                    );
                    match skip {
                        Ok(len) => {
                            buf.advance(len);
                            let flow = self.send(stream, protocol_error(message)).await;
                            if flow != Flow::Continue {
                                return flow;
                            }
                            continue;
                        }
                        Err(too_large) => {
                            return self
                                .send(stream, protocol_error(too_large))
                                .await
                                .and_close();
                        }
                    }
                }
                _ => {}
            }
            let frame = match self.decoder.decode(buf) {
                Ok(None) => return Flow::Continue,
                Ok(Some(frame)) => frame,
                Err(e) => {
                    // The stream is out of sync: answer on the header's
                    // stream if it was readable, and close.
                    let stream = buf.get(2).map_or(0, |&s| i16::from(s as i8));
                    warn!(error = %e, stream, "framing error; closing the connection");
                    if self.version.is_none() {
                        self.set_version(
                            ProtocolVersion::from_u8(raw_version).unwrap_or(ProtocolVersion::V2),
                        );
                    }
                    return self
                        .send(stream, protocol_error(e.to_string()))
                        .await
                        .and_close();
                }
            };
            if self.version.is_none() {
                self.set_version(frame.header.version);
            }
            let stream = frame.header.stream;
            let flow = match self.codec.decode_request(frame) {
                Ok(request) => {
                    self.dispatch(stream, request.tracing, request.request)
                        .await
                }
                Err(e) => {
                    debug!(error = %e, stream, "malformed request");
                    self.send(stream, protocol_error(e.to_string())).await
                }
            };
            if flow != Flow::Continue {
                return flow;
            }
        }
    }

    /// For a frame with a valid header: `Some(Ok(total length))` once it is
    /// whole, `None` while more bytes are needed, `Some(Err(message))` when
    /// it is too large to skip.
    fn skip_whole_frame(&self, buf: &mut BytesMut) -> Option<Result<usize, String>> {
        let header_len = 8;
        if buf.len() < header_len {
            return None;
        }
        let length = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
        let max = self.shared.config.max_frame_size;
        if length > max {
            return Some(Err(format!(
                "Request is too big: length {length} exceeds maximum allowed length {max}"
            )));
        }
        if buf.len() < header_len + length {
            reserve_read_ahead(buf, header_len + length - buf.len());
            return None;
        }
        Some(Ok(header_len + length))
    }

    fn set_version(&mut self, version: ProtocolVersion) {
        debug!(%version, "protocol version negotiated");
        self.version = Some(version);
        self.info.version = version;
        self.codec =
            MessageCodec::new(version).with_max_frame_size(self.shared.config.max_frame_size);
    }

    fn record(&self, stream: i16, request: &Request, fault: Option<RuleId>) {
        self.shared.activity.record(ActivityEntry::new(
            self.info.local,
            self.info.id,
            self.info.peer,
            stream,
            request,
            fault,
        ));
    }

    async fn dispatch(&mut self, stream: i16, tracing: bool, request: Request) -> Flow {
        let opcode = request.opcode();
        debug!(stream, %opcode, "request");
        let handled = matches!(
            opcode,
            Opcode::Query | Opcode::Prepare | Opcode::Execute | Opcode::Batch
        );
        // QUERY/PREPARE/EXECUTE/BATCH only reach the fault rules when they
        // would reach the handler; the other messages whenever they come.
        let fired = if !handled || self.phase == Phase::Ready {
            self.shared.faults.check(self.info.local, &request)
        } else {
            None
        };
        self.record(stream, &request, fired.as_ref().map(|f| f.rule));
        if let Some(Fired { rule, reaction }) = fired {
            debug!(stream, %opcode, %rule, ?reaction, "fault injected");
            if handled {
                return self.spawn_faulted(stream, tracing, request, reaction);
            }
            // Messages the connection answers itself: in line.
            if let Some(delay) = reaction.delay {
                tokio::time::sleep(delay).await;
            }
            match reaction.outcome {
                Outcome::Normal => {}
                Outcome::Error(error) => return self.send(stream, Response::Error(error)).await,
                Outcome::NoResponse => return Flow::Continue,
                Outcome::Close => return Flow::Close,
            }
        }
        match (self.phase, request) {
            // Cassandra 2.0's ServerConnection.validateNewMessage: while
            // authenticating only CREDENTIALS / AUTH_RESPONSE are accepted,
            // OPTIONS included.
            (Phase::Uninitialized | Phase::Ready, Request::Options) => {
                let supported = self.supported();
                self.send(stream, Response::Supported(supported)).await
            }
            (Phase::Uninitialized, Request::Startup(startup)) => {
                self.startup(stream, startup).await
            }
            (Phase::Uninitialized, _) => {
                let message = format!("Unexpected message {opcode}, expecting STARTUP or OPTIONS");
                self.send(stream, protocol_error(message)).await
            }
            (Phase::Authenticating, Request::Credentials(credentials)) => {
                self.credentials(stream, &credentials).await
            }
            (Phase::Authenticating, Request::AuthResponse(response)) => {
                self.auth_response(stream, response).await
            }
            (Phase::Authenticating, _) => {
                let expecting = if self.info.version == ProtocolVersion::V1 {
                    "CREDENTIALS"
                } else {
                    "SASL_RESPONSE"
                };
                let message = format!("Unexpected message {opcode}, expecting {expecting}");
                self.send(stream, protocol_error(message)).await
            }
            (Phase::Ready, Request::Startup(_)) => {
                let message = "Unexpected message STARTUP, the connection is already initialized";
                self.send(stream, protocol_error(message)).await
            }
            (Phase::Ready, Request::Register(register)) => self.register(stream, register).await,
            (Phase::Ready, Request::Credentials(credentials)) => {
                if self.shared.authenticator.is_some() {
                    self.credentials(stream, &credentials).await
                } else {
                    self.send(stream, Response::Ready).await
                }
            }
            (Phase::Ready, Request::AuthResponse(response)) => {
                if self.shared.authenticator.is_some() {
                    self.auth_response(stream, response).await
                } else {
                    let message = "Unexpected message AUTH_RESPONSE, authentication is not enabled";
                    self.send(stream, protocol_error(message)).await
                }
            }
            (Phase::Ready, request) => {
                self.spawn_request(stream, tracing, request);
                Flow::Continue
            }
        }
    }

    fn supported(&self) -> Supported {
        let config = &self.shared.config;
        Supported {
            options: vec![
                ("CQL_VERSION".to_owned(), vec![config.cql_version.clone()]),
                (
                    "COMPRESSION".to_owned(),
                    config
                        .compression
                        .iter()
                        .map(|c| c.name().to_owned())
                        .collect(),
                ),
            ],
        }
    }

    async fn startup(&mut self, stream: i16, startup: Startup) -> Flow {
        let Some(cql_version) = startup.cql_version() else {
            let message = "Missing value CQL_VERSION in STARTUP message";
            return self.send(stream, protocol_error(message)).await;
        };
        let major = cql_version
            .split('.')
            .next()
            .and_then(|m| m.trim().parse::<u32>().ok());
        if major.is_none_or(|m| m < 3) {
            let message = format!(
                "CQL version {cql_version} is not supported by the binary protocol (supported version are >= 3.0.0)"
            );
            return self.send(stream, protocol_error(message)).await;
        }
        let mut compression = None;
        if let Some(name) = startup.get(Startup::COMPRESSION) {
            let lower = name.to_ascii_lowercase();
            match self
                .shared
                .config
                .compression
                .iter()
                .find(|c| c.name() == lower)
            {
                Some(&c) => compression = Some(c),
                None => {
                    let message = format!("Unknown compression algorithm: {name}");
                    return self.send(stream, protocol_error(message)).await;
                }
            }
        }
        // Cassandra installs the compressor before encoding the answer, so
        // READY (or AUTHENTICATE) is already compressed.
        self.codec.set_compression(compression);
        debug!(?compression, "STARTUP accepted");
        match self.shared.authenticator.clone() {
            Some(authenticator) => {
                self.phase = Phase::Authenticating;
                let response = Authenticate::new(authenticator.class_name());
                self.send(stream, Response::Authenticate(response)).await
            }
            None => {
                self.phase = Phase::Ready;
                self.send(stream, Response::Ready).await
            }
        }
    }

    async fn credentials(&mut self, stream: i16, credentials: &Credentials) -> Flow {
        let Some(authenticator) = self.shared.authenticator.clone() else {
            return self.send(stream, Response::Ready).await;
        };
        match authenticator.authenticate(credentials) {
            Ok(user) => {
                info!(%user, "authenticated");
                self.info.user = Some(user);
                self.phase = Phase::Ready;
                self.send(stream, Response::Ready).await
            }
            Err(e) => {
                info!(reason = %e, "authentication failed");
                self.send(stream, error(ErrorKind::BadCredentials, e.0))
                    .await
            }
        }
    }

    async fn auth_response(&mut self, stream: i16, response: AuthResponse) -> Flow {
        let Some(authenticator) = self.shared.authenticator.clone() else {
            return self
                .send(stream, protocol_error("authentication is not enabled"))
                .await;
        };
        let negotiator = self
            .sasl
            .get_or_insert_with(|| authenticator.new_sasl_negotiator());
        match negotiator.evaluate(response.token.as_deref()) {
            Ok(SaslStep::Challenge(token)) => {
                self.send(stream, Response::AuthChallenge(AuthChallenge { token }))
                    .await
            }
            Ok(SaslStep::Success { user, token }) => {
                info!(%user, "authenticated");
                self.sasl = None;
                self.info.user = Some(user);
                self.phase = Phase::Ready;
                self.send(stream, Response::AuthSuccess(AuthSuccess { token }))
                    .await
            }
            Err(e) => {
                info!(reason = %e, "authentication failed");
                self.sasl = None;
                self.send(stream, error(ErrorKind::BadCredentials, e.0))
                    .await
            }
        }
    }

    async fn register(&mut self, stream: i16, register: Register) -> Flow {
        debug!(events = ?register.events, "REGISTER");
        self.registered.extend(register.events);
        if self.events.is_none() && !self.registered.is_empty() {
            self.events = Some(self.shared.events.subscribe());
        }
        self.send(stream, Response::Ready).await
    }

    fn spawn_request(&mut self, stream: i16, tracing: bool, request: Request) {
        self.spawn_delayed(stream, tracing, request, None);
    }

    /// Runs the request through the handler after `delay`.
    fn spawn_delayed(
        &mut self,
        stream: i16,
        tracing: bool,
        request: Request,
        delay: Option<Duration>,
    ) {
        let handler = self.shared.handler.clone();
        let info = self.info.clone();
        let span = tracing::debug_span!("cql_request", stream, opcode = %request.opcode());
        let prepared_text = match &request {
            Request::Prepare(p) => Some(p.query.clone()),
            _ => None,
        };
        let handle = self.tasks.spawn(
            async move {
                if let Some(delay) = delay {
                    tokio::time::sleep(delay).await;
                }
                TaskOutput::Respond(handler.handle(&info, request, tracing).await)
            }
            .instrument(span),
        );
        self.task_streams
            .insert(handle.id(), (stream, prepared_text));
    }

    /// Applies a fault's reaction to a QUERY/PREPARE/EXECUTE/BATCH.
    fn spawn_faulted(
        &mut self,
        stream: i16,
        tracing: bool,
        request: Request,
        reaction: Reaction,
    ) -> Flow {
        let delay = reaction.delay;
        let output = match reaction.outcome {
            Outcome::Normal => {
                self.spawn_delayed(stream, tracing, request, delay);
                return Flow::Continue;
            }
            Outcome::NoResponse => return Flow::Continue,
            Outcome::Close if delay.is_none() => return Flow::Close,
            Outcome::Close => TaskOutput::Close,
            Outcome::Error(error) => {
                TaskOutput::Respond(HandlerResponse::new(Response::Error(error)))
            }
        };
        let handle = self.tasks.spawn(async move {
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
            output
        });
        self.task_streams.insert(handle.id(), (stream, None));
        Flow::Continue
    }

    async fn request_done(&mut self, done: Result<(task::Id, TaskOutput), JoinError>) -> Flow {
        let (id, output) = match done {
            Ok(done) => done,
            Err(e) => {
                let message = if e.is_panic() {
                    warn!("request handler panicked");
                    "Internal server error: the request handler panicked"
                } else {
                    "Internal server error: the request was cancelled"
                };
                (
                    e.id(),
                    TaskOutput::Respond(HandlerResponse::error(ErrorKind::ServerError, message)),
                )
            }
        };
        let Some((stream, prepared_text)) = self.task_streams.remove(&id) else {
            return Flow::Continue;
        };
        let response = match output {
            TaskOutput::Respond(response) => response,
            TaskOutput::Close => {
                debug!(stream, "fault injected: closing the connection");
                return Flow::Close;
            }
        };
        if let (Some(text), Response::Result(ResultBody::Prepared(prepared))) =
            (prepared_text, &response.response)
        {
            self.shared
                .faults
                .remember_prepared(prepared.id.clone(), &text);
        }
        if let Some(keyspace) = response.keyspace_change() {
            debug!(keyspace, "keyspace changed");
            self.info.keyspace = Some(keyspace.to_owned());
        }
        let frame = ResponseFrame {
            stream,
            tracing_id: response.tracing_id,
            response: response.response,
        };
        let codec = self.codec.clone();
        self.send_with(&codec, frame).await
    }

    async fn forward_event(&mut self, event: Result<Event, broadcast::error::RecvError>) -> Flow {
        match event {
            Ok(event) => {
                if !self.registered.contains(&event_type_of(&event)) {
                    return Flow::Continue;
                }
                debug!(event = ?event, "pushing event");
                self.send(EVENT_STREAM_ID, Response::Event(event)).await
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                warn!(missed, "connection too slow: events were dropped");
                Flow::Continue
            }
            Err(broadcast::error::RecvError::Closed) => {
                self.events = None;
                Flow::Continue
            }
        }
    }

    async fn send(&mut self, stream: i16, response: Response) -> Flow {
        let codec = self.codec.clone();
        self.send_with(&codec, ResponseFrame::new(stream, response))
            .await
    }

    /// Encodes `frame` (a Server_error if it cannot be encoded) and queues it.
    async fn send_with(&mut self, codec: &MessageCodec, frame: ResponseFrame) -> Flow {
        let mut buf = BytesMut::new();
        if let Err(e) = codec.encode_response(&frame, &mut buf) {
            warn!(error = %e, stream = frame.stream, "cannot encode response");
            buf.clear();
            let fallback = ResponseFrame::new(
                frame.stream,
                error(
                    ErrorKind::ServerError,
                    format!("Cannot encode the response: {e}"),
                ),
            );
            if codec.encode_response(&fallback, &mut buf).is_err() {
                return Flow::Close;
            }
        }
        match self.out.send(WriterCmd::Frame(buf.freeze())).await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Close,
        }
    }
}

impl Flow {
    /// After a frame was queued: close once it is flushed.
    fn and_close(self) -> Flow {
        match self {
            Flow::Continue | Flow::CloseAfterFlush => Flow::CloseAfterFlush,
            Flow::Close => Flow::Close,
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Queue a Close for a graceful end; if the queue is full the writer
        // still ends when the sender is dropped.
        let _ = self.out.try_send(WriterCmd::Close);
    }
}

fn error(kind: ErrorKind, message: impl Into<String>) -> Response {
    Response::Error(ErrorResponse::new(kind, message))
}

fn protocol_error(message: impl Into<String>) -> Response {
    error(ErrorKind::ProtocolError, message)
}
