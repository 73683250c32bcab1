use cqlengine::Model;

#[derive(Model)]
pub struct Event {
    #[cql(partition_key, clustering_key)]
    pub id: i32,
}

fn main() {}
