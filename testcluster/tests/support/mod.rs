//! Helpers shared by the integration tests: a raw CQL client over any
//! stream (plain TCP or TLS), built on cql-protocol's codec, and the CLI's
//! control-port helpers. Include with `mod support;`.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use cql_protocol::message::request::{EventType, Query, Register, Request, Startup};
use cql_protocol::message::response::{Event, Response};
use cql_protocol::message::{RequestFrame, ResponseFrame};
use cql_protocol::{Consistency, Direction, Frame, FrameDecoder, MessageCodec, ProtocolVersion};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a client waits to connect or for an answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A raw client connection: frames encoded and decoded by cql-protocol.
pub struct Client<S = TcpStream> {
    /// The connection (plain TCP or TLS).
    pub socket: S,
    /// The connection's codec (tests change its compression).
    pub codec: MessageCodec,
    /// Splits the received bytes into frames.
    pub decoder: FrameDecoder,
    /// Bytes received but not yet decoded.
    pub buf: BytesMut,
}

impl Client<TcpStream> {
    /// Connects to `addr` and speaks `version`, without any handshake.
    pub async fn connect(addr: SocketAddr, version: ProtocolVersion) -> Self {
        let socket = tokio::time::timeout(TIMEOUT, TcpStream::connect(addr))
            .await
            .expect("connect timed out")
            .expect("connect");
        Client::new(socket, version)
    }

    /// Connects, sends STARTUP on stream 1 and expects READY.
    pub async fn ready(addr: SocketAddr, version: ProtocolVersion) -> Self {
        let mut client = Client::connect(addr, version).await;
        let ready = client
            .request(1, Request::Startup(Startup::new("3.0.0")))
            .await;
        assert_eq!(ready.response, Response::Ready);
        client
    }

    /// Connects and handshakes as drivers do: OPTIONS on stream 0 (expects
    /// SUPPORTED), then STARTUP on stream 1 (expects READY).
    pub async fn handshake(addr: SocketAddr, version: ProtocolVersion) -> Self {
        let mut client = Client::connect(addr, version).await;
        client.expect_handshake().await;
        client
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// A client over an already connected `socket`.
    pub fn new(socket: S, version: ProtocolVersion) -> Self {
        Client {
            socket,
            codec: MessageCodec::new(version),
            decoder: FrameDecoder::new().with_direction(Direction::Response),
            buf: BytesMut::new(),
        }
    }

    /// OPTIONS on stream 0, expecting SUPPORTED; STARTUP on stream 1,
    /// expecting READY.
    pub async fn expect_handshake(&mut self) {
        let supported = self.request(0, Request::Options).await;
        assert!(
            matches!(supported.response, Response::Supported(_)),
            "{supported:?}"
        );
        let ready = self
            .request(1, Request::Startup(Startup::new("3.0.0")))
            .await;
        assert_eq!(ready.response, Response::Ready);
    }

    /// Sends one frame.
    pub async fn send_frame(&mut self, frame: RequestFrame) {
        let mut out = BytesMut::new();
        self.codec.encode_request(&frame, &mut out).unwrap();
        self.send_raw(&out).await;
    }

    /// Sends `request` on `stream`.
    pub async fn send(&mut self, stream: i16, request: Request) {
        self.send_frame(RequestFrame::new(stream, request)).await;
    }

    /// Sends bytes as they are.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.socket.write_all(bytes).await.unwrap();
        self.socket.flush().await.unwrap();
    }

    /// The next undecoded frame (header flags included), or `None` once the
    /// server closed the connection.
    async fn next_frame(&mut self) -> Option<Frame> {
        tokio::time::timeout(TIMEOUT, async {
            loop {
                if let Some(frame) = self.decoder.decode(&mut self.buf).unwrap() {
                    return Some(frame);
                }
                match self.socket.read_buf(&mut self.buf).await {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                }
            }
        })
        .await
        .expect("no response in time")
    }

    /// The next response, or `None` once the server closed the connection.
    pub async fn try_recv(&mut self) -> Option<ResponseFrame> {
        let frame = self.next_frame().await?;
        Some(self.codec.decode_response(frame).unwrap())
    }

    /// The next response.
    pub async fn recv(&mut self) -> ResponseFrame {
        self.try_recv()
            .await
            .expect("connection closed while waiting for a response")
    }

    /// The next frame, undecoded (header flags included).
    pub async fn recv_frame(&mut self) -> Frame {
        self.next_frame()
            .await
            .expect("connection closed while waiting for a frame")
    }

    /// Sends `request` on `stream` and returns the answer, which must carry
    /// the same stream id.
    pub async fn request(&mut self, stream: i16, request: Request) -> ResponseFrame {
        self.send(stream, request).await;
        let response = self.recv().await;
        assert_eq!(response.stream, stream);
        response
    }

    /// Runs `text` as a QUERY at `consistency` on `stream`.
    pub async fn query(
        &mut self,
        stream: i16,
        text: &str,
        consistency: Consistency,
    ) -> ResponseFrame {
        self.request(stream, Request::Query(Query::new(text, consistency)))
            .await
    }

    /// Waits for the server to close the connection (EOF or reset).
    pub async fn expect_closed(&mut self) {
        let closed = tokio::time::timeout(TIMEOUT, async {
            loop {
                match self.socket.read_buf(&mut self.buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "the server did not close the connection");
    }

    /// REGISTERs for every event type on `stream`.
    pub async fn register_all(&mut self, stream: i16) {
        let response = self
            .request(
                stream,
                Request::Register(Register::new(vec![
                    EventType::TopologyChange,
                    EventType::StatusChange,
                    EventType::SchemaChange,
                ])),
            )
            .await;
        assert_eq!(response.response, Response::Ready);
    }

    /// The next frame, which must be an event on stream -1.
    pub async fn event(&mut self) -> Event {
        let frame = self.recv().await;
        assert_eq!(frame.stream, -1);
        match frame.response {
            Response::Event(e) => e,
            other => panic!("expected an event, got {other:?}"),
        }
    }
}

/// Reads a line of the CLI's output, without its line ending.
pub fn read_line(reader: &mut impl BufRead) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    line.trim_end().to_owned()
}

/// Sends one command to the CLI's control port and reads its one-line reply.
pub fn control(
    stream: &mut std::net::TcpStream,
    reader: &mut impl BufRead,
    command: &str,
) -> String {
    writeln!(stream, "{command}").unwrap();
    read_line(reader)
}
