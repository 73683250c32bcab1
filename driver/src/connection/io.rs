//! The socket (plain TCP or TLS) and the reader and writer tasks.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use cql_protocol::frame::reserve_read_ahead;
use cql_protocol::message::response::Response;
use cql_protocol::{Direction, Frame, FrameDecoder, MessageCodec};

use super::{ConnectionConfig, Shared};
use crate::error::ConnectionError;

/// A connected socket, with or without TLS.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// Connects to `address`, with TLS when the config has it.
pub(crate) async fn connect(
    address: SocketAddr,
    config: &ConnectionConfig,
) -> Result<Stream, ConnectionError> {
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|e| ConnectionError::Connect {
            address,
            source: Arc::new(e),
        })?;
    // Requests are small and latency matters more than packet count; the
    // writer coalesces frames itself.
    let _ = tcp.set_nodelay(true);
    let Some(tls) = &config.tls else {
        return Ok(Stream::Plain(tcp));
    };
    let name = rustls::pki_types::ServerName::IpAddress(address.ip().into());
    let connector = tokio_rustls::TlsConnector::from(tls.clone());
    let stream = connector
        .connect(name, tcp)
        .await
        .map_err(|e| ConnectionError::Tls {
            address,
            source: Arc::new(e),
        })?;
    Ok(Stream::Tls(Box::new(stream)))
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The largest single write: beyond it the writer sends what it has and
/// comes back for the rest.
const MAX_WRITE: usize = 256 * 1024;

/// Sends whatever callers appended to the write buffer, in as few writes as
/// possible, until the connection fails.
pub(crate) async fn write_loop(shared: Arc<Shared>, mut writer: WriteHalf<Stream>) {
    let mut chunk = BytesMut::new();
    loop {
        let closed = shared.is_closed.load(std::sync::atomic::Ordering::Acquire);
        {
            let mut buf = shared.write_buf.lock().unwrap_or_else(|p| p.into_inner());
            if buf.len() <= MAX_WRITE {
                std::mem::swap(&mut *buf, &mut chunk);
            } else {
                chunk.extend_from_slice(&buf.split_to(MAX_WRITE));
            }
        }
        if closed {
            return;
        }
        if chunk.is_empty() {
            shared.write_ready.notified().await;
            continue;
        }
        let result = async {
            writer.write_all(&chunk).await?;
            writer.flush().await
        }
        .await;
        chunk.clear();
        if let Err(e) = result {
            shared.fail(ConnectionError::Io {
                address: shared.address,
                source: Arc::new(e),
            });
            return;
        }
    }
}

/// Reads frames and hands each to its waiter until the connection fails.
pub(crate) async fn read_loop(shared: Arc<Shared>, mut reader: ReadHalf<Stream>, max_frame: usize) {
    let address = shared.address;
    let mut decoder = FrameDecoder::new()
        .with_direction(Direction::Response)
        .with_max_frame_size(max_frame);
    let mut buf = BytesMut::with_capacity(64 * 1024);
    loop {
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => {
                    shared.touch();
                    dispatch(&shared, frame);
                }
                Ok(None) => break,
                Err(source) => {
                    shared.fail(ConnectionError::Decode { address, source });
                    return;
                }
            }
        }
        let missing = match decoder.peek_header(&buf) {
            Ok(Some(header)) => {
                (header.length as usize + shared.version.header_len()).saturating_sub(buf.len())
            }
            _ => 0,
        };
        reserve_read_ahead(&mut buf, missing.max(4096));
        match reader.read_buf(&mut buf).await {
            Ok(0) => {
                shared.fail(ConnectionError::Closed {
                    address,
                    reason: "the server closed the connection".into(),
                });
                return;
            }
            Ok(_) => {}
            Err(e) => {
                shared.fail(ConnectionError::Io {
                    address,
                    source: Arc::new(e),
                });
                return;
            }
        }
    }
}

fn dispatch(shared: &Shared, frame: Frame) {
    let address = shared.address;
    let stream = frame.header.stream;
    // A server refusing our version answers in its own (e.g. a v1 frame to
    // a v2 STARTUP); its ERROR body reads the same in every version.
    let decoded = if frame.header.version == shared.version {
        shared.codec.decode_response(frame)
    } else {
        MessageCodec::new(frame.header.version).decode_response(frame)
    };
    if stream < 0 {
        match decoded {
            Ok(response) => match response.response {
                Response::Event(event) => match &shared.events {
                    Some(events) => {
                        if events.try_send(event).is_err() {
                            tracing::warn!(%address, "event queue full or closed; event dropped");
                        }
                    }
                    None => {
                        tracing::debug!(%address, "event on a connection that did not register")
                    }
                },
                other => {
                    tracing::warn!(%address, stream, opcode = %other.opcode().name(), "unexpected message on a negative stream")
                }
            },
            Err(error) => tracing::warn!(%address, %error, "undecodable event"),
        }
        return;
    }
    let Some(waiter) = shared.streams().complete(stream) else {
        tracing::warn!(%address, stream, "response on a stream with no request; ignored");
        return;
    };
    let reply = decoded.map_err(|source| ConnectionError::Decode { address, source });
    // The waiter may have timed out and gone: the id is free again anyway.
    let _ = waiter.send(reply);
}
