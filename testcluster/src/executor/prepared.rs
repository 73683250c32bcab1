//! PREPARE: the bind variables' metadata.

use cql_protocol::message::response::RowsMetadata;
use cql_protocol::{ColumnSpec, ColumnType, TableSpec};

use super::errors::ExecResult;
use super::select::wire_type;
use super::{Call, Executor};
use crate::cql::{
    Assignment, BatchStatement, ConditionPredicate, DeleteTarget, IfClause, InValues,
    MultiInValues, QualifiedName, Relation, Statement, Term, TupleValue, Using,
};
use crate::storage::TableDef;

struct Specs<'a> {
    def: &'a TableDef,
    spec: TableSpec,
    out: &'a mut Vec<Option<ColumnSpec>>,
}

impl Specs<'_> {
    fn set(&mut self, index: usize, name: &str, ty: &ColumnType) {
        if let Some(slot) = self.out.get_mut(index) {
            *slot = Some(ColumnSpec::new(self.spec.clone(), name, wire_type(ty)));
        }
    }

    fn column_ty(&self, name: &str) -> ColumnType {
        self.def
            .column(name)
            .map_or(ColumnType::Blob, |c| c.ty.clone())
    }

    fn term(&mut self, t: &Term, name: &str, ty: &ColumnType) {
        match t {
            Term::BindMarker(m) => self.set(m.index, m.name.as_deref().unwrap_or(name), ty),
            Term::List(items) | Term::Set(items) => {
                let e = match ty {
                    ColumnType::List(e) | ColumnType::Set(e) => (**e).clone(),
                    _ => ColumnType::Blob,
                };
                for i in items {
                    self.term(i, name, &e);
                }
            }
            Term::Map(entries) => {
                let (k, v) = match ty {
                    ColumnType::Map(k, v) => ((**k).clone(), (**v).clone()),
                    _ => (ColumnType::Blob, ColumnType::Blob),
                };
                for (kt, vt) in entries {
                    self.term(kt, name, &k);
                    self.term(vt, name, &v);
                }
            }
            Term::Cast(ty2, inner) => self.term(inner, name, &ty2.to_column_type()),
            Term::FunctionCall(f) => {
                let lname = f.name.to_ascii_lowercase();
                if lname == "token" {
                    let pks: Vec<(String, ColumnType)> = self
                        .def
                        .partition_key_columns()
                        .iter()
                        .map(|c| (c.name.clone(), c.ty.clone()))
                        .collect();
                    for (a, (n, t)) in f.args.iter().zip(pks) {
                        self.term(a, &n, &t);
                    }
                    return;
                }
                let arg_ty = match lname.as_str() {
                    "mintimeuuid" | "maxtimeuuid" => ColumnType::Timestamp,
                    "dateof" | "unixtimestampof" => ColumnType::Timeuuid,
                    _ if lname.starts_with("blobas") => ColumnType::Blob,
                    _ => lname
                        .strip_suffix("asblob")
                        .and_then(super::values::native_type)
                        .unwrap_or(ColumnType::Blob),
                };
                for a in &f.args {
                    self.term(a, name, &arg_ty);
                }
            }
            Term::Literal(_) | Term::Null => {}
        }
    }

    fn using(&mut self, u: &Using) {
        if let Some(t) = &u.ttl {
            self.term(t, "[ttl]", &ColumnType::Int);
        }
        if let Some(t) = &u.timestamp {
            self.term(t, "[timestamp]", &ColumnType::Bigint);
        }
    }

    fn in_values(&mut self, v: &InValues, name: &str, ty: &ColumnType) {
        match v {
            InValues::Terms(ts) => ts.iter().for_each(|t| self.term(t, name, ty)),
            InValues::Marker(m) => self.set(
                m.index,
                &format!("in({name})"),
                &ColumnType::List(Box::new(ty.clone())),
            ),
        }
    }

    fn tuple(&mut self, v: &TupleValue, columns: &[String]) {
        match v {
            TupleValue::Terms(ts) => {
                for (t, c) in ts.iter().zip(columns) {
                    let ty = self.column_ty(c);
                    self.term(t, c, &ty);
                }
            }
            TupleValue::Marker(m) => self.set(
                m.index,
                &format!("({})", columns.join(",")),
                &ColumnType::Blob,
            ),
        }
    }

    fn relations(&mut self, rs: &[Relation]) {
        for r in rs {
            match r {
                Relation::Simple { column, value, .. } => {
                    let ty = self.column_ty(column);
                    self.term(value, column, &ty);
                }
                Relation::In { column, values } => {
                    let ty = self.column_ty(column);
                    self.in_values(values, column, &ty);
                }
                Relation::Token { value, .. } => {
                    self.term(value, "partition key token", &ColumnType::Bigint)
                }
                Relation::MultiColumn { columns, value, .. } => self.tuple(value, columns),
                Relation::MultiColumnIn { columns, values } => match values {
                    MultiInValues::Tuples(ts) => ts.iter().for_each(|t| self.tuple(t, columns)),
                    MultiInValues::Marker(m) => self.set(m.index, "in(tuple)", &ColumnType::Blob),
                },
                Relation::Contains { column, key, value } => {
                    let ty = match (self.column_ty(column), key) {
                        (ColumnType::Map(k, _), true) => *k,
                        (ColumnType::Map(_, v) | ColumnType::List(v) | ColumnType::Set(v), _) => *v,
                        (t, _) => t,
                    };
                    self.term(value, column, &ty);
                }
            }
        }
    }

    fn conditions(&mut self, c: &Option<IfClause>) {
        let Some(IfClause::Conditions(cs)) = c else {
            return;
        };
        for c in cs {
            let ty = self.column_ty(&c.column);
            let vty = match (&c.element, &ty) {
                (Some(k), ColumnType::Map(kt, vt)) => {
                    self.term(k, &format!("key({})", c.column), kt);
                    (**vt).clone()
                }
                (Some(k), ColumnType::List(et)) => {
                    self.term(k, &format!("idx({})", c.column), &ColumnType::Int);
                    (**et).clone()
                }
                _ => ty.clone(),
            };
            match &c.predicate {
                ConditionPredicate::Compare(_, t) => self.term(t, &c.column, &vty),
                ConditionPredicate::In(v) => self.in_values(v, &c.column, &vty),
            }
        }
    }
}

impl Executor {
    fn fill_specs(
        &self,
        call: &Call,
        stmt: &Statement,
        out: &mut Vec<Option<ColumnSpec>>,
    ) -> ExecResult<()> {
        let table_of = |name: &QualifiedName| self.table(call, name).map(|(_, _, d)| d);
        match stmt {
            Statement::Insert(i) => {
                let def = table_of(&i.table)?;
                let mut s = Specs {
                    spec: TableSpec::new(def.keyspace.clone(), def.name.clone()),
                    def: &def,
                    out,
                };
                for (c, t) in i.columns.iter().zip(&i.values) {
                    let ty = s.column_ty(c);
                    s.term(t, c, &ty);
                }
                s.using(&i.using);
            }
            Statement::Update(u) => {
                let def = table_of(&u.table)?;
                let mut s = Specs {
                    spec: TableSpec::new(def.keyspace.clone(), def.name.clone()),
                    def: &def,
                    out,
                };
                s.using(&u.using);
                for a in &u.assignments {
                    match a {
                        Assignment::Set { column, value }
                        | Assignment::Add { column, value }
                        | Assignment::Prepend { column, value } => {
                            let ty = match s.column_ty(column) {
                                ColumnType::Counter => ColumnType::Bigint,
                                t => t,
                            };
                            s.term(value, column, &ty);
                        }
                        Assignment::Subtract { column, value } => {
                            let ty = match s.column_ty(column) {
                                ColumnType::Counter => ColumnType::Bigint,
                                ColumnType::Map(k, _) => ColumnType::Set(k),
                                t => t,
                            };
                            s.term(value, column, &ty);
                        }
                        Assignment::SetElement { column, key, value } => {
                            match s.column_ty(column) {
                                ColumnType::List(e) => {
                                    s.term(key, &format!("idx({column})"), &ColumnType::Int);
                                    s.term(value, &format!("value({column})"), &e);
                                }
                                ColumnType::Map(k, v) => {
                                    s.term(key, &format!("key({column})"), &k);
                                    s.term(value, &format!("value({column})"), &v);
                                }
                                t => s.term(value, column, &t),
                            }
                        }
                    }
                }
                s.relations(&u.where_clause);
                s.conditions(&u.if_clause);
            }
            Statement::Delete(d) => {
                let def = table_of(&d.table)?;
                let mut s = Specs {
                    spec: TableSpec::new(def.keyspace.clone(), def.name.clone()),
                    def: &def,
                    out,
                };
                for t in &d.targets {
                    if let DeleteTarget::Element { column, key } = t {
                        let kty = match s.column_ty(column) {
                            ColumnType::Map(k, _) | ColumnType::Set(k) => *k,
                            _ => ColumnType::Int,
                        };
                        s.term(key, &format!("key({column})"), &kty);
                    }
                }
                s.using(&d.using);
                s.relations(&d.where_clause);
                s.conditions(&d.if_clause);
            }
            Statement::Select(sel) => {
                let def = table_of(&sel.table)?;
                let mut s = Specs {
                    spec: TableSpec::new(def.keyspace.clone(), def.name.clone()),
                    def: &def,
                    out,
                };
                s.relations(&sel.where_clause);
                if let Some(l) = &sel.limit {
                    s.term(l, "[limit]", &ColumnType::Int);
                }
            }
            Statement::Batch(b) => {
                if let Some(Term::BindMarker(m)) = &b.using.timestamp {
                    {
                        if let Some(slot) = out.get_mut(m.index) {
                            *slot = Some(ColumnSpec::new(
                                TableSpec::new("", ""),
                                "[timestamp]",
                                ColumnType::Bigint,
                            ));
                        }
                    }
                }
                for st in &b.statements {
                    let st = match st {
                        BatchStatement::Insert(i) => Statement::Insert(i.clone()),
                        BatchStatement::Update(u) => Statement::Update(u.clone()),
                        BatchStatement::Delete(d) => Statement::Delete(d.clone()),
                    };
                    self.fill_specs(call, &st, out)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The bind variables and result metadata of a statement being prepared.
    pub(crate) fn prepared_metadata(
        &self,
        call: &Call,
        stmt: &Statement,
    ) -> ExecResult<(RowsMetadata, Option<RowsMetadata>)> {
        let n = stmt.bind_marker_count();
        let mut out = vec![None; n];
        self.fill_specs(call, stmt, &mut out)?;
        let spec = out
            .iter()
            .flatten()
            .next()
            .map_or_else(|| TableSpec::new("", ""), |c| c.table.clone());
        let columns = out
            .into_iter()
            .map(|c| c.unwrap_or_else(|| ColumnSpec::new(spec.clone(), "?", ColumnType::Blob)))
            .collect();
        let result = match stmt {
            Statement::Select(s) => Some(self.select_metadata(call, s)?),
            _ => None,
        };
        Ok((RowsMetadata::new(columns), result))
    }
}
