//! The parser's error type.

/// Which error Cassandra gives for a statement the parser rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The grammar rejects it: a Syntax_error (0x2000) with a position.
    Syntax,
    /// It parses, but Cassandra's statement validation rejects it: an
    /// Invalid (0x2200) error whose message has no position (for example
    /// "Unmatched column names/values").
    Invalid,
}

/// An error from parsing a statement, positioned like Cassandra's ANTLR
/// messages.
///
/// Most are syntax errors ([`ErrorClass::Syntax`]). A few statements are
/// grammatical but rejected by Cassandra when it validates them, with an
/// Invalid error; the parser notices those too and classes them
/// [`ErrorClass::Invalid`], so the server can send the right code.
///
/// `line` is 1-based and `column` is the 0-based character offset within the
/// line, so `SELECT * FRM t` fails at `line 1:9`. The [`Display`](std::fmt::Display)
/// form of a syntax error is `line L:C message`, e.g. `line 1:9 mismatched
/// input 'FRM' expecting FROM`; that of an invalid statement is the message
/// alone, as Cassandra sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What went wrong, naming the offending input.
    pub message: String,
    /// 1-based line of the offending token.
    pub line: usize,
    /// 0-based column (in characters) of the offending token.
    pub column: usize,
    /// Which error Cassandra gives for it.
    pub class: ErrorClass,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.class {
            ErrorClass::Syntax => write!(f, "line {}:{} {}", self.line, self.column, self.message),
            ErrorClass::Invalid => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SyntaxError {}

impl SyntaxError {
    /// A new error at `line:column`.
    pub fn new(message: impl Into<String>, line: usize, column: usize) -> Self {
        SyntaxError {
            message: message.into(),
            line,
            column,
            class: ErrorClass::Syntax,
        }
    }

    /// A statement that parses but that Cassandra rejects as invalid.
    pub fn invalid(message: impl Into<String>, line: usize, column: usize) -> Self {
        SyntaxError {
            class: ErrorClass::Invalid,
            ..SyntaxError::new(message, line, column)
        }
    }
}
