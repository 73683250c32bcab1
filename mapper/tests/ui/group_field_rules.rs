use cqlengine::Columns;

// A group's fields follow the rules of one field, as a model's do.
#[derive(Columns)]
pub struct Stamps {
    #[cql(order = "desc")]
    pub created: i64,
}

#[derive(Columns)]
pub struct Hits {
    #[cql(counter, partition_key)]
    pub hits: i64,
}

fn main() {}
