//! Requests: the messages a client sends.
