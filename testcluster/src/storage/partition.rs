//! Partitions and rows: where mutations land and how live rows are read.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use bytes::Bytes;
use cql_protocol::version::CollectionSizeWidth;
use cql_protocol::ColumnType;

use super::cell::{Cell, DeletionTime, MAX_TTL};
use super::error::{StorageError, StorageResult};
use super::mutation::{encode_collection, CollectionLiteral, ColumnWrite, Op};
use super::read::{ClusteringBound, ReadCell, ReadRow, Slice};
use super::schema::{ColumnDef, ColumnKind, Order, TableDef};
use super::types::{compare_values, compare_with_order, validate_value};

/// The comparison context of a table: its definition and clustering types.
pub(crate) struct Ctx<'a> {
    pub(crate) def: &'a TableDef,
    pub(crate) clustering: Vec<(ColumnType, Order)>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(def: &'a TableDef) -> Self {
        Ctx {
            def,
            clustering: def.clustering_types(),
        }
    }

    /// Compares the first `min(len)` components, then lengths.
    fn cmp_clustering(&self, a: &[Bytes], b: &[Bytes]) -> Ordering {
        for ((x, y), (ty, order)) in a.iter().zip(b).zip(&self.clustering) {
            let c = compare_with_order(ty, *order, x, y);
            if c != Ordering::Equal {
                return c;
            }
        }
        a.len().cmp(&b.len())
    }

    /// Compares a row's clustering with a prefix: `Equal` if the row starts
    /// with the prefix.
    fn cmp_prefix(&self, row: &[Bytes], prefix: &[Bytes]) -> Ordering {
        for ((x, y), (ty, order)) in row.iter().zip(prefix).zip(&self.clustering) {
            let c = compare_with_order(ty, *order, x, y);
            if c != Ordering::Equal {
                return c;
            }
        }
        Ordering::Equal
    }

    pub(crate) fn in_slice(&self, ck: &[Bytes], slice: &Slice) -> bool {
        let start_ok = match &slice.start {
            ClusteringBound::Unbounded => true,
            ClusteringBound::Inclusive(p) => self.cmp_prefix(ck, p) != Ordering::Less,
            ClusteringBound::Exclusive(p) => self.cmp_prefix(ck, p) == Ordering::Greater,
        };
        let end_ok = match &slice.end {
            ClusteringBound::Unbounded => true,
            ClusteringBound::Inclusive(p) => self.cmp_prefix(ck, p) != Ordering::Greater,
            ClusteringBound::Exclusive(p) => self.cmp_prefix(ck, p) == Ordering::Less,
        };
        start_ok && end_ok
    }
}

/// A multi-cell (collection) column: its collection tombstone and elements
/// sorted by cell path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ComplexData {
    deletion: Option<DeletionTime>,
    /// (path, cell): list → time-ordered id; set → element; map → key.
    cells: Vec<(Bytes, Cell)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ColumnData {
    Simple(Cell),
    Complex(ComplexData),
}

/// A row: clustering key, row marker, row deletion and cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) clustering: Vec<Bytes>,
    marker: Option<Cell>,
    deletion: Option<DeletionTime>,
    columns: BTreeMap<String, ColumnData>,
}

impl Row {
    fn new(clustering: Vec<Bytes>) -> Self {
        Row {
            clustering,
            ..Default::default()
        }
    }

    fn is_empty(&self) -> bool {
        self.marker.is_none() && self.deletion.is_none() && self.columns.is_empty()
    }
}

/// A partition: its key, token, deletions, static row and rows in
/// clustering order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    key: Bytes,
    token: i64,
    deletion: Option<DeletionTime>,
    range_tombstones: Vec<(Vec<Bytes>, DeletionTime)>,
    static_row: Row,
    rows: Vec<Row>,
}

/// What a batch of ops may change in a partition, saved to undo them.
struct Undo {
    deletion: Option<DeletionTime>,
    range_tombstones: Vec<(Vec<Bytes>, DeletionTime)>,
    static_row: Row,
    rows: Vec<(Vec<Bytes>, Option<Row>)>,
}

/// The order of list cell paths: 8-byte big-endian ids with the sign bit
/// flipped, so byte order is numeric order (prepends are negative).
fn list_path(id: i64) -> Bytes {
    Bytes::copy_from_slice(&((id as u64) ^ (1 << 63)).to_be_bytes())
}

fn path_type(ty: &ColumnType) -> ColumnType {
    match ty {
        ColumnType::Set(e) => (**e).clone(),
        ColumnType::Map(k, _) => (**k).clone(),
        _ => ColumnType::Blob,
    }
}

fn check_ttl(ttl: Option<u32>) -> StorageResult<()> {
    match ttl {
        Some(t) if t > MAX_TTL => Err(StorageError::invalid(format!(
            "ttl is too large. requested ({t}) maximum ({MAX_TTL})"
        ))),
        _ => Ok(()),
    }
}

fn check_value(col: &ColumnDef, ty: &ColumnType, value: &[u8]) -> StorageResult<()> {
    validate_value(ty, value)
        .map_err(|m| StorageError::invalid(format!("Invalid value for column {}: {m}", col.name)))
}

impl Partition {
    pub(crate) fn new(key: Bytes, token: i64) -> Self {
        Partition {
            key,
            token,
            deletion: None,
            range_tombstones: Vec::new(),
            static_row: Row::default(),
            rows: Vec::new(),
        }
    }

    /// The partition key bytes.
    pub fn key(&self) -> &Bytes {
        &self.key
    }

    /// The partition's Murmur3 token.
    pub fn token(&self) -> i64 {
        self.token
    }

    /// Whether nothing at all (not even a tombstone) is stored.
    pub(crate) fn is_empty(&self) -> bool {
        self.deletion.is_none()
            && self.range_tombstones.is_empty()
            && self.static_row.is_empty()
            && self.rows.is_empty()
    }

    fn find(&self, ctx: &Ctx, ck: &[Bytes]) -> Result<usize, usize> {
        self.rows
            .binary_search_by(|r| ctx.cmp_clustering(&r.clustering, ck))
    }

    fn row_mut(&mut self, ctx: &Ctx, ck: &[Bytes]) -> &mut Row {
        let i = match self.find(ctx, ck) {
            Ok(i) => i,
            Err(i) => {
                self.rows.insert(i, Row::new(ck.to_vec()));
                i
            }
        };
        &mut self.rows[i]
    }

    /// The deletion shadowing a row: the latest of the partition deletion,
    /// the range tombstones covering it and its own deletion.
    fn row_shadow(&self, ctx: &Ctx, row: &Row) -> Option<DeletionTime> {
        let mut d = DeletionTime::max(self.deletion, row.deletion);
        for (prefix, rt) in &self.range_tombstones {
            if prefix.len() <= row.clustering.len()
                && ctx.cmp_prefix(&row.clustering, prefix) == Ordering::Equal
            {
                d = DeletionTime::max(d, Some(*rt));
            }
        }
        d
    }

    fn check_clustering(&self, ctx: &Ctx, ck: &[Bytes]) -> StorageResult<()> {
        if ck.len() != ctx.clustering.len() {
            return Err(StorageError::invalid(format!(
                "Expected {} clustering key values, got {}",
                ctx.clustering.len(),
                ck.len()
            )));
        }
        for (v, col) in ck.iter().zip(ctx.def.clustering_columns()) {
            check_value(col, &col.ty, v)?;
        }
        Ok(())
    }

    /// Applies operations atomically: on an error nothing is changed.
    pub(crate) fn apply_ops(
        &mut self,
        ctx: &Ctx,
        ops: &[Op],
        now: i64,
        list_seq: &mut i64,
    ) -> StorageResult<()> {
        // Atomic: a failed op undoes the ones before it. Only what the ops
        // can touch is saved, so a write costs the same in a partition of
        // ten rows or ten million.
        let undo = self.snapshot(ctx, ops);
        let seq_backup = *list_seq;
        for op in ops {
            if let Err(e) = self.apply_op(ctx, op, now, list_seq) {
                self.restore(ctx, undo);
                *list_seq = seq_backup;
                return Err(e);
            }
        }
        Ok(())
    }

    /// Saves what `ops` may change: the partition-level state and each row
    /// they name (or that it is absent).
    fn snapshot(&self, ctx: &Ctx, ops: &[Op]) -> Undo {
        let mut rows: Vec<(Vec<Bytes>, Option<Row>)> = Vec::new();
        for op in ops {
            let clustering = match op {
                Op::DeleteRow { clustering, .. }
                | Op::InsertMarker { clustering, .. }
                | Op::Write { clustering, .. } => clustering,
                Op::DeletePartition { .. } | Op::DeleteRange { .. } => continue,
            };
            if rows.iter().any(|(ck, _)| ck == clustering) {
                continue;
            }
            let existing = self
                .find(ctx, clustering)
                .ok()
                .map(|i| self.rows[i].clone());
            rows.push((clustering.clone(), existing));
        }
        Undo {
            deletion: self.deletion,
            range_tombstones: self.range_tombstones.clone(),
            static_row: self.static_row.clone(),
            rows,
        }
    }

    /// Puts back what [`snapshot`](Self::snapshot) saved.
    fn restore(&mut self, ctx: &Ctx, undo: Undo) {
        self.deletion = undo.deletion;
        self.range_tombstones = undo.range_tombstones;
        self.static_row = undo.static_row;
        for (clustering, saved) in undo.rows.into_iter().rev() {
            match (self.find(ctx, &clustering), saved) {
                (Ok(i), Some(row)) => self.rows[i] = row,
                (Ok(i), None) => {
                    self.rows.remove(i);
                }
                (Err(i), Some(row)) => self.rows.insert(i, row),
                (Err(_), None) => {}
            }
        }
    }

    fn default_ttl(ctx: &Ctx, ttl: Option<u32>) -> Option<u32> {
        match ttl {
            Some(t) => Some(t),
            None => u32::try_from(ctx.def.options.default_time_to_live)
                .ok()
                .filter(|t| *t > 0),
        }
    }

    fn apply_op(&mut self, ctx: &Ctx, op: &Op, now: i64, list_seq: &mut i64) -> StorageResult<()> {
        let dt = |timestamp: i64| DeletionTime {
            timestamp,
            local_deletion_time: now,
        };
        match op {
            Op::DeletePartition { timestamp } => {
                self.deletion = DeletionTime::max(self.deletion, Some(dt(*timestamp)));
            }
            Op::DeleteRange { prefix, timestamp } => {
                if prefix.len() > ctx.clustering.len() {
                    return Err(StorageError::invalid(format!(
                        "Expected at most {} clustering key values, got {}",
                        ctx.clustering.len(),
                        prefix.len()
                    )));
                }
                if let Some(existing) = self.range_tombstones.iter_mut().find(|(p, _)| {
                    p.len() == prefix.len() && ctx.cmp_prefix(p, prefix) == Ordering::Equal
                }) {
                    existing.1 = DeletionTime::max(Some(existing.1), Some(dt(*timestamp)))
                        .unwrap_or(existing.1);
                } else {
                    self.range_tombstones.push((prefix.clone(), dt(*timestamp)));
                }
            }
            Op::DeleteRow {
                clustering,
                timestamp,
            } => {
                self.check_clustering(ctx, clustering)?;
                let row = self.row_mut(ctx, clustering);
                row.deletion = DeletionTime::max(row.deletion, Some(dt(*timestamp)));
            }
            Op::InsertMarker {
                clustering,
                timestamp,
                ttl,
            } => {
                if ctx.def.is_counter_table() {
                    return Err(StorageError::invalid(
                        "INSERT statement are not allowed on counter tables, use UPDATE instead",
                    ));
                }
                check_ttl(*ttl)?;
                self.check_clustering(ctx, clustering)?;
                let ttl = Self::default_ttl(ctx, *ttl);
                let marker = Cell::live(Bytes::new(), *timestamp, ttl, now);
                let row = self.row_mut(ctx, clustering);
                row.marker = Some(match row.marker.take() {
                    Some(old) => Cell::reconcile(old, marker, now),
                    None => marker,
                });
            }
            Op::Write {
                clustering,
                column,
                write,
                timestamp,
                ttl,
            } => {
                let col = ctx
                    .def
                    .column(column)
                    .ok_or_else(|| StorageError::invalid(format!("Unknown identifier {column}")))?;
                match col.kind {
                    ColumnKind::PartitionKey(_) | ColumnKind::Clustering(_) => {
                        return Err(StorageError::invalid(format!(
                            "PRIMARY KEY part {column} found in SET part"
                        )))
                    }
                    ColumnKind::Regular => self.check_clustering(ctx, clustering)?,
                    ColumnKind::Static => {}
                }
                check_ttl(*ttl)?;
                let ttl = Self::default_ttl(ctx, *ttl);
                self.write_column(ctx, col, clustering, write, *timestamp, ttl, now, list_seq)?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn write_column(
        &mut self,
        ctx: &Ctx,
        col: &ColumnDef,
        clustering: &[Bytes],
        write: &ColumnWrite,
        ts: i64,
        ttl: Option<u32>,
        now: i64,
        list_seq: &mut i64,
    ) -> StorageResult<()> {
        let is_static = col.kind == ColumnKind::Static;
        // The deletion currently shadowing the target row (for list
        // positions and counters).
        let shadow = if is_static {
            self.deletion
        } else {
            match self.find(ctx, clustering) {
                Ok(i) => self.row_shadow(ctx, &self.rows[i]),
                Err(_) => {
                    let probe = Row::new(clustering.to_vec());
                    self.row_shadow(ctx, &probe)
                }
            }
        };
        let row = if is_static {
            &mut self.static_row
        } else {
            self.row_mut(ctx, clustering)
        };
        let name = &col.name;
        let invalid_op = |what: &str| {
            Err(StorageError::invalid(format!(
                "Invalid operation ({what}) for column {name} of type {}",
                super::types::cql_type_name(&col.ty)
            )))
        };
        let put_simple = |row: &mut Row, cell: Cell| {
            let merged = match row.columns.remove(name) {
                Some(ColumnData::Simple(old)) => Cell::reconcile(old, cell, now),
                _ => cell,
            };
            row.columns.insert(name.clone(), ColumnData::Simple(merged));
        };

        if col.ty == ColumnType::Counter {
            return match write {
                ColumnWrite::CounterAdd(delta) => {
                    let cell = Cell::Counter {
                        value: *delta,
                        timestamp: ts,
                    };
                    let merged = match row.columns.remove(name) {
                        Some(ColumnData::Simple(old))
                            if old.is_live(now) && !shadow.is_some_and(|d| d.deletes(old.timestamp())) =>
                        {
                            Cell::reconcile(old, cell, now)
                        }
                        Some(ColumnData::Simple(old @ Cell::Tombstone { .. })) => {
                            Cell::reconcile(old, cell, now)
                        }
                        _ => cell,
                    };
                    row.columns.insert(name.clone(), ColumnData::Simple(merged));
                    Ok(())
                }
                ColumnWrite::Delete => {
                    put_simple(row, Cell::tombstone(ts, now));
                    Ok(())
                }
                _ => Err(StorageError::invalid(format!(
                    "Cannot set the value of counter column {name} (counters can only be incremented/decremented, not set)"
                ))),
            };
        }
        if let ColumnWrite::CounterAdd(_) = write {
            return Err(StorageError::invalid(format!(
                "Invalid operation ({name} = {name} + ?) for non counter column {name}"
            )));
        }

        if !col.ty.is_collection() {
            return match write {
                ColumnWrite::Set(v) => {
                    check_value(col, &col.ty, v)?;
                    put_simple(row, Cell::live(v.clone(), ts, ttl, now));
                    Ok(())
                }
                ColumnWrite::Delete => {
                    put_simple(row, Cell::tombstone(ts, now));
                    Ok(())
                }
                _ => invalid_op("collection operation"),
            };
        }

        // Collections.
        let mut data = match row.columns.remove(name) {
            Some(ColumnData::Complex(d)) => d,
            _ => ComplexData::default(),
        };
        let result = write_collection(col, &mut data, write, ts, ttl, now, shadow, list_seq);
        row.columns.insert(name.clone(), ColumnData::Complex(data));
        result
    }

    /// The live value of column `col` of `row` under `shadow`.
    fn read_column(
        col: &ColumnDef,
        row: &Row,
        shadow: Option<DeletionTime>,
        now: i64,
        layout: CollectionSizeWidth,
    ) -> StorageResult<Option<ReadCell>> {
        let alive = |c: &Cell| c.is_live(now) && !shadow.is_some_and(|d| d.deletes(c.timestamp()));
        match row.columns.get(&col.name) {
            None => Ok(None),
            Some(ColumnData::Simple(c)) => Ok(if alive(c) {
                Some(ReadCell {
                    value: c.value().unwrap_or_default(),
                    writetime: Some(c.timestamp()),
                    ttl: c.expiry().map(|e| e.remaining(now) as i32),
                    elements: None,
                })
            } else {
                None
            }),
            Some(ColumnData::Complex(d)) => {
                let elements: Vec<(Bytes, Bytes)> = d
                    .cells
                    .iter()
                    .filter(|(_, c)| {
                        alive(c) && !d.deletion.is_some_and(|x| x.deletes(c.timestamp()))
                    })
                    .map(|(p, c)| (p.clone(), c.value().unwrap_or_default()))
                    .collect();
                if elements.is_empty() {
                    return Ok(None);
                }
                let items: Vec<&[u8]> = match col.ty {
                    ColumnType::List(_) => elements.iter().map(|(_, v)| v.as_ref()).collect(),
                    ColumnType::Set(_) => elements.iter().map(|(p, _)| p.as_ref()).collect(),
                    _ => elements
                        .iter()
                        .flat_map(|(p, v)| [p.as_ref(), v.as_ref()])
                        .collect(),
                };
                let value = encode_collection(elements.len(), &items, layout)?;
                Ok(Some(ReadCell {
                    value,
                    writetime: None,
                    ttl: None,
                    elements: Some(elements),
                }))
            }
        }
    }

    fn has_live_cell(row: &Row, shadow: Option<DeletionTime>, now: i64) -> bool {
        let alive = |c: &Cell| c.is_live(now) && !shadow.is_some_and(|d| d.deletes(c.timestamp()));
        row.columns.values().any(|cd| match cd {
            ColumnData::Simple(c) => alive(c),
            ColumnData::Complex(d) => d
                .cells
                .iter()
                .any(|(_, c)| alive(c) && !d.deletion.is_some_and(|x| x.deletes(c.timestamp()))),
        })
    }

    /// Reads the live rows of this partition in `slice`, in clustering
    /// order (reversed if asked), skipping rows up to and including
    /// `resume_after` (in read order). Returns at most `limit` rows.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn read(
        &self,
        ctx: &Ctx,
        key_components: &[Bytes],
        slice: &Slice,
        reversed: bool,
        resume_after: Option<&[Bytes]>,
        limit: usize,
        now: i64,
        layout: CollectionSizeWidth,
        out: &mut Vec<ReadRow>,
    ) -> StorageResult<()> {
        let def = ctx.def;
        let mut base: Vec<Option<ReadCell>> = vec![None; def.columns.len()];
        for (i, col) in def.columns.iter().enumerate() {
            if let ColumnKind::PartitionKey(k) = col.kind {
                base[i] = key_components.get(k).map(|v| ReadCell::key(v.clone()));
            }
        }
        let mut static_live = false;
        for (i, col) in def.columns.iter().enumerate() {
            if col.kind == ColumnKind::Static {
                base[i] = Self::read_column(col, &self.static_row, self.deletion, now, layout)?;
                static_live |= base[i].is_some();
            }
        }
        let mut emitted = 0usize;
        let order: Box<dyn Iterator<Item = &Row>> = if reversed {
            Box::new(self.rows.iter().rev())
        } else {
            Box::new(self.rows.iter())
        };
        for row in order {
            if emitted >= limit {
                return Ok(());
            }
            if let Some(after) = resume_after {
                let c = ctx.cmp_clustering(&row.clustering, after);
                let passed = if reversed {
                    c == Ordering::Less
                } else {
                    c == Ordering::Greater
                };
                if !passed {
                    continue;
                }
            }
            if !ctx.in_slice(&row.clustering, slice) {
                continue;
            }
            let shadow = self.row_shadow(ctx, row);
            let marker_live = row.marker.as_ref().is_some_and(|m| {
                m.is_live(now) && !shadow.is_some_and(|d| d.deletes(m.timestamp()))
            });
            if !marker_live && !Self::has_live_cell(row, shadow, now) {
                continue;
            }
            let mut cells = base.clone();
            for (i, col) in def.columns.iter().enumerate() {
                match col.kind {
                    ColumnKind::Clustering(k) => {
                        cells[i] = row.clustering.get(k).map(|v| ReadCell::key(v.clone()));
                    }
                    ColumnKind::Regular => {
                        cells[i] = Self::read_column(col, row, shadow, now, layout)?;
                    }
                    _ => {}
                }
            }
            out.push(ReadRow {
                partition_key: self.key.clone(),
                token: self.token,
                clustering: Some(row.clustering.clone()),
                cells,
            });
            emitted += 1;
        }
        if emitted == 0
            && static_live
            && limit > 0
            && resume_after.is_none()
            && slice.is_unbounded()
        {
            out.push(ReadRow {
                partition_key: self.key.clone(),
                token: self.token,
                clustering: None,
                cells: base,
            });
        }
        Ok(())
    }

    /// Drops the stored cells of column `name` (after `ALTER TABLE DROP`).
    pub(crate) fn drop_column(&mut self, name: &str) {
        self.static_row.columns.remove(name);
        for row in &mut self.rows {
            row.columns.remove(name);
        }
    }
}

/// Applies a collection write to a column's multi-cell data.
#[allow(clippy::too_many_arguments)]
fn write_collection(
    col: &ColumnDef,
    data: &mut ComplexData,
    write: &ColumnWrite,
    ts: i64,
    ttl: Option<u32>,
    now: i64,
    shadow: Option<DeletionTime>,
    list_seq: &mut i64,
) -> StorageResult<()> {
    let name = &col.name;
    let invalid_op = |what: &str| {
        Err(StorageError::invalid(format!(
            "Invalid operation ({what}) for column {name} of type {}",
            super::types::cql_type_name(&col.ty)
        )))
    };
    let path_ty = path_type(&col.ty);
    let elem_ty = match &col.ty {
        ColumnType::List(e) | ColumnType::Set(e) => (**e).clone(),
        ColumnType::Map(_, v) => (**v).clone(),
        _ => ColumnType::Blob,
    };
    let is_list = matches!(col.ty, ColumnType::List(_));
    let is_set = matches!(col.ty, ColumnType::Set(_));
    let is_map = matches!(col.ty, ColumnType::Map(_, _));
    let put = |data: &mut ComplexData, path: Bytes, cell: Cell| {
        let pos = data
            .cells
            .binary_search_by(|(p, _)| compare_values(&path_ty, p, &path));
        match pos {
            Ok(i) => {
                let old = data.cells[i].1.clone();
                data.cells[i].1 = Cell::reconcile(old, cell, now);
            }
            Err(i) => data.cells.insert(i, (path, cell)),
        }
    };
    let next_id = |list_seq: &mut i64| {
        *list_seq += 1;
        *list_seq
    };
    // The live elements (index into data.cells) in order.
    let live = |data: &ComplexData| -> Vec<usize> {
        data.cells
            .iter()
            .enumerate()
            .filter(|(_, (_, c))| {
                c.is_live(now)
                    && !shadow.is_some_and(|d| d.deletes(c.timestamp()))
                    && !data.deletion.is_some_and(|d| d.deletes(c.timestamp()))
            })
            .map(|(i, _)| i)
            .collect()
    };
    match write {
        ColumnWrite::Delete => {
            data.deletion = DeletionTime::max(
                data.deletion,
                Some(DeletionTime {
                    timestamp: ts,
                    local_deletion_time: now,
                }),
            );
        }
        ColumnWrite::Set(_) => return invalid_op("set a serialized collection; decode it first"),
        ColumnWrite::Overwrite(lit) => {
            data.deletion = DeletionTime::max(
                data.deletion,
                Some(DeletionTime {
                    timestamp: ts.saturating_sub(1),
                    local_deletion_time: now,
                }),
            );
            match (lit, is_list, is_set, is_map) {
                (CollectionLiteral::List(items), true, _, _) => {
                    for v in items {
                        check_value(col, &elem_ty, v)?;
                        let id = next_id(list_seq);
                        put(data, list_path(id), Cell::live(v.clone(), ts, ttl, now));
                    }
                }
                (CollectionLiteral::Set(items), _, true, _) => {
                    for v in items {
                        check_value(col, &elem_ty, v)?;
                        put(data, v.clone(), Cell::live(Bytes::new(), ts, ttl, now));
                    }
                }
                (CollectionLiteral::Map(items), _, _, true) => {
                    for (k, v) in items {
                        check_value(col, &path_ty, k)?;
                        check_value(col, &elem_ty, v)?;
                        put(data, k.clone(), Cell::live(v.clone(), ts, ttl, now));
                    }
                }
                _ => {
                    return Err(StorageError::invalid(format!(
                        "Invalid collection literal for {name} of type {}",
                        super::types::cql_type_name(&col.ty)
                    )))
                }
            }
        }
        ColumnWrite::Append(items) if is_list => {
            for v in items {
                check_value(col, &elem_ty, v)?;
                let id = next_id(list_seq);
                put(data, list_path(id), Cell::live(v.clone(), ts, ttl, now));
            }
        }
        ColumnWrite::Prepend(items) if is_list => {
            // The first element gets the smallest id; a later prepend
            // goes before an earlier one.
            let n = items.len() as i64;
            let base = *list_seq;
            *list_seq += n;
            for (i, v) in items.iter().enumerate() {
                check_value(col, &elem_ty, v)?;
                let id = -(base + n - i as i64);
                put(data, list_path(id), Cell::live(v.clone(), ts, ttl, now));
            }
        }
        // Cassandra 2.0's `Lists.SetterByIndex` and `DiscarderByIndex` treat
        // a null or empty list like any other: "List index 0 out of bound,
        // list has size 0" (the "list which is null" texts are 3.0's).
        ColumnWrite::SetIndex { index, value } if is_list => {
            check_value(col, &elem_ty, value)?;
            let live = live(data);
            let Some(&i) = usize::try_from(*index).ok().and_then(|i| live.get(i)) else {
                return Err(StorageError::invalid(format!(
                    "List index {index} out of bound, list has size {}",
                    live.len()
                )));
            };
            let path = data.cells[i].0.clone();
            put(data, path, Cell::live(value.clone(), ts, ttl, now));
        }
        ColumnWrite::DeleteIndex(index) if is_list => {
            let live = live(data);
            let Some(&i) = usize::try_from(*index).ok().and_then(|i| live.get(i)) else {
                return Err(StorageError::invalid(format!(
                    "List index {index} out of bound, list has size {}",
                    live.len()
                )));
            };
            let path = data.cells[i].0.clone();
            put(data, path, Cell::tombstone(ts, now));
        }
        ColumnWrite::RemoveValues(values) if is_list => {
            let doomed: Vec<Bytes> = live(data)
                .into_iter()
                .filter(|&i| {
                    let v = data.cells[i].1.value().unwrap_or_default();
                    values
                        .iter()
                        .any(|x| compare_values(&elem_ty, x, &v) == Ordering::Equal)
                })
                .map(|i| data.cells[i].0.clone())
                .collect();
            for path in doomed {
                put(data, path, Cell::tombstone(ts, now));
            }
        }
        ColumnWrite::AddElements(items) if is_set => {
            for v in items {
                check_value(col, &elem_ty, v)?;
                put(data, v.clone(), Cell::live(Bytes::new(), ts, ttl, now));
            }
        }
        ColumnWrite::RemoveElements(items) if is_set || is_map => {
            for v in items {
                put(data, v.clone(), Cell::tombstone(ts, now));
            }
        }
        ColumnWrite::PutEntries(items) if is_map => {
            for (k, v) in items {
                check_value(col, &path_ty, k)?;
                check_value(col, &elem_ty, v)?;
                put(data, k.clone(), Cell::live(v.clone(), ts, ttl, now));
            }
        }
        ColumnWrite::DeleteKey(k) if is_set || is_map => {
            put(data, k.clone(), Cell::tombstone(ts, now));
        }
        ColumnWrite::Append(_) | ColumnWrite::Prepend(_) | ColumnWrite::RemoveValues(_) => {
            return invalid_op("list operation")
        }
        ColumnWrite::SetIndex { .. } | ColumnWrite::DeleteIndex(_) => {
            return Err(StorageError::invalid(format!(
                "Invalid operation ({name}[?]) for non list column {name}"
            )))
        }
        ColumnWrite::AddElements(_) => return invalid_op("set operation"),
        ColumnWrite::RemoveElements(_) | ColumnWrite::DeleteKey(_) => {
            return invalid_op("set or map operation")
        }
        ColumnWrite::PutEntries(_) => return invalid_op("map operation"),
        ColumnWrite::CounterAdd(_) => return invalid_op("counter operation"),
    }
    Ok(())
}
