use cqlengine::Model;

/// A user.
#[derive(Model)]
pub struct User {
    /// The id.
    pub id: i32,
    /// The name.
    pub name: String,
}

fn main() {
    // `name` is a String column: an integer is not a String.
    let _ = user::name.eq(5);
}
