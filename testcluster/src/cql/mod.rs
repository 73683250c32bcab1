//! The CQL 3.1 parser (Cassandra 2.0 dialect).
//!
//! [`parse_statement`] turns one statement's text into a [`Statement`]; it does
//! no I/O and never panics: malformed input gives a [`SyntaxError`] positioned
//! like Cassandra's (`line 1:9 mismatched input 'FRM' expecting FROM`).

pub mod ast;
pub mod error;
pub mod lexer;
mod markers;
pub mod parser;

pub use ast::*;
pub use error::{ErrorClass, SyntaxError};
pub use parser::parse_statement;
