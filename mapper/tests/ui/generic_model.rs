use cqlengine::Model;

#[derive(Model)]
pub struct Boxed<T> {
    pub id: i32,
    pub value: T,
}

fn main() {}
