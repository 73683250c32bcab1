//! INSERT, UPDATE, DELETE, batches and lightweight transactions.

use std::cmp::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use cql_protocol::message::response::{ResultBody, RowsBuilder, RowsMetadata};
use cql_protocol::{ColumnSpec, ColumnType, Consistency, TableSpec};

use super::errors::{invalid, storage, ExecResult};
use super::values::{collection_value, int_term, is_collection, term_value, Env};
use super::{Call, Executor};
use crate::cql::{
    Assignment, Batch, BatchKind, BatchStatement, ConditionPredicate, DeleteTarget, IfClause,
    InValues, Operator, Relation, Statement, Term, Using,
};
use crate::storage::types::compare_values;
use crate::storage::{
    CollectionLiteral, ColumnDef, ColumnKind, ColumnWrite, Mutation, Op, ReadRow, Slice, Table,
    TableDef, MAX_TTL,
};

/// Whether a CAS applied, and the failing row's columns and values.
type CasOutcome = (bool, Option<(Vec<usize>, ReadRow)>);

/// A predicate of an IF condition, evaluated.
enum Pred {
    Cmp(Operator, Option<Bytes>),
    In(Vec<Option<Bytes>>),
}

/// One evaluated IF condition.
struct Cond {
    column: String,
    element: Option<Bytes>,
    pred: Pred,
}

enum CondKind {
    NotExists,
    Exists,
    Conditions(Vec<Cond>),
}

/// A statement's writes, ready to apply.
pub(crate) struct Planned {
    ks: String,
    table: Arc<Table>,
    def: Arc<TableDef>,
    mutations: Vec<Mutation>,
    /// For a conditional statement: the row and its condition.
    cond: Option<(Vec<Bytes>, CondKind)>,
    counter: bool,
}

/// The values a relation's right-hand side gives for a key column.
pub(crate) fn relation_values(r: &Relation, col: &ColumnDef, env: &Env) -> ExecResult<Vec<Bytes>> {
    let non_null = |v: Option<Bytes>| {
        v.ok_or_else(|| {
            invalid(format!(
                "Invalid null value for {} in where clause",
                col.name
            ))
        })
    };
    match r {
        Relation::Simple { value, .. } => {
            Ok(vec![non_null(term_value(value, &col.ty, &col.name, env)?)?])
        }
        Relation::In { values, .. } => in_values(values, col, env),
        _ => Err(invalid(format!("Invalid restriction on {}", col.name))),
    }
}

/// The values of `IN (...)` / `IN ?`.
pub(crate) fn in_values(values: &InValues, col: &ColumnDef, env: &Env) -> ExecResult<Vec<Bytes>> {
    match values {
        InValues::Terms(ts) => ts
            .iter()
            .map(|t| {
                term_value(t, &col.ty, &col.name, env)?
                    .ok_or_else(|| invalid(format!("Invalid null value for {} in IN", col.name)))
            })
            .collect(),
        InValues::Marker(m) => match env.bound(m.index)? {
            None => Err(invalid(format!(
                "Invalid null value for IN restriction on {}",
                col.name
            ))),
            Some(b) => {
                let ty = ColumnType::List(Box::new(col.ty.clone()));
                match CollectionLiteral::decode(&ty, &b, env.layout).map_err(storage)? {
                    CollectionLiteral::List(v) => Ok(v),
                    _ => Ok(vec![]),
                }
            }
        },
    }
}

/// Serialized partition key from its components.
pub(crate) fn pk_bytes(def: &TableDef, comps: &[Bytes]) -> ExecResult<Bytes> {
    if def.partition_key.len() == 1 {
        return Ok(comps[0].clone());
    }
    let parts: Vec<&[u8]> = comps.iter().map(|b| &b[..]).collect();
    cql_protocol::murmur3::partition_key(&parts)
        .map(Bytes::from)
        .map_err(|e| invalid(e.to_string()))
}

/// The cartesian product of value lists.
pub(crate) fn product(lists: &[Vec<Bytes>]) -> Vec<Vec<Bytes>> {
    let mut out: Vec<Vec<Bytes>> = vec![vec![]];
    for l in lists {
        let mut next = Vec::new();
        for prefix in &out {
            for v in l {
                let mut p = prefix.clone();
                p.push(v.clone());
                next.push(p);
            }
        }
        out = next;
    }
    out
}

/// The primary key targets of an UPDATE/DELETE WHERE clause: (partition
/// keys, clustering prefixes).
///
/// As Cassandra 2.0's `ModificationStatement.processWhereClause`, each
/// relation, in the order written, must name a PRIMARY KEY column and be an
/// `=`, or an `IN` on a partition key column: a slice (`c > 5`) or an `IN`
/// on a clustering column is rejected with "Invalid operator > for PRIMARY
/// KEY part c". 2.0 has no range deletions.
fn where_keys(
    def: &TableDef,
    rels: &[Relation],
    env: &Env,
) -> ExecResult<(Vec<Bytes>, Vec<Vec<Bytes>>)> {
    let mut seen: Vec<&str> = Vec::new();
    for r in rels {
        let name =
            match r {
                Relation::Simple { column, .. } | Relation::In { column, .. } => column,
                _ => return Err(invalid(
                    "Only EQ and IN relation are supported on the partition key for modifications",
                )),
            };
        let col = def
            .column(name)
            .ok_or_else(|| invalid(format!("Unknown key identifier {name}")))?;
        if !col.is_primary_key() {
            return Err(invalid(format!(
                "Non PRIMARY KEY {name} found in where clause"
            )));
        }
        let allowed = match r {
            Relation::Simple { op, .. } => *op == Operator::Eq,
            _ => matches!(col.kind, ColumnKind::PartitionKey(_)),
        };
        if !allowed {
            return Err(invalid(format!(
                "Invalid operator {} for PRIMARY KEY part {name}",
                op_of(r)
            )));
        }
        if seen.contains(&name.as_str()) {
            return Err(invalid(format!(
                "Multiple definitions found for PRIMARY KEY part {name}"
            )));
        }
        seen.push(name);
    }
    fn find<'r>(rels: &'r [Relation], name: &str) -> Option<&'r Relation> {
        rels.iter().find(|r| match r {
            Relation::Simple { column, .. } | Relation::In { column, .. } => column == name,
            _ => false,
        })
    }
    let mut pk_lists = Vec::new();
    for col in def.partition_key_columns() {
        let r = find(rels, &col.name)
            .ok_or_else(|| invalid(format!("Missing mandatory PRIMARY KEY part {}", col.name)))?;
        pk_lists.push(relation_values(r, col, env)?);
    }
    let mut ck_lists = Vec::new();
    let mut stop: Option<&str> = None;
    for col in def.clustering_columns() {
        let Some(r) = find(rels, &col.name) else {
            stop.get_or_insert(col.name.as_str());
            continue;
        };
        if let Some(prev) = stop {
            return Err(invalid(format!("PRIMARY KEY column \"{}\" cannot be restricted (preceding column \"{prev}\" is either not restricted or by a non-EQ relation)", col.name)));
        }
        ck_lists.push(relation_values(r, col, env)?);
    }
    let pks = product(&pk_lists)
        .iter()
        .map(|c| pk_bytes(def, c))
        .collect::<ExecResult<Vec<_>>>()?;
    Ok((pks, product(&ck_lists)))
}

fn op_of(r: &Relation) -> String {
    match r {
        Relation::Simple { op, .. } => op.to_string(),
        _ => "IN".into(),
    }
}

fn using_values(using: &Using, call: &Call, env: &Env) -> ExecResult<(i64, Option<u32>)> {
    let ts = match &using.timestamp {
        Some(t) => int_term(t, &ColumnType::Bigint, "[timestamp]", env)?
            .ok_or_else(|| invalid("Invalid null value of timestamp"))?,
        None => call.batch_timestamp.unwrap_or(call.now_micros),
    };
    let ttl = match &using.ttl {
        Some(t) => {
            let v = int_term(t, &ColumnType::Int, "[ttl]", env)?
                .ok_or_else(|| invalid("Invalid null value of TTL"))?;
            if v < 0 {
                return Err(invalid("A TTL must be greater or equal to 0"));
            }
            if v > i64::from(MAX_TTL) {
                return Err(invalid(format!(
                    "ttl is too large. requested ({v}) maximum ({MAX_TTL})"
                )));
            }
            Some(v as u32)
        }
        None => None,
    };
    Ok((ts, ttl))
}

fn value_write(col: &ColumnDef, t: &Term, env: &Env) -> ExecResult<ColumnWrite> {
    if is_collection(&col.ty) {
        return Ok(match collection_value(t, &col.ty, &col.name, env)? {
            None => ColumnWrite::Delete,
            Some(c) => ColumnWrite::Overwrite(c),
        });
    }
    Ok(match term_value(t, &col.ty, &col.name, env)? {
        None => ColumnWrite::Delete,
        Some(b) => ColumnWrite::Set(b),
    })
}

fn elements(col: &ColumnDef, t: &Term, env: &Env) -> ExecResult<CollectionLiteral> {
    collection_value(t, &col.ty, &col.name, env)?
        .ok_or_else(|| invalid(format!("Invalid null value for {}", col.name)))
}

fn assignment_write(
    def: &TableDef,
    a: &Assignment,
    env: &Env,
) -> ExecResult<(String, ColumnWrite)> {
    let name = match a {
        Assignment::Set { column, .. }
        | Assignment::Add { column, .. }
        | Assignment::Prepend { column, .. }
        | Assignment::Subtract { column, .. }
        | Assignment::SetElement { column, .. } => column,
    };
    let col = def
        .column(name)
        .ok_or_else(|| invalid(format!("Unknown identifier {name}")))?;
    if col.is_primary_key() {
        return Err(invalid(format!(
            "PRIMARY KEY part {name} found in SET part"
        )));
    }
    let counter = col.ty == ColumnType::Counter;
    let w = match a {
        Assignment::Set { value, .. } => {
            if counter {
                return Err(invalid(format!("Cannot set the value of counter column {name} (counters can only be incremented/decremented, not set)")));
            }
            value_write(col, value, env)?
        }
        Assignment::Add { value, .. } | Assignment::Subtract { value, .. } => {
            let sub = matches!(a, Assignment::Subtract { .. });
            if counter {
                let v = int_term(value, &ColumnType::Bigint, name, env)?
                    .ok_or_else(|| invalid("Invalid null value for counter increment"))?;
                ColumnWrite::CounterAdd(if sub { v.wrapping_neg() } else { v })
            } else {
                match (&col.ty, sub) {
                    (ColumnType::List(_), false) => match elements(col, value, env)? {
                        CollectionLiteral::List(v) => ColumnWrite::Append(v),
                        _ => return Err(invalid("Invalid list value")),
                    },
                    (ColumnType::List(_), true) => match elements(col, value, env)? {
                        CollectionLiteral::List(v) => ColumnWrite::RemoveValues(v),
                        _ => return Err(invalid("Invalid list value")),
                    },
                    (ColumnType::Set(_), false) => match elements(col, value, env)? {
                        CollectionLiteral::Set(v) => ColumnWrite::AddElements(v),
                        _ => return Err(invalid("Invalid set value")),
                    },
                    (ColumnType::Set(_), true) => match elements(col, value, env)? {
                        CollectionLiteral::Set(v) => ColumnWrite::RemoveElements(v),
                        _ => return Err(invalid("Invalid set value")),
                    },
                    (ColumnType::Map(..), false) => match elements(col, value, env)? {
                        CollectionLiteral::Map(v) => ColumnWrite::PutEntries(v),
                        _ => return Err(invalid("Invalid map value")),
                    },
                    (ColumnType::Map(k, _), true) => {
                        let kty = ColumnType::Set(k.clone());
                        match collection_value(value, &kty, name, env)? {
                            Some(CollectionLiteral::Set(v)) => ColumnWrite::RemoveElements(v),
                            _ => return Err(invalid("Invalid set value")),
                        }
                    }
                    _ => {
                        return Err(invalid(format!(
                        "Invalid operation ({name} = {name} {} ?) for non counter column {name}",
                        if sub { "-" } else { "+" }
                    )))
                    }
                }
            }
        }
        Assignment::Prepend { value, .. } => match (&col.ty, elements(col, value, env)?) {
            (ColumnType::List(_), CollectionLiteral::List(v)) => ColumnWrite::Prepend(v),
            _ => {
                return Err(invalid(format!(
                    "Invalid operation ({name} = ? + {name}) for non list column {name}"
                )))
            }
        },
        Assignment::SetElement { key, value, .. } => match &col.ty {
            ColumnType::List(e) => {
                let idx = int_term(key, &ColumnType::Int, name, env)?
                    .ok_or_else(|| invalid("Invalid null value for list index"))?;
                let v = term_value(value, e, name, env)?;
                match v {
                    Some(v) => ColumnWrite::SetIndex {
                        index: idx as i32,
                        value: v,
                    },
                    None => ColumnWrite::DeleteIndex(idx as i32),
                }
            }
            ColumnType::Map(k, v) => {
                let kb = term_value(key, k, name, env)?
                    .ok_or_else(|| invalid("Invalid null map key"))?;
                match term_value(value, v, name, env)? {
                    Some(vb) => ColumnWrite::PutEntries(vec![(kb, vb)]),
                    None => ColumnWrite::DeleteKey(kb),
                }
            }
            _ => {
                return Err(invalid(format!(
                    "Invalid operation ({name}[?] = ?) for non list/map column {name}"
                )))
            }
        },
    };
    Ok((name.clone(), w))
}

fn eval_conditions(
    def: &TableDef,
    clause: &Option<IfClause>,
    env: &Env,
) -> ExecResult<Option<CondKind>> {
    Ok(match clause {
        None => None,
        Some(IfClause::Exists) => Some(CondKind::Exists),
        Some(IfClause::Conditions(cs)) => {
            let mut out = Vec::new();
            for c in cs {
                let col = def
                    .column(&c.column)
                    .ok_or_else(|| invalid(format!("Unknown identifier {}", c.column)))?;
                if col.is_primary_key() {
                    return Err(invalid(format!(
                        "PRIMARY KEY column '{}' cannot have IF conditions",
                        c.column
                    )));
                }
                let (vty, element) = match (&c.element, &col.ty) {
                    (None, t) => (t.clone(), None),
                    (Some(k), ColumnType::List(e)) => (
                        (**e).clone(),
                        term_value(k, &ColumnType::Int, &col.name, env)?,
                    ),
                    (Some(k), ColumnType::Map(kt, vt)) => {
                        ((**vt).clone(), term_value(k, kt, &col.name, env)?)
                    }
                    _ => {
                        return Err(invalid(format!(
                            "Invalid element access syntax for non-collection column {}",
                            c.column
                        )))
                    }
                };
                let pred = match &c.predicate {
                    ConditionPredicate::Compare(op, t) => {
                        Pred::Cmp(*op, term_value(t, &vty, &col.name, env)?)
                    }
                    ConditionPredicate::In(InValues::Terms(ts)) => Pred::In(
                        ts.iter()
                            .map(|t| term_value(t, &vty, &col.name, env))
                            .collect::<ExecResult<_>>()?,
                    ),
                    ConditionPredicate::In(v @ InValues::Marker(_)) => {
                        let tmp = ColumnDef {
                            name: col.name.clone(),
                            ty: vty.clone(),
                            kind: col.kind,
                        };
                        Pred::In(in_values(v, &tmp, env)?.into_iter().map(Some).collect())
                    }
                };
                out.push(Cond {
                    column: c.column.clone(),
                    element,
                    pred,
                });
            }
            Some(CondKind::Conditions(out))
        }
    })
}

/// The current value a condition looks at.
fn current_value(def: &TableDef, row: Option<&ReadRow>, c: &Cond) -> (ColumnType, Option<Bytes>) {
    let Some(idx) = def.column_index(&c.column) else {
        return (ColumnType::Blob, None);
    };
    let col = &def.columns[idx];
    let cell = row.and_then(|r| r.cell(idx));
    match (&c.element, &col.ty) {
        (None, t) => (t.clone(), cell.map(|c| c.value.clone())),
        (Some(k), ColumnType::Map(kt, vt)) => {
            let v = cell.and_then(|c| c.elements.as_ref()).and_then(|els| {
                els.iter()
                    .find(|(ek, _)| compare_values(kt, ek, k) == Ordering::Equal)
                    .map(|(_, v)| v.clone())
            });
            ((**vt).clone(), v)
        }
        (Some(k), ColumnType::List(et)) => {
            let idx = if k.len() == 4 {
                i32::from_be_bytes([k[0], k[1], k[2], k[3]])
            } else {
                -1
            };
            let v = cell.and_then(|c| c.elements.as_ref()).and_then(|els| {
                usize::try_from(idx)
                    .ok()
                    .and_then(|i| els.get(i))
                    .map(|(_, v)| v.clone())
            });
            ((**et).clone(), v)
        }
        (Some(_), t) => (t.clone(), None),
    }
}

fn check_cond(def: &TableDef, row: Option<&ReadRow>, c: &Cond) -> bool {
    let (ty, cur) = current_value(def, row, c);
    let eq = |a: &Option<Bytes>, b: &Option<Bytes>| match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => compare_values(&ty, x, y) == Ordering::Equal,
        _ => false,
    };
    match &c.pred {
        Pred::Cmp(Operator::Eq, v) => eq(&cur, v),
        Pred::Cmp(Operator::Neq, v) => !eq(&cur, v),
        Pred::Cmp(op, v) => match (&cur, v) {
            (Some(x), Some(y)) => {
                let o = compare_values(&ty, x, y);
                match op {
                    Operator::Lt => o == Ordering::Less,
                    Operator::Lte => o != Ordering::Greater,
                    Operator::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                }
            }
            _ => false,
        },
        Pred::In(vs) => vs.iter().any(|v| eq(&cur, v)),
    }
}

impl Executor {
    /// Turns an INSERT/UPDATE/DELETE into mutations.
    pub(crate) fn plan(&self, call: &Call, stmt: &Statement) -> ExecResult<Planned> {
        let env = call.env();
        match stmt {
            Statement::Insert(i) => {
                let (ks, table, def) = self.table(call, &i.table)?;
                if def.is_counter_table() {
                    return Err(invalid(
                        "INSERT statement are not allowed on counter tables, use UPDATE instead",
                    ));
                }
                if i.columns.len() != i.values.len() {
                    return Err(invalid("Unmatched column names/values"));
                }
                let (ts, ttl) = using_values(&i.using, call, &env)?;
                let mut pk = vec![None; def.partition_key.len()];
                let mut ck = vec![None; def.clustering.len()];
                let mut writes = Vec::new();
                let mut seen = std::collections::HashSet::new();
                for (name, t) in i.columns.iter().zip(&i.values) {
                    if !seen.insert(name) {
                        return Err(invalid(format!(
                            "Multiple definitions found for column {name}"
                        )));
                    }
                    let col = def
                        .column(name)
                        .ok_or_else(|| invalid(format!("Unknown identifier {name}")))?;
                    match col.kind {
                        ColumnKind::PartitionKey(p) => {
                            pk[p] = Some(term_value(t, &col.ty, name, &env)?.ok_or_else(|| {
                                invalid(format!("Invalid null value for partition key part {name}"))
                            })?)
                        }
                        ColumnKind::Clustering(p) => {
                            ck[p] = Some(term_value(t, &col.ty, name, &env)?.ok_or_else(|| {
                                invalid(format!(
                                    "Invalid null value for clustering key part {name}"
                                ))
                            })?)
                        }
                        _ => writes.push((col.clone(), value_write(col, t, &env)?)),
                    }
                }
                for (i2, v) in pk.iter().enumerate() {
                    if v.is_none() {
                        return Err(invalid(format!(
                            "Missing mandatory PRIMARY KEY part {}",
                            def.partition_key[i2]
                        )));
                    }
                }
                let static_only = ck.iter().all(Option::is_none)
                    && !writes.is_empty()
                    && writes.iter().all(|(c, _)| c.kind == ColumnKind::Static);
                if !static_only {
                    for (i2, v) in ck.iter().enumerate() {
                        if v.is_none() {
                            return Err(invalid(format!(
                                "Missing mandatory PRIMARY KEY part {}",
                                def.clustering[i2].0
                            )));
                        }
                    }
                }
                let pkv: Vec<Bytes> = pk.into_iter().flatten().collect();
                let clustering: Vec<Bytes> = ck.into_iter().flatten().collect();
                let mut ops = Vec::new();
                if !static_only {
                    ops.push(Op::InsertMarker {
                        clustering: clustering.clone(),
                        timestamp: ts,
                        ttl,
                    });
                }
                for (col, w) in writes {
                    ops.push(Op::Write {
                        clustering: clustering.clone(),
                        column: col.name.clone(),
                        write: w,
                        timestamp: ts,
                        ttl,
                    });
                }
                let key = pk_bytes(&def, &pkv)?;
                Ok(Planned {
                    ks,
                    table,
                    def,
                    mutations: vec![Mutation::new(key, ops)],
                    cond: i.if_not_exists.then_some((clustering, CondKind::NotExists)),
                    counter: false,
                })
            }
            Statement::Update(u) => {
                let (ks, table, def) = self.table(call, &u.table)?;
                let (ts, ttl) = using_values(&u.using, call, &env)?;
                let (pks, cks) = where_keys(&def, &u.where_clause, &env)?;
                let mut writes = Vec::new();
                for a in &u.assignments {
                    writes.push(assignment_write(&def, a, &env)?);
                }
                let all_static = writes
                    .iter()
                    .all(|(n, _)| def.column(n).is_some_and(|c| c.kind == ColumnKind::Static));
                let full = cks.first().is_some_and(|c| c.len() == def.clustering.len());
                if !(full || (all_static && cks.first().is_some_and(|c| c.is_empty()))) {
                    let missing = cks.first().map_or(0, |c| c.len());
                    if let Some((name, _)) = def.clustering.get(missing) {
                        return Err(invalid(format!(
                            "Missing mandatory PRIMARY KEY part {name}"
                        )));
                    }
                }
                let counter = writes
                    .iter()
                    .any(|(_, w)| matches!(w, ColumnWrite::CounterAdd(_)));
                let mut mutations = Vec::new();
                for pk in &pks {
                    let mut ops = Vec::new();
                    for ck in &cks {
                        for (name, w) in &writes {
                            ops.push(Op::Write {
                                clustering: ck.clone(),
                                column: name.clone(),
                                write: w.clone(),
                                timestamp: ts,
                                ttl,
                            });
                        }
                    }
                    mutations.push(Mutation::new(pk.clone(), ops));
                }
                let cond = eval_conditions(&def, &u.if_clause, &env)?;
                let cond = match cond {
                    None => None,
                    Some(c) => {
                        if pks.len() != 1 || cks.len() != 1 {
                            return Err(invalid("IN on the clustering key columns is not supported with conditional updates"));
                        }
                        Some((cks[0].clone(), c))
                    }
                };
                Ok(Planned {
                    ks,
                    table,
                    def,
                    mutations,
                    cond,
                    counter,
                })
            }
            Statement::Delete(d) => {
                let (ks, table, def) = self.table(call, &d.table)?;
                let (ts, _) = using_values(&d.using, call, &env)?;
                let (pks, cks) = where_keys(&def, &d.where_clause, &env)?;
                let mut mutations = Vec::new();
                for pk in &pks {
                    let mut ops = Vec::new();
                    if d.targets.is_empty() {
                        for ck in &cks {
                            ops.push(if ck.is_empty() {
                                Op::DeletePartition { timestamp: ts }
                            } else if ck.len() == def.clustering.len() {
                                Op::DeleteRow {
                                    clustering: ck.clone(),
                                    timestamp: ts,
                                }
                            } else {
                                Op::DeleteRange {
                                    prefix: ck.clone(),
                                    timestamp: ts,
                                }
                            });
                        }
                    } else {
                        for ck in &cks {
                            for t in &d.targets {
                                let (name, write) = match t {
                                    DeleteTarget::Column(c) => (c, ColumnWrite::Delete),
                                    DeleteTarget::Element { column, key } => {
                                        let col = def.column(column).ok_or_else(|| {
                                            invalid(format!("Unknown identifier {column}"))
                                        })?;
                                        let w = match &col.ty {
                                            ColumnType::List(_) => ColumnWrite::DeleteIndex(
                                                int_term(key, &ColumnType::Int, column, &env)?.ok_or_else(|| invalid("Invalid null value for list index"))? as i32,
                                            ),
                                            ColumnType::Map(k, _) | ColumnType::Set(k) => ColumnWrite::DeleteKey(
                                                term_value(key, k, column, &env)?.ok_or_else(|| invalid("Invalid null map key"))?,
                                            ),
                                            _ => return Err(invalid(format!("Invalid element access syntax for non-collection column {column}"))),
                                        };
                                        (column, w)
                                    }
                                };
                                let col = def
                                    .column(name)
                                    .ok_or_else(|| invalid(format!("Unknown identifier {name}")))?;
                                if col.is_primary_key() {
                                    return Err(invalid(format!("Invalid identifier {name} for deletion (should not be a PRIMARY KEY part)")));
                                }
                                if col.kind != ColumnKind::Static
                                    && ck.len() != def.clustering.len()
                                {
                                    return Err(invalid(format!(
                                        "Missing mandatory PRIMARY KEY part {}",
                                        def.clustering[ck.len()].0
                                    )));
                                }
                                ops.push(Op::Write {
                                    clustering: ck.clone(),
                                    column: name.clone(),
                                    write,
                                    timestamp: ts,
                                    ttl: Some(0),
                                });
                            }
                        }
                    }
                    mutations.push(Mutation::new(pk.clone(), ops));
                }
                let cond = match eval_conditions(&def, &d.if_clause, &env)? {
                    None => None,
                    Some(c) => {
                        if pks.len() != 1 || cks.len() != 1 {
                            return Err(invalid("IN on the clustering key columns is not supported with conditional deletions"));
                        }
                        Some((cks[0].clone(), c))
                    }
                };
                Ok(Planned {
                    ks,
                    table,
                    def,
                    mutations,
                    cond,
                    counter: false,
                })
            }
            _ => Err(invalid("Not a modification statement")),
        }
    }

    /// Executes an INSERT, UPDATE or DELETE.
    pub(crate) fn modification(&self, call: &Call, stmt: &Statement) -> ExecResult<ResultBody> {
        let p = self.plan(call, stmt)?;
        // 2.0's ModificationStatement.executeWithoutCondition: counters
        // use validateCounterForWrite, other writes validateForWrite (a
        // conditional statement is checked by the CAS path instead).
        let counter = p.counter || p.def.is_counter_table();
        if p.cond.is_none() {
            if counter && call.consistency == Consistency::Any {
                return Err(invalid(format!(
                    "Consistency level ANY is not yet supported for counter columnfamily {}",
                    p.def.name
                )));
            }
            if !counter
                && matches!(
                    call.consistency,
                    Consistency::Serial | Consistency::LocalSerial
                )
            {
                return Err(invalid(
                    "You must use conditional updates for serializable writes",
                ));
            }
        }
        for m in &p.mutations {
            self.check_available(
                &p.ks,
                cql_protocol::murmur3::token(&m.partition_key),
                call.consistency,
            )?;
        }
        call.trace("Determining replicas for mutation");
        if p.cond.is_some() {
            return self.conditional(call, &[p]);
        }
        for m in &p.mutations {
            if !m.ops.is_empty() {
                p.table.apply(m, call.now_secs()).map_err(storage)?;
            }
        }
        call.trace("Appending to commitlog");
        Ok(ResultBody::Void)
    }

    /// Runs conditional statements, all on one partition.
    fn conditional(&self, call: &Call, plans: &[Planned]) -> ExecResult<ResultBody> {
        let first = &plans[0];
        let pk = first.mutations[0].partition_key.clone();
        for p in plans {
            if p.def.keyspace != first.def.keyspace
                || p.def.name != first.def.name
                || p.mutations.iter().any(|m| m.partition_key != pk)
            {
                return Err(invalid(
                    "Batch with conditions cannot span multiple partitions",
                ));
            }
        }
        if let Some(serial) = call.serial {
            if !matches!(serial, Consistency::Serial | Consistency::LocalSerial) {
                return Err(invalid("Invalid consistency for conditional update. Must be one of SERIAL or LOCAL_SERIAL"));
            }
        }
        // 2.0's ConsistencyLevel.validateForCasCommit, on the commit level.
        match call.consistency {
            Consistency::Serial | Consistency::LocalSerial => {
                return Err(invalid(format!(
                    "{} is not supported as conditional update commit consistency. Use ANY if you mean \"make sure it is accepted but I don't care how many replicas commit it for non-SERIAL reads\"",
                    call.consistency.name()
                )));
            }
            Consistency::EachQuorum => {
                let replication = self
                    .ctx()
                    .catalog()
                    .keyspace(&first.def.keyspace)
                    .map(|k| k.replication);
                if let Some(r) = replication {
                    if !matches!(r, crate::storage::Replication::NetworkTopology { .. }) {
                        return Err(invalid(format!(
                            "consistency level EACH_QUORUM not compatible with replication strategy ({})",
                            r.class_name()
                        )));
                    }
                }
            }
            _ => {}
        }
        let def = first.def.clone();
        let layout = call.conn.version.collection_size_width();
        call.trace("Acquiring lock for conditional update");
        let outcome = first
            .table
            .with_partition_mut(&pk, call.now_secs(), |g| -> ExecResult<CasOutcome> {
                let mut failed: Option<(Vec<usize>, ReadRow)> = None;
                let mut applied = true;
                for p in plans {
                    let Some((ck, kind)) = &p.cond else { continue };
                    let slice = if ck.is_empty() {
                        Slice::all()
                    } else {
                        Slice::prefix(ck.clone())
                    };
                    let rows = g.read(&slice, layout).map_err(storage)?;
                    let row = rows.into_iter().next();
                    let ok = match kind {
                        CondKind::NotExists => row.is_none(),
                        CondKind::Exists => row.is_some(),
                        CondKind::Conditions(cs) => {
                            cs.iter().all(|c| check_cond(&def, row.as_ref(), c))
                        }
                    };
                    if !ok {
                        applied = false;
                        if failed.is_none() {
                            if let Some(r) = row {
                                let cols: Vec<usize> = match kind {
                                    CondKind::Conditions(cs) => {
                                        let mut v: Vec<usize> = Vec::new();
                                        for c in cs {
                                            if let Some(i) = def.column_index(&c.column) {
                                                if !v.contains(&i) {
                                                    v.push(i);
                                                }
                                            }
                                        }
                                        v
                                    }
                                    _ => def
                                        .select_order()
                                        .iter()
                                        .filter_map(|c| def.column_index(&c.name))
                                        .collect(),
                                };
                                failed = Some((cols, r));
                            }
                        }
                    }
                }
                if applied {
                    for p in plans {
                        for m in &p.mutations {
                            g.apply(&m.ops).map_err(storage)?;
                        }
                    }
                }
                Ok((applied, failed))
            })
            .map_err(storage)??;
        let (applied, failed) = outcome;
        let spec = TableSpec::new(def.keyspace.clone(), def.name.clone());
        let mut cols = vec![ColumnSpec::new(
            spec.clone(),
            "[applied]",
            ColumnType::Boolean,
        )];
        let mut values: Vec<Option<Bytes>> = vec![Some(Bytes::from(vec![u8::from(applied)]))];
        if let Some((idxs, row)) = failed {
            for i in idxs {
                let c = &def.columns[i];
                cols.push(ColumnSpec::new(
                    spec.clone(),
                    c.name.clone(),
                    super::select::wire_type(&c.ty),
                ));
                values.push(row.cell(i).map(|c| c.value.clone()));
            }
        }
        let mut rows = RowsBuilder::new(RowsMetadata::new(cols));
        rows.push_row(values.iter().map(|v| v.as_deref()))
            .map_err(|e| invalid(e.to_string()))?;
        Ok(ResultBody::Rows(rows.finish()))
    }

    /// `BEGIN BATCH ... APPLY BATCH`.
    pub(crate) fn text_batch(&self, call: &Call, b: &Batch) -> ExecResult<ResultBody> {
        let env = call.env();
        let ts = match &b.using.timestamp {
            Some(t) => int_term(t, &ColumnType::Bigint, "[timestamp]", &env)?,
            None => None,
        }
        .unwrap_or(call.now_micros);
        let inner = Call {
            conn: call.conn,
            keyspace: call.keyspace.clone(),
            consistency: call.consistency,
            serial: call.serial,
            values: call.values,
            page_size: None,
            paging_state: None,
            now_micros: call.now_micros,
            batch_timestamp: Some(ts),
            tracer: call.tracer,
        };
        let stmts: Vec<Statement> = b
            .statements
            .iter()
            .map(|s| match s {
                BatchStatement::Insert(i) => Statement::Insert(i.clone()),
                BatchStatement::Update(u) => Statement::Update(u.clone()),
                BatchStatement::Delete(d) => Statement::Delete(d.clone()),
            })
            .collect();
        let calls: Vec<(Call, &Statement)> = stmts
            .iter()
            .map(|s| {
                (
                    Call {
                        conn: inner.conn,
                        keyspace: inner.keyspace.clone(),
                        consistency: inner.consistency,
                        serial: inner.serial,
                        values: inner.values,
                        page_size: None,
                        paging_state: None,
                        now_micros: inner.now_micros,
                        batch_timestamp: inner.batch_timestamp,
                        tracer: inner.tracer,
                    },
                    s,
                )
            })
            .collect();
        self.run_batch_calls(b.kind, &calls)
    }

    /// Runs the statements of a batch.
    pub(crate) fn run_batch_calls(
        &self,
        kind: BatchKind,
        calls: &[(Call, &Statement)],
    ) -> ExecResult<ResultBody> {
        let mut plans = Vec::new();
        for (call, stmt) in calls {
            plans.push(self.plan(call, stmt)?);
        }
        for p in &plans {
            match (kind, p.counter || p.def.is_counter_table()) {
                (BatchKind::Counter, false) => {
                    return Err(invalid(
                        "Only counter mutations are allowed in COUNTER batches",
                    ))
                }
                (BatchKind::Logged | BatchKind::Unlogged, true) => {
                    return Err(invalid(
                        "Counter mutations are only allowed in COUNTER batches",
                    ))
                }
                _ => {}
            }
        }
        let Some((call0, _)) = calls.first() else {
            return Ok(ResultBody::Void);
        };
        for p in &plans {
            for m in &p.mutations {
                self.check_available(
                    &p.ks,
                    cql_protocol::murmur3::token(&m.partition_key),
                    call0.consistency,
                )?;
            }
        }
        if plans.iter().any(|p| p.cond.is_some()) {
            return self.conditional(call0, &plans);
        }
        for p in &plans {
            for m in &p.mutations {
                if !m.ops.is_empty() {
                    p.table.apply(m, call0.now_secs()).map_err(storage)?;
                }
            }
        }
        Ok(ResultBody::Void)
    }
}
