//! The CQL tokenizer.

use super::error::SyntaxError;

/// A punctuation symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sym {
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `,`
    Comma,
    /// `;`
    Semi,
    /// `.`
    Dot,
    /// `:`
    Colon,
    /// `=`
    Eq,
    /// `!=`
    Neq,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `?`
    Question,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// An unquoted identifier or keyword, lower-cased.
    Word(String),
    /// A double-quoted identifier, case kept and `""` unescaped.
    QuotedIdent(String),
    /// A single-quoted string, `''` unescaped.
    Str(String),
    /// An integer literal (digits only; signs are parsed separately).
    Integer(String),
    /// A floating-point literal as written (`1.5`, `1e10`, `2.5E-3`).
    Float(String),
    /// A bare UUID literal.
    Uuid(uuid::Uuid),
    /// A `0x...` blob literal.
    Blob(Vec<u8>),
    /// Punctuation.
    Sym(Sym),
    /// End of input.
    Eof,
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// The source text of the token (`<EOF>` at the end), for messages.
    pub text: String,
    /// 1-based line.
    pub line: usize,
    /// 0-based column in characters.
    pub column: usize,
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    col: usize,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Lexer {
    fn peek(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 0;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn err(&self, msg: String, line: usize, col: usize) -> SyntaxError {
        SyntaxError::new(msg, line, col)
    }

    /// Whether a UUID (8-4-4-4-12 hex digits) starts here and is not followed by
    /// an identifier character.
    fn uuid_here(&self) -> bool {
        const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
        let mut i = 0;
        for (g, len) in GROUPS.iter().enumerate() {
            if g > 0 {
                if self.peek(i) != Some('-') {
                    return false;
                }
                i += 1;
            }
            for _ in 0..*len {
                match self.peek(i) {
                    Some(c) if c.is_ascii_hexdigit() => i += 1,
                    _ => return false,
                }
            }
        }
        !matches!(self.peek(i), Some(c) if is_ident_char(c))
    }

    fn skip_trivia(&mut self) -> Result<(), SyntaxError> {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('-'), Some('-')) | (Some('/'), Some('/')) => {
                    while let Some(c) = self.peek(0) {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    let (line, col) = (self.line, self.col);
                    self.bump();
                    self.bump();
                    loop {
                        match (self.peek(0), self.peek(1)) {
                            (Some('*'), Some('/')) => {
                                self.bump();
                                self.bump();
                                break;
                            }
                            (Some(_), _) => {
                                self.bump();
                            }
                            (None, _) => {
                                return Err(self.err(
                                    "unterminated comment".to_string(),
                                    line,
                                    col,
                                ));
                            }
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn quoted(&mut self, q: char, line: usize, col: usize) -> Result<String, SyntaxError> {
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                Some(c) if c == q => {
                    if self.peek(0) == Some(q) {
                        self.bump();
                        out.push(q);
                    } else {
                        return Ok(out);
                    }
                }
                Some(c) => out.push(c),
                None => {
                    let what = if q == '\'' {
                        "string literal"
                    } else {
                        "quoted identifier"
                    };
                    return Err(self.err(format!("unterminated {what}"), line, col));
                }
            }
        }
    }

    fn next_token(&mut self) -> Result<Token, SyntaxError> {
        self.skip_trivia()?;
        let (line, column) = (self.line, self.col);
        let start = self.pos;
        let Some(c) = self.peek(0) else {
            return Ok(Token {
                kind: TokenKind::Eof,
                text: "<EOF>".to_string(),
                line,
                column,
            });
        };
        let kind = if c.is_ascii_hexdigit() && self.uuid_here() {
            for _ in 0..36 {
                self.bump();
            }
            let text: String = self.chars[start..self.pos].iter().collect();
            match uuid::Uuid::parse_str(&text) {
                Ok(u) => TokenKind::Uuid(u),
                Err(e) => {
                    return Err(self.err(format!("invalid UUID '{text}': {e}"), line, column))
                }
            }
        } else if c == '0' && matches!(self.peek(1), Some('x' | 'X')) {
            self.bump();
            self.bump();
            let mut hex = String::new();
            while let Some(h) = self.peek(0).filter(char::is_ascii_hexdigit) {
                hex.push(h);
                self.bump();
            }
            if hex.len() % 2 != 0 {
                return Err(self.err(
                    format!("invalid blob literal '0x{hex}': odd number of hex digits"),
                    line,
                    column,
                ));
            }
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0))
                .collect();
            TokenKind::Blob(bytes)
        } else if c.is_ascii_digit() {
            let mut text = String::new();
            let mut float = false;
            while let Some(d) = self.peek(0).filter(char::is_ascii_digit) {
                text.push(d);
                self.bump();
            }
            if self.peek(0) == Some('.') {
                float = true;
                text.push('.');
                self.bump();
                while let Some(d) = self.peek(0).filter(char::is_ascii_digit) {
                    text.push(d);
                    self.bump();
                }
            }
            if let Some(e @ ('e' | 'E')) = self.peek(0) {
                let (sign, digit_at) = match self.peek(1) {
                    Some(s @ ('+' | '-')) => (Some(s), 2),
                    _ => (None, 1),
                };
                if self.peek(digit_at).is_some_and(|d| d.is_ascii_digit()) {
                    float = true;
                    text.push(e);
                    self.bump();
                    if let Some(s) = sign {
                        text.push(s);
                        self.bump();
                    }
                    while let Some(d) = self.peek(0).filter(char::is_ascii_digit) {
                        text.push(d);
                        self.bump();
                    }
                }
            }
            if float {
                TokenKind::Float(text)
            } else {
                TokenKind::Integer(text)
            }
        } else if c.is_ascii_alphabetic() {
            let mut text = String::new();
            while let Some(d) = self.peek(0).filter(|d| is_ident_char(*d)) {
                text.push(d.to_ascii_lowercase());
                self.bump();
            }
            TokenKind::Word(text)
        } else if c == '\'' {
            TokenKind::Str(self.quoted('\'', line, column)?)
        } else if c == '"' {
            let s = self.quoted('"', line, column)?;
            if s.is_empty() {
                return Err(self.err("empty quoted identifier".to_string(), line, column));
            }
            TokenKind::QuotedIdent(s)
        } else {
            let two = (c, self.peek(1));
            let (sym, len) = match two {
                ('!', Some('=')) => (Sym::Neq, 2),
                ('<', Some('=')) => (Sym::Lte, 2),
                ('>', Some('=')) => (Sym::Gte, 2),
                ('(', _) => (Sym::LParen, 1),
                (')', _) => (Sym::RParen, 1),
                ('[', _) => (Sym::LBracket, 1),
                (']', _) => (Sym::RBracket, 1),
                ('{', _) => (Sym::LBrace, 1),
                ('}', _) => (Sym::RBrace, 1),
                (',', _) => (Sym::Comma, 1),
                (';', _) => (Sym::Semi, 1),
                ('.', _) => (Sym::Dot, 1),
                (':', _) => (Sym::Colon, 1),
                ('=', _) => (Sym::Eq, 1),
                ('<', _) => (Sym::Lt, 1),
                ('>', _) => (Sym::Gt, 1),
                ('+', _) => (Sym::Plus, 1),
                ('-', _) => (Sym::Minus, 1),
                ('*', _) => (Sym::Star, 1),
                ('?', _) => (Sym::Question, 1),
                _ => {
                    return Err(self.err(
                        format!("token recognition error at: '{c}'"),
                        line,
                        column,
                    ));
                }
            };
            for _ in 0..len {
                self.bump();
            }
            TokenKind::Sym(sym)
        };
        let text: String = self.chars[start..self.pos].iter().collect();
        Ok(Token {
            kind,
            text,
            line,
            column,
        })
    }
}

/// Splits `text` into tokens, ending with one [`TokenKind::Eof`].
pub fn tokenize(text: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut lx = Lexer {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
        col: 0,
    };
    let mut out = Vec::new();
    loop {
        let t = lx.next_token()?;
        let end = t.kind == TokenKind::Eof;
        out.push(t);
        if end {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<TokenKind> {
        tokenize(s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn numbers_uuids_blobs() {
        assert_eq!(
            kinds("1 1.5 1e10 2.5E-3 1. 0x 0xCAfe"),
            vec![
                TokenKind::Integer("1".into()),
                TokenKind::Float("1.5".into()),
                TokenKind::Float("1e10".into()),
                TokenKind::Float("2.5E-3".into()),
                TokenKind::Float("1.".into()),
                TokenKind::Blob(vec![]),
                TokenKind::Blob(vec![0xca, 0xfe]),
                TokenKind::Eof,
            ]
        );
        let u = "2e8b1c3a-0000-4000-8000-00000000e123";
        assert_eq!(
            kinds(u),
            vec![
                TokenKind::Uuid(uuid::Uuid::parse_str(u).unwrap()),
                TokenKind::Eof
            ]
        );
        // Not a UUID: too short last group, so a float then a minus etc.
        assert_eq!(kinds("1e5")[0], TokenKind::Float("1e5".into()));
        assert_eq!(kinds("1e")[0], TokenKind::Integer("1".into()));
    }

    #[test]
    fn positions_and_comments() {
        let toks = tokenize("-- c\nSELECT /* x\n y */ a // z\n ;").unwrap();
        let pos: Vec<_> = toks.iter().map(|t| (t.line, t.column)).collect();
        assert_eq!(pos, vec![(2, 0), (3, 6), (4, 1), (4, 2)]);
        assert!(tokenize("/* open").is_err());
        assert!(tokenize("'open").is_err());
        assert!(tokenize("0xabc").is_err());
        assert_eq!(tokenize("a # b").unwrap_err().column, 2);
    }

    #[test]
    fn quoting() {
        assert_eq!(
            kinds(r#"'it''s' "Mixed""Case" FooBar"#),
            vec![
                TokenKind::Str("it's".into()),
                TokenKind::QuotedIdent("Mixed\"Case".into()),
                TokenKind::Word("foobar".into()),
                TokenKind::Eof,
            ]
        );
    }
}
