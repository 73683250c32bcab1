//! Retry: what to do when a request fails.
//!
//! The standard policies, after the DataStax drivers (java-driver 2.x,
//! python-driver):
//!
//! - [`DefaultRetryPolicy`]: retries only when it is safe and likely to
//!   help, never lowering the consistency;
//! - [`DowngradingConsistencyRetryPolicy`]: also retries at a lower
//!   consistency when too few replicas answered or are alive, and ignores
//!   some write timeouts (read its caveats);
//! - [`FallthroughRetryPolicy`]: never retries.

use std::fmt;

use cql_protocol::message::response::{ErrorKind, WriteType};
use cql_protocol::Consistency;

use crate::error::{ConnectionError, QueryError};

/// A failed attempt, as the retry policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct RetryRequest<'a> {
    /// The error of the attempt.
    pub error: &'a QueryError,
    /// The consistency the attempt ran at.
    pub consistency: Consistency,
    /// Whether the statement may safely run more than once.
    pub is_idempotent: bool,
    /// How many retries this request has had already (0 on the first
    /// failure).
    pub retry_count: u32,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Send it again to the same host, at this consistency (or the same
    /// one).
    RetrySameHost(Option<Consistency>),
    /// Send it to the next host of the plan, at this consistency (or the
    /// same one).
    RetryNextHost(Option<Consistency>),
    /// Give the error to the caller.
    Rethrow,
    /// Report success with an empty result (a write that may be dropped).
    Ignore,
}

/// Decides what happens after a failed attempt.
pub trait RetryPolicy: Send + Sync + fmt::Debug {
    /// The decision for this failure.
    fn decide(&self, request: &RetryRequest<'_>) -> RetryDecision;
}

/// The retries that are safe and likely to help, without ever lowering the
/// consistency (the DataStax drivers' default):
///
/// | Error | Decision |
/// |---|---|
/// | Read_timeout | the same host once, if enough replicas answered (`received >= block_for`) but not the one asked for the data (`!data_present`): the read most likely succeeds now; else rethrow |
/// | Write_timeout | the same host once, if the write to the batch log timed out (`BATCH_LOG`): the batch was not applied; else rethrow (the write may have been applied) |
/// | Unavailable | the next host once: its coordinator may see more replicas alive; else rethrow |
/// | Is_bootstrapping | the next host: the coordinator did not run the request |
/// | Overloaded, Server_error | the next host if the statement is idempotent, else rethrow |
/// | client [timeout](QueryError::Timeout), [connection](QueryError::Connection) error | the next host if the statement is idempotent, else rethrow; connection errors from opening the connection (connect, TLS, handshake, authentication) are retried on the next host always, as the request was never sent |
/// | [busy](QueryError::Busy) (never sent) | the next host |
/// | anything else (Invalid, Syntax_error, Unauthorized, Already_exists, Unprepared, No host available, ...) | rethrow |
///
/// "Once" means only when `retry_count` is 0. Retries on the next host are
/// bounded by the query plan.
#[derive(Debug, Default, Clone, Copy)]
pub struct DefaultRetryPolicy;

impl DefaultRetryPolicy {
    /// The default retry policy.
    pub fn new() -> Self {
        DefaultRetryPolicy
    }
}

/// The next host if the statement may run twice, else rethrow.
fn next_host_if_idempotent(request: &RetryRequest<'_>) -> RetryDecision {
    if request.is_idempotent {
        RetryDecision::RetryNextHost(None)
    } else {
        RetryDecision::Rethrow
    }
}

/// Whether a connection error happened while opening the connection, before
/// any request could be written to it.
fn before_sending(error: &ConnectionError) -> bool {
    matches!(
        error,
        ConnectionError::Connect { .. }
            | ConnectionError::ConnectTimeout { .. }
            | ConnectionError::Tls { .. }
            | ConnectionError::UnsupportedVersion { .. }
            | ConnectionError::AuthRequired { .. }
            | ConnectionError::Auth { .. }
            | ConnectionError::Server { .. }
    )
}

impl RetryPolicy for DefaultRetryPolicy {
    fn decide(&self, request: &RetryRequest<'_>) -> RetryDecision {
        let first = request.retry_count == 0;
        match request.error {
            QueryError::Server(error) => match &error.kind {
                ErrorKind::ReadTimeout {
                    received,
                    block_for,
                    data_present,
                    ..
                } => {
                    if first && received >= block_for && !data_present {
                        RetryDecision::RetrySameHost(None)
                    } else {
                        RetryDecision::Rethrow
                    }
                }
                ErrorKind::WriteTimeout { write_type, .. } => {
                    if first && *write_type == WriteType::BatchLog {
                        RetryDecision::RetrySameHost(None)
                    } else {
                        RetryDecision::Rethrow
                    }
                }
                ErrorKind::Unavailable { .. } => {
                    if first {
                        RetryDecision::RetryNextHost(None)
                    } else {
                        RetryDecision::Rethrow
                    }
                }
                ErrorKind::IsBootstrapping => RetryDecision::RetryNextHost(None),
                ErrorKind::Overloaded | ErrorKind::ServerError => next_host_if_idempotent(request),
                _ => RetryDecision::Rethrow,
            },
            QueryError::Timeout { .. } => next_host_if_idempotent(request),
            QueryError::Connection(error) if before_sending(error) => {
                RetryDecision::RetryNextHost(None)
            }
            QueryError::Connection(_) => next_host_if_idempotent(request),
            QueryError::Busy { .. } => RetryDecision::RetryNextHost(None),
            _ => RetryDecision::Rethrow,
        }
    }
}

/// The [`DefaultRetryPolicy`]'s retries, plus retries at a lower consistency
/// when the requested one cannot be reached, as java-driver 2.x's policy of
/// that name does.
///
/// **Beware:** a read or write at a lowered consistency may not see (or be
/// seen by) other requests as the requested consistency promises; a QUORUM
/// read may miss a QUORUM write. Use it only if that is acceptable, and
/// preferably log when it happens.
///
/// The lower consistency is the highest one the replicas known to be fine
/// can satisfy: THREE for 3 or more, TWO for 2, ONE for 1; with none, the
/// error is rethrown. Decisions, all only on the first failure
/// (`retry_count == 0`, otherwise rethrow):
///
/// | Error | Decision |
/// |---|---|
/// | Read_timeout at SERIAL / LOCAL_SERIAL | rethrow: a serial read is never downgraded |
/// | Read_timeout, `received < block_for` | the same host, at the consistency `received` replicas satisfy |
/// | Read_timeout, enough answers but no data | the same host, same consistency |
/// | Read_timeout, data present | rethrow |
/// | Write_timeout, statement not idempotent | rethrow |
/// | Write_timeout `SIMPLE` / `BATCH` | ignore (report success) if at least one replica acknowledged: the write will reach the others; else rethrow |
/// | Write_timeout `UNLOGGED_BATCH` | the same host, at the consistency `received` replicas satisfy (some of the batch may not be applied) |
/// | Write_timeout `BATCH_LOG` | the same host, same consistency |
/// | Write_timeout `COUNTER` / `CAS` | rethrow |
/// | Unavailable at SERIAL / LOCAL_SERIAL | rethrow |
/// | Unavailable | the same host, at the consistency `alive` replicas satisfy |
/// | anything else | as [`DefaultRetryPolicy`] |
///
/// A consistency counts as serial if the attempt ran at one or the error
/// reports one.
#[derive(Debug, Default, Clone, Copy)]
pub struct DowngradingConsistencyRetryPolicy;

impl DowngradingConsistencyRetryPolicy {
    /// The downgrading retry policy.
    pub fn new() -> Self {
        DowngradingConsistencyRetryPolicy
    }
}

/// A retry on the same host at the highest consistency `known_ok` replicas
/// can satisfy, or rethrow when there are none.
fn downgrade(known_ok: i32) -> RetryDecision {
    let consistency = match known_ok {
        n if n >= 3 => Consistency::Three,
        2 => Consistency::Two,
        1 => Consistency::One,
        _ => return RetryDecision::Rethrow,
    };
    RetryDecision::RetrySameHost(Some(consistency))
}

impl RetryPolicy for DowngradingConsistencyRetryPolicy {
    fn decide(&self, request: &RetryRequest<'_>) -> RetryDecision {
        let Some(kind) = request.error.kind() else {
            return DefaultRetryPolicy.decide(request);
        };
        let first = request.retry_count == 0;
        let serial =
            |reported: &Consistency| request.consistency.is_serial() || reported.is_serial();
        match kind {
            ErrorKind::ReadTimeout {
                consistency,
                received,
                block_for,
                data_present,
            } => {
                if !first || serial(consistency) {
                    RetryDecision::Rethrow
                } else if received < block_for {
                    downgrade(*received)
                } else if !data_present {
                    RetryDecision::RetrySameHost(None)
                } else {
                    RetryDecision::Rethrow
                }
            }
            ErrorKind::WriteTimeout {
                received,
                write_type,
                ..
            } => {
                if !first || !request.is_idempotent {
                    return RetryDecision::Rethrow;
                }
                match write_type {
                    WriteType::Simple | WriteType::Batch if *received > 0 => RetryDecision::Ignore,
                    WriteType::UnloggedBatch => downgrade(*received),
                    WriteType::BatchLog => RetryDecision::RetrySameHost(None),
                    _ => RetryDecision::Rethrow,
                }
            }
            ErrorKind::Unavailable {
                consistency, alive, ..
            } => {
                if !first || serial(consistency) {
                    RetryDecision::Rethrow
                } else {
                    downgrade(*alive)
                }
            }
            _ => DefaultRetryPolicy.decide(request),
        }
    }
}

/// Never retries: every error goes to the caller, for applications that
/// retry themselves.
#[derive(Debug, Default, Clone, Copy)]
pub struct FallthroughRetryPolicy;

impl FallthroughRetryPolicy {
    /// The fallthrough retry policy.
    pub fn new() -> Self {
        FallthroughRetryPolicy
    }
}

impl RetryPolicy for FallthroughRetryPolicy {
    fn decide(&self, _request: &RetryRequest<'_>) -> RetryDecision {
        RetryDecision::Rethrow
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::Duration;

    use bytes::Bytes;
    use cql_protocol::message::response::ErrorResponse;

    use super::*;
    use crate::error::NoHostAvailable;

    use Consistency::*;
    use RetryDecision::*;

    const NEXT: RetryDecision = RetryNextHost(None);
    const SAME: RetryDecision = RetrySameHost(None);

    fn server(kind: ErrorKind) -> QueryError {
        QueryError::Server(ErrorResponse::new(kind, "test"))
    }

    fn read_timeout(received: i32, block_for: i32, data_present: bool) -> QueryError {
        read_timeout_at(Quorum, received, block_for, data_present)
    }

    fn read_timeout_at(
        consistency: Consistency,
        received: i32,
        block_for: i32,
        data_present: bool,
    ) -> QueryError {
        server(ErrorKind::ReadTimeout {
            consistency,
            received,
            block_for,
            data_present,
        })
    }

    fn write_timeout(write_type: WriteType, received: i32, block_for: i32) -> QueryError {
        server(ErrorKind::WriteTimeout {
            consistency: Quorum,
            received,
            block_for,
            write_type,
        })
    }

    fn unavailable_at(consistency: Consistency, required: i32, alive: i32) -> QueryError {
        server(ErrorKind::Unavailable {
            consistency,
            required,
            alive,
        })
    }

    fn unavailable(required: i32, alive: i32) -> QueryError {
        unavailable_at(Quorum, required, alive)
    }

    fn address() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 9042))
    }

    fn timeout() -> QueryError {
        QueryError::Timeout {
            address: address(),
            timeout: Duration::from_secs(12),
        }
    }

    fn busy() -> QueryError {
        QueryError::Busy {
            address: address(),
            timeout: Duration::from_secs(12),
        }
    }

    fn broken() -> QueryError {
        QueryError::Connection(ConnectionError::Io {
            address: address(),
            source: Arc::new(io::Error::other("reset")),
        })
    }

    fn closed() -> QueryError {
        QueryError::Connection(ConnectionError::Closed {
            address: address(),
            reason: "shut down".into(),
        })
    }

    fn refused() -> QueryError {
        QueryError::Connection(ConnectionError::Connect {
            address: address(),
            source: Arc::new(io::Error::from(io::ErrorKind::ConnectionRefused)),
        })
    }

    fn auth_failed() -> QueryError {
        QueryError::Connection(ConnectionError::Auth {
            address: address(),
            message: "bad credentials".into(),
        })
    }

    /// Errors every policy rethrows, whatever the statement.
    fn fatal() -> Vec<(&'static str, QueryError)> {
        vec![
            ("Invalid", server(ErrorKind::Invalid)),
            ("Syntax_error", server(ErrorKind::SyntaxError)),
            ("Unauthorized", server(ErrorKind::Unauthorized)),
            ("Config_error", server(ErrorKind::ConfigError)),
            ("Protocol_error", server(ErrorKind::ProtocolError)),
            ("Bad_credentials", server(ErrorKind::BadCredentials)),
            ("Truncate_error", server(ErrorKind::TruncateError)),
            (
                "Already_exists",
                server(ErrorKind::AlreadyExists {
                    keyspace: "ks".into(),
                    table: "t".into(),
                }),
            ),
            (
                "Unprepared",
                server(ErrorKind::Unprepared {
                    id: Bytes::from_static(b"\x01"),
                }),
            ),
            (
                "NoHostAvailable",
                QueryError::NoHostAvailable(NoHostAvailable::default()),
            ),
            ("client Invalid", QueryError::Invalid("bad".into())),
            ("SessionClosed", QueryError::SessionClosed),
        ]
    }

    fn decide(
        policy: &dyn RetryPolicy,
        error: &QueryError,
        consistency: Consistency,
        is_idempotent: bool,
        retry_count: u32,
    ) -> RetryDecision {
        policy.decide(&RetryRequest {
            error,
            consistency,
            is_idempotent,
            retry_count,
        })
    }

    /// (case, error, idempotent, retry count, decision), run at QUORUM.
    type Case = (&'static str, QueryError, bool, u32, RetryDecision);

    fn check(policy: &dyn RetryPolicy, cases: &[Case]) {
        for (name, error, idempotent, retry_count, expected) in cases {
            let got = decide(policy, error, Quorum, *idempotent, *retry_count);
            assert_eq!(
                got, *expected,
                "{policy:?}: {name} (idempotent: {idempotent}, retry {retry_count})"
            );
        }
    }

    /// The cases where the default and downgrading policies agree.
    fn shared_cases() -> Vec<Case> {
        let mut cases: Vec<Case> = vec![
            // Read timeout: enough replicas, no data → same host, once.
            (
                "read: enough, no data",
                read_timeout(2, 2, false),
                false,
                0,
                SAME,
            ),
            (
                "read: more than enough",
                read_timeout(3, 2, false),
                true,
                0,
                SAME,
            ),
            (
                "read: enough, no data, retried",
                read_timeout(2, 2, false),
                true,
                1,
                Rethrow,
            ),
            (
                "read: enough, data",
                read_timeout(2, 2, true),
                true,
                0,
                Rethrow,
            ),
            // Write timeout of the batch log → same host, once.
            (
                "write: batch log",
                write_timeout(WriteType::BatchLog, 0, 1),
                true,
                0,
                SAME,
            ),
            (
                "write: batch log, retried",
                write_timeout(WriteType::BatchLog, 0, 1),
                true,
                1,
                Rethrow,
            ),
            (
                "write: counter",
                write_timeout(WriteType::Counter, 1, 2),
                true,
                0,
                Rethrow,
            ),
            (
                "write: cas",
                write_timeout(WriteType::Cas, 1, 2),
                true,
                0,
                Rethrow,
            ),
            (
                "write: simple, none",
                write_timeout(WriteType::Simple, 0, 2),
                true,
                0,
                Rethrow,
            ),
            // Coordinator errors.
            (
                "bootstrapping",
                server(ErrorKind::IsBootstrapping),
                false,
                0,
                NEXT,
            ),
            (
                "bootstrapping, retried",
                server(ErrorKind::IsBootstrapping),
                false,
                3,
                NEXT,
            ),
            (
                "overloaded, idempotent",
                server(ErrorKind::Overloaded),
                true,
                0,
                NEXT,
            ),
            (
                "overloaded, retried",
                server(ErrorKind::Overloaded),
                true,
                2,
                NEXT,
            ),
            (
                "overloaded",
                server(ErrorKind::Overloaded),
                false,
                0,
                Rethrow,
            ),
            (
                "server error, idempotent",
                server(ErrorKind::ServerError),
                true,
                0,
                NEXT,
            ),
            (
                "server error",
                server(ErrorKind::ServerError),
                false,
                0,
                Rethrow,
            ),
            // Client-side errors.
            ("timeout, idempotent", timeout(), true, 0, NEXT),
            ("timeout, idempotent, retried", timeout(), true, 4, NEXT),
            ("timeout", timeout(), false, 0, Rethrow),
            ("broken connection, idempotent", broken(), true, 0, NEXT),
            ("broken connection", broken(), false, 0, Rethrow),
            ("closed connection", closed(), false, 0, Rethrow),
            ("closed connection, idempotent", closed(), true, 0, NEXT),
            ("connect refused", refused(), false, 0, NEXT),
            ("auth failed", auth_failed(), false, 1, NEXT),
            ("busy", busy(), false, 0, NEXT),
            ("busy, retried", busy(), false, 5, NEXT),
        ];
        for (name, error) in fatal() {
            cases.push((name, error.clone(), true, 0, Rethrow));
            cases.push((name, error, false, 0, Rethrow));
        }
        cases
    }

    #[test]
    fn default_policy_decisions() {
        let policy = DefaultRetryPolicy::new();
        check(&policy, &shared_cases());
        check(
            &policy,
            &[
                // Never downgrades: too few answers is rethrown.
                ("read: too few", read_timeout(1, 2, false), true, 0, Rethrow),
                (
                    "read: too few, data",
                    read_timeout(1, 2, true),
                    true,
                    0,
                    Rethrow,
                ),
                (
                    "write: simple",
                    write_timeout(WriteType::Simple, 1, 2),
                    true,
                    0,
                    Rethrow,
                ),
                (
                    "write: batch",
                    write_timeout(WriteType::Batch, 1, 2),
                    true,
                    0,
                    Rethrow,
                ),
                (
                    "write: unlogged batch",
                    write_timeout(WriteType::UnloggedBatch, 1, 2),
                    true,
                    0,
                    Rethrow,
                ),
                // The batch log retry does not need idempotence.
                (
                    "write: batch log",
                    write_timeout(WriteType::BatchLog, 0, 1),
                    false,
                    0,
                    SAME,
                ),
                // Unavailable → next host, once.
                ("unavailable", unavailable(2, 1), false, 0, NEXT),
                ("unavailable, none alive", unavailable(2, 0), false, 0, NEXT),
                ("unavailable, retried", unavailable(2, 1), true, 1, Rethrow),
            ],
        );
        // Serial consistencies change nothing for it.
        assert_eq!(
            decide(&policy, &unavailable_at(Serial, 2, 1), Serial, false, 0),
            NEXT
        );
    }

    #[test]
    fn downgrading_policy_decisions() {
        let policy = DowngradingConsistencyRetryPolicy::new();
        check(&policy, &shared_cases());
        check(
            &policy,
            &[
                // Read timeout with too few answers: downgrade to what answered.
                ("read: 0 of 2", read_timeout(0, 2, false), false, 0, Rethrow),
                (
                    "read: 1 of 2",
                    read_timeout(1, 2, false),
                    false,
                    0,
                    RetrySameHost(Some(One)),
                ),
                (
                    "read: 1 of 2, data",
                    read_timeout(1, 2, true),
                    false,
                    0,
                    RetrySameHost(Some(One)),
                ),
                (
                    "read: 2 of 3",
                    read_timeout(2, 3, false),
                    false,
                    0,
                    RetrySameHost(Some(Two)),
                ),
                (
                    "read: 3 of 4",
                    read_timeout(3, 4, true),
                    false,
                    0,
                    RetrySameHost(Some(Three)),
                ),
                (
                    "read: 5 of 6",
                    read_timeout(5, 6, false),
                    false,
                    0,
                    RetrySameHost(Some(Three)),
                ),
                (
                    "read: 1 of 2, retried",
                    read_timeout(1, 2, false),
                    false,
                    1,
                    Rethrow,
                ),
                (
                    "read: negative",
                    read_timeout(-1, 2, false),
                    false,
                    0,
                    Rethrow,
                ),
                // Write timeouts, idempotent statements only.
                (
                    "write: simple, 1 acked",
                    write_timeout(WriteType::Simple, 1, 2),
                    true,
                    0,
                    Ignore,
                ),
                (
                    "write: batch, 2 acked",
                    write_timeout(WriteType::Batch, 2, 3),
                    true,
                    0,
                    Ignore,
                ),
                (
                    "write: batch, none",
                    write_timeout(WriteType::Batch, 0, 3),
                    true,
                    0,
                    Rethrow,
                ),
                (
                    "write: simple, retried",
                    write_timeout(WriteType::Simple, 1, 2),
                    true,
                    1,
                    Rethrow,
                ),
                (
                    "write: simple, not idempotent",
                    write_timeout(WriteType::Simple, 1, 2),
                    false,
                    0,
                    Rethrow,
                ),
                (
                    "write: unlogged batch, 1 acked",
                    write_timeout(WriteType::UnloggedBatch, 1, 3),
                    true,
                    0,
                    RetrySameHost(Some(One)),
                ),
                (
                    "write: unlogged batch, 2 acked",
                    write_timeout(WriteType::UnloggedBatch, 2, 3),
                    true,
                    0,
                    RetrySameHost(Some(Two)),
                ),
                (
                    "write: unlogged batch, 4 acked",
                    write_timeout(WriteType::UnloggedBatch, 4, 5),
                    true,
                    0,
                    RetrySameHost(Some(Three)),
                ),
                (
                    "write: unlogged batch, none",
                    write_timeout(WriteType::UnloggedBatch, 0, 3),
                    true,
                    0,
                    Rethrow,
                ),
                (
                    "write: unlogged batch, not idempotent",
                    write_timeout(WriteType::UnloggedBatch, 1, 3),
                    false,
                    0,
                    Rethrow,
                ),
                (
                    "write: unlogged batch, retried",
                    write_timeout(WriteType::UnloggedBatch, 1, 3),
                    true,
                    1,
                    Rethrow,
                ),
                (
                    "write: batch log, not idempotent",
                    write_timeout(WriteType::BatchLog, 0, 1),
                    false,
                    0,
                    Rethrow,
                ),
                // Unavailable: same host at what is alive, once.
                ("unavailable: 0 alive", unavailable(2, 0), true, 0, Rethrow),
                (
                    "unavailable: 1 alive",
                    unavailable(2, 1),
                    false,
                    0,
                    RetrySameHost(Some(One)),
                ),
                (
                    "unavailable: 2 alive",
                    unavailable(3, 2),
                    false,
                    0,
                    RetrySameHost(Some(Two)),
                ),
                (
                    "unavailable: 3 alive",
                    unavailable(4, 3),
                    false,
                    0,
                    RetrySameHost(Some(Three)),
                ),
                (
                    "unavailable: 9 alive",
                    unavailable(10, 9),
                    false,
                    0,
                    RetrySameHost(Some(Three)),
                ),
                ("unavailable: retried", unavailable(2, 1), true, 1, Rethrow),
            ],
        );
    }

    #[test]
    fn downgrading_never_downgrades_serial() {
        let policy = DowngradingConsistencyRetryPolicy::new();
        for serial in [Serial, LocalSerial] {
            // Reported by the server...
            let reported = [
                read_timeout_at(serial, 1, 2, false),
                read_timeout_at(serial, 2, 2, false),
                unavailable_at(serial, 2, 1),
            ];
            for error in &reported {
                assert_eq!(decide(&policy, error, Quorum, true, 0), Rethrow, "{error}");
            }
            // ...or the attempt's own consistency.
            assert_eq!(
                decide(&policy, &unavailable(2, 1), serial, true, 0),
                Rethrow
            );
            assert_eq!(
                decide(&policy, &read_timeout(1, 2, false), serial, true, 0),
                Rethrow
            );
        }
        // Non-serial local levels are downgraded as any other.
        assert_eq!(
            decide(
                &policy,
                &unavailable_at(LocalQuorum, 2, 1),
                LocalQuorum,
                false,
                0
            ),
            RetrySameHost(Some(One))
        );
    }

    #[test]
    fn fallthrough_rethrows_everything() {
        let policy = FallthroughRetryPolicy::new();
        let mut errors: Vec<QueryError> = fatal().into_iter().map(|(_, e)| e).collect();
        errors.extend([
            read_timeout(2, 2, false),
            read_timeout(1, 2, false),
            write_timeout(WriteType::BatchLog, 0, 1),
            write_timeout(WriteType::Simple, 1, 2),
            unavailable(2, 1),
            server(ErrorKind::IsBootstrapping),
            server(ErrorKind::Overloaded),
            timeout(),
            busy(),
            broken(),
            refused(),
        ]);
        for error in &errors {
            for idempotent in [false, true] {
                for retry_count in [0, 1, u32::MAX] {
                    assert_eq!(
                        decide(&policy, error, One, idempotent, retry_count),
                        Rethrow,
                        "{error}"
                    );
                }
            }
        }
    }

    #[test]
    fn policies_are_usable_as_trait_objects() {
        let policies: Vec<Box<dyn RetryPolicy>> = vec![
            Box::new(DefaultRetryPolicy),
            Box::new(DowngradingConsistencyRetryPolicy),
            Box::new(FallthroughRetryPolicy),
        ];
        let decisions: Vec<RetryDecision> = policies
            .iter()
            .map(|p| decide(p.as_ref(), &unavailable(2, 1), Quorum, false, 0))
            .collect();
        assert_eq!(decisions, [NEXT, RetrySameHost(Some(One)), Rethrow]);
    }
}
