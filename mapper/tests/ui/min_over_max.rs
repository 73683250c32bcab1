use cqlengine::Model;

#[derive(Model)]
pub struct User {
    pub id: i32,
    #[cql(min_length = 10, max_length = 5)]
    pub name: String,
}

fn main() {}
