use cqlengine::Model;

#[derive(Model)]
pub enum Nothing {}

fn main() {}
