//! The connections to one host.
//!
//! A pool keeps its target number of connections open (by host distance),
//! replaces the ones that die, and picks the least busy connection for each
//! request. When it cannot open any, the host is marked down and the pool
//! keeps trying on the reconnection policy's schedule; an UP event or a
//! wake-up cuts the wait short. The first connection that opens marks the
//! host up again.

use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;

use crate::cluster::Host;
use crate::connection::{negotiate, Connection, ConnectionConfig};
use crate::metrics::Metrics;
use crate::policies::{ReconnectionPolicy, ReconnectionSchedule};

/// A host changed state, as its pool saw it.
#[derive(Debug, Clone)]
pub(crate) enum PoolEvent {
    /// The pool opened a connection to a host that was down (or new).
    Up(Arc<Host>),
    /// The pool lost every connection and could not open a new one.
    Down(Arc<Host>),
}

/// What every pool shares.
#[derive(Debug)]
pub(crate) struct PoolContext {
    /// How to open connections (the version is the session's).
    pub config: RwLock<ConnectionConfig>,
    /// How long to wait between attempts to a down host.
    pub reconnection: Arc<dyn ReconnectionPolicy>,
    /// Where up/down changes go.
    pub events: mpsc::Sender<PoolEvent>,
    /// Connection counters.
    pub metrics: Arc<Metrics>,
}

impl PoolContext {
    pub(crate) fn config(&self) -> ConnectionConfig {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The timeout of a probe sent after a DOWN event.
    pub(crate) fn probe_timeout(&self) -> std::time::Duration {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .request_timeout
    }

    /// Sets the keyspace new connections `USE`.
    pub(crate) fn set_keyspace(&self, keyspace: Option<String>) {
        self.config
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .keyspace = keyspace;
    }
}

/// The connections to one host.
#[derive(Debug)]
pub(crate) struct HostPool {
    host: Arc<Host>,
    connections: RwLock<Vec<Connection>>,
    wake: Arc<Notify>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl HostPool {
    /// Starts a pool of `size` connections to `host`.
    pub(crate) fn start(host: Arc<Host>, size: usize, context: Arc<PoolContext>) -> Arc<HostPool> {
        let pool = Arc::new(HostPool {
            host,
            connections: RwLock::new(Vec::new()),
            wake: Arc::new(Notify::new()),
            task: Mutex::new(None),
        });
        let task = tokio::spawn(maintain(Arc::downgrade(&pool), size.max(1), context));
        *pool.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
        pool
    }

    /// The host.
    pub(crate) fn host(&self) -> &Arc<Host> {
        &self.host
    }

    /// The open connection with the fewest requests in flight.
    pub(crate) fn pick(&self) -> Option<Connection> {
        let connections = self.connections.read().unwrap_or_else(|p| p.into_inner());
        connections
            .iter()
            .filter(|c| !c.is_closed())
            .min_by_key(|c| c.in_flight())
            .cloned()
    }

    /// Every open connection.
    pub(crate) fn connections(&self) -> Vec<Connection> {
        let connections = self.connections.read().unwrap_or_else(|p| p.into_inner());
        connections
            .iter()
            .filter(|c| !c.is_closed())
            .cloned()
            .collect()
    }

    /// Cuts a reconnection wait short (an UP event, a new keyspace).
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops the pool and closes its connections.
    pub(crate) fn shutdown(&self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
        let connections =
            std::mem::take(&mut *self.connections.write().unwrap_or_else(|p| p.into_inner()));
        for connection in connections {
            connection.close("the pool was shut down");
        }
    }
}

impl Drop for HostPool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn maintain(pool: std::sync::Weak<HostPool>, size: usize, context: Arc<PoolContext>) {
    let mut schedule: Option<Box<dyn ReconnectionSchedule>> = None;
    loop {
        let Some(this) = pool.upgrade() else { return };
        let open = {
            let mut connections = this.connections.write().unwrap_or_else(|p| p.into_inner());
            let before = connections.len();
            connections.retain(|c| !c.is_closed());
            for _ in connections.len()..before {
                context.metrics.record_connection_closed();
            }
            connections.len()
        };
        let host = this.host.clone();
        let wake = this.wake.clone();
        if open >= size {
            drop(this);
            wake.notified().await;
            continue;
        }
        let config = context.config();
        drop(this);
        let attempt = negotiate(
            host.address(),
            &config,
            Some(config.version),
            None,
            Some(wake.clone()),
        )
        .await;
        let Some(this) = pool.upgrade() else { return };
        match attempt {
            Ok(connection) => {
                context.metrics.record_connection_opened();
                this.connections
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(connection);
                schedule = None;
                if host.set_up(true) || open == 0 {
                    let _ = context.events.try_send(PoolEvent::Up(host.clone()));
                }
                tracing::debug!(host = %host.address(), open = open + 1, size, "pool connection opened");
            }
            Err(error) => {
                drop(this);
                if open == 0 && host.set_up(false) {
                    tracing::warn!(host = %host.address(), %error, "host is down");
                    let _ = context.events.try_send(PoolEvent::Down(host.clone()));
                } else {
                    tracing::debug!(host = %host.address(), %error, "could not open a pool connection");
                }
                let delay = schedule
                    .get_or_insert_with(|| context.reconnection.new_schedule())
                    .next_delay();
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = wake.notified() => {}
                }
            }
        }
    }
}
