//! A node: one listening address, its connections, and the controls a test
//! cluster needs (stop, start again, drop every connection, push events).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cql_protocol::message::response::Event;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};
use tracing::{debug, info, warn, Instrument};

use super::activity::ActivityLog;
use super::auth::{Authenticator, PasswordAuthenticator, Users};
use super::config::ServerConfig;
use super::connection::{self, Shared};
use super::events::EventBus;
use super::faults::Faults;
use super::handler::RequestHandler;

/// The state a node shares with the rest of the cluster.
///
/// Clones share the same users, log and event channel. [`bind_nodes`] gives
/// every node the same users and activity log but its own [`EventBus`].
#[derive(Clone, Default)]
pub struct NodeServices {
    /// The user store the default [`PasswordAuthenticator`] checks.
    pub users: Users,
    /// Where every request is recorded.
    pub activity: ActivityLog,
    /// The events pushed to this node's REGISTERed connections.
    pub events: EventBus,
    /// The authenticator used when [`ServerConfig::auth`] is on; `None`
    /// means a [`PasswordAuthenticator`] over [`NodeServices::users`].
    pub authenticator: Option<Arc<dyn Authenticator>>,
    /// The fault injection rules every connection consults.
    pub faults: Faults,
}

impl std::fmt::Debug for NodeServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeServices")
            .field("users", &self.users)
            .field("activity_entries", &self.activity.len())
            .field("events", &self.events)
            .field("custom_authenticator", &self.authenticator.is_some())
            .field("faults", &self.faults)
            .finish()
    }
}

struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// A listening node.
///
/// Dropping it closes the listener and every connection.
pub struct Node {
    shared: Arc<Shared>,
    users: Users,
    address: SocketAddr,
    running: Mutex<Option<Running>>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("address", &self.address)
            .field("running", &self.is_running())
            .field("connections", &self.connection_count())
            .finish()
    }
}

/// Binds a listening socket (with `SO_REUSEADDR`, so that a stopped node can
/// listen again at once).
fn bind_listener(address: SocketAddr) -> io::Result<TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(1024)
}

impl Node {
    /// Binds `config.address:config.port` (port 0 picks a free port) and
    /// starts accepting connections, answering requests with `handler`.
    pub async fn bind(
        config: ServerConfig,
        handler: Arc<dyn RequestHandler>,
        services: NodeServices,
    ) -> io::Result<Node> {
        let listener = bind_listener(SocketAddr::new(config.address, config.port))?;
        Ok(Node::from_listener(listener, config, handler, services))
    }

    fn from_listener(
        listener: TcpListener,
        config: ServerConfig,
        handler: Arc<dyn RequestHandler>,
        services: NodeServices,
    ) -> Node {
        let address = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::new(config.address, config.port));
        let authenticator = if config.auth {
            Some(services.authenticator.clone().unwrap_or_else(|| {
                Arc::new(PasswordAuthenticator::new(services.users.clone()))
                    as Arc<dyn Authenticator>
            }))
        } else {
            None
        };
        let shared = Arc::new(Shared {
            config,
            handler,
            authenticator,
            events: services.events,
            activity: services.activity,
            faults: services.faults,
            kick: watch::channel(0).0,
            open_connections: Default::default(),
        });
        let node = Node {
            shared,
            users: services.users,
            address,
            running: Mutex::new(None),
        };
        node.spawn(listener);
        node
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Running>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn spawn(&self, listener: TcpListener) {
        let running = self.run(listener);
        *self.lock() = Some(running);
    }

    fn run(&self, listener: TcpListener) -> Running {
        let (stop, stop_rx) = oneshot::channel();
        let span = tracing::info_span!("cql_node", address = %self.address);
        let task =
            tokio::spawn(accept_loop(listener, self.shared.clone(), stop_rx).instrument(span));
        Running { stop, task }
    }

    /// The address the node listens on (with the port picked, if it was 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The node's configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.shared.config
    }

    /// The user store.
    pub fn users(&self) -> &Users {
        &self.users
    }

    /// The activity log.
    pub fn activity(&self) -> &ActivityLog {
        &self.shared.activity
    }

    /// The fault injection rules.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The node's event channel.
    pub fn events(&self) -> &EventBus {
        &self.shared.events
    }

    /// Pushes `event` (on stream -1) to every connection of this node that
    /// REGISTERed for its type; returns how many connections registered for
    /// any event.
    pub fn push_event(&self, event: Event) -> usize {
        self.shared.events.publish(event)
    }

    /// How many client connections are open.
    pub fn connection_count(&self) -> usize {
        self.shared.open_connections.load(Ordering::SeqCst)
    }

    /// Whether the node accepts connections.
    pub fn is_running(&self) -> bool {
        self.lock().is_some()
    }

    /// Stops listening (new connections are refused) and closes every open
    /// connection, waiting for them at most
    /// [`ServerConfig::shutdown_timeout`] before aborting them.
    pub async fn stop(&self) {
        let running = self.lock().take();
        let Some(Running { stop, mut task }) = running else {
            return;
        };
        let _ = stop.send(());
        let limit = self.shared.config.shutdown_timeout + Duration::from_secs(1);
        if tokio::time::timeout(limit, &mut task).await.is_err() {
            warn!(address = %self.address, "node did not stop in time; aborting it");
            task.abort();
            let _ = task.await;
        }
        info!(address = %self.address, "node stopped");
    }

    /// Listens again on the same address after [`Node::stop`]; does nothing
    /// if the node is running.
    pub async fn start(&self) -> io::Result<()> {
        let mut running = self.lock();
        if running.is_some() {
            return Ok(());
        }
        let listener = bind_listener(self.address)?;
        *running = Some(self.run(listener));
        info!(address = %self.address, "node started");
        Ok(())
    }

    /// Closes every open client connection (the node keeps listening).
    /// Connections close asynchronously, within milliseconds.
    pub fn drop_connections(&self) {
        self.shared
            .kick
            .send_modify(|epoch| *epoch = epoch.wrapping_add(1));
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(running) = self.lock().take() {
            // Aborting the accept loop drops its connection tasks, which
            // aborts them and their request and writer tasks.
            running.task.abort();
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    info!("listening");
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, peer)) => {
                    let _ = socket.set_nodelay(true);
                    let local = socket.local_addr().unwrap_or_else(|_| {
                        listener.local_addr().unwrap_or(peer)
                    });
                    // Subscribe here, so that a drop_connections() racing the
                    // start of the task still reaches it.
                    let kick = shared.kick.subscribe();
                    connections.spawn(open_connection(socket, peer, local, shared.clone(), kick));
                }
                Err(e) => {
                    // Typically out of file descriptors: back off a little.
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    shared
        .kick
        .send_modify(|epoch| *epoch = epoch.wrapping_add(1));
    let drained = tokio::time::timeout(shared.config.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        debug!(left = connections.len(), "aborting connections");
        connections.shutdown().await;
    }
}

/// Serves one accepted socket: plain, or after the TLS handshake when the
/// node has TLS. A failed handshake closes this socket only.
async fn open_connection(
    socket: TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    shared: Arc<Shared>,
    mut kick: watch::Receiver<u64>,
) {
    let Some(tls) = shared.config.tls.clone() else {
        let (reader, writer) = socket.into_split();
        connection::serve(reader, writer, peer, local, shared, kick).await;
        return;
    };
    let handshake = tokio::time::timeout(tls.handshake_timeout(), tls.acceptor().accept(socket));
    let stream = tokio::select! {
        result = handshake => match result {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                warn!(%peer, error = %e, "TLS handshake failed; closing the connection");
                return;
            }
            Err(_) => {
                warn!(%peer, "TLS handshake timed out; closing the connection");
                return;
            }
        },
        _ = kick.changed() => {
            debug!(%peer, "connection dropped during the TLS handshake");
            return;
        }
    };
    debug!(%peer, "TLS handshake done");
    let (reader, writer) = tokio::io::split(stream);
    connection::serve(reader, writer, peer, local, shared, kick).await;
}

/// Binds one node per address of `ips`, all on the same port, and starts
/// them.
///
/// With `config.port == 0` the first node picks a free port and the others
/// bind the same one (Linux lets `127.0.0.2:P` be bound while `127.0.0.1:P`
/// is in use: they are distinct addresses); if another process holds that
/// port on a later address, it starts over with a new port (a few times).
/// `make_handler` is called once per node with its final address. The nodes
/// share `services.users`, `services.activity`, `services.faults` and
/// `services.authenticator`;
/// each gets its own [`EventBus`].
pub async fn bind_nodes(
    ips: &[IpAddr],
    config: ServerConfig,
    services: NodeServices,
    mut make_handler: impl FnMut(SocketAddr) -> Arc<dyn RequestHandler>,
) -> io::Result<Vec<Node>> {
    let listeners = bind_all(ips, config.port)?;
    Ok(listeners
        .into_iter()
        .map(|listener| {
            let address = listener.local_addr();
            let mut node_config = config.clone();
            if let Ok(address) = address {
                node_config.address = address.ip();
                node_config.port = address.port();
            }
            let handler = make_handler(SocketAddr::new(node_config.address, node_config.port));
            let node_services = NodeServices {
                events: EventBus::new(),
                ..services.clone()
            };
            Node::from_listener(listener, node_config, handler, node_services)
        })
        .collect())
}

fn bind_all(ips: &[IpAddr], port: u16) -> io::Result<Vec<TcpListener>> {
    const ATTEMPTS: usize = 16;
    let mut last_error = None;
    for _ in 0..ATTEMPTS {
        let mut listeners = Vec::with_capacity(ips.len());
        let mut chosen = port;
        let mut failed = None;
        for &ip in ips {
            match bind_listener(SocketAddr::new(ip, chosen)) {
                Ok(listener) => {
                    if chosen == 0 {
                        chosen = listener.local_addr()?.port();
                    }
                    listeners.push(listener);
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        match failed {
            None => return Ok(listeners),
            Some(e) if port == 0 && e.kind() == io::ErrorKind::AddrInUse => last_error = Some(e),
            Some(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("cannot bind the nodes")))
}
