use cqlengine::Model;

#[derive(Model)]
pub struct PageViews {
    #[cql(partition_key)]
    pub page: String,
    #[cql(counter)]
    pub views: i64,
    pub title: String,
}

fn main() {}
