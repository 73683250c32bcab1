//! Tokens and the partitioners that compute them.

use std::fmt;

/// A position on the ring. Murmur3 tokens are `i64`s and Random tokens lie
/// in `0..2^127`; both fit an `i128`, and compare the same way there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(i128);

impl Token {
    /// A token with this value.
    pub const fn new(value: i128) -> Self {
        Token(value)
    }

    /// The token's value.
    pub const fn value(self) -> i128 {
        self.0
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How the cluster maps partition keys to tokens (`system.local.partitioner`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Partitioner {
    /// `org.apache.cassandra.dht.Murmur3Partitioner`, the default since 1.2.
    Murmur3,
    /// `org.apache.cassandra.dht.RandomPartitioner`: `abs(md5(key))` as a
    /// signed 128-bit integer.
    Random,
}

impl Partitioner {
    /// The partitioner named by a class name (matched on its suffix, as the
    /// DataStax drivers do), or `None` for one the driver cannot route with
    /// (ByteOrdered, for example).
    pub fn from_class_name(name: &str) -> Option<Self> {
        if name.ends_with("Murmur3Partitioner") {
            Some(Partitioner::Murmur3)
        } else if name.ends_with("RandomPartitioner") {
            Some(Partitioner::Random)
        } else {
            None
        }
    }

    /// The token of a serialized partition key (for a composite key, the
    /// bytes [`cql_protocol::murmur3::partition_key`] builds).
    pub fn token(self, key: &[u8]) -> Token {
        match self {
            Partitioner::Murmur3 => Token(i128::from(cql_protocol::murmur3::token(key))),
            Partitioner::Random => {
                use md5::{Digest, Md5};
                if key.is_empty() {
                    return Token(-1);
                }
                let digest: [u8; 16] = Md5::digest(key).into();
                Token(i128::from_be_bytes(digest).unsigned_abs() as i128)
            }
        }
    }

    /// Parses a token as `system.local.tokens` writes it (a decimal string).
    pub fn parse_token(self, text: &str) -> Option<Token> {
        let value: i128 = text.trim().parse().ok()?;
        match self {
            Partitioner::Murmur3 => i64::try_from(value).ok().map(|v| Token(i128::from(v))),
            Partitioner::Random => (-1..=i128::MAX).contains(&value).then_some(Token(value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur3_matches_the_reference_vector() {
        // protocol-notes.md §12: token('key') in Cassandra 2.0.
        assert_eq!(
            Partitioner::Murmur3.token(b"key"),
            Token(i128::from(cql_protocol::murmur3::token(b"key")))
        );
        assert_eq!(Partitioner::Murmur3.token(b""), Token(i128::from(i64::MIN)));
    }

    #[test]
    fn random_partitioner_is_abs_of_signed_md5() {
        // md5("") is d41d8cd9..., but the empty key is MINIMUM = -1.
        assert_eq!(Partitioner::Random.token(b""), Token(-1));
        // md5("a") = 0cc175b9c0f1b6a831c399e269772661: positive as signed.
        assert_eq!(
            Partitioner::Random.token(b"a"),
            Token(0x0cc1_75b9_c0f1_b6a8_31c3_99e2_6977_2661)
        );
        // md5("b") = 92eb5ffee6ae2fec3ad71c777531578f: negative as signed, so negated.
        let raw = i128::from_be_bytes(0x92eb_5ffe_e6ae_2fec_3ad7_1c77_7531_578fu128.to_be_bytes());
        assert_eq!(Partitioner::Random.token(b"b"), Token(-raw));
    }

    #[test]
    fn parses_tokens_and_partitioner_names() {
        let m = Partitioner::from_class_name("org.apache.cassandra.dht.Murmur3Partitioner");
        assert_eq!(m, Some(Partitioner::Murmur3));
        assert_eq!(
            Partitioner::from_class_name("org.apache.cassandra.dht.ByteOrderedPartitioner"),
            None
        );
        assert_eq!(
            Partitioner::Murmur3.parse_token("-9223372036854775808"),
            Some(Token(i128::from(i64::MIN)))
        );
        assert_eq!(
            Partitioner::Murmur3.parse_token("9223372036854775808"),
            None
        );
        assert_eq!(Partitioner::Random.parse_token("x"), None);
    }
}
