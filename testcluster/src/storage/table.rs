//! A table's data: partitions in token order behind one lock.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use bytes::Bytes;
use cql_protocol::murmur3::token;
use cql_protocol::version::CollectionSizeWidth;

use super::error::{StorageError, StorageResult};
use super::mutation::{Mutation, Op};
use super::partition::{Ctx, Partition};
use super::read::{PartitionSelector, ReadCommand, ReadResult, ReadRow, Slice};
use super::schema::TableDef;
use super::types::{compare_values, validate_value};

#[derive(Default)]
struct TableData {
    /// (token, key bytes) → partition: token order, then key bytes.
    partitions: BTreeMap<(i64, Bytes), Partition>,
    /// The last list element id handed out (appends count up, prepends
    /// down from the negated value).
    list_seq: i64,
}

/// A table: its current definition and its data.
///
/// All methods take `&self` and hold a std lock only for their own
/// duration (never across an `.await`), so a `Table` can be shared between
/// tasks behind an `Arc`.
pub struct Table {
    def: RwLock<Arc<TableDef>>,
    data: Mutex<TableData>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("def", &self.def())
            .finish_non_exhaustive()
    }
}

/// Splits partition key bytes into one value per partition key column,
/// checking the composite framing for a multi-column key.
pub fn split_partition_key(def: &TableDef, key: &[u8]) -> StorageResult<Vec<Bytes>> {
    let n = def.partition_key.len();
    if key.is_empty() {
        return Err(StorageError::invalid("Key may not be empty"));
    }
    let components = if n <= 1 {
        vec![Bytes::copy_from_slice(key)]
    } else {
        let mut out = Vec::with_capacity(n);
        let mut rest = key;
        while !rest.is_empty() {
            let bad = || StorageError::invalid("Invalid composite partition key");
            let (len, tail) = rest.split_first_chunk::<2>().ok_or_else(bad)?;
            let len = usize::from(u16::from_be_bytes(*len));
            if tail.len() < len + 1 {
                return Err(bad());
            }
            out.push(Bytes::copy_from_slice(&tail[..len]));
            rest = &tail[len + 1..];
        }
        if out.len() != n {
            return Err(StorageError::invalid(format!(
                "Expected {n} partition key components, got {}",
                out.len()
            )));
        }
        out
    };
    for (v, col) in components.iter().zip(def.partition_key_columns()) {
        validate_value(&col.ty, v).map_err(|m| {
            StorageError::invalid(format!("Invalid value for column {}: {m}", col.name))
        })?;
    }
    Ok(components)
}

/// A partition under the table's lock, for read-check-write sequences
/// (lightweight transactions): see [`Table::with_partition_mut`].
pub struct PartitionGuard<'a> {
    def: &'a TableDef,
    components: Vec<Bytes>,
    partition: &'a mut Partition,
    list_seq: &'a mut i64,
    now: i64,
}

impl PartitionGuard<'_> {
    /// The partition key bytes.
    pub fn key(&self) -> &Bytes {
        self.partition.key()
    }

    /// The partition's token.
    pub fn token(&self) -> i64 {
        self.partition.token()
    }

    /// The live rows of the partition within `slice`.
    pub fn read(&self, slice: &Slice, layout: CollectionSizeWidth) -> StorageResult<Vec<ReadRow>> {
        let ctx = Ctx::new(self.def);
        let mut out = Vec::new();
        self.partition.read(
            &ctx,
            &self.components,
            slice,
            false,
            None,
            usize::MAX,
            self.now,
            layout,
            &mut out,
        )?;
        Ok(out)
    }

    /// Applies operations to the partition, atomically.
    pub fn apply(&mut self, ops: &[Op]) -> StorageResult<()> {
        let ctx = Ctx::new(self.def);
        self.partition.apply_ops(&ctx, ops, self.now, self.list_seq)
    }
}

impl Table {
    pub(crate) fn new(def: TableDef) -> Self {
        Table {
            def: RwLock::new(Arc::new(def)),
            data: Mutex::new(TableData::default()),
        }
    }

    /// The current definition.
    pub fn def(&self) -> Arc<TableDef> {
        self.def.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn set_def(&self, def: TableDef) {
        *self.def.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(def);
    }

    fn lock(&self) -> MutexGuard<'_, TableData> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies a mutation at server time `now` (seconds, for TTLs and
    /// deletion times). All its operations apply, or none.
    pub fn apply(&self, mutation: &Mutation, now: i64) -> StorageResult<()> {
        self.with_partition_mut(&mutation.partition_key, now, |p| p.apply(&mutation.ops))?
    }

    /// Runs `f` on the partition `key` under the table's lock, so that a
    /// condition can be checked and a write applied in one critical
    /// section (lightweight transactions). The partition is created if
    /// needed and dropped again if it ends up holding nothing.
    pub fn with_partition_mut<R>(
        &self,
        key: &Bytes,
        now: i64,
        f: impl FnOnce(&mut PartitionGuard<'_>) -> R,
    ) -> StorageResult<R> {
        let def = self.def();
        let components = split_partition_key(&def, key)?;
        let tok = token(key);
        let mut data = self.lock();
        let TableData {
            partitions,
            list_seq,
        } = &mut *data;
        let map_key = (tok, key.clone());
        let partition = partitions
            .entry(map_key.clone())
            .or_insert_with(|| Partition::new(key.clone(), tok));
        let mut guard = PartitionGuard {
            def: &def,
            components,
            partition,
            list_seq,
            now,
        };
        let result = f(&mut guard);
        if partitions.get(&map_key).is_some_and(|p| p.is_empty()) {
            partitions.remove(&map_key);
        }
        Ok(result)
    }

    /// Reads live rows at server time `now` (seconds).
    pub fn read(&self, cmd: &ReadCommand, now: i64) -> StorageResult<ReadResult> {
        let def = self.def();
        let ctx = Ctx::new(&def);
        let mut filters = Vec::new();
        for (name, value) in &cmd.filters {
            let idx = def.column_index(name).ok_or_else(|| {
                StorageError::invalid(format!(
                    "Undefined name {name} in where clause ('{name} = ?')"
                ))
            })?;
            filters.push((idx, def.columns[idx].ty.clone(), value.clone()));
        }
        let limit = cmd.limit.unwrap_or(usize::MAX);
        let data = self.lock();
        let mut out: Vec<ReadRow> = Vec::new();

        // The partitions in read order.
        let mut selected: Vec<&Partition> = Vec::new();
        match &cmd.partitions {
            PartitionSelector::Keys(keys) => {
                let mut seen = HashSet::new();
                for key in keys {
                    if !seen.insert(key.clone()) {
                        continue;
                    }
                    split_partition_key(&def, key)?;
                    if let Some(p) = data.partitions.get(&(token(key), key.clone())) {
                        selected.push(p);
                    }
                }
            }
            PartitionSelector::Tokens { start, end } => {
                for ((t, _), p) in &data.partitions {
                    let after_start = match start {
                        Bound::Unbounded => true,
                        Bound::Included(s) => t >= s,
                        Bound::Excluded(s) => t > s,
                    };
                    let before_end = match end {
                        Bound::Unbounded => true,
                        Bound::Included(e) => t <= e,
                        Bound::Excluded(e) => t < e,
                    };
                    if after_start && before_end {
                        selected.push(p);
                    }
                }
            }
            PartitionSelector::All => selected.extend(data.partitions.values()),
        }

        // Paging: skip the partitions before the resume point.
        let mut resume_rows: Option<&[Bytes]> = None;
        if let Some(rp) = &cmd.resume_after {
            let pos = match &cmd.partitions {
                PartitionSelector::Keys(keys) => {
                    // The resume key's place in the requested order, even if
                    // its partition has since disappeared.
                    let order = |k: &Bytes| keys.iter().position(|x| x == k);
                    let target = order(&rp.partition_key);
                    Some(
                        selected
                            .iter()
                            .position(|p| order(p.key()) >= target)
                            .unwrap_or(selected.len()),
                    )
                }
                _ => {
                    let target = (token(&rp.partition_key), rp.partition_key.clone());
                    // The first partition at or after the resume partition.
                    Some(
                        selected
                            .iter()
                            .position(|p| (p.token(), p.key().clone()) >= target)
                            .unwrap_or(selected.len()),
                    )
                }
            };
            let pos = pos.unwrap_or(selected.len());
            let same = selected
                .get(pos)
                .is_some_and(|p| p.key() == &rp.partition_key);
            match (&rp.clustering, same) {
                (Some(ck), true) => {
                    resume_rows = Some(ck);
                    selected.drain(..pos);
                }
                (None, true) => {
                    selected.drain(..=pos);
                }
                (_, false) => {
                    selected.drain(..pos);
                }
            }
        }

        let mut has_more = false;
        for (i, p) in selected.iter().enumerate() {
            let components = split_partition_key(&def, p.key())?;
            let mut rows = Vec::new();
            p.read(
                &ctx,
                &components,
                &cmd.slice,
                cmd.reversed,
                if i == 0 { resume_rows } else { None },
                usize::MAX,
                now,
                cmd.collection_layout,
                &mut rows,
            )?;
            for row in rows {
                let keep = filters.iter().all(|(idx, ty, v)| {
                    row.cell(*idx)
                        .is_some_and(|c| compare_values(ty, &c.value, v) == Ordering::Equal)
                });
                if !keep {
                    continue;
                }
                if out.len() >= limit {
                    has_more = true;
                    break;
                }
                out.push(row);
            }
            if has_more {
                break;
            }
        }
        Ok(ReadResult {
            rows: out,
            has_more,
        })
    }

    /// The live rows whose column `column` equals `value`: a secondary index
    /// lookup. It scans the table (correct, not fast); the result is the
    /// same as a real index would give, so one can replace it later.
    pub fn index_lookup(
        &self,
        column: &str,
        value: &Bytes,
        now: i64,
        layout: CollectionSizeWidth,
    ) -> StorageResult<Vec<ReadRow>> {
        let mut cmd = ReadCommand::all().with_filter(column, value.clone());
        cmd.collection_layout = layout;
        Ok(self.read(&cmd, now)?.rows)
    }

    /// Removes all data (`TRUNCATE`).
    pub fn truncate(&self) {
        self.lock().partitions.clear();
    }

    /// How many partitions hold data or tombstones.
    pub fn partition_count(&self) -> usize {
        self.lock().partitions.len()
    }

    pub(crate) fn drop_column_data(&self, name: &str) {
        for p in self.lock().partitions.values_mut() {
            p.drop_column(name);
        }
    }
}
