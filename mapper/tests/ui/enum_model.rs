use cqlengine::Model;

#[derive(Model)]
pub enum Shape {
    Circle,
    Square,
}

fn main() {}
