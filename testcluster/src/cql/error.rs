//! The parser's error type.

/// A CQL syntax error, positioned like Cassandra's ANTLR messages.
///
/// `line` is 1-based and `column` is the 0-based character offset within the
/// line, so `SELECT * FRM t` fails at `line 1:9`. The [`Display`](std::fmt::Display)
/// form is `line L:C message`, e.g. `line 1:9 mismatched input 'FRM' expecting FROM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}:{column} {message}")]
pub struct SyntaxError {
    /// What went wrong, naming the offending input.
    pub message: String,
    /// 1-based line of the offending token.
    pub line: usize,
    /// 0-based column (in characters) of the offending token.
    pub column: usize,
}

impl SyntaxError {
    /// A new error at `line:column`.
    pub fn new(message: impl Into<String>, line: usize, column: usize) -> Self {
        SyntaxError {
            message: message.into(),
            line,
            column,
        }
    }
}
