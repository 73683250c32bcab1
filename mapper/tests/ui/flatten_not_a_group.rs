use cqlengine::Model;

pub struct Stamps {
    pub created: i64,
}

// Stamps does not derive Columns.
#[derive(Model)]
pub struct Post {
    #[cql(partition_key)]
    pub id: i32,
    #[cql(flatten)]
    pub stamps: Stamps,
}

fn main() {}
