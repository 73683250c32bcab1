use cqlengine::Model;

// No partition_key attribute: the first field is the partition key, so it
// cannot be static.
#[derive(Model)]
pub struct Event {
    #[cql(static_column)]
    pub id: i32,
    #[cql(clustering_key)]
    pub at: i64,
}

fn main() {}
