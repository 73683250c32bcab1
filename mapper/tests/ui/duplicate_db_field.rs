use cqlengine::Model;

#[derive(Model)]
pub struct User {
    pub id: i32,
    pub name: String,
    #[cql(db_field = "name")]
    pub nickname: String,
}

fn main() {}
