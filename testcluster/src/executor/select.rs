//! SELECT: restrictions, selection, ordering, limits and paging.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::ops::Bound;

use bytes::{BufMut, Bytes, BytesMut};
use cql_protocol::message::response::{ResultBody, RowsBuilder, RowsMetadata};
use cql_protocol::{ColumnSpec, ColumnType, Consistency, TableSpec};

use super::dml::{in_values, pk_bytes, product, relation_values};
use super::errors::{invalid, storage, ExecResult, NEEDS_FILTERING};
use super::values::{int_term, native_type, term_value, timeuuid_millis, Env};
use super::{Call, Executor};
use crate::cql::{
    MultiInValues, Operator, Relation, Select, Selection, SelectorExpr, Term, TupleValue,
};
use crate::storage::types::{compare_values, compare_with_order};
use crate::storage::{
    ColumnKind, Order, PartitionSelector, ReadCommand, ReadRow, ResumePoint, Slice, TableDef,
};

/// The wire type of a column type: `text` is reported as `varchar`.
pub(crate) fn wire_type(ty: &ColumnType) -> ColumnType {
    match ty {
        ColumnType::Text => ColumnType::Varchar,
        ColumnType::List(e) => ColumnType::List(Box::new(wire_type(e))),
        ColumnType::Set(e) => ColumnType::Set(Box::new(wire_type(e))),
        ColumnType::Map(k, v) => ColumnType::Map(Box::new(wire_type(k)), Box::new(wire_type(v))),
        t => t.clone(),
    }
}

/// How a result column is computed from a row.
#[derive(Clone, Debug)]
enum Sel {
    Col(usize),
    WriteTime(usize),
    Ttl(usize),
    Token,
    DateOf(Box<Sel>),
    UnixTimestampOf(Box<Sel>),
    Identity(Box<Sel>),
}

fn sel_value(s: &Sel, row: &ReadRow) -> Option<Bytes> {
    match s {
        Sel::Col(i) => row.cell(*i).map(|c| c.value.clone()),
        Sel::WriteTime(i) => row
            .cell(*i)
            .and_then(|c| c.writetime)
            .map(|w| Bytes::copy_from_slice(&w.to_be_bytes())),
        Sel::Ttl(i) => row
            .cell(*i)
            .and_then(|c| c.ttl)
            .map(|t| Bytes::copy_from_slice(&t.to_be_bytes())),
        Sel::Token => Some(Bytes::copy_from_slice(&row.token.to_be_bytes())),
        Sel::DateOf(inner) | Sel::UnixTimestampOf(inner) => {
            let v = sel_value(inner, row)?;
            timeuuid_millis(&v).map(|ms| Bytes::copy_from_slice(&ms.to_be_bytes()))
        }
        Sel::Identity(inner) => sel_value(inner, row),
    }
}

fn selector(def: &TableDef, e: &SelectorExpr) -> ExecResult<(Sel, String, ColumnType)> {
    let col = |name: &str| {
        def.column_index(name)
            .ok_or_else(|| invalid(format!("Undefined name {name} in selection clause")))
    };
    Ok(match e {
        SelectorExpr::Column(n) => {
            let i = col(n)?;
            (Sel::Col(i), n.clone(), wire_type(&def.columns[i].ty))
        }
        SelectorExpr::WriteTime(n) | SelectorExpr::Ttl(n) => {
            let i = col(n)?;
            let wt = matches!(e, SelectorExpr::WriteTime(_));
            let fname = if wt { "writeTime" } else { "ttl" };
            let c = &def.columns[i];
            if c.is_primary_key() {
                return Err(invalid(format!(
                    "Cannot use selection function {fname} on PRIMARY KEY part {n}"
                )));
            }
            if super::values::is_collection(&c.ty) {
                return Err(invalid(format!(
                    "Cannot use selection function {fname} on collections"
                )));
            }
            if wt {
                (
                    Sel::WriteTime(i),
                    format!("writetime({n})"),
                    ColumnType::Bigint,
                )
            } else {
                (Sel::Ttl(i), format!("ttl({n})"), ColumnType::Int)
            }
        }
        SelectorExpr::Function { name, args } => {
            let lname = name.to_ascii_lowercase();
            let mut subs = Vec::new();
            for a in args {
                subs.push(selector(def, a)?);
            }
            let label = format!(
                "{lname}({})",
                subs.iter()
                    .map(|s| s.1.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            match lname.as_str() {
                "token" => (Sel::Token, label, ColumnType::Bigint),
                "dateof" | "unixtimestampof" => {
                    let [(s, _, _)] = <[_; 1]>::try_from(subs).map_err(|_| {
                        invalid(format!(
                            "Invalid number of arguments in call to function {lname}"
                        ))
                    })?;
                    if lname == "dateof" {
                        (Sel::DateOf(Box::new(s)), label, ColumnType::Timestamp)
                    } else {
                        (Sel::UnixTimestampOf(Box::new(s)), label, ColumnType::Bigint)
                    }
                }
                _ => {
                    let [(s, _, _)] = <[_; 1]>::try_from(subs).map_err(|_| {
                        invalid(format!(
                            "Invalid number of arguments in call to function {lname}"
                        ))
                    })?;
                    let ty = if let Some(t) = lname.strip_prefix("blobas") {
                        native_type(t)
                            .ok_or_else(|| invalid(format!("Unknown function '{name}'")))?
                    } else if let Some(t) = lname.strip_suffix("asblob") {
                        native_type(t)
                            .ok_or_else(|| invalid(format!("Unknown function '{name}'")))?;
                        ColumnType::Blob
                    } else {
                        return Err(invalid(format!("Unknown function '{name}'")));
                    };
                    (Sel::Identity(Box::new(s)), label, wire_type(&ty))
                }
            }
        }
    })
}

/// The result columns of a SELECT: specs and how to compute them.
fn selection(def: &TableDef, s: &Select) -> ExecResult<(Vec<ColumnSpec>, Vec<Sel>)> {
    let spec = TableSpec::new(def.keyspace.clone(), def.name.clone());
    let mut specs = Vec::new();
    let mut sels = Vec::new();
    match &s.selection {
        Selection::Wildcard => {
            for c in def.select_order() {
                if s.distinct && !c.is_primary_key() && c.kind != ColumnKind::Static {
                    continue;
                }
                if s.distinct && matches!(c.kind, ColumnKind::Clustering(_)) {
                    continue;
                }
                let i = def.column_index(&c.name).unwrap_or(0);
                specs.push(ColumnSpec::new(
                    spec.clone(),
                    c.name.clone(),
                    wire_type(&c.ty),
                ));
                sels.push(Sel::Col(i));
            }
        }
        Selection::Count { alias } => {
            specs.push(ColumnSpec::new(
                spec.clone(),
                alias.clone().unwrap_or_else(|| "count".into()),
                ColumnType::Bigint,
            ));
        }
        Selection::Selectors(list) => {
            for sel in list {
                let (s2, name, ty) = selector(def, &sel.expr)?;
                if s.distinct {
                    if let Sel::Col(i) = s2 {
                        let c = &def.columns[i];
                        if matches!(c.kind, ColumnKind::Clustering(_) | ColumnKind::Regular) {
                            return Err(invalid(format!("SELECT DISTINCT queries must only request partition key columns and/or static columns (not {})", c.name)));
                        }
                    }
                }
                specs.push(ColumnSpec::new(
                    spec.clone(),
                    sel.alias.clone().unwrap_or(name),
                    ty,
                ));
                sels.push(s2);
            }
            if s.distinct {
                for pk in &def.partition_key {
                    let present = list
                        .iter()
                        .any(|x| x.expr == SelectorExpr::Column(pk.clone()));
                    if !present {
                        return Err(invalid(format!("SELECT DISTINCT queries must request all the partition key columns (missing {pk})")));
                    }
                }
            }
        }
    }
    Ok((specs, sels))
}

/// A check on a row that the storage read does not do.
enum PostFilter {
    /// Clustering columns from `first` compared as a tuple.
    Tuple {
        first: usize,
        op: Operator,
        values: Vec<Bytes>,
    },
    /// Clustering tuple in a set.
    TupleIn {
        first: usize,
        values: Vec<Vec<Bytes>>,
    },
    /// A value column.
    Column {
        index: usize,
        op: Operator,
        value: Bytes,
    },
    /// A value column in a set.
    ColumnIn { index: usize, values: Vec<Bytes> },
    /// A collection contains an element (or key).
    Contains {
        index: usize,
        key: bool,
        value: Bytes,
    },
    /// A token range on a key read.
    Token { start: Bound<i64>, end: Bound<i64> },
}

fn cmp_ok(o: Ordering, op: Operator) -> bool {
    match op {
        Operator::Eq => o == Ordering::Equal,
        Operator::Neq => o != Ordering::Equal,
        Operator::Lt => o == Ordering::Less,
        Operator::Lte => o != Ordering::Greater,
        Operator::Gt => o == Ordering::Greater,
        Operator::Gte => o != Ordering::Less,
    }
}

fn in_bounds(t: i64, start: &Bound<i64>, end: &Bound<i64>) -> bool {
    (match start {
        Bound::Unbounded => true,
        Bound::Included(s) => t >= *s,
        Bound::Excluded(s) => t > *s,
    }) && (match end {
        Bound::Unbounded => true,
        Bound::Included(e) => t <= *e,
        Bound::Excluded(e) => t < *e,
    })
}

impl PostFilter {
    fn accepts(&self, def: &TableDef, row: &ReadRow) -> bool {
        let ck_types = def.clustering_types();
        let tuple_cmp = |first: usize, values: &[Bytes]| -> Option<Ordering> {
            let ck = row.clustering.as_ref()?;
            for (j, v) in values.iter().enumerate() {
                let (ty, _) = ck_types.get(first + j)?;
                let o = compare_values(ty, ck.get(first + j)?, v);
                if o != Ordering::Equal {
                    return Some(o);
                }
            }
            Some(Ordering::Equal)
        };
        match self {
            PostFilter::Tuple { first, op, values } => {
                tuple_cmp(*first, values).is_some_and(|o| cmp_ok(o, *op))
            }
            PostFilter::TupleIn { first, values } => values
                .iter()
                .any(|v| tuple_cmp(*first, v) == Some(Ordering::Equal)),
            PostFilter::Column { index, op, value } => row.cell(*index).is_some_and(|c| {
                cmp_ok(
                    compare_values(&def.columns[*index].ty, &c.value, value),
                    *op,
                )
            }),
            PostFilter::ColumnIn { index, values } => row.cell(*index).is_some_and(|c| {
                values.iter().any(|v| {
                    compare_values(&def.columns[*index].ty, &c.value, v) == Ordering::Equal
                })
            }),
            PostFilter::Contains { index, key, value } => {
                let ty = &def.columns[*index].ty;
                row.cell(*index)
                    .and_then(|c| c.elements.as_ref())
                    .is_some_and(|els| {
                        els.iter().any(|(k, v)| match (ty, key) {
                            (ColumnType::Map(kt, _), true) => {
                                compare_values(kt, k, value) == Ordering::Equal
                            }
                            (ColumnType::Map(_, vt), false) | (ColumnType::List(vt), _) => {
                                compare_values(vt, v, value) == Ordering::Equal
                            }
                            (ColumnType::Set(et), _) => {
                                compare_values(et, k, value) == Ordering::Equal
                            }
                            _ => false,
                        })
                    })
            }
            PostFilter::Token { start, end } => in_bounds(row.token, start, end),
        }
    }
}

/// A planned read.
struct Plan {
    cmd: ReadCommand,
    post: Vec<PostFilter>,
    /// Whether rows without clustering (static-only) are dropped.
    needs_clustering: bool,
    tokens: Vec<i64>,
    /// Whether a partition key column is restricted by `IN` (2.0's
    /// `keyIsInRelation`).
    key_in: bool,
    /// Whether every clustering column is restricted by `=` or `IN`, so
    /// that 2.0 reads each partition with a names filter (one CQL row).
    names_query: bool,
    /// Whether a clustering slice has an exclusive bound (2.0 then reads
    /// one more row than the limit).
    exclusive_slice: bool,
}

fn token_value(t: &Term, def: &TableDef, env: &Env) -> ExecResult<i64> {
    if let Term::FunctionCall(f) = t {
        if f.name.eq_ignore_ascii_case("token") {
            let pks = def.partition_key_columns();
            if f.args.len() != pks.len() {
                return Err(invalid("Invalid number of arguments to token()"));
            }
            let mut comps = Vec::new();
            for (a, c) in f.args.iter().zip(pks) {
                comps.push(
                    term_value(a, &c.ty, &c.name, env)?
                        .ok_or_else(|| invalid("Invalid null value for token"))?,
                );
            }
            return Ok(cql_protocol::murmur3::token(&pk_bytes(def, &comps)?));
        }
    }
    int_term(t, &ColumnType::Bigint, "partition key token", env)?
        .ok_or_else(|| invalid("Invalid null token"))
}

fn tuple_values(
    v: &TupleValue,
    def: &TableDef,
    first: usize,
    n: usize,
    env: &Env,
) -> ExecResult<Vec<Bytes>> {
    let cks = def.clustering_columns();
    match v {
        TupleValue::Terms(ts) => ts
            .iter()
            .enumerate()
            .map(|(j, t)| {
                let c = cks
                    .get(first + j)
                    .ok_or_else(|| invalid("Too many values in tuple"))?;
                term_value(t, &c.ty, &c.name, env)?
                    .ok_or_else(|| invalid("Invalid null value in tuple"))
            })
            .collect(),
        TupleValue::Marker(m) => {
            // A bound tuple: a list of the components (v2 has no tuple type).
            let b = env
                .bound(m.index)?
                .ok_or_else(|| invalid("Invalid null tuple"))?;
            let _ = n;
            let ty = ColumnType::List(Box::new(ColumnType::Blob));
            match crate::storage::CollectionLiteral::decode(&ty, &b, env.layout).map_err(storage)? {
                crate::storage::CollectionLiteral::List(v) => Ok(v),
                _ => Ok(vec![]),
            }
        }
    }
}

fn restriction_error(col: &str, prev: &str) -> cql_protocol::message::response::ErrorResponse {
    invalid(format!("PRIMARY KEY column \"{col}\" cannot be restricted (preceding column \"{prev}\" is either not restricted or by a non-EQ relation)"))
}

fn plan(def: &TableDef, s: &Select, env: &Env) -> ExecResult<Plan> {
    let mut post = Vec::new();
    let mut filters: Vec<(String, Bytes)> = Vec::new();
    let mut pk_lists: Vec<Option<Vec<Bytes>>> = vec![None; def.partition_key.len()];
    let mut token_start = Bound::Unbounded;
    let mut token_end = Bound::Unbounded;
    let mut has_token = false;
    // Per clustering column: Eq/IN values, or a slice.
    let nck = def.clustering.len();
    let mut ck_eq: Vec<Option<Vec<Bytes>>> = vec![None; nck];
    let mut ck_slice: Vec<bool> = vec![false; nck];
    let mut needs_filtering = false;
    let mut used_index = false;
    let mut key_in = false;
    let mut exclusive_slice = false;
    for r in &s.where_clause {
        match r {
            Relation::Simple { column, .. } | Relation::In { column, .. } => {
                let col = def.column(column).ok_or_else(|| {
                    invalid(format!(
                        "Undefined name {column} in where clause ('{column} = ?')"
                    ))
                })?;
                let idx = def.column_index(column).unwrap_or(0);
                let op = match r {
                    Relation::Simple { op, .. } => Some(*op),
                    _ => None,
                };
                match col.kind {
                    ColumnKind::PartitionKey(p) => {
                        if op.is_some_and(|o| o != Operator::Eq) {
                            return Err(invalid("Only EQ and IN relation are supported on the partition key (unless you use the token() function)"));
                        }
                        key_in |= op.is_none();
                        pk_lists[p] = Some(relation_values(r, col, env)?);
                    }
                    ColumnKind::Clustering(p) => match op {
                        None | Some(Operator::Eq) => {
                            let vals = relation_values(r, col, env)?;
                            ck_eq[p] = Some(vals.clone());
                            if vals.len() == 1 {
                                post.push(PostFilter::Tuple {
                                    first: p,
                                    op: Operator::Eq,
                                    values: vals,
                                });
                            } else {
                                post.push(PostFilter::TupleIn {
                                    first: p,
                                    values: vals.into_iter().map(|v| vec![v]).collect(),
                                });
                            }
                        }
                        Some(o) => {
                            let Relation::Simple { value, .. } = r else {
                                unreachable!()
                            };
                            let v = term_value(value, &col.ty, column, env)?
                                .ok_or_else(|| invalid("Invalid null value in where clause"))?;
                            ck_slice[p] = true;
                            exclusive_slice |= matches!(o, Operator::Gt | Operator::Lt);
                            post.push(PostFilter::Tuple {
                                first: p,
                                op: o,
                                values: vec![v],
                            });
                        }
                    },
                    _ => {
                        let indexed = def.indexes.values().any(|c| c == column);
                        match r {
                            Relation::Simple {
                                op: Operator::Eq,
                                value,
                                ..
                            } => {
                                let v =
                                    term_value(value, &col.ty, column, env)?.ok_or_else(|| {
                                        invalid("Unsupported null value for indexed column")
                                    })?;
                                if indexed {
                                    used_index = true;
                                } else {
                                    needs_filtering = true;
                                }
                                filters.push((column.clone(), v));
                            }
                            Relation::Simple { op, value, .. } => {
                                needs_filtering = true;
                                let v = term_value(value, &col.ty, column, env)?
                                    .ok_or_else(|| invalid("Invalid null value"))?;
                                post.push(PostFilter::Column {
                                    index: idx,
                                    op: *op,
                                    value: v,
                                });
                            }
                            Relation::In { values, .. } => {
                                needs_filtering = true;
                                post.push(PostFilter::ColumnIn {
                                    index: idx,
                                    values: in_values(values, col, env)?,
                                });
                            }
                            _ => {}
                        }
                    }
                }
            }
            Relation::Token { columns, op, value } => {
                if columns != &def.partition_key {
                    return Err(invalid("The token() function must be applied to all partition key components or none of them"));
                }
                has_token = true;
                let t = token_value(value, def, env)?;
                match op {
                    Operator::Gt => token_start = Bound::Excluded(t),
                    Operator::Gte => token_start = Bound::Included(t),
                    Operator::Lt => token_end = Bound::Excluded(t),
                    Operator::Lte => token_end = Bound::Included(t),
                    Operator::Eq => {
                        token_start = Bound::Included(t);
                        token_end = Bound::Included(t);
                    }
                    Operator::Neq => return Err(invalid("Unsupported \"!=\" relation on token")),
                }
            }
            Relation::MultiColumn { columns, op, value } => {
                let first = multi_first(def, columns)?;
                exclusive_slice |= matches!(op, Operator::Gt | Operator::Lt);
                let vals = tuple_values(value, def, first, columns.len(), env)?;
                for j in 0..columns.len() {
                    if *op == Operator::Eq {
                        ck_eq[first + j] = Some(vec![]);
                    } else {
                        ck_slice[first + j] = true;
                    }
                }
                post.push(PostFilter::Tuple {
                    first,
                    op: *op,
                    values: vals,
                });
            }
            Relation::MultiColumnIn { columns, values } => {
                let first = multi_first(def, columns)?;
                let tuples = match values {
                    MultiInValues::Tuples(ts) => ts
                        .iter()
                        .map(|t| tuple_values(t, def, first, columns.len(), env))
                        .collect::<ExecResult<Vec<_>>>()?,
                    MultiInValues::Marker(_) => {
                        return Err(invalid("Bound IN on multiple columns is not supported"))
                    }
                };
                for j in 0..columns.len() {
                    ck_eq[first + j] = Some(vec![]);
                }
                post.push(PostFilter::TupleIn {
                    first,
                    values: tuples,
                });
            }
            Relation::Contains { column, key, value } => {
                let idx = def
                    .column_index(column)
                    .ok_or_else(|| invalid(format!("Undefined name {column} in where clause")))?;
                let col = &def.columns[idx];
                let ety = match (&col.ty, key) {
                    (ColumnType::Map(k, _), true) => (**k).clone(),
                    (ColumnType::Map(_, v), false)
                    | (ColumnType::List(v), _)
                    | (ColumnType::Set(v), _) => (**v).clone(),
                    _ => {
                        return Err(invalid(format!(
                            "Cannot use CONTAINS on non-collection column {column}"
                        )))
                    }
                };
                let v = term_value(value, &ety, column, env)?
                    .ok_or_else(|| invalid("Unsupported null value for CONTAINS"))?;
                needs_filtering = true;
                post.push(PostFilter::Contains {
                    index: idx,
                    key: *key,
                    value: v,
                });
            }
        }
    }
    // Clustering restriction rules.
    let names: Vec<&str> = def.clustering.iter().map(|(n, _)| n.as_str()).collect();
    let mut open = true;
    for i in 0..nck {
        let restricted = ck_eq[i].is_some() || ck_slice[i];
        if restricted && !open {
            let prev = names[i - 1];
            if !(ck_slice[i] && ck_slice[i - 1]) {
                return Err(restriction_error(names[i], prev));
            }
        }
        if !restricted || ck_slice[i] {
            open = false;
        }
    }
    let clustering_restricted = ck_eq.iter().any(Option::is_some) || ck_slice.iter().any(|b| *b);
    // Partition key.
    let restricted_pk = pk_lists.iter().filter(|p| p.is_some()).count();
    let partitions = if restricted_pk == pk_lists.len() && !pk_lists.is_empty() {
        if has_token {
            post.push(PostFilter::Token {
                start: token_start,
                end: token_end,
            });
        }
        let lists: Vec<Vec<Bytes>> = pk_lists.into_iter().flatten().collect();
        PartitionSelector::Keys(
            product(&lists)
                .iter()
                .map(|c| pk_bytes(def, c))
                .collect::<ExecResult<_>>()?,
        )
    } else {
        if restricted_pk > 0 && !used_index {
            let missing = def
                .partition_key
                .iter()
                .zip(&pk_lists)
                .find(|(_, l)| l.is_none())
                .map(|(n, _)| n.clone())
                .unwrap_or_default();
            return Err(invalid(format!(
                "Partition key part {missing} must be restricted since preceding part is"
            )));
        }
        if restricted_pk > 0 {
            for (name, l) in def.partition_key.iter().zip(pk_lists.iter()) {
                if let Some(l) = l {
                    let idx = def.column_index(name).unwrap_or(0);
                    post.push(PostFilter::ColumnIn {
                        index: idx,
                        values: l.clone(),
                    });
                }
            }
        }
        if clustering_restricted && !used_index {
            needs_filtering = true;
        }
        if has_token {
            PartitionSelector::Tokens {
                start: token_start,
                end: token_end,
            }
        } else {
            PartitionSelector::All
        }
    };
    if needs_filtering && !s.allow_filtering && (!used_index || needs_filtering_beyond_index(&post))
    {
        return Err(invalid(NEEDS_FILTERING));
    }
    // The equality prefix as a slice.
    let mut prefix = Vec::new();
    for (i, eq) in ck_eq.iter().enumerate() {
        match eq {
            Some(v) if v.len() == 1 && !ck_slice[i] => prefix.push(v[0].clone()),
            _ => break,
        }
    }
    let slice = if prefix.is_empty() {
        Slice::all()
    } else {
        Slice::prefix(prefix)
    };
    // ORDER BY.
    let mut reversed = false;
    if !s.order_by.is_empty() {
        if !matches!(partitions, PartitionSelector::Keys(_)) {
            return Err(invalid("ORDER BY is only supported when the partition key is restricted by an EQ or an IN."));
        }
        let mut last = None;
        for (n, o) in s.order_by.iter().enumerate() {
            let col = def
                .column(&o.column)
                .ok_or_else(|| invalid(format!("Order by on unknown column {}", o.column)))?;
            let ColumnKind::Clustering(pos) = col.kind else {
                return Err(invalid(format!("Order by is currently only supported on the clustered columns of the PRIMARY KEY, got {}", o.column)));
            };
            if last.is_some_and(|l| pos <= l) {
                return Err(invalid("Order by currently only support the ordering of columns following their declared order in the PRIMARY KEY"));
            }
            last = Some(pos);
            let stored_desc = def.clustering[pos].1 == Order::Desc;
            let rev = o.descending != stored_desc;
            if n == 0 {
                reversed = rev;
            } else if rev != reversed {
                return Err(invalid("Unsupported order by relation"));
            }
        }
    }
    let tokens = match &partitions {
        PartitionSelector::Keys(keys) => keys
            .iter()
            .map(|k| cql_protocol::murmur3::token(k))
            .collect(),
        PartitionSelector::Tokens {
            start: Bound::Included(t) | Bound::Excluded(t),
            ..
        } => vec![*t],
        _ => vec![i64::MIN],
    };
    let mut cmd = ReadCommand::new(partitions)
        .with_slice(slice)
        .reversed(reversed);
    cmd.filters = filters;
    cmd.collection_layout = env.layout;
    let names_query = ck_eq.iter().all(Option::is_some) && !ck_slice.iter().any(|b| *b);
    Ok(Plan {
        cmd,
        post,
        needs_clustering: clustering_restricted,
        tokens,
        key_in,
        names_query,
        exclusive_slice,
    })
}

/// Cassandra 2.0's `SelectStatement.orderResults` for ORDER BY over an IN
/// on the partition key: a stable sort of all rows on the ORDER BY columns
/// in the table's clustering order, then the whole result reversed if the
/// query reads in reverse. Rows start as 2.0 has them: partitions in the
/// IN order, each in clustering order.
fn order_results(def: &TableDef, s: &Select, plan: &Plan, rows: &mut [ReadRow]) {
    let key_pos: std::collections::HashMap<&Bytes, usize> = match &plan.cmd.partitions {
        PartitionSelector::Keys(keys) => {
            let mut m = std::collections::HashMap::new();
            for (i, k) in keys.iter().enumerate() {
                m.entry(k).or_insert(i);
            }
            m
        }
        _ => std::collections::HashMap::new(),
    };
    let positions: Vec<usize> = s
        .order_by
        .iter()
        .filter_map(|o| match def.column(&o.column).map(|c| c.kind) {
            Some(ColumnKind::Clustering(p)) => Some(p),
            _ => None,
        })
        .collect();
    let ck_cols = def.clustering_columns();
    let cmp_at = |p: usize, a: &ReadRow, b: &ReadRow| -> Ordering {
        let (Some((_, order)), Some(col)) = (def.clustering.get(p), ck_cols.get(p)) else {
            return Ordering::Equal;
        };
        let get = |r: &ReadRow| r.clustering.as_ref().and_then(|c| c.get(p).cloned());
        match (get(a), get(b)) {
            (Some(x), Some(y)) => compare_with_order(&col.ty, *order, &x, &y),
            (x, y) => x.is_some().cmp(&y.is_some()),
        }
    };
    let key_of = |r: &ReadRow| key_pos.get(&r.partition_key).copied().unwrap_or(usize::MAX);
    rows.sort_by(|a, b| {
        for &p in &positions {
            let c = cmp_at(p, a, b);
            if c != Ordering::Equal {
                return c;
            }
        }
        key_of(a).cmp(&key_of(b)).then_with(|| {
            (0..def.clustering.len())
                .map(|p| cmp_at(p, a, b))
                .find(|c| *c != Ordering::Equal)
                .unwrap_or(Ordering::Equal)
        })
    });
    if plan.cmd.reversed {
        rows.reverse();
    }
}

/// Cassandra 2.0's `QueryPagers.mayNeedPaging` for a query on a list of
/// partitions: the rows it may read (one per partition for a names query,
/// else the limit, plus one with an exclusive slice bound; 2.0's default
/// limit is `Integer.MAX_VALUE`) exceed the page size.
fn may_need_paging(plan: &Plan, limit: Option<usize>, page_size: usize) -> bool {
    let PartitionSelector::Keys(keys) = &plan.cmd.partitions else {
        return true;
    };
    let per_key: u64 = if plan.names_query {
        1
    } else {
        match limit {
            Some(l) => l as u64 + u64::from(plan.exclusive_slice),
            None => i32::MAX as u64,
        }
    };
    (keys.len() as u64).saturating_mul(per_key) > page_size as u64
}

fn needs_filtering_beyond_index(post: &[PostFilter]) -> bool {
    post.iter().any(|p| {
        matches!(
            p,
            PostFilter::Column { .. } | PostFilter::ColumnIn { .. } | PostFilter::Contains { .. }
        )
    })
}

fn multi_first(def: &TableDef, columns: &[String]) -> ExecResult<usize> {
    let mut first = None;
    for (j, c) in columns.iter().enumerate() {
        let col = def
            .column(c)
            .ok_or_else(|| invalid(format!("Undefined name {c} in where clause")))?;
        let ColumnKind::Clustering(p) = col.kind else {
            return Err(invalid(format!(
                "Multi-column relations can only be applied to clustering columns: {c}"
            )));
        };
        match first {
            None => first = Some(p),
            Some(f) if p != f + j => return Err(invalid(
                "Clustering columns must appear in the PRIMARY KEY order in multi-column relations",
            )),
            _ => {}
        }
    }
    first.ok_or_else(|| invalid("Empty multi-column relation"))
}

/// Paging state: resume point and remaining limit.
fn encode_state(rp: &ResumePoint, remaining: Option<usize>) -> Bytes {
    let mut b = BytesMut::new();
    b.put_u32(rp.partition_key.len() as u32);
    b.put_slice(&rp.partition_key);
    match &rp.clustering {
        None => b.put_u8(0),
        Some(ck) => {
            b.put_u8(1);
            b.put_u16(ck.len() as u16);
            for c in ck {
                b.put_u32(c.len() as u32);
                b.put_slice(c);
            }
        }
    }
    b.put_i64(remaining.map_or(-1, |r| r as i64));
    b.freeze()
}

fn decode_state(b: &[u8]) -> Option<(ResumePoint, Option<usize>)> {
    let mut pos = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = b.get(pos..pos.checked_add(n)?)?;
        pos += n;
        Some(s)
    };
    let n = u32::from_be_bytes(take(4)?.try_into().ok()?) as usize;
    let pk = Bytes::copy_from_slice(take(n)?);
    let clustering = match take(1)?[0] {
        0 => None,
        _ => {
            let k = u16::from_be_bytes(take(2)?.try_into().ok()?);
            let mut v = Vec::new();
            for _ in 0..k {
                let n = u32::from_be_bytes(take(4)?.try_into().ok()?) as usize;
                v.push(Bytes::copy_from_slice(take(n)?));
            }
            Some(v)
        }
    };
    let rem = i64::from_be_bytes(take(8)?.try_into().ok()?);
    Some((
        ResumePoint {
            partition_key: pk,
            clustering,
        },
        usize::try_from(rem).ok(),
    ))
}

impl Executor {
    /// The result metadata of a SELECT (for PREPARE).
    pub(crate) fn select_metadata(&self, call: &Call, s: &Select) -> ExecResult<RowsMetadata> {
        let (_, _, def) = self.table(call, &s.table)?;
        Ok(RowsMetadata::new(selection(&def, s)?.0))
    }

    /// Executes a SELECT.
    pub(crate) fn select(&self, call: &Call, s: &Select) -> ExecResult<ResultBody> {
        let (ks, table, def) = self.table(call, &s.table)?;
        // 2.0's ConsistencyLevel.validateForRead.
        match call.consistency {
            Consistency::Any => {
                return Err(invalid("ANY ConsistencyLevel is only supported for writes"))
            }
            Consistency::EachQuorum => {
                return Err(invalid(
                    "EACH_QUORUM ConsistencyLevel is only supported for writes",
                ))
            }
            _ => {}
        }
        let env = call.env();
        let (specs, sels) = selection(&def, s)?;
        let mut plan = plan(&def, s, &env)?;
        let limit = match &s.limit {
            Some(t) => {
                let l = int_term(t, &ColumnType::Int, "[limit]", &env)?
                    .ok_or_else(|| invalid("Invalid null value of limit"))?;
                if l <= 0 {
                    return Err(invalid("LIMIT must be strictly positive"));
                }
                Some(l as usize)
            }
            None => None,
        };
        for t in &plan.tokens {
            self.check_available(&ks, *t, call.consistency)?;
        }
        let count = matches!(s.selection, Selection::Count { .. });
        let page_size = if count || call.conn.version == cql_protocol::ProtocolVersion::V1 {
            None
        } else {
            call.page_size.map(|p| p as usize)
        };
        if let Some(page) = page_size {
            // 2.0's SelectStatement.execute: a query that may need paging
            // cannot also be sorted after the read (ORDER BY over an IN on
            // the partition key; CASSANDRA-6722).
            if plan.key_in && !s.order_by.is_empty() && may_need_paging(&plan, limit, page) {
                return Err(invalid("Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must either remove the ORDER BY or the IN and sort client side, or disable paging for this query"));
            }
        }
        let mut remaining = limit;
        if let (Some(state), Some(_)) = (&call.paging_state, page_size) {
            let (rp, rem) = decode_state(state).ok_or_else(|| invalid("Invalid paging state"))?;
            plan.cmd.resume_after = Some(rp);
            remaining = rem;
        }
        call.trace(format!("Executing single-partition query on {}", def.name));
        let result = table.read(&plan.cmd, call.now_secs()).map_err(storage)?;
        let mut rows: Vec<ReadRow> = result
            .rows
            .into_iter()
            .filter(|r| !(plan.needs_clustering && r.clustering.is_none()))
            .filter(|r| plan.post.iter().all(|p| p.accepts(&def, r)))
            .collect();
        if s.distinct {
            let mut seen = HashSet::new();
            rows.retain(|r| seen.insert(r.partition_key.clone()));
            for r in &mut rows {
                r.clustering = None;
            }
        }
        call.trace(format!("Read {} live and 0 tombstoned cells", rows.len()));
        if plan.key_in && !s.order_by.is_empty() {
            order_results(&def, s, &plan, &mut rows);
        }
        if count {
            let n = limit.map_or(rows.len(), |l| rows.len().min(l)) as i64;
            let mut b = RowsBuilder::new(RowsMetadata::new(specs));
            let v = n.to_be_bytes();
            b.push_row([Some(&v[..])])
                .map_err(|e| invalid(e.to_string()))?;
            return Ok(ResultBody::Rows(b.finish()));
        }
        let max = match (page_size, remaining) {
            (Some(p), Some(r)) => p.min(r),
            (Some(p), None) => p,
            (None, Some(r)) => r,
            (None, None) => usize::MAX,
        };
        let more = rows.len() > max && remaining.is_none_or(|r| r > max);
        rows.truncate(max);
        let mut metadata = RowsMetadata::new(specs);
        if more && page_size.is_some() {
            if let Some(last) = rows.last() {
                let rp = if s.distinct {
                    ResumePoint {
                        partition_key: last.partition_key.clone(),
                        clustering: None,
                    }
                } else {
                    last.resume_point()
                };
                metadata = metadata
                    .with_paging_state(encode_state(&rp, remaining.map(|r| r - rows.len())));
            }
        }
        let mut b = RowsBuilder::new(metadata);
        for r in &rows {
            let vals: Vec<Option<Bytes>> = sels.iter().map(|s| sel_value(s, r)).collect();
            b.push_row(vals.iter().map(|v| v.as_deref()))
                .map_err(|e| invalid(e.to_string()))?;
        }
        Ok(ResultBody::Rows(b.finish()))
    }
}
