use cqlengine::Model;

#[derive(Model)]
#[cql(discriminator_value = "dog")]
pub struct Dog {
    pub id: i32,
    pub kind: String,
}

fn main() {}
