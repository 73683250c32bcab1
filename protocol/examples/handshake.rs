//! The codec on a plain blocking socket: version negotiation, STARTUP (with
//! optional lz4 and password authentication) and one query.
//!
//! ```text
//! CQL_CONTACT_POINTS=127.0.0.1:9042 cargo run -p cql-protocol --example handshake
//! ```
//!
//! Optional: `CQL_USERNAME`/`CQL_PASSWORD`, `CQL_COMPRESSION=lz4|snappy`.
//!
//! Without `CQL_CONTACT_POINTS` there is no server to talk to (the embedded
//! test cluster is not written yet), so the example prints the frames a
//! client sends during a handshake and decodes the exact bytes Cassandra 2.0
//! sends back to a client that probes with too new a version.

use std::error::Error;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use cql_protocol::message::request::{Query, QueryParameters, Request, Startup};
use cql_protocol::message::response::{ErrorKind, Response, ResultBody};
use cql_protocol::message::{MessageCodec, RequestFrame, ResponseFrame};
use cql_protocol::value::CqlValue;
use cql_protocol::{Compression, Consistency, Direction, FrameDecoder, ProtocolVersion};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> Result<()> {
    match std::env::var("CQL_CONTACT_POINTS") {
        Ok(points) => {
            let first = points.split(',').next().unwrap_or_default().trim();
            let addr = if first.contains(':') {
                first.to_owned()
            } else {
                format!("{first}:9042")
            };
            talk_to(&addr)
        }
        Err(_) => offline_tour(),
    }
}

/// One connection: a socket, a frame decoder and the message codec.
struct Connection {
    socket: TcpStream,
    decoder: FrameDecoder,
    codec: MessageCodec,
    buf: BytesMut,
    next_stream: i16,
}

impl Connection {
    fn open(addr: &str, version: ProtocolVersion) -> Result<Self> {
        let socket = TcpStream::connect(addr)?;
        socket.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Connection {
            socket,
            decoder: FrameDecoder::new().with_direction(Direction::Response),
            codec: MessageCodec::new(version),
            buf: BytesMut::with_capacity(8192),
            next_stream: 0,
        })
    }

    fn request(&mut self, request: Request) -> Result<ResponseFrame> {
        let stream = self.next_stream;
        self.next_stream = (self.next_stream + 1) % 128;
        let mut out = BytesMut::new();
        self.codec
            .encode_request(&RequestFrame::new(stream, request), &mut out)?;
        self.socket.write_all(&out)?;
        loop {
            if let Some(frame) = self.decoder.decode(&mut self.buf)? {
                // A server that rejects our version answers in its own.
                if frame.header.version != self.codec.version() {
                    let codec = MessageCodec::new(frame.header.version);
                    return Ok(codec.decode_response(frame)?);
                }
                let response = self.codec.decode_response(frame)?;
                if response.stream == stream {
                    return Ok(response);
                }
                continue; // an event, or a late answer
            }
            let mut chunk = [0u8; 8192];
            let n = self.socket.read(&mut chunk)?;
            if n == 0 {
                return Err("server closed the connection".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn talk_to(addr: &str) -> Result<()> {
    let compression = match std::env::var("CQL_COMPRESSION") {
        Ok(name) => Some(name.parse::<Compression>()?),
        Err(_) => None,
    };
    let mut conn = negotiate(addr)?;
    let version = conn.codec.version();
    println!("connected to {addr} with protocol {version}");

    let mut startup = Startup::new("3.0.0");
    if let Some(c) = compression {
        startup = startup.with_compression(c);
        // The answer to STARTUP is already compressed.
        conn.codec.set_compression(Some(c));
    }
    let mut answer = conn.request(Request::Startup(startup))?.response;
    if let Response::Authenticate(auth) = &answer {
        println!("server requires authentication ({})", auth.authenticator);
        answer = authenticate(&mut conn)?;
    }
    match answer {
        Response::Ready | Response::AuthSuccess(_) => {}
        other => return Err(format!("STARTUP failed: {other:?}").into()),
    }

    let query = Query {
        query: "SELECT cluster_name, release_version, data_center FROM system.local".into(),
        params: QueryParameters {
            consistency: Consistency::One,
            ..QueryParameters::default()
        },
    };
    match conn.request(Request::Query(query))?.response {
        Response::Result(ResultBody::Rows(rows)) => {
            let columns = rows.metadata.columns.clone().unwrap_or_default();
            for row in rows.iter() {
                for (column, value) in columns.iter().zip(row.values()) {
                    let shown = match value {
                        None => "null".to_owned(),
                        Some(bytes) => {
                            format!("{:?}", CqlValue::deserialize(&column.ty, bytes, version)?)
                        }
                    };
                    println!("{} = {shown}", column.name);
                }
            }
            Ok(())
        }
        other => Err(format!("unexpected answer: {other:?}").into()),
    }
}

/// Starts at the newest version and falls back when the server says it does
/// not speak it, as Cassandra 1.2 and 2.0 do.
fn negotiate(addr: &str) -> Result<Connection> {
    let mut version = ProtocolVersion::LATEST;
    loop {
        let mut conn = Connection::open(addr, version)?;
        match conn.request(Request::Options)?.response {
            Response::Supported(supported) => {
                println!("SUPPORTED {:?}", supported.options);
                return Ok(conn);
            }
            Response::Error(e)
                if e.kind == ErrorKind::ProtocolError
                    && e.message.contains("unsupported protocol version")
                    && version > ProtocolVersion::V1 =>
            {
                println!("{version} refused ({}); trying v1", e.message);
                version = ProtocolVersion::V1;
            }
            other => return Err(format!("OPTIONS failed: {other:?}").into()),
        }
    }
}

fn authenticate(conn: &mut Connection) -> Result<Response> {
    let user = std::env::var("CQL_USERNAME").map_err(|_| "set CQL_USERNAME and CQL_PASSWORD")?;
    let password = std::env::var("CQL_PASSWORD").map_err(|_| "set CQL_PASSWORD")?;
    let request = if conn.codec.version() == ProtocolVersion::V1 {
        Request::Credentials(cql_protocol::message::request::Credentials {
            credentials: vec![("username".into(), user), ("password".into(), password)],
        })
    } else {
        let token = format!("\0{user}\0{password}");
        Request::AuthResponse(cql_protocol::message::request::AuthResponse {
            token: Some(Bytes::from(token.into_bytes())),
        })
    };
    Ok(conn.request(request)?.response)
}

fn offline_tour() -> Result<()> {
    println!("CQL_CONTACT_POINTS is not set: showing the frames instead.\n");
    let codec = MessageCodec::new(ProtocolVersion::V2);
    let startup = Startup::new("3.0.0").with_compression(Compression::Lz4);
    for (stream, request) in [(0, Request::Options), (1, Request::Startup(startup))] {
        let mut out = BytesMut::new();
        codec.encode_request(&RequestFrame::new(stream, request.clone()), &mut out)?;
        println!("{:<8} {}", request.opcode().name(), hex(&out));
    }

    // What Cassandra 2.0 answers to a client probing with protocol 66
    // (shared/reference/protocol-notes.md §13): a v2 ERROR on stream 0.
    let mut rejection =
        BytesMut::from(&b"\x82\x00\x00\x00\x00\x00\x00\x31\x00\x00\x00\x0a\x00\x2b"[..]);
    rejection.extend_from_slice(b"Invalid or unsupported protocol version: 66");
    let frame = FrameDecoder::new()
        .decode(&mut rejection)?
        .ok_or("incomplete frame")?;
    let answer = codec.decode_response(frame)?;
    println!("\nCassandra 2.0's answer to a v66 probe decodes to:\n{answer:#?}");
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
