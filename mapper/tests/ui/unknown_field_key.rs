use cqlengine::Model;

#[derive(Model)]
pub struct User {
    #[cql(partition_key, primary_key)]
    pub id: i32,
}

fn main() {}
