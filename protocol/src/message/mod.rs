//! Every v1 and v2 message: requests (client to server) and responses
//! (server to client).

pub mod request;
pub mod response;
