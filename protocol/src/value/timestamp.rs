//! [`CqlTimestamp`]: the `timestamp` type, milliseconds since the Unix epoch.

use std::fmt;

/// A CQL `timestamp`: milliseconds since 1970-01-01T00:00:00Z, negative
/// before it (spec §6.14).
///
/// With the `chrono` feature it converts to and from
/// `chrono::DateTime<Utc>`; the conversion to chrono fails for instants
/// outside chrono's range.
///
/// ```
/// use cql_protocol::value::CqlTimestamp;
/// let t = CqlTimestamp(1_400_000_000_000);
/// assert_eq!(t.millis(), 1_400_000_000_000);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CqlTimestamp(pub i64);

impl CqlTimestamp {
    /// The timestamp for `millis` milliseconds since the epoch.
    pub const fn from_millis(millis: i64) -> Self {
        CqlTimestamp(millis)
    }

    /// Milliseconds since the epoch.
    pub const fn millis(self) -> i64 {
        self.0
    }
}

impl From<i64> for CqlTimestamp {
    fn from(millis: i64) -> Self {
        CqlTimestamp(millis)
    }
}

impl From<CqlTimestamp> for i64 {
    fn from(t: CqlTimestamp) -> Self {
        t.0
    }
}

impl fmt::Display for CqlTimestamp {
    /// Formats as milliseconds since the epoch, e.g. `1400000000000ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

#[cfg(feature = "chrono")]
mod chrono_impls {
    use super::CqlTimestamp;
    use crate::value::ValueError;
    use chrono::{DateTime, Utc};

    impl From<DateTime<Utc>> for CqlTimestamp {
        /// Truncates to whole milliseconds. Every `DateTime<Utc>` fits.
        fn from(t: DateTime<Utc>) -> Self {
            CqlTimestamp(t.timestamp_millis())
        }
    }

    impl TryFrom<CqlTimestamp> for DateTime<Utc> {
        type Error = ValueError;

        /// Fails with [`ValueError::TimestampOutOfRange`] outside chrono's range.
        fn try_from(t: CqlTimestamp) -> Result<Self, Self::Error> {
            DateTime::<Utc>::from_timestamp_millis(t.0)
                .ok_or(ValueError::TimestampOutOfRange { millis: t.0 })
        }
    }
}
