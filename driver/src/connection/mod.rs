//! One connection to one host: many requests multiplexed over one socket by
//! stream id.
//!
//! - One task writes. Callers encode their frame themselves and append it to
//!   a shared buffer; the writer sends whatever has gathered in one write,
//!   so frames from many requests coalesce.
//! - One task reads. It splits the byte stream into frames, decodes them and
//!   hands each response to its waiter by stream id; events (stream -1) go
//!   to the event channel, if the connection has one.
//! - A heartbeat task sends OPTIONS when the connection has been idle for
//!   the heartbeat interval, and fails the connection if it goes unanswered.
//!
//! A failure fails every in-flight request at once with the same error.

mod io;
mod startup;
mod streams;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::sync::{mpsc, oneshot, Notify, Semaphore};
use tokio::task::JoinHandle;

use cql_protocol::message::request::Request;
use cql_protocol::message::response::Event;
use cql_protocol::{Compression, MessageCodec, ProtocolVersion, RequestFrame, ResponseFrame};

use crate::auth::AuthProvider;
use crate::error::{ConnectionError, QueryError};
use streams::StreamTable;

pub(crate) use startup::{negotiate, use_keyspace};

/// How to open connections: everything but the address.
#[derive(Clone, Debug)]
pub(crate) struct ConnectionConfig {
    /// The protocol version to speak.
    pub version: ProtocolVersion,
    /// The compression to ask for.
    pub compression: Option<Compression>,
    /// Credentials, if the server asks for them.
    pub auth: Option<Arc<dyn AuthProvider>>,
    /// TLS, if set.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// The limit on TCP connect, TLS and the handshake together.
    pub connect_timeout: Duration,
    /// The timeout of internal requests (handshake, heartbeat, USE).
    pub request_timeout: Duration,
    /// Idle time before a heartbeat; `None` disables heartbeats.
    pub heartbeat_interval: Option<Duration>,
    /// The keyspace to `USE` once connected.
    pub keyspace: Option<String>,
    /// The largest frame body accepted or sent.
    pub max_frame_size: usize,
}

/// The bound of the event channel of a control connection.
pub(crate) const EVENT_QUEUE: usize = 1024;

struct Shared {
    address: SocketAddr,
    version: ProtocolVersion,
    /// The codec for received frames (decompresses when a frame says so).
    codec: MessageCodec,
    /// Set once STARTUP negotiated compression: sent frames use it from then.
    compress_outgoing: AtomicBool,
    streams: Mutex<StreamTable>,
    permits: Arc<Semaphore>,
    stream_count: usize,
    write_buf: Mutex<BytesMut>,
    write_ready: Notify,
    /// Notified once when the connection fails or closes.
    closed: Notify,
    is_closed: AtomicBool,
    /// When the last frame arrived, in ms since `epoch`.
    last_read_ms: AtomicU64,
    epoch: Instant,
    events: Option<mpsc::Sender<Event>>,
    /// Notified (if set) when the connection closes: its pool's wake-up.
    on_close: Option<Arc<Notify>>,
}

impl Shared {
    fn streams(&self) -> MutexGuard<'_, StreamTable> {
        self.streams.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn codec_out(&self) -> MessageCodec {
        if self.compress_outgoing.load(Ordering::Acquire) {
            self.codec.clone()
        } else {
            self.codec.clone().with_compression(None)
        }
    }

    /// Fails the connection: every waiter gets `error`, no id is handed out
    /// again, and the tasks stop.
    fn fail(&self, error: ConnectionError) {
        let waiters = self.streams().fail(error.clone());
        self.permits.close();
        for waiter in waiters {
            let _ = waiter.send(Err(error.clone()));
        }
        if !self.is_closed.swap(true, Ordering::AcqRel) {
            tracing::debug!(address = %self.address, %error, "connection closed");
            self.closed.notify_waiters();
            self.closed.notify_one();
            self.write_ready.notify_one();
            if let Some(notify) = &self.on_close {
                notify.notify_one();
            }
        }
    }

    /// Sends `request` and waits for its response, for at most `timeout`
    /// in all (waiting for a free stream id included).
    async fn send(
        &self,
        request: &Request,
        tracing: bool,
        timeout: Duration,
    ) -> Result<ResponseFrame, QueryError> {
        let shared = self;
        let address = shared.address;
        let deadline = tokio::time::Instant::now() + timeout;
        let permit =
            match tokio::time::timeout_at(deadline, shared.permits.clone().acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                Ok(Err(_)) => return Err(shared.failure().into()),
                Err(_) => return Err(QueryError::Busy { address, timeout }),
            };
        let (reply, answer) = oneshot::channel();
        let stream = shared.streams().take(reply, permit)?;
        let mut frame = BytesMut::new();
        let encoded = shared.codec_out().encode_request(
            &RequestFrame {
                stream,
                tracing,
                request: request.clone(),
            },
            &mut frame,
        );
        if let Err(e) = encoded {
            // Nothing was sent: the id is free again.
            drop(shared.streams().complete(stream));
            return Err(e.into());
        }
        shared
            .write_buf
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(&frame);
        shared.write_ready.notify_one();
        match tokio::time::timeout_at(deadline, answer).await {
            Ok(Ok(reply)) => Ok(reply?),
            Ok(Err(_)) => Err(shared.failure().into()),
            Err(_) => Err(QueryError::Timeout { address, timeout }),
        }
    }

    fn failure(&self) -> ConnectionError {
        self.streams()
            .failure()
            .cloned()
            .unwrap_or_else(|| ConnectionError::Closed {
                address: self.address,
                reason: "closed".into(),
            })
    }

    fn touch(&self) {
        let ms = self.epoch.elapsed().as_millis() as u64;
        self.last_read_ms.store(ms, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let now = self.epoch.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last_read_ms.load(Ordering::Relaxed)))
    }
}

struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

struct Handle {
    shared: Arc<Shared>,
    _tasks: Mutex<Tasks>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.fail(ConnectionError::Closed {
            address: self.shared.address,
            reason: "closed by the driver".into(),
        });
    }
}

/// An open, ready connection. Cheap to clone; the connection closes when
/// the last clone is dropped or [`close`](Connection::close) is called.
#[derive(Clone)]
pub(crate) struct Connection {
    handle: Arc<Handle>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("address", &self.address())
            .field("in_flight", &self.in_flight())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Connection {
    /// Opens a connection and runs the handshake: STARTUP (with
    /// compression), authentication, `USE` of the configured keyspace, and
    /// REGISTER for `events` when given.
    pub(crate) async fn open(
        address: SocketAddr,
        config: &ConnectionConfig,
        events: Option<mpsc::Sender<Event>>,
        on_close: Option<Arc<Notify>>,
    ) -> Result<Connection, ConnectionError> {
        let timeout = config.connect_timeout;
        let registers = events.is_some();
        let opened = tokio::time::timeout(timeout, async {
            let stream = io::connect(address, config).await?;
            let connection = Connection::start(address, config, stream, events, on_close);
            startup::handshake(&connection, config, registers).await?;
            Ok(connection)
        })
        .await;
        match opened {
            Ok(result) => result,
            Err(_) => Err(ConnectionError::ConnectTimeout { address, timeout }),
        }
    }

    fn start(
        address: SocketAddr,
        config: &ConnectionConfig,
        stream: io::Stream,
        events: Option<mpsc::Sender<Event>>,
        on_close: Option<Arc<Notify>>,
    ) -> Connection {
        let count = config.version.max_client_streams();
        let shared = Arc::new(Shared {
            address,
            version: config.version,
            codec: MessageCodec::new(config.version)
                .with_compression(config.compression)
                .with_max_frame_size(config.max_frame_size),
            compress_outgoing: AtomicBool::new(false),
            streams: Mutex::new(StreamTable::new(count)),
            permits: Arc::new(Semaphore::new(usize::from(count))),
            stream_count: usize::from(count),
            write_buf: Mutex::new(BytesMut::with_capacity(16 * 1024)),
            write_ready: Notify::new(),
            closed: Notify::new(),
            is_closed: AtomicBool::new(false),
            last_read_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            events,
            on_close,
        });
        let (reader, writer) = tokio::io::split(stream);
        let mut tasks = vec![
            tokio::spawn(io::read_loop(shared.clone(), reader, config.max_frame_size)),
            tokio::spawn(io::write_loop(shared.clone(), writer)),
        ];
        if let Some(interval) = config.heartbeat_interval {
            let weak = Arc::downgrade(&shared);
            tasks.push(tokio::spawn(heartbeat(
                weak,
                interval,
                config.request_timeout,
            )));
        }
        Connection {
            handle: Arc::new(Handle {
                shared,
                _tasks: Mutex::new(Tasks(tasks)),
            }),
        }
    }

    fn shared(&self) -> &Shared {
        &self.handle.shared
    }

    /// The host.
    pub(crate) fn address(&self) -> SocketAddr {
        self.shared().address
    }

    /// The protocol version the connection speaks.
    pub(crate) fn version(&self) -> ProtocolVersion {
        self.shared().version
    }

    /// How many requests are in flight (ids taken, late answers included).
    pub(crate) fn in_flight(&self) -> usize {
        self.shared().stream_count - self.shared().permits.available_permits()
    }

    /// Whether the connection has failed or been closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.shared().is_closed.load(Ordering::Acquire)
    }

    /// Waits until the connection fails or is closed.
    pub(crate) async fn closed(&self) {
        let shared = self.shared();
        let notified = shared.closed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if self.is_closed() {
            return;
        }
        notified.await;
    }

    /// Closes the connection: in-flight requests fail.
    pub(crate) fn close(&self, reason: &str) {
        self.shared().fail(ConnectionError::Closed {
            address: self.address(),
            reason: reason.to_string(),
        });
    }

    /// Sends `request` and waits for its response, for at most `timeout`
    /// in all (waiting for a free stream id included).
    pub(crate) async fn send(
        &self,
        request: &Request,
        tracing: bool,
        timeout: Duration,
    ) -> Result<ResponseFrame, QueryError> {
        self.shared().send(request, tracing, timeout).await
    }

    pub(crate) fn enable_compression(&self) {
        self.shared()
            .compress_outgoing
            .store(true, Ordering::Release);
    }
}

async fn heartbeat(shared: std::sync::Weak<Shared>, interval: Duration, timeout: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if shared.is_closed.load(Ordering::Acquire) {
            return;
        }
        if shared.idle_for() < interval {
            continue;
        }
        match shared.send(&Request::Options, false, timeout).await {
            Ok(_) => tracing::trace!(address = %shared.address, "heartbeat answered"),
            Err(error) => {
                tracing::warn!(address = %shared.address, %error, "heartbeat failed; closing the connection");
                shared.fail(ConnectionError::HeartbeatTimeout {
                    address: shared.address,
                    timeout,
                });
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use bytes::Bytes;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use cql_protocol::message::response::{
        AuthChallenge, AuthSuccess, Authenticate, Response, Supported,
    };
    use cql_protocol::{Direction, FrameDecoder, ResponseFrame};

    use super::*;
    use crate::auth::Authenticator;

    /// A SASL mechanism that answers each challenge "cN" with "rN" and
    /// checks the server's final token.
    #[derive(Debug, Default)]
    struct CountingProvider {
        challenges: Arc<AtomicUsize>,
    }

    struct Counting {
        challenges: Arc<AtomicUsize>,
    }

    impl AuthProvider for CountingProvider {
        fn new_authenticator(
            &self,
            authenticator: &str,
            _host: SocketAddr,
        ) -> Box<dyn Authenticator> {
            assert_eq!(authenticator, "com.example.ChallengeAuthenticator");
            Box::new(Counting {
                challenges: self.challenges.clone(),
            })
        }
    }

    impl Authenticator for Counting {
        fn initial_response(&mut self) -> Option<Bytes> {
            Some(Bytes::from_static(b"r0"))
        }

        fn evaluate_challenge(
            &mut self,
            challenge: Option<&[u8]>,
        ) -> Result<Option<Bytes>, String> {
            let n = self.challenges.fetch_add(1, Ordering::SeqCst) + 1;
            assert_eq!(challenge, Some(format!("c{n}").as_bytes()));
            Ok(Some(Bytes::from(format!("r{n}"))))
        }

        fn on_success(&mut self, token: Option<&[u8]>) -> Result<(), String> {
            match token {
                Some(b"welcome") => Ok(()),
                other => Err(format!("unexpected final token {other:?}")),
            }
        }
    }

    /// A server that requires authentication and sends `rounds`
    /// challenges before AUTH_SUCCESS.
    async fn challenging_server(rounds: usize) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let codec = MessageCodec::new(ProtocolVersion::V2);
            let mut decoder = FrameDecoder::new().with_direction(Direction::Request);
            let mut buf = BytesMut::new();
            loop {
                while let Ok(Some(frame)) = decoder.decode(&mut buf) {
                    let request = codec.decode_request(frame).unwrap();
                    let response = match request.request {
                        Request::Options => Response::Supported(Supported {
                            options: vec![
                                ("CQL_VERSION".into(), vec!["3.1.7".into()]),
                                ("COMPRESSION".into(), vec![]),
                            ],
                        }),
                        Request::Startup(_) => Response::Authenticate(Authenticate::new(
                            "com.example.ChallengeAuthenticator",
                        )),
                        Request::AuthResponse(answer) => {
                            let token = answer.token.unwrap_or_default();
                            // "rN" from the counting mechanism; anything else is round 0.
                            let n: usize = token
                                .get(1..)
                                .and_then(|t| std::str::from_utf8(t).ok())
                                .and_then(|t| t.parse().ok())
                                .unwrap_or(0);
                            if n < rounds {
                                Response::AuthChallenge(AuthChallenge {
                                    token: Some(Bytes::from(format!("c{}", n + 1))),
                                })
                            } else {
                                Response::AuthSuccess(AuthSuccess {
                                    token: Some(Bytes::from_static(b"welcome")),
                                })
                            }
                        }
                        other => panic!("unexpected {other:?}"),
                    };
                    let mut out = BytesMut::new();
                    codec
                        .encode_response(&ResponseFrame::new(request.stream, response), &mut out)
                        .unwrap();
                    socket.write_all(&out).await.unwrap();
                }
                if socket.read_buf(&mut buf).await.unwrap_or(0) == 0 {
                    return;
                }
            }
        });
        address
    }

    fn config(auth: Arc<dyn AuthProvider>) -> ConnectionConfig {
        ConnectionConfig {
            version: ProtocolVersion::V2,
            compression: None,
            auth: Some(auth),
            tls: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(5),
            heartbeat_interval: None,
            keyspace: None,
            max_frame_size: 1 << 20,
        }
    }

    #[tokio::test]
    async fn sasl_challenges_loop_until_success() {
        let address = challenging_server(3).await;
        let provider = CountingProvider::default();
        let challenges = provider.challenges.clone();
        let connection = Connection::open(address, &config(Arc::new(provider)), None, None)
            .await
            .unwrap();
        assert_eq!(challenges.load(Ordering::SeqCst), 3);
        assert!(!connection.is_closed());
    }

    #[tokio::test]
    async fn an_authenticator_that_gives_up_fails_the_connection() {
        let address = challenging_server(1).await;
        let error = Connection::open(
            address,
            &config(Arc::new(crate::auth::PlainTextAuthProvider::new("u", "p"))),
            None,
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(error, ConnectionError::Auth { .. }), "{error}");
    }
}
