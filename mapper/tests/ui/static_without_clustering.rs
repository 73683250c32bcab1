use cqlengine::Model;

#[derive(Model)]
pub struct Event {
    #[cql(partition_key)]
    pub id: i32,
    #[cql(static_column)]
    pub owner: String,
}

fn main() {}
