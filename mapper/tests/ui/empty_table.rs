use cqlengine::Model;

#[derive(Model)]
#[cql(table = "")]
pub struct User {
    pub id: i32,
}

fn main() {}
