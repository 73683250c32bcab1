use cqlengine::Model;

#[derive(Model)]
pub struct Animal {
    pub id: i32,
    #[cql(discriminator)]
    pub kind: String,
    #[cql(discriminator)]
    pub family: String,
}

fn main() {}
