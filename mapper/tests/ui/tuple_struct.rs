use cqlengine::Model;

#[derive(Model)]
pub struct Pair(i32, String);

fn main() {}
