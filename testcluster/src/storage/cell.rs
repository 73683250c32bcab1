//! Cells, deletion times and Cassandra 2.0's reconciliation rules.

use std::cmp::Ordering;

use bytes::Bytes;

use super::types::compare_signed_bytes;

/// The largest TTL Cassandra accepts: 20 years, in seconds.
pub const MAX_TTL: u32 = 630_720_000;

/// When and by which write timestamp something was deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeletionTime {
    /// The deletion's write timestamp (microseconds): everything written at
    /// or before it is deleted.
    pub timestamp: i64,
    /// The server time of the deletion, in seconds.
    pub local_deletion_time: i64,
}

impl DeletionTime {
    /// Whether data written at `timestamp` is shadowed by this deletion.
    pub fn deletes(&self, timestamp: i64) -> bool {
        timestamp <= self.timestamp
    }

    /// The later (higher timestamp) of two optional deletions.
    pub fn max(a: Option<DeletionTime>, b: Option<DeletionTime>) -> Option<DeletionTime> {
        match (a, b) {
            (Some(x), Some(y)) => Some(if y.timestamp > x.timestamp { y } else { x }),
            (x, None) => x,
            (None, y) => y,
        }
    }
}

/// A TTL and the moment (server seconds) the cell expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Expiry {
    /// The TTL the cell was written with, in seconds.
    pub ttl: u32,
    /// `now + ttl` at write time, in seconds.
    pub expires_at: i64,
}

impl Expiry {
    /// The expiry of a cell written at `now` (seconds) with `ttl`.
    pub fn new(ttl: u32, now: i64) -> Self {
        Expiry {
            ttl,
            expires_at: now.saturating_add(i64::from(ttl)),
        }
    }

    /// The TTL left at `now`, in seconds (at least 0).
    pub fn remaining(&self, now: i64) -> i64 {
        (self.expires_at - now).max(0)
    }
}

/// One stored cell: a value, a tombstone or a counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// A live value, possibly expiring.
    Live {
        /// The serialized value.
        value: Bytes,
        /// Its write timestamp (microseconds).
        timestamp: i64,
        /// Its TTL, if any.
        expiry: Option<Expiry>,
    },
    /// A deleted cell.
    Tombstone {
        /// The deletion timestamp.
        timestamp: i64,
        /// The server time of the deletion, in seconds.
        local_deletion_time: i64,
    },
    /// A counter: the sum of all increments applied to it.
    Counter {
        /// The current total.
        value: i64,
        /// The latest increment's timestamp.
        timestamp: i64,
    },
}

impl Cell {
    /// A live cell, expiring if `ttl` is given (a TTL of 0 means none).
    pub fn live(value: Bytes, timestamp: i64, ttl: Option<u32>, now: i64) -> Self {
        Cell::Live {
            value,
            timestamp,
            expiry: ttl.filter(|t| *t > 0).map(|t| Expiry::new(t, now)),
        }
    }

    /// A tombstone written at `now`.
    pub fn tombstone(timestamp: i64, now: i64) -> Self {
        Cell::Tombstone {
            timestamp,
            local_deletion_time: now,
        }
    }

    /// The cell's write timestamp.
    pub fn timestamp(&self) -> i64 {
        match self {
            Cell::Live { timestamp, .. }
            | Cell::Tombstone { timestamp, .. }
            | Cell::Counter { timestamp, .. } => *timestamp,
        }
    }

    /// Whether the cell holds a value at `now` (a live cell that has not
    /// expired, or a counter).
    pub fn is_live(&self, now: i64) -> bool {
        match self {
            Cell::Live { expiry, .. } => expiry.is_none_or(|e| now < e.expires_at),
            Cell::Tombstone { .. } => false,
            Cell::Counter { .. } => true,
        }
    }

    /// The value of a live cell (a counter's total as a bigint).
    pub fn value(&self) -> Option<Bytes> {
        match self {
            Cell::Live { value, .. } => Some(value.clone()),
            Cell::Counter { value, .. } => Some(Bytes::copy_from_slice(&value.to_be_bytes())),
            Cell::Tombstone { .. } => None,
        }
    }

    /// The cell's expiry, if it has one.
    pub fn expiry(&self) -> Option<Expiry> {
        match self {
            Cell::Live { expiry, .. } => *expiry,
            _ => None,
        }
    }

    /// Merges two versions of a cell as Cassandra 2.0's `Column.reconcile`
    /// does:
    ///
    /// - counters add up (a tombstone with a higher or equal timestamp
    ///   wins over a counter, a later counter restarts from its own value);
    /// - the higher timestamp wins;
    /// - on a tie, a tombstone (or an expired cell) wins over a live cell;
    /// - between two live cells with the same timestamp, the greater value
    ///   wins, compared as Java's signed `ByteBuffer.compareTo`.
    pub fn reconcile(existing: Cell, incoming: Cell, now: i64) -> Cell {
        if let (
            Cell::Counter {
                value: a,
                timestamp: ta,
            },
            Cell::Counter {
                value: b,
                timestamp: tb,
            },
        ) = (&existing, &incoming)
        {
            return Cell::Counter {
                value: a.wrapping_add(*b),
                timestamp: (*ta).max(*tb),
            };
        }
        let (ta, tb) = (existing.timestamp(), incoming.timestamp());
        let dead_a = !existing.is_live(now);
        let dead_b = !incoming.is_live(now);
        if dead_a {
            return if ta < tb { incoming } else { existing };
        }
        if dead_b {
            return if tb < ta { existing } else { incoming };
        }
        match ta.cmp(&tb) {
            Ordering::Less => incoming,
            Ordering::Greater => existing,
            Ordering::Equal => {
                let va = existing.value().unwrap_or_default();
                let vb = incoming.value().unwrap_or_default();
                if compare_signed_bytes(&va, &vb) == Ordering::Less {
                    incoming
                } else {
                    existing
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(v: &[u8], ts: i64) -> Cell {
        Cell::live(Bytes::copy_from_slice(v), ts, None, 0)
    }

    #[test]
    fn reconcile_rules() {
        assert_eq!(
            Cell::reconcile(live(b"a", 2), live(b"b", 1), 0),
            live(b"a", 2)
        );
        assert_eq!(
            Cell::reconcile(live(b"a", 1), live(b"b", 2), 0),
            live(b"b", 2)
        );
        assert_eq!(
            Cell::reconcile(live(b"b", 1), live(b"a", 1), 0),
            live(b"b", 1)
        );
        assert_eq!(
            Cell::reconcile(live(b"a", 1), live(b"b", 1), 0),
            live(b"b", 1)
        );
        let t = Cell::tombstone(1, 0);
        assert_eq!(Cell::reconcile(live(b"a", 1), t.clone(), 0), t);
        assert_eq!(Cell::reconcile(t.clone(), live(b"a", 1), 0), t);
        assert_eq!(Cell::reconcile(t, live(b"a", 2), 0), live(b"a", 2));
        // Signed comparison: 0x7f > 0x80 as Java bytes.
        assert_eq!(
            Cell::reconcile(live(&[0x80], 1), live(&[0x7f], 1), 0),
            live(&[0x7f], 1)
        );
    }

    #[test]
    fn expiry() {
        let c = Cell::live(Bytes::from_static(b"x"), 1, Some(10), 100);
        assert!(c.is_live(109));
        assert!(!c.is_live(110));
        assert_eq!(c.expiry().map(|e| e.remaining(104)), Some(6));
    }
}
