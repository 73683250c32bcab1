use cqlengine::Columns;

// A group is not a table.
#[derive(Columns)]
#[cql(table = "stamps")]
pub struct Stamps {
    pub created: i64,
}

#[derive(Columns)]
pub enum Kind {
    A,
}

#[derive(Columns)]
pub struct Empty {}

fn main() {}
