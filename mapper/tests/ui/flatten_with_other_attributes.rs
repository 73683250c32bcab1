use cqlengine::{Columns, Model};

#[derive(Columns)]
pub struct Stamps {
    pub created: i64,
}

// The group's fields carry their own attributes.
#[derive(Model)]
pub struct Post {
    #[cql(partition_key)]
    pub id: i32,
    #[cql(flatten, index)]
    pub stamps: Stamps,
}

fn main() {}
