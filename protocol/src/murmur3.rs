//! The Murmur3 partitioner token.
