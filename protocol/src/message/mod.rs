//! Requests and responses. (Filled in by the message modules.)
