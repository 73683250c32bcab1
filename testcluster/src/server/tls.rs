//! TLS for the native protocol, with rustls (ring provider).
//!
//! A node with [`ServerConfig::tls`](crate::server::ServerConfig::tls) set
//! runs the TLS handshake on every accepted socket, within
//! [`TlsConfig::handshake_timeout`], before any CQL is read. A failed or
//! timed-out handshake (a plain-TCP client, an untrusting client, garbage)
//! closes that socket only.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// The default [`TlsConfig::handshake_timeout`].
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a [`TlsConfig`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The certificate PEM is malformed or holds no certificate.
    #[error("invalid certificate PEM{}: {message}", origin(.path))]
    Certificate {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },
    /// The key PEM is malformed or holds no private key (PKCS#8, PKCS#1 or
    /// SEC1).
    #[error("invalid private key PEM{}: {message}", origin(.path))]
    Key {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },
    /// rustls refused the certificate and key (e.g. they do not match, or
    /// the key type is not supported).
    #[error("TLS configuration rejected: {0}")]
    Rustls(#[from] rustls::Error),
}

fn origin(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => format!(" in {}", p.display()),
        None => String::new(),
    }
}

fn pem_message(e: &pem::Error, what: &str) -> String {
    match e {
        pem::Error::NoItemsFound => format!("no {what} found"),
        other => other.to_string(),
    }
}

/// The TLS settings of a node: a rustls server configuration and the
/// handshake timeout.
///
/// Cloning is cheap (the rustls configuration is shared).
#[derive(Clone)]
pub struct TlsConfig {
    server: Arc<rustls::ServerConfig>,
    handshake_timeout: Duration,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("alpn_protocols", &self.server.alpn_protocols)
            .field("handshake_timeout", &self.handshake_timeout)
            .finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// Uses a ready rustls server configuration (client authentication,
    /// protocol versions, ALPN and so on are the caller's choice).
    pub fn new(server: Arc<rustls::ServerConfig>) -> Self {
        TlsConfig {
            server,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        }
    }

    /// A configuration from PEM text: `cert_pem` holds the certificate
    /// chain, leaf first (`CERTIFICATE` sections), `key_pem` the private
    /// key (`PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`).
    ///
    /// TLS 1.2 and 1.3 with rustls' safe defaults and the ring provider; no
    /// client certificates are asked for.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, TlsError> {
        Self::build(cert_pem, key_pem, None, None)
    }

    /// Like [`TlsConfig::from_pem`], reading the certificate chain and the
    /// private key from PEM files (they may be the same file).
    pub fn from_pem_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Self, TlsError> {
        let (cert, key) = (cert.as_ref(), key.as_ref());
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| TlsError::Read {
                path: path.to_owned(),
                source,
            })
        };
        let cert_pem = read(cert)?;
        let key_pem = read(key)?;
        Self::build(&cert_pem, &key_pem, Some(cert), Some(key))
    }

    fn build(
        cert_pem: &[u8],
        key_pem: &[u8],
        cert_path: Option<&Path>,
        key_path: Option<&Path>,
    ) -> Result<Self, TlsError> {
        let cert_error = |message: String| TlsError::Certificate {
            path: cert_path.map(Path::to_owned),
            message,
        };
        let certs = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| cert_error(pem_message(&e, "certificate")))?;
        if certs.is_empty() {
            return Err(cert_error("no certificate found".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::Key {
            path: key_path.map(Path::to_owned),
            message: pem_message(&e, "private key"),
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(certs, key)?;
        Ok(TlsConfig::new(Arc::new(server)))
    }

    /// This configuration with another handshake timeout (default
    /// [`DEFAULT_HANDSHAKE_TIMEOUT`]): a client that has not finished the
    /// handshake by then is disconnected.
    #[must_use]
    pub fn with_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// How long a client may take to finish the handshake.
    pub fn handshake_timeout(&self) -> Duration {
        self.handshake_timeout
    }

    /// The rustls server configuration.
    pub fn server_config(&self) -> &Arc<rustls::ServerConfig> {
        &self.server
    }

    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.server.clone())
    }
}
