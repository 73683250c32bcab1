//! The native-protocol server.
