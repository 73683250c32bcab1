//! Read commands and their results.

use std::ops::Bound;

use bytes::Bytes;
use cql_protocol::version::CollectionSizeWidth;

/// One end of a clustering slice, on a prefix of the clustering key, in
/// the table's *stored* clustering order (a `DESC` column is already
/// reversed: for `c DESC`, `c > 5` is an **end** bound `Exclusive([5])`).
///
/// A prefix bound covers every row starting with the prefix: a start
/// `Inclusive([1])` begins at the first row whose first component is 1,
/// an end `Exclusive([1])` stops before it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ClusteringBound {
    /// No bound.
    #[default]
    Unbounded,
    /// Rows starting with the prefix are included.
    Inclusive(Vec<Bytes>),
    /// Rows starting with the prefix are excluded.
    Exclusive(Vec<Bytes>),
}

/// A range of rows within each partition, in stored clustering order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Slice {
    /// The first rows (in stored order).
    pub start: ClusteringBound,
    /// The last rows (in stored order).
    pub end: ClusteringBound,
}

impl Slice {
    /// Every row.
    pub fn all() -> Self {
        Slice::default()
    }

    /// The rows starting with `prefix` (`c1 = x AND c2 = y`).
    pub fn prefix(prefix: Vec<Bytes>) -> Self {
        Slice {
            start: ClusteringBound::Inclusive(prefix.clone()),
            end: ClusteringBound::Inclusive(prefix),
        }
    }

    /// Whether the slice has no bound at all (a whole-partition read, for
    /// which a partition with only static data yields one row).
    pub fn is_unbounded(&self) -> bool {
        self.start == ClusteringBound::Unbounded && self.end == ClusteringBound::Unbounded
    }
}

/// Which partitions a read covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartitionSelector {
    /// These partition keys, in this order (duplicates are read once).
    Keys(Vec<Bytes>),
    /// Every partition whose token is within the bounds, in token order.
    Tokens {
        /// Lower bound (`token(k) > x` is `Excluded(x)`).
        start: Bound<i64>,
        /// Upper bound.
        end: Bound<i64>,
    },
    /// Every partition, in token order.
    All,
}

/// Where a previous page stopped: the next read starts right after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumePoint {
    /// The partition of the last row returned.
    pub partition_key: Bytes,
    /// The clustering key of the last row returned; `None` when the whole
    /// partition was returned (a static-only row, or a table without
    /// clustering columns), so reading resumes at the next partition.
    pub clustering: Option<Vec<Bytes>>,
}

/// A read: partitions, a slice within each, order, limit and paging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadCommand {
    /// The partitions.
    pub partitions: PartitionSelector,
    /// The rows within each partition.
    pub slice: Slice,
    /// Rows in reverse clustering order within each partition (partitions
    /// stay in token or key order, as in Cassandra).
    pub reversed: bool,
    /// At most this many rows (after `filters`).
    pub limit: Option<usize>,
    /// Start after this row (paging).
    pub resume_after: Option<ResumePoint>,
    /// Equality filters on regular or static columns (name, serialized
    /// value): secondary index lookups and `ALLOW FILTERING`.
    pub filters: Vec<(String, Bytes)>,
    /// The layout of collection values in the results.
    pub collection_layout: CollectionSizeWidth,
}

impl ReadCommand {
    /// A read of `partitions` with every row, no limit, v1/v2 layout.
    pub fn new(partitions: PartitionSelector) -> Self {
        ReadCommand {
            partitions,
            slice: Slice::all(),
            reversed: false,
            limit: None,
            resume_after: None,
            filters: Vec::new(),
            collection_layout: CollectionSizeWidth::Short,
        }
    }

    /// A read of one partition.
    pub fn partition(key: impl Into<Bytes>) -> Self {
        Self::new(PartitionSelector::Keys(vec![key.into()]))
    }

    /// A read of every partition.
    pub fn all() -> Self {
        Self::new(PartitionSelector::All)
    }

    /// With this slice.
    pub fn with_slice(mut self, slice: Slice) -> Self {
        self.slice = slice;
        self
    }

    /// In reverse clustering order.
    pub fn reversed(mut self, reversed: bool) -> Self {
        self.reversed = reversed;
        self
    }

    /// With a limit.
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Resuming after a row.
    pub fn resume_after(mut self, point: ResumePoint) -> Self {
        self.resume_after = Some(point);
        self
    }

    /// With an equality filter.
    pub fn with_filter(mut self, column: impl Into<String>, value: impl Into<Bytes>) -> Self {
        self.filters.push((column.into(), value.into()));
        self
    }
}

/// A column's value in a result row, with its metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadCell {
    /// The serialized value (a collection in the requested layout, a
    /// counter as a bigint).
    pub value: Bytes,
    /// The write timestamp (`WRITETIME()`), for non-key, non-collection
    /// columns.
    pub writetime: Option<i64>,
    /// The remaining TTL in seconds (`TTL()`), if the cell expires.
    pub ttl: Option<i32>,
    /// For a collection, its live elements in order: (list element id,
    /// value), (set element, empty) or (map key, value).
    pub elements: Option<Vec<(Bytes, Bytes)>>,
}

impl ReadCell {
    pub(crate) fn key(value: Bytes) -> Self {
        ReadCell {
            value,
            writetime: None,
            ttl: None,
            elements: None,
        }
    }
}

/// A live row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadRow {
    /// The partition key bytes.
    pub partition_key: Bytes,
    /// The partition's token.
    pub token: i64,
    /// The clustering key; `None` for the single row of a partition that
    /// has only static data.
    pub clustering: Option<Vec<Bytes>>,
    /// One entry per column of the table, in [`TableDef::columns`] order
    /// (keys included); `None` is null.
    ///
    /// [`TableDef::columns`]: super::TableDef::columns
    pub cells: Vec<Option<ReadCell>>,
}

impl ReadRow {
    /// The cell at column position `index`.
    pub fn cell(&self, index: usize) -> Option<&ReadCell> {
        self.cells.get(index).and_then(|c| c.as_ref())
    }

    /// The resume point that continues after this row.
    pub fn resume_point(&self) -> ResumePoint {
        ResumePoint {
            partition_key: self.partition_key.clone(),
            clustering: self.clustering.clone().filter(|c| !c.is_empty()),
        }
    }
}

/// The rows of a read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadResult {
    /// The rows, in order.
    pub rows: Vec<ReadRow>,
    /// Whether the limit cut the result short (more rows exist).
    pub has_more: bool,
}
