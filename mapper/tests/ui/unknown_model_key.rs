use cqlengine::Model;

#[derive(Model)]
#[cql(table = "users", tablename = "people")]
pub struct User {
    pub id: i32,
}

fn main() {}
