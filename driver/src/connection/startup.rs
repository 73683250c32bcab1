//! The handshake: OPTIONS, STARTUP with compression, authentication (SASL on
//! v2, CREDENTIALS on v1), `USE` and REGISTER; and version negotiation.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::{mpsc, Notify};

use cql_protocol::message::request::{
    AuthResponse, Credentials, Query, Register, Request, Startup,
};
use cql_protocol::message::response::{ErrorKind, Event, Response, ResultBody};
use cql_protocol::{Consistency, ProtocolVersion};

use super::{Connection, ConnectionConfig};
use crate::error::{ConnectionError, QueryError};

/// The CQL version asked for when the server lists none.
const DEFAULT_CQL_VERSION: &str = "3.0.0";

/// Opens a connection, negotiating the version when `pinned` is `None`:
/// v2 first, then v1 if the server refuses v2 as "unsupported protocol
/// version" (on a new socket, as the server closes the refused one).
pub(crate) async fn negotiate(
    address: SocketAddr,
    config: &ConnectionConfig,
    pinned: Option<ProtocolVersion>,
    events: Option<mpsc::Sender<Event>>,
    on_close: Option<Arc<Notify>>,
) -> Result<Connection, ConnectionError> {
    let candidates: &[ProtocolVersion] = match pinned {
        Some(ref v) => std::slice::from_ref(v),
        None => &[ProtocolVersion::V2, ProtocolVersion::V1],
    };
    let mut last = None;
    for &version in candidates {
        let mut config = config.clone();
        config.version = version;
        match Connection::open(address, &config, events.clone(), on_close.clone()).await {
            Ok(connection) => return Ok(connection),
            Err(error @ ConnectionError::UnsupportedVersion { .. }) => {
                tracing::info!(%address, %version, "protocol version refused; trying a lower one");
                last = Some(error);
            }
            Err(error) => return Err(error),
        }
    }
    Err(last.unwrap_or(ConnectionError::Closed {
        address,
        reason: "no protocol version to try".into(),
    }))
}

/// Runs the handshake on a freshly started connection.
pub(super) async fn handshake(
    connection: &Connection,
    config: &ConnectionConfig,
    register: bool,
) -> Result<(), ConnectionError> {
    let address = connection.address();
    let version = connection.version();
    let supported = match request(connection, config, Request::Options).await? {
        Response::Supported(supported) => supported,
        other => return Err(unexpected(address, "OPTIONS", &other)),
    };
    let cql_version = supported
        .options
        .iter()
        .find(|(key, _)| key == Startup::CQL_VERSION)
        .and_then(|(_, values)| values.first().cloned())
        .unwrap_or_else(|| DEFAULT_CQL_VERSION.to_string());
    let mut startup = Startup::new(&cql_version);
    if let Some(compression) = config.compression {
        let offered = supported
            .options
            .iter()
            .find(|(key, _)| key == Startup::COMPRESSION)
            .map(|(_, values)| values.clone())
            .unwrap_or_default();
        if !offered.iter().any(|name| name == compression.name()) {
            return Err(ConnectionError::Protocol {
                address,
                message: format!(
                    "compression {} was asked for, but the server offers {:?}",
                    compression.name(),
                    offered
                ),
            });
        }
        startup = startup.with_compression(compression);
    }
    let answer = request(connection, config, Request::Startup(startup)).await?;
    if config.compression.is_some() {
        connection.enable_compression();
    }
    match answer {
        Response::Ready => {}
        Response::Authenticate(auth) => {
            authenticate(connection, config, version, &auth.authenticator).await?;
        }
        other => return Err(unexpected(address, "STARTUP", &other)),
    }
    if let Some(keyspace) = &config.keyspace {
        use_keyspace(connection, config, keyspace).await?;
    }
    if register {
        match request(connection, config, Request::Register(Register::all())).await? {
            Response::Ready => {}
            other => return Err(unexpected(address, "REGISTER", &other)),
        }
    }
    tracing::debug!(%address, %version, compression = ?config.compression, "connection ready");
    Ok(())
}

/// `USE "keyspace"` on this connection.
pub(crate) async fn use_keyspace(
    connection: &Connection,
    config: &ConnectionConfig,
    keyspace: &str,
) -> Result<(), ConnectionError> {
    let statement = format!("USE {}", crate::statement::quote_identifier(keyspace));
    let query = Request::Query(Query::new(statement, Consistency::One));
    match request(connection, config, query).await? {
        Response::Result(ResultBody::SetKeyspace(_)) => Ok(()),
        other => Err(unexpected(connection.address(), "USE", &other)),
    }
}

async fn authenticate(
    connection: &Connection,
    config: &ConnectionConfig,
    version: ProtocolVersion,
    authenticator: &str,
) -> Result<(), ConnectionError> {
    let address = connection.address();
    let Some(provider) = &config.auth else {
        return Err(ConnectionError::AuthRequired {
            address,
            authenticator: authenticator.to_string(),
        });
    };
    if version == ProtocolVersion::V1 {
        let Some(credentials) = provider.credentials(authenticator, address) else {
            return Err(ConnectionError::Auth {
                address,
                message: "the auth provider has no v1 credentials".into(),
            });
        };
        let answer = request(
            connection,
            config,
            Request::Credentials(Credentials { credentials }),
        );
        return match answer.await? {
            Response::Ready => Ok(()),
            other => Err(unexpected(address, "CREDENTIALS", &other)),
        };
    }
    let mut auth = provider.new_authenticator(authenticator, address);
    let mut token = auth.initial_response();
    // A bound on the exchange, so a server cannot keep us here forever.
    for _ in 0..64 {
        let message = Request::AuthResponse(AuthResponse {
            token: token.take(),
        });
        match request(connection, config, message).await? {
            Response::AuthSuccess(success) => {
                return auth
                    .on_success(success.token.as_deref())
                    .map_err(|message| ConnectionError::Auth { address, message });
            }
            Response::AuthChallenge(challenge) => {
                token = auth
                    .evaluate_challenge(challenge.token.as_deref())
                    .map_err(|message| ConnectionError::Auth { address, message })?;
            }
            other => return Err(unexpected(address, "AUTH_RESPONSE", &other)),
        }
    }
    Err(ConnectionError::Auth {
        address,
        message: "the server sent more than 64 challenges".into(),
    })
}

/// Sends one handshake request; an ERROR answer becomes the matching
/// connection error.
async fn request(
    connection: &Connection,
    config: &ConnectionConfig,
    message: Request,
) -> Result<Response, ConnectionError> {
    let address = connection.address();
    let version = connection.version();
    let answer = connection
        .send(&message, false, config.request_timeout)
        .await
        .map_err(|e| match e {
            QueryError::Connection(e) => e,
            other => ConnectionError::Protocol {
                address,
                message: other.to_string(),
            },
        })?;
    match answer.response {
        Response::Error(error) => Err(match &error.kind {
            ErrorKind::ProtocolError
                if error.message.contains("unsupported protocol version")
                    || error
                        .message
                        .contains("Invalid or unsupported protocol version") =>
            {
                ConnectionError::UnsupportedVersion {
                    address,
                    version,
                    message: error.message,
                }
            }
            ErrorKind::BadCredentials => ConnectionError::Auth {
                address,
                message: error.message,
            },
            _ => ConnectionError::Server { address, error },
        }),
        other => Ok(other),
    }
}

fn unexpected(address: SocketAddr, request: &str, response: &Response) -> ConnectionError {
    ConnectionError::Protocol {
        address,
        message: format!(
            "unexpected {} in answer to {request}",
            response.opcode().name()
        ),
    }
}
