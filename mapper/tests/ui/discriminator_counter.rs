use cqlengine::Model;

#[derive(Model)]
pub struct Hits {
    pub id: i32,
    #[cql(counter, discriminator)]
    pub hits: i64,
}

fn main() {}
