use cqlengine::Model;

#[derive(Model)]
#[cql(keyspace = " ")]
pub struct User {
    pub id: i32,
}

fn main() {}
