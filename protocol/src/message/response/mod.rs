//! Responses: the messages a server sends.
