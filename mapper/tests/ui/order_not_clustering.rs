use cqlengine::Model;

#[derive(Model)]
pub struct Event {
    #[cql(partition_key)]
    pub id: i32,
    #[cql(order = "desc")]
    pub at: i64,
}

fn main() {}
