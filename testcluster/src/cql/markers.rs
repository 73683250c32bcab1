//! Collecting a statement's bind markers.

use super::ast::*;

fn term<'a>(t: &'a Term, out: &mut Vec<&'a BindMarker>) {
    match t {
        Term::Literal(_) | Term::Null => {}
        Term::BindMarker(m) => out.push(m),
        Term::List(items) | Term::Set(items) => items.iter().for_each(|i| term(i, out)),
        Term::Map(entries) => entries.iter().for_each(|(k, v)| {
            term(k, out);
            term(v, out);
        }),
        Term::FunctionCall(f) => f.args.iter().for_each(|a| term(a, out)),
        Term::Cast(_, v) => term(v, out),
    }
}

fn in_values<'a>(v: &'a InValues, out: &mut Vec<&'a BindMarker>) {
    match v {
        InValues::Terms(ts) => ts.iter().for_each(|t| term(t, out)),
        InValues::Marker(m) => out.push(m),
    }
}

fn tuple<'a>(v: &'a TupleValue, out: &mut Vec<&'a BindMarker>) {
    match v {
        TupleValue::Terms(ts) => ts.iter().for_each(|t| term(t, out)),
        TupleValue::Marker(m) => out.push(m),
    }
}

fn relations<'a>(rs: &'a [Relation], out: &mut Vec<&'a BindMarker>) {
    for r in rs {
        match r {
            Relation::Simple { value, .. }
            | Relation::Token { value, .. }
            | Relation::Contains { value, .. } => term(value, out),
            Relation::In { values, .. } => in_values(values, out),
            Relation::MultiColumn { value, .. } => tuple(value, out),
            Relation::MultiColumnIn { values, .. } => match values {
                MultiInValues::Tuples(ts) => ts.iter().for_each(|t| tuple(t, out)),
                MultiInValues::Marker(m) => out.push(m),
            },
        }
    }
}

fn using<'a>(u: &'a Using, out: &mut Vec<&'a BindMarker>) {
    u.ttl
        .iter()
        .chain(u.timestamp.iter())
        .for_each(|t| term(t, out));
}

fn if_clause<'a>(c: &'a Option<IfClause>, out: &mut Vec<&'a BindMarker>) {
    if let Some(IfClause::Conditions(cs)) = c {
        for c in cs {
            if let Some(e) = &c.element {
                term(e, out);
            }
            match &c.predicate {
                ConditionPredicate::Compare(_, t) => term(t, out),
                ConditionPredicate::In(v) => in_values(v, out),
            }
        }
    }
}

fn insert<'a>(i: &'a Insert, out: &mut Vec<&'a BindMarker>) {
    i.values.iter().for_each(|t| term(t, out));
    using(&i.using, out);
}

fn update<'a>(u: &'a Update, out: &mut Vec<&'a BindMarker>) {
    using(&u.using, out);
    for a in &u.assignments {
        match a {
            Assignment::Set { value, .. }
            | Assignment::Add { value, .. }
            | Assignment::Prepend { value, .. }
            | Assignment::Subtract { value, .. } => term(value, out),
            Assignment::SetElement { key, value, .. } => {
                term(key, out);
                term(value, out);
            }
        }
    }
    relations(&u.where_clause, out);
    if_clause(&u.if_clause, out);
}

fn delete<'a>(d: &'a Delete, out: &mut Vec<&'a BindMarker>) {
    for t in &d.targets {
        if let DeleteTarget::Element { key, .. } = t {
            term(key, out);
        }
    }
    using(&d.using, out);
    relations(&d.where_clause, out);
    if_clause(&d.if_clause, out);
}

impl Statement {
    /// All bind markers of the statement, ordered by [`BindMarker::index`]
    /// (which is their order of appearance in the text).
    pub fn bind_markers(&self) -> Vec<&BindMarker> {
        let mut out = Vec::new();
        match self {
            Statement::Insert(i) => insert(i, &mut out),
            Statement::Update(u) => update(u, &mut out),
            Statement::Delete(d) => delete(d, &mut out),
            Statement::Batch(b) => {
                using(&b.using, &mut out);
                for s in &b.statements {
                    match s {
                        BatchStatement::Insert(i) => insert(i, &mut out),
                        BatchStatement::Update(u) => update(u, &mut out),
                        BatchStatement::Delete(d) => delete(d, &mut out),
                    }
                }
            }
            Statement::Select(s) => {
                relations(&s.where_clause, &mut out);
                if let Some(l) = &s.limit {
                    term(l, &mut out);
                }
            }
            _ => {}
        }
        out.sort_by_key(|m| m.index);
        out
    }

    /// How many bind markers (`?` and `:name`) the statement has.
    pub fn bind_marker_count(&self) -> usize {
        self.bind_markers().len()
    }
}
