//! Every v1 and v2 message: requests (client to server) and responses
//! (server to client), and [`MessageCodec`], which turns frames into
//! messages and back for one connection.

mod codec;
pub mod request;
pub mod response;

pub use codec::{MessageCodec, RequestFrame, ResponseFrame};
