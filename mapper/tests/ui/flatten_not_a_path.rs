use cqlengine::{Columns, Model};

#[derive(Columns)]
pub struct Stamps {
    pub created: i64,
}

// An optional group is not a group.
#[derive(Model)]
pub struct Post {
    #[cql(partition_key)]
    pub id: i32,
    #[cql(flatten)]
    pub stamps: Option<Stamps>,
}

fn main() {}
