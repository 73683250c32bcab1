//! TLS: a node with a [`TlsConfig`] speaks CQL only after a rustls
//! handshake; plain-TCP clients get no CQL answer and do not disturb the
//! node; the CLI serves TLS with `--tls-cert`/`--tls-key`.

mod support;

use std::io::BufReader;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use cql_protocol::message::request::Request;
use cql_protocol::message::response::{Response, ResultBody};
use cql_protocol::message::RequestFrame;
use cql_protocol::{Consistency, Direction, FrameDecoder, MessageCodec, ProtocolVersion};
use cql_testcluster::cluster::TestCluster;
use cql_testcluster::server::{TlsConfig, TlsError};
use rustls::pki_types::{CertificateDer, ServerName};
use support::{read_line, Client, TIMEOUT};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A self-signed certificate for localhost and 127.0.0.1: (cert PEM, key
/// PEM, cert DER).
fn self_signed() -> (String, String, CertificateDer<'static>) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    (
        certified.cert.pem(),
        certified.key_pair.serialize_pem(),
        certified.cert.der().clone(),
    )
}

fn connector(trusted: CertificateDer<'static>) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn tls_client(
    addr: SocketAddr,
    trusted: CertificateDer<'static>,
) -> Client<impl AsyncRead + AsyncWrite + Unpin> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let stream = tokio::time::timeout(TIMEOUT, connector(trusted).connect(name, tcp))
        .await
        .expect("TLS handshake timed out")
        .expect("TLS handshake");
    Client::new(stream, ProtocolVersion::V2)
}

/// OPTIONS, STARTUP and `SELECT key FROM system.local` over `client`.
async fn handshake_and_query<S: AsyncRead + AsyncWrite + Unpin>(mut client: Client<S>) {
    client.expect_handshake().await;
    let result = client
        .query(2, "SELECT key FROM system.local", Consistency::One)
        .await;
    match result.response {
        Response::Result(ResultBody::Rows(rows)) => {
            let values: Vec<Option<Vec<u8>>> = rows
                .iter()
                .map(|row| row.get(0).flatten().map(<[u8]>::to_vec))
                .collect();
            assert_eq!(values, vec![Some(b"local".to_vec())], "{rows:?}");
        }
        other => panic!("expected rows, got {other:?}"),
    }
}

#[tokio::test]
async fn tls_node_serves_tls_clients_and_refuses_plain_ones() {
    let (cert_pem, key_pem, cert_der) = self_signed();
    let tls = TlsConfig::from_pem(cert_pem.as_bytes(), key_pem.as_bytes()).unwrap();
    let cluster = TestCluster::builder().tls(tls).start().await.unwrap();
    let addr = cluster.nodes()[0].address;

    handshake_and_query(tls_client(addr, cert_der.clone()).await).await;

    // A plain client: its OPTIONS frame is not a TLS ClientHello, so the
    // handshake fails and the node closes the socket without a CQL answer.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    let mut out = BytesMut::new();
    MessageCodec::new(ProtocolVersion::V2)
        .encode_request(&RequestFrame::new(0, Request::Options), &mut out)
        .unwrap();
    plain.write_all(&out).await.unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(TIMEOUT, plain.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the node kept the plain connection open");
    let mut decoder = FrameDecoder::new().with_direction(Direction::Response);
    let mut buf = BytesMut::from(&received[..]);
    assert!(
        !matches!(decoder.decode(&mut buf), Ok(Some(_))),
        "a plain client got a CQL frame: {received:?}"
    );

    // A plain client that sends nothing and leaves does no harm either.
    drop(TcpStream::connect(addr).await.unwrap());

    // TLS clients are still served.
    handshake_and_query(tls_client(addr, cert_der.clone()).await).await;

    // A client that does not trust the certificate fails its handshake.
    let (_, _, other_der) = self_signed();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let refused = tokio::time::timeout(TIMEOUT, connector(other_der).connect(name, tcp))
        .await
        .expect("TLS handshake timed out");
    assert!(refused.is_err());

    handshake_and_query(tls_client(addr, cert_der).await).await;
    cluster.shutdown().await;
}

#[tokio::test]
async fn handshake_timeout_closes_silent_clients() {
    let (cert_pem, key_pem, cert_der) = self_signed();
    let tls = TlsConfig::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())
        .unwrap()
        .with_handshake_timeout(Duration::from_millis(200));
    let cluster = TestCluster::builder().tls(tls).start().await.unwrap();
    let addr = cluster.nodes()[0].address;
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut received = Vec::new();
    let n = tokio::time::timeout(TIMEOUT, silent.read_to_end(&mut received))
        .await
        .expect("the node did not close a silent client")
        .unwrap_or(0);
    assert_eq!(n, 0);
    handshake_and_query(tls_client(addr, cert_der).await).await;
    cluster.shutdown().await;
}

#[test]
fn bad_pem_is_reported() {
    let (cert_pem, key_pem, _) = self_signed();
    assert!(matches!(
        TlsConfig::from_pem(b"garbage", key_pem.as_bytes()),
        Err(TlsError::Certificate { .. })
    ));
    assert!(matches!(
        TlsConfig::from_pem(cert_pem.as_bytes(), b""),
        Err(TlsError::Key { .. })
    ));
    // A key that does not match the certificate.
    let (_, other_key, _) = self_signed();
    assert!(matches!(
        TlsConfig::from_pem(cert_pem.as_bytes(), other_key.as_bytes()),
        Err(TlsError::Rustls(_))
    ));
    let err =
        TlsConfig::from_pem_files("/nonexistent/cert.pem", "/nonexistent/key.pem").unwrap_err();
    assert!(err.to_string().contains("/nonexistent/cert.pem"), "{err}");
}

#[test]
fn cli_serves_tls() {
    let (cert_pem, key_pem, cert_der) = self_signed();
    let dir = std::env::temp_dir().join(format!("cql-testcluster-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert_file = dir.join("cert.pem");
    let key_file = dir.join("key.pem");
    std::fs::write(&cert_file, cert_pem).unwrap();
    std::fs::write(&key_file, key_pem).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_cql-testcluster"))
        .args(["--address", "127.0.13.1", "--port", "0", "--tls-cert"])
        .arg(&cert_file)
        .arg("--tls-key")
        .arg(&key_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let line = read_line(&mut out);
    assert!(line.starts_with("node 1 ready at 127.0.13.1:"), "{line}");
    let addr: SocketAddr = line.split_whitespace().nth(4).unwrap().parse().unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        handshake_and_query(tls_client(addr, cert_der).await).await;
    });

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "the CLI did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let _ = std::fs::remove_dir_all(&dir);

    // A certificate file that is not PEM: a clear error and exit code 1.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&cert_file, "not a certificate").unwrap();
    std::fs::write(&key_file, "not a key").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_cql-testcluster"))
        .args(["--port", "0", "--tls-cert"])
        .arg(&cert_file)
        .arg("--tls-key")
        .arg(&key_file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid certificate PEM"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
