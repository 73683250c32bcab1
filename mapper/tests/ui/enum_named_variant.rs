use cqlengine::Model;

#[derive(Model)]
#[cql(table = "animals", discriminator_value = "cat")]
pub struct Cat {
    #[cql(partition_key)]
    pub id: i32,
    #[cql(discriminator)]
    pub kind: String,
}

#[derive(Model)]
pub enum Animal {
    Cat { cat: Cat },
}

fn main() {}
