use cqlengine::Model;

#[derive(Model)]
pub enum Any<T> {
    One(T),
}

fn main() {}
