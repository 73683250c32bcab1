//! The CQL 3.1 parser (Cassandra 2.0 dialect).
