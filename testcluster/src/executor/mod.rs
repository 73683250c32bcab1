//! The CQL executor: statements to storage reads and writes.
