use cqlengine::Model;

#[derive(Model)]
pub struct Event {
    #[cql(partition_key)]
    pub id: i32,
    #[cql(clustering_key, static_column)]
    pub at: i64,
}

fn main() {}
