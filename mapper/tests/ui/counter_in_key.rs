use cqlengine::Model;

#[derive(Model)]
pub struct PageViews {
    #[cql(partition_key)]
    pub page: String,
    #[cql(clustering_key, counter)]
    pub views: i64,
}

fn main() {}
