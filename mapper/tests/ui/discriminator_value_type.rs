use cqlengine::Model;

// An integer for a String discriminator.
#[derive(Model)]
#[cql(table = "a", discriminator_value = 1)]
pub struct A {
    pub id: i32,
    #[cql(discriminator)]
    pub kind: String,
}

// A string for an i32 discriminator.
#[derive(Model)]
#[cql(table = "b", discriminator_value = "b")]
pub struct B {
    pub id: i32,
    #[cql(discriminator)]
    pub kind: i32,
}

// Too big for an i32.
#[derive(Model)]
#[cql(table = "c", discriminator_value = -3_000_000_000)]
pub struct C {
    pub id: i32,
    #[cql(discriminator)]
    pub kind: i32,
}

// Neither a string nor an integer.
#[derive(Model)]
#[cql(table = "d", discriminator_value = 1.5)]
pub struct D {
    pub id: i32,
    #[cql(discriminator)]
    pub kind: f64,
}

// A boolean discriminator cannot hold a value.
#[derive(Model)]
#[cql(table = "e", discriminator_value = 1)]
pub struct E {
    pub id: i32,
    #[cql(discriminator)]
    pub kind: bool,
}

fn main() {}
