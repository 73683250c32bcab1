use std::collections::BTreeSet;

use cqlengine::Model;

#[derive(Model)]
pub struct Tagged {
    pub id: i32,
    #[cql(discriminator)]
    pub tags: Option<BTreeSet<String>>,
}

fn main() {}
