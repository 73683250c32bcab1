//! A test-cluster node fed arbitrary bytes on a real connection: it must
//! never panic, and must keep serving others.
//!
//! One 1-node cluster on 127.0.0.1 (a free port) runs for the whole fuzzing
//! session. Each input is written on a fresh connection, which is then
//! half-closed and read until the node closes it (or a short timeout); then
//! a second, fresh connection must get SUPPORTED for an OPTIONS.
//!
//! The first input byte picks how the rest is written: below 128, in one
//! write; otherwise split at a position proportional to the byte, with a
//! pause in between so the node reads the two parts separately.
#![no_main]

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::BytesMut;
use cql_protocol::message::request::Request;
use cql_protocol::message::response::Response;
use cql_protocol::message::{MessageCodec, RequestFrame};
use cql_protocol::{FrameDecoder, ProtocolVersion};
use cql_testcluster::cluster::TestCluster;
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

/// How long the fuzzed connection is read before giving up on the node
/// closing it.
const READ_TIMEOUT: Duration = Duration::from_millis(200);
/// How long the health check may take: a node that cannot answer an OPTIONS
/// on a fresh connection in this time is broken.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

struct Server {
    runtime: Runtime,
    address: SocketAddr,
    // Kept alive for the whole session.
    _cluster: TestCluster,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let cluster = runtime
            .block_on(TestCluster::builder().nodes(1).port(0).start())
            .expect("test cluster starts");
        let address = cluster.contact_points()[0];
        Server {
            runtime,
            address,
            _cluster: cluster,
        }
    })
}

/// Writes `data` on a fresh connection, half-closes it and reads until the
/// node closes its side, an error, or [`READ_TIMEOUT`].
async fn feed(address: SocketAddr, data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(mut stream) = TcpStream::connect(address).await else {
        panic!("the node refused a connection");
    };
    let _ = stream.set_nodelay(true);
    let cut = if selector < 128 {
        rest.len()
    } else {
        usize::from(selector - 128) * rest.len() / 128
    };
    let (head, tail) = rest.split_at(cut);
    // The node may close early (after a fatal protocol error): write
    // failures are expected.
    let mut written = stream.write_all(head).await.is_ok();
    if written && !tail.is_empty() {
        tokio::time::sleep(Duration::from_millis(1)).await;
        written = stream.write_all(tail).await.is_ok();
    }
    if written {
        let _ = stream.shutdown().await;
    }
    let mut scratch = vec![0u8; 64 * 1024];
    let _ = tokio::time::timeout(READ_TIMEOUT, async {
        while let Ok(n) = stream.read(&mut scratch).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// A fresh connection gets SUPPORTED for an OPTIONS on stream 1.
async fn check_serving(address: SocketAddr) -> Result<(), String> {
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let codec = MessageCodec::new(ProtocolVersion::V2);
    let mut out = BytesMut::new();
    codec
        .encode_request(&RequestFrame::new(1, Request::Options), &mut out)
        .map_err(|e| format!("encode: {e}"))?;
    stream
        .write_all(&out)
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut buf = BytesMut::with_capacity(1024);
    let mut decoder = FrameDecoder::new();
    let frame = loop {
        if let Some(frame) = decoder
            .decode(&mut buf)
            .map_err(|e| format!("framing: {e}"))?
        {
            break frame;
        }
        match stream.read_buf(&mut buf).await {
            Ok(0) => return Err("the node closed the connection".into()),
            Ok(_) => {}
            Err(e) => return Err(format!("read: {e}")),
        }
    };
    let response = codec
        .decode_response(frame)
        .map_err(|e| format!("decode: {e}"))?;
    match response.response {
        Response::Supported(_) if response.stream == 1 => Ok(()),
        other => Err(format!(
            "expected SUPPORTED on stream 1, got {other:?} on stream {}",
            response.stream
        )),
    }
}

fuzz_target!(|data: &[u8]| {
    let server = server();
    server.runtime.block_on(async {
        feed(server.address, data).await;
        match tokio::time::timeout(CHECK_TIMEOUT, check_serving(server.address)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("the node stopped serving: {e}"),
            Err(_) => panic!("the node did not answer OPTIONS within {CHECK_TIMEOUT:?}"),
        }
    });
});
