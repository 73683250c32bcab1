//! A recursive-descent parser for Cassandra 2.0's CQL 3.1 dialect.

use super::ast::*;
use super::error::SyntaxError;
use super::lexer::{tokenize, Sym, Token, TokenKind};

/// How deeply terms, types and selectors may nest before the parser gives up.
pub const MAX_DEPTH: usize = 64;

/// Keywords that cannot be used as unquoted identifiers.
const RESERVED: &[&str] = &[
    "add",
    "allow",
    "alter",
    "and",
    "apply",
    "asc",
    "authorize",
    "batch",
    "begin",
    "by",
    "columnfamily",
    "create",
    "delete",
    "desc",
    "drop",
    "false",
    "from",
    "grant",
    "if",
    "in",
    "index",
    "infinity",
    "insert",
    "into",
    "keyspace",
    "keyspaces",
    "limit",
    "modify",
    "nan",
    "norecursive",
    "not",
    "null",
    "of",
    "on",
    "order",
    "primary",
    "rename",
    "revoke",
    "schema",
    "select",
    "set",
    "table",
    "to",
    "token",
    "true",
    "truncate",
    "unlogged",
    "update",
    "use",
    "using",
    "where",
    "with",
];

type PResult<T> = Result<T, SyntaxError>;

/// Parses one CQL statement (an optional trailing `;` is allowed).
pub fn parse_statement(text: &str) -> Result<Statement, SyntaxError> {
    let tokens = tokenize(text)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
        markers: 0,
    };
    let stmt = p.statement()?;
    p.eat_sym(Sym::Semi);
    if !p.at_eof() {
        return Err(p.err_here("extraneous input", "<EOF>"));
    }
    Ok(stmt)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    markers: usize,
}

impl Parser {
    // ---- token helpers ----

    fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &Token {
        let last = self.tokens.len() - 1;
        &self.tokens[(self.pos + n).min(last)]
    }

    fn advance(&mut self) -> Token {
        let t = self.peek().clone();
        if t.kind != TokenKind::Eof {
            self.pos += 1;
        }
        t
    }

    fn at_eof(&self) -> bool {
        self.peek().kind == TokenKind::Eof
    }

    fn word_at(&self, n: usize) -> Option<&str> {
        match &self.peek_at(n).kind {
            TokenKind::Word(w) => Some(w),
            _ => None,
        }
    }

    fn is_kw(&self, kw: &str) -> bool {
        self.word_at(0) == Some(kw)
    }

    fn is_kw_at(&self, n: usize, kw: &str) -> bool {
        self.word_at(n) == Some(kw)
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str) -> PResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.mismatch(&kw.to_ascii_uppercase()))
        }
    }

    fn is_sym(&self, s: Sym) -> bool {
        self.peek().kind == TokenKind::Sym(s)
    }

    fn is_sym_at(&self, n: usize, s: Sym) -> bool {
        self.peek_at(n).kind == TokenKind::Sym(s)
    }

    fn eat_sym(&mut self, s: Sym) -> bool {
        if self.is_sym(s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, s: Sym) -> PResult<()> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            Err(self.mismatch(sym_text(s)))
        }
    }

    fn err_at(&self, tok: &Token, message: String) -> SyntaxError {
        SyntaxError::new(message, tok.line, tok.column)
    }

    /// A statement Cassandra's validation (not its grammar) rejects.
    fn invalid_at(&self, tok: &Token, message: &str) -> SyntaxError {
        SyntaxError::invalid(message, tok.line, tok.column)
    }

    fn err_here(&self, what: &str, expecting: &str) -> SyntaxError {
        let t = self.peek();
        self.err_at(t, format!("{what} '{}' expecting {expecting}", t.text))
    }

    fn mismatch(&self, expecting: &str) -> SyntaxError {
        self.err_here("mismatched input", expecting)
    }

    fn no_viable(&self) -> SyntaxError {
        let t = self.peek();
        self.err_at(t, format!("no viable alternative at input '{}'", t.text))
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let t = self.peek();
            return Err(self.err_at(
                t,
                format!(
                    "input nested too deeply (more than {MAX_DEPTH} levels) at '{}'",
                    t.text
                ),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn if_not_exists(&mut self) -> PResult<bool> {
        if self.is_kw("if") {
            self.pos += 1;
            self.expect_kw("not")?;
            self.expect_kw("exists")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn if_exists(&mut self) -> PResult<bool> {
        if self.is_kw("if") {
            self.pos += 1;
            self.expect_kw("exists")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    // ---- identifiers ----

    fn is_ident(&self) -> bool {
        match &self.peek().kind {
            TokenKind::Word(w) => !RESERVED.contains(&w.as_str()),
            TokenKind::QuotedIdent(_) => true,
            _ => false,
        }
    }

    fn ident(&mut self) -> PResult<String> {
        match &self.peek().kind {
            TokenKind::Word(w) if !RESERVED.contains(&w.as_str()) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            TokenKind::QuotedIdent(s) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.mismatch("IDENT")),
        }
    }

    fn qualified_name(&mut self) -> PResult<QualifiedName> {
        let first = self.ident()?;
        if self.eat_sym(Sym::Dot) {
            let name = self.ident()?;
            Ok(QualifiedName::qualified(first, name))
        } else {
            Ok(QualifiedName::new(first))
        }
    }

    fn ident_list_parens(&mut self) -> PResult<Vec<String>> {
        self.expect_sym(Sym::LParen)?;
        let mut out = vec![self.ident()?];
        while self.eat_sym(Sym::Comma) {
            out.push(self.ident()?);
        }
        self.expect_sym(Sym::RParen)?;
        Ok(out)
    }

    fn string_literal(&mut self) -> PResult<String> {
        match &self.peek().kind {
            TokenKind::Str(s) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.mismatch("STRING_LITERAL")),
        }
    }

    // ---- statements ----

    fn statement(&mut self) -> PResult<Statement> {
        let Some(w) = self.word_at(0).map(str::to_owned) else {
            return Err(self.no_viable());
        };
        match w.as_str() {
            "select" => self.select().map(Statement::Select),
            "insert" => self.insert().map(Statement::Insert),
            "update" => self.update().map(Statement::Update),
            "delete" => self.delete().map(Statement::Delete),
            "begin" => self.batch().map(Statement::Batch),
            "use" => {
                self.pos += 1;
                Ok(Statement::Use(self.ident()?))
            }
            "create" => self.create(),
            "alter" => self.alter(),
            "drop" => self.drop(),
            "truncate" => {
                self.pos += 1;
                let _ = self.eat_kw("table") || self.eat_kw("columnfamily");
                Ok(Statement::Truncate(self.qualified_name()?))
            }
            "grant" | "revoke" => self.grant_revoke(w == "grant"),
            "list" => self.list(),
            _ => Err(self.no_viable()),
        }
    }

    fn create(&mut self) -> PResult<Statement> {
        self.expect_kw("create")?;
        if self.eat_kw("keyspace") || self.eat_kw("schema") {
            let if_not_exists = self.if_not_exists()?;
            let name = self.ident()?;
            self.expect_kw("with")?;
            let properties = self.properties()?;
            return Ok(Statement::CreateKeyspace(CreateKeyspace {
                name,
                if_not_exists,
                properties,
            }));
        }
        if self.eat_kw("table") || self.eat_kw("columnfamily") {
            return self.create_table().map(Statement::CreateTable);
        }
        if self.is_kw("index") || self.is_kw("custom") {
            return self.create_index().map(Statement::CreateIndex);
        }
        if self.eat_kw("user") {
            let if_not_exists = self.if_not_exists()?;
            let name = self.username()?;
            let options = self.user_options()?;
            return Ok(Statement::CreateUser {
                name,
                if_not_exists,
                options,
            });
        }
        if self.eat_kw("trigger") {
            let if_not_exists = self.if_not_exists()?;
            let name = self.ident()?;
            self.expect_kw("on")?;
            let table = self.qualified_name()?;
            self.expect_kw("using")?;
            let class = self.string_literal()?;
            return Ok(Statement::CreateTrigger {
                name,
                table,
                class,
                if_not_exists,
            });
        }
        if self.is_kw("type") || self.is_kw("function") || self.is_kw("aggregate") {
            let t = self.peek();
            return Err(self.err_at(
                t,
                format!(
                    "no viable alternative at input '{}' (CREATE {} is not supported by Cassandra 2.0)",
                    t.text,
                    t.text.to_ascii_uppercase()
                ),
            ));
        }
        Err(self.no_viable())
    }

    fn create_table(&mut self) -> PResult<CreateTable> {
        let if_not_exists = self.if_not_exists()?;
        let name = self.qualified_name()?;
        self.expect_sym(Sym::LParen)?;
        let mut columns = Vec::new();
        let mut pk: Option<(Vec<String>, Vec<String>)> = None;
        loop {
            let start = self.peek().clone();
            if self.is_kw("primary") && self.is_kw_at(1, "key") {
                self.pos += 2;
                self.expect_sym(Sym::LParen)?;
                let partition = if self.is_sym(Sym::LParen) {
                    self.ident_list_parens()?
                } else {
                    vec![self.ident()?]
                };
                let mut clustering = Vec::new();
                while self.eat_sym(Sym::Comma) {
                    clustering.push(self.ident()?);
                }
                self.expect_sym(Sym::RParen)?;
                if pk.is_some() {
                    return Err(self.invalid_at(
                        &start,
                        "Multiple PRIMARY KEYs specifed (exactly one required)",
                    ));
                }
                pk = Some((partition, clustering));
            } else {
                let col = self.ident()?;
                let ty = self.cql_type()?;
                let is_static = self.eat_kw("static");
                if self.is_kw("primary") {
                    self.pos += 1;
                    self.expect_kw("key")?;
                    if pk.is_some() {
                        return Err(self.invalid_at(
                            &start,
                            "Multiple PRIMARY KEYs specifed (exactly one required)",
                        ));
                    }
                    pk = Some((vec![col.clone()], Vec::new()));
                }
                columns.push(ColumnDefinition {
                    name: col,
                    ty,
                    is_static,
                });
            }
            if !self.eat_sym(Sym::Comma) {
                break;
            }
            // A trailing comma before ')' is accepted by Cassandra's grammar.
            if self.is_sym(Sym::RParen) {
                break;
            }
        }
        let close = self.peek().clone();
        self.expect_sym(Sym::RParen)?;
        let Some((partition_key, clustering_columns)) = pk else {
            return Err(self.invalid_at(&close, "No PRIMARY KEY specifed (exactly one required)"));
        };
        let mut options = TableOptions::default();
        if self.eat_kw("with") {
            loop {
                if self.is_kw("compact") {
                    self.pos += 1;
                    self.expect_kw("storage")?;
                    options.compact_storage = true;
                } else if self.is_kw("clustering") && self.is_kw_at(1, "order") {
                    self.pos += 2;
                    self.expect_kw("by")?;
                    self.expect_sym(Sym::LParen)?;
                    loop {
                        options.clustering_order.push(self.ordering()?);
                        if !self.eat_sym(Sym::Comma) {
                            break;
                        }
                    }
                    self.expect_sym(Sym::RParen)?;
                } else {
                    options.properties.push(self.property()?);
                }
                if !self.eat_kw("and") {
                    break;
                }
            }
        }
        Ok(CreateTable {
            name,
            if_not_exists,
            columns,
            partition_key,
            clustering_columns,
            options,
        })
    }

    fn ordering(&mut self) -> PResult<Ordering> {
        let column = self.ident()?;
        let descending = if self.eat_kw("desc") {
            true
        } else {
            self.eat_kw("asc");
            false
        };
        Ok(Ordering { column, descending })
    }

    fn create_index(&mut self) -> PResult<CreateIndex> {
        let custom = self.eat_kw("custom");
        self.expect_kw("index")?;
        let if_not_exists = self.if_not_exists()?;
        let name = if self.is_kw("on") {
            None
        } else {
            Some(self.ident()?)
        };
        self.expect_kw("on")?;
        let table = self.qualified_name()?;
        self.expect_sym(Sym::LParen)?;
        let keys = self.is_kw("keys") && self.is_sym_at(1, Sym::LParen);
        let column = if keys {
            self.pos += 2;
            let c = self.ident()?;
            self.expect_sym(Sym::RParen)?;
            c
        } else {
            self.ident()?
        };
        self.expect_sym(Sym::RParen)?;
        let custom_class = if custom {
            self.expect_kw("using")?;
            Some(self.string_literal()?)
        } else {
            None
        };
        Ok(CreateIndex {
            name,
            table,
            column,
            keys,
            if_not_exists,
            custom_class,
        })
    }

    fn username(&mut self) -> PResult<String> {
        if let TokenKind::Str(s) = &self.peek().kind {
            let s = s.clone();
            self.pos += 1;
            return Ok(s);
        }
        self.ident()
    }

    fn user_options(&mut self) -> PResult<UserOptions> {
        let mut options = UserOptions {
            password: None,
            superuser: None,
        };
        if self.eat_kw("with") {
            self.expect_kw("password")?;
            options.password = Some(self.string_literal()?);
        }
        if self.eat_kw("superuser") {
            options.superuser = Some(true);
        } else if self.eat_kw("nosuperuser") {
            options.superuser = Some(false);
        }
        Ok(options)
    }

    fn alter(&mut self) -> PResult<Statement> {
        self.expect_kw("alter")?;
        if self.eat_kw("keyspace") || self.eat_kw("schema") {
            let name = self.ident()?;
            self.expect_kw("with")?;
            let properties = self.properties()?;
            return Ok(Statement::AlterKeyspace { name, properties });
        }
        if self.eat_kw("table") || self.eat_kw("columnfamily") {
            let name = self.qualified_name()?;
            let action = if self.eat_kw("add") {
                let col = self.ident()?;
                let ty = self.cql_type()?;
                let is_static = self.eat_kw("static");
                AlterTableAction::Add(ColumnDefinition {
                    name: col,
                    ty,
                    is_static,
                })
            } else if self.eat_kw("drop") {
                AlterTableAction::Drop(self.ident()?)
            } else if self.eat_kw("alter") {
                let column = self.ident()?;
                self.expect_kw("type")?;
                let ty = self.cql_type()?;
                AlterTableAction::AlterType { column, ty }
            } else if self.eat_kw("rename") {
                let mut pairs = Vec::new();
                loop {
                    let from = self.ident()?;
                    self.expect_kw("to")?;
                    let to = self.ident()?;
                    pairs.push((from, to));
                    if !self.eat_kw("and") {
                        break;
                    }
                }
                AlterTableAction::Rename(pairs)
            } else if self.eat_kw("with") {
                AlterTableAction::WithOptions(self.properties()?)
            } else {
                return Err(self.no_viable());
            };
            return Ok(Statement::AlterTable(AlterTable { name, action }));
        }
        if self.eat_kw("user") {
            let name = self.username()?;
            let options = self.user_options()?;
            return Ok(Statement::AlterUser { name, options });
        }
        Err(self.no_viable())
    }

    fn drop(&mut self) -> PResult<Statement> {
        self.expect_kw("drop")?;
        if self.eat_kw("keyspace") || self.eat_kw("schema") {
            let if_exists = self.if_exists()?;
            let name = self.ident()?;
            return Ok(Statement::DropKeyspace { name, if_exists });
        }
        if self.eat_kw("table") || self.eat_kw("columnfamily") {
            let if_exists = self.if_exists()?;
            let name = self.qualified_name()?;
            return Ok(Statement::DropTable { name, if_exists });
        }
        if self.eat_kw("index") {
            let if_exists = self.if_exists()?;
            let name = self.qualified_name()?;
            return Ok(Statement::DropIndex { name, if_exists });
        }
        if self.eat_kw("user") {
            let if_exists = self.if_exists()?;
            let name = self.username()?;
            return Ok(Statement::DropUser { name, if_exists });
        }
        if self.eat_kw("trigger") {
            let if_exists = self.if_exists()?;
            let name = self.ident()?;
            self.expect_kw("on")?;
            let table = self.qualified_name()?;
            return Ok(Statement::DropTrigger {
                name,
                table,
                if_exists,
            });
        }
        Err(self.no_viable())
    }

    fn permission(&mut self) -> PResult<Option<Permission>> {
        if self.eat_kw("all") {
            self.eat_kw("permissions");
            return Ok(None);
        }
        let p = match self.word_at(0) {
            Some("create") => Permission::Create,
            Some("alter") => Permission::Alter,
            Some("drop") => Permission::Drop,
            Some("select") => Permission::Select,
            Some("modify") => Permission::Modify,
            Some("authorize") => Permission::Authorize,
            _ => return Err(self.no_viable()),
        };
        self.pos += 1;
        self.eat_kw("permission");
        Ok(Some(p))
    }

    fn resource(&mut self) -> PResult<Resource> {
        if self.is_kw("all") {
            self.pos += 1;
            self.expect_kw("keyspaces")?;
            return Ok(Resource::AllKeyspaces);
        }
        if self.eat_kw("keyspace") {
            return Ok(Resource::Keyspace(self.ident()?));
        }
        self.eat_kw("table");
        Ok(Resource::Table(self.qualified_name()?))
    }

    fn grant_revoke(&mut self, grant: bool) -> PResult<Statement> {
        self.pos += 1;
        let permission = self.permission()?;
        self.expect_kw("on")?;
        let resource = self.resource()?;
        self.expect_kw(if grant { "to" } else { "from" })?;
        let user = self.username()?;
        let change = PermissionChange {
            permission,
            resource,
            user,
        };
        Ok(if grant {
            Statement::Grant(change)
        } else {
            Statement::Revoke(change)
        })
    }

    fn list(&mut self) -> PResult<Statement> {
        self.expect_kw("list")?;
        if self.eat_kw("users") {
            return Ok(Statement::ListUsers);
        }
        let permission = self.permission()?;
        let resource = if self.eat_kw("on") {
            Some(self.resource()?)
        } else {
            None
        };
        let user = if self.eat_kw("of") {
            Some(self.username()?)
        } else {
            None
        };
        let recursive = !self.eat_kw("norecursive");
        Ok(Statement::ListPermissions(ListPermissions {
            permission,
            resource,
            user,
            recursive,
        }))
    }

    // ---- properties ----

    fn properties(&mut self) -> PResult<Vec<Property>> {
        let mut out = vec![self.property()?];
        while self.eat_kw("and") {
            out.push(self.property()?);
        }
        Ok(out)
    }

    fn property(&mut self) -> PResult<Property> {
        let name = self.ident()?;
        self.expect_sym(Sym::Eq)?;
        let value = if self.eat_sym(Sym::LBrace) {
            let mut entries = Vec::new();
            if !self.eat_sym(Sym::RBrace) {
                loop {
                    let k = self.constant()?;
                    self.expect_sym(Sym::Colon)?;
                    let v = self.constant()?;
                    entries.push((k, v));
                    if self.eat_sym(Sym::RBrace) {
                        break;
                    }
                    self.expect_sym(Sym::Comma)?;
                }
            }
            PropertyValue::Map(entries)
        } else if let Some(lit) = self.try_constant()? {
            PropertyValue::Constant(lit)
        } else if self.is_ident() {
            PropertyValue::Identifier(self.ident()?)
        } else {
            return Err(self.no_viable());
        };
        Ok(Property { name, value })
    }

    fn constant(&mut self) -> PResult<Literal> {
        match self.try_constant()? {
            Some(l) => Ok(l),
            None => Err(self.no_viable()),
        }
    }

    /// A constant literal (including a leading `-` on numbers), if one starts here.
    fn try_constant(&mut self) -> PResult<Option<Literal>> {
        let lit = match &self.peek().kind {
            TokenKind::Str(s) => Literal::String(s.clone()),
            TokenKind::Integer(s) => Literal::Integer(s.clone()),
            TokenKind::Float(s) => Literal::Float(s.clone()),
            TokenKind::Uuid(u) => Literal::Uuid(*u),
            TokenKind::Blob(b) => Literal::Blob(b.clone()),
            TokenKind::Word(w) => match w.as_str() {
                "true" => Literal::Boolean(true),
                "false" => Literal::Boolean(false),
                "nan" => Literal::Float("NaN".to_string()),
                "infinity" => Literal::Float("Infinity".to_string()),
                _ => return Ok(None),
            },
            TokenKind::Sym(Sym::Minus) => {
                let lit = match &self.peek_at(1).kind {
                    TokenKind::Integer(s) => Literal::Integer(format!("-{s}")),
                    TokenKind::Float(s) => Literal::Float(format!("-{s}")),
                    TokenKind::Word(w) if w == "infinity" => Literal::Float("-Infinity".into()),
                    TokenKind::Word(w) if w == "nan" => Literal::Float("NaN".into()),
                    _ => {
                        self.pos += 1;
                        return Err(self.no_viable());
                    }
                };
                self.pos += 2;
                return Ok(Some(lit));
            }
            _ => return Ok(None),
        };
        self.pos += 1;
        Ok(Some(lit))
    }

    // ---- types ----

    fn cql_type(&mut self) -> PResult<CqlType> {
        self.enter()?;
        let r = self.cql_type_inner();
        self.leave();
        r
    }

    fn cql_type_inner(&mut self) -> PResult<CqlType> {
        let tok = self.peek().clone();
        match &tok.kind {
            TokenKind::Str(s) => {
                self.pos += 1;
                Ok(CqlType::Custom(s.clone()))
            }
            TokenKind::Word(w) => {
                if let Some(t) = CqlType::native(w) {
                    self.pos += 1;
                    return Ok(t);
                }
                match w.as_str() {
                    "list" | "set" => {
                        self.pos += 1;
                        self.expect_sym(Sym::Lt)?;
                        let inner = self.cql_type()?;
                        self.expect_sym(Sym::Gt)?;
                        Ok(if w == "list" {
                            CqlType::List(Box::new(inner))
                        } else {
                            CqlType::Set(Box::new(inner))
                        })
                    }
                    "map" => {
                        self.pos += 1;
                        self.expect_sym(Sym::Lt)?;
                        let k = self.cql_type()?;
                        self.expect_sym(Sym::Comma)?;
                        let v = self.cql_type()?;
                        self.expect_sym(Sym::Gt)?;
                        Ok(CqlType::Map(Box::new(k), Box::new(v)))
                    }
                    "frozen" | "tuple" => Err(self.err_at(
                        &tok,
                        format!(
                            "no viable alternative at input '{}' ({}<> types are not supported by Cassandra 2.0)",
                            tok.text, w
                        ),
                    )),
                    _ => Err(self.err_at(
                        &tok,
                        format!(
                            "no viable alternative at input '{}' (unknown type; user-defined types are not supported by Cassandra 2.0)",
                            tok.text
                        ),
                    )),
                }
            }
            _ => Err(self.no_viable()),
        }
    }

    // ---- terms ----

    fn next_marker(&mut self, name: Option<String>) -> BindMarker {
        let index = self.markers;
        self.markers += 1;
        BindMarker { index, name }
    }

    /// `?` or `:name`, if one starts here.
    fn try_marker(&mut self) -> PResult<Option<BindMarker>> {
        if self.eat_sym(Sym::Question) {
            return Ok(Some(self.next_marker(None)));
        }
        if self.eat_sym(Sym::Colon) {
            let name = self.ident()?;
            return Ok(Some(self.next_marker(Some(name))));
        }
        Ok(None)
    }

    fn term(&mut self) -> PResult<Term> {
        self.enter()?;
        let r = self.term_inner();
        self.leave();
        r
    }

    fn term_inner(&mut self) -> PResult<Term> {
        if let Some(lit) = self.try_constant()? {
            return Ok(Term::Literal(lit));
        }
        if let Some(m) = self.try_marker()? {
            return Ok(Term::BindMarker(m));
        }
        if self.eat_kw("null") {
            return Ok(Term::Null);
        }
        let tok = self.peek().clone();
        match &tok.kind {
            TokenKind::Sym(Sym::LBracket) => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat_sym(Sym::RBracket) {
                    loop {
                        items.push(self.term()?);
                        if self.eat_sym(Sym::RBracket) {
                            break;
                        }
                        self.expect_sym(Sym::Comma)?;
                    }
                }
                Ok(Term::List(items))
            }
            TokenKind::Sym(Sym::LBrace) => {
                self.pos += 1;
                if self.eat_sym(Sym::RBrace) {
                    return Ok(Term::Map(Vec::new()));
                }
                let first = self.term()?;
                if self.eat_sym(Sym::Colon) {
                    let v = self.term()?;
                    let mut entries = vec![(first, v)];
                    while self.eat_sym(Sym::Comma) {
                        let k = self.term()?;
                        self.expect_sym(Sym::Colon)?;
                        let v = self.term()?;
                        entries.push((k, v));
                    }
                    self.expect_sym(Sym::RBrace)?;
                    Ok(Term::Map(entries))
                } else {
                    let mut items = vec![first];
                    while self.eat_sym(Sym::Comma) {
                        items.push(self.term()?);
                    }
                    self.expect_sym(Sym::RBrace)?;
                    Ok(Term::Set(items))
                }
            }
            TokenKind::Sym(Sym::LParen) => {
                // `(type) term` is a cast; anything else would be a 2.1 tuple literal.
                let is_cast = match &self.peek_at(1).kind {
                    TokenKind::Str(_) => self.is_sym_at(2, Sym::RParen),
                    TokenKind::Word(w) => {
                        CqlType::native(w).is_some() || matches!(w.as_str(), "list" | "set" | "map")
                    }
                    _ => false,
                };
                if !is_cast {
                    return Err(self.err_at(
                        &tok,
                        "no viable alternative at input '(' (tuple literals are not supported by Cassandra 2.0)"
                            .to_string(),
                    ));
                }
                self.pos += 1;
                let ty = self.cql_type()?;
                self.expect_sym(Sym::RParen)?;
                let value = self.term()?;
                Ok(Term::Cast(ty, Box::new(value)))
            }
            TokenKind::Word(_) | TokenKind::QuotedIdent(_) if self.is_sym_at(1, Sym::LParen) => {
                Ok(Term::FunctionCall(self.function_call()?))
            }
            _ => Err(self.no_viable()),
        }
    }

    fn function_call(&mut self) -> PResult<FunctionCall> {
        let name = match self.advance().kind {
            TokenKind::Word(w) => w,
            TokenKind::QuotedIdent(q) => q,
            _ => return Err(self.no_viable()),
        };
        self.expect_sym(Sym::LParen)?;
        let mut args = Vec::new();
        if !self.eat_sym(Sym::RParen) {
            loop {
                args.push(self.term()?);
                if self.eat_sym(Sym::RParen) {
                    break;
                }
                self.expect_sym(Sym::Comma)?;
            }
        }
        Ok(FunctionCall { name, args })
    }

    fn term_list_parens(&mut self) -> PResult<Vec<Term>> {
        self.expect_sym(Sym::LParen)?;
        let mut out = Vec::new();
        if !self.eat_sym(Sym::RParen) {
            loop {
                out.push(self.term()?);
                if self.eat_sym(Sym::RParen) {
                    break;
                }
                self.expect_sym(Sym::Comma)?;
            }
        }
        Ok(out)
    }

    fn in_values(&mut self) -> PResult<InValues> {
        if let Some(m) = self.try_marker()? {
            return Ok(InValues::Marker(m));
        }
        Ok(InValues::Terms(self.term_list_parens()?))
    }

    fn tuple_value(&mut self) -> PResult<TupleValue> {
        if let Some(m) = self.try_marker()? {
            return Ok(TupleValue::Marker(m));
        }
        Ok(TupleValue::Terms(self.term_list_parens()?))
    }

    fn int_or_marker(&mut self) -> PResult<Term> {
        if let Some(m) = self.try_marker()? {
            return Ok(Term::BindMarker(m));
        }
        let start = self.pos;
        let tok = self.peek().clone();
        match self.try_constant() {
            Ok(Some(l @ Literal::Integer(_))) => Ok(Term::Literal(l)),
            _ => {
                self.pos = start;
                Err(self.err_at(
                    &tok,
                    format!("mismatched input '{}' expecting INTEGER", tok.text),
                ))
            }
        }
    }

    fn operator(&mut self) -> Option<Operator> {
        let op = match self.peek().kind {
            TokenKind::Sym(Sym::Eq) => Operator::Eq,
            TokenKind::Sym(Sym::Neq) => Operator::Neq,
            TokenKind::Sym(Sym::Lt) => Operator::Lt,
            TokenKind::Sym(Sym::Lte) => Operator::Lte,
            TokenKind::Sym(Sym::Gt) => Operator::Gt,
            TokenKind::Sym(Sym::Gte) => Operator::Gte,
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn expect_operator(&mut self) -> PResult<Operator> {
        match self.operator() {
            Some(op) => Ok(op),
            None => Err(self.no_viable()),
        }
    }

    // ---- WHERE / IF / USING ----

    fn relation(&mut self) -> PResult<Relation> {
        if self.is_kw("token") && self.is_sym_at(1, Sym::LParen) {
            self.pos += 1;
            let columns = self.ident_list_parens()?;
            let op = self.expect_operator()?;
            let value = self.term()?;
            return Ok(Relation::Token { columns, op, value });
        }
        if self.is_sym(Sym::LParen) {
            let columns = self.ident_list_parens()?;
            if self.eat_kw("in") {
                let values = if let Some(m) = self.try_marker()? {
                    MultiInValues::Marker(m)
                } else {
                    self.expect_sym(Sym::LParen)?;
                    let mut tuples = Vec::new();
                    if !self.eat_sym(Sym::RParen) {
                        loop {
                            tuples.push(self.tuple_value()?);
                            if self.eat_sym(Sym::RParen) {
                                break;
                            }
                            self.expect_sym(Sym::Comma)?;
                        }
                    }
                    MultiInValues::Tuples(tuples)
                };
                return Ok(Relation::MultiColumnIn { columns, values });
            }
            let op = self.expect_operator()?;
            let value = self.tuple_value()?;
            return Ok(Relation::MultiColumn { columns, op, value });
        }
        let column = self.ident()?;
        if self.eat_kw("in") {
            let values = self.in_values()?;
            return Ok(Relation::In { column, values });
        }
        if self.eat_kw("contains") {
            let key = self.eat_kw("key");
            let value = self.term()?;
            return Ok(Relation::Contains { column, key, value });
        }
        let op = self.expect_operator()?;
        let value = self.term()?;
        Ok(Relation::Simple { column, op, value })
    }

    fn where_clause(&mut self) -> PResult<Vec<Relation>> {
        self.expect_kw("where")?;
        let mut out = vec![self.relation()?];
        while self.eat_kw("and") {
            out.push(self.relation()?);
        }
        Ok(out)
    }

    fn if_clause(&mut self) -> PResult<Option<IfClause>> {
        if !self.eat_kw("if") {
            return Ok(None);
        }
        if self.eat_kw("exists") {
            return Ok(Some(IfClause::Exists));
        }
        let mut conds = Vec::new();
        loop {
            let column = self.ident()?;
            let element = if self.eat_sym(Sym::LBracket) {
                let k = self.term()?;
                self.expect_sym(Sym::RBracket)?;
                Some(k)
            } else {
                None
            };
            let predicate = if self.eat_kw("in") {
                ConditionPredicate::In(self.in_values()?)
            } else {
                let op = self.expect_operator()?;
                ConditionPredicate::Compare(op, self.term()?)
            };
            conds.push(Condition {
                column,
                element,
                predicate,
            });
            if !self.eat_kw("and") {
                break;
            }
        }
        Ok(Some(IfClause::Conditions(conds)))
    }

    /// `USING (TTL v | TIMESTAMP v) [AND ...]`, if present.
    fn using(&mut self, allow_ttl: bool) -> PResult<Using> {
        let mut using = Using::default();
        if !self.eat_kw("using") {
            return Ok(using);
        }
        loop {
            let tok = self.peek().clone();
            if allow_ttl && self.eat_kw("ttl") {
                if using.ttl.is_some() {
                    return Err(self.err_at(&tok, "duplicate USING TTL".to_string()));
                }
                using.ttl = Some(self.int_or_marker()?);
            } else if self.eat_kw("timestamp") {
                if using.timestamp.is_some() {
                    return Err(self.err_at(&tok, "duplicate USING TIMESTAMP".to_string()));
                }
                using.timestamp = Some(self.int_or_marker()?);
            } else {
                return Err(self.mismatch(if allow_ttl {
                    "TTL or TIMESTAMP"
                } else {
                    "TIMESTAMP"
                }));
            }
            if !self.eat_kw("and") {
                return Ok(using);
            }
        }
    }

    // ---- DML ----

    fn insert(&mut self) -> PResult<Insert> {
        self.expect_kw("insert")?;
        self.expect_kw("into")?;
        let table = self.qualified_name()?;
        let columns = self.ident_list_parens()?;
        self.expect_kw("values")?;
        let open = self.peek().clone();
        let values = self.term_list_parens()?;
        if values.len() != columns.len() {
            return Err(self.invalid_at(&open, "Unmatched column names/values"));
        }
        let if_not_exists = self.if_not_exists()?;
        let using = self.using(true)?;
        Ok(Insert {
            table,
            columns,
            values,
            if_not_exists,
            using,
        })
    }

    /// Whether the current token starts a column reference (not a literal or call).
    fn at_column_ref(&self) -> bool {
        match &self.peek().kind {
            TokenKind::QuotedIdent(_) => !self.is_sym_at(1, Sym::LParen),
            TokenKind::Word(w) => {
                !RESERVED.contains(&w.as_str()) && !self.is_sym_at(1, Sym::LParen)
            }
            _ => false,
        }
    }

    fn assignment(&mut self) -> PResult<Assignment> {
        let column = self.ident()?;
        if self.eat_sym(Sym::LBracket) {
            let key = self.term()?;
            self.expect_sym(Sym::RBracket)?;
            self.expect_sym(Sym::Eq)?;
            let value = self.term()?;
            return Ok(Assignment::SetElement { column, key, value });
        }
        self.expect_sym(Sym::Eq)?;
        if self.at_column_ref() {
            let other_tok = self.peek().clone();
            let other = self.ident()?;
            if other != column {
                return Err(self.err_at(
                    &other_tok,
                    format!("Only expressions of the form X = X +/- <value> are supported (got {column} = {other} ...)"),
                ));
            }
            if self.eat_sym(Sym::Plus) {
                let value = self.term()?;
                return Ok(Assignment::Add { column, value });
            }
            if self.eat_sym(Sym::Minus) {
                let value = self.term()?;
                return Ok(Assignment::Subtract { column, value });
            }
            return Err(self.mismatch("'+' or '-'"));
        }
        let value = self.term()?;
        if self.eat_sym(Sym::Plus) {
            let other_tok = self.peek().clone();
            let other = self.ident()?;
            if other != column {
                return Err(self.err_at(
                    &other_tok,
                    format!("Only expressions of the form X = <value> + X are supported (got {column} = ... + {other})"),
                ));
            }
            return Ok(Assignment::Prepend { column, value });
        }
        Ok(Assignment::Set { column, value })
    }

    fn update(&mut self) -> PResult<Update> {
        self.expect_kw("update")?;
        let table = self.qualified_name()?;
        let using = self.using(true)?;
        self.expect_kw("set")?;
        let mut assignments = vec![self.assignment()?];
        while self.eat_sym(Sym::Comma) {
            assignments.push(self.assignment()?);
        }
        let where_clause = self.where_clause()?;
        let if_clause = self.if_clause()?;
        Ok(Update {
            table,
            using,
            assignments,
            where_clause,
            if_clause,
        })
    }

    fn delete(&mut self) -> PResult<Delete> {
        self.expect_kw("delete")?;
        let mut targets = Vec::new();
        if !self.is_kw("from") {
            loop {
                let column = self.ident()?;
                if self.eat_sym(Sym::LBracket) {
                    let key = self.term()?;
                    self.expect_sym(Sym::RBracket)?;
                    targets.push(DeleteTarget::Element { column, key });
                } else {
                    targets.push(DeleteTarget::Column(column));
                }
                if !self.eat_sym(Sym::Comma) {
                    break;
                }
            }
        }
        self.expect_kw("from")?;
        let table = self.qualified_name()?;
        let using = self.using(false)?;
        let where_clause = self.where_clause()?;
        let if_clause = self.if_clause()?;
        Ok(Delete {
            targets,
            table,
            using,
            where_clause,
            if_clause,
        })
    }

    fn batch(&mut self) -> PResult<Batch> {
        self.expect_kw("begin")?;
        let kind = if self.eat_kw("unlogged") {
            BatchKind::Unlogged
        } else if self.eat_kw("counter") {
            BatchKind::Counter
        } else {
            BatchKind::Logged
        };
        self.expect_kw("batch")?;
        let using_tok = self.peek().clone();
        let using = self.using(true)?;
        if using.ttl.is_some() {
            return Err(self.invalid_at(
                &using_tok,
                "Global TTL on the BATCH statement is not supported.",
            ));
        }
        let mut statements = Vec::new();
        loop {
            match self.word_at(0) {
                Some("insert") => statements.push(BatchStatement::Insert(self.insert()?)),
                Some("update") => statements.push(BatchStatement::Update(self.update()?)),
                Some("delete") => statements.push(BatchStatement::Delete(self.delete()?)),
                Some("apply") => break,
                _ => return Err(self.mismatch("INSERT, UPDATE, DELETE or APPLY")),
            }
            while self.eat_sym(Sym::Semi) {}
        }
        self.expect_kw("apply")?;
        self.expect_kw("batch")?;
        Ok(Batch {
            kind,
            using,
            statements,
        })
    }

    // ---- SELECT ----

    fn selector_expr(&mut self) -> PResult<SelectorExpr> {
        self.enter()?;
        let r = self.selector_expr_inner();
        self.leave();
        r
    }

    fn selector_expr_inner(&mut self) -> PResult<SelectorExpr> {
        let is_call = matches!(
            self.peek().kind,
            TokenKind::Word(_) | TokenKind::QuotedIdent(_)
        ) && self.is_sym_at(1, Sym::LParen);
        if !is_call {
            return Ok(SelectorExpr::Column(self.ident()?));
        }
        let name = match self.advance().kind {
            TokenKind::Word(w) => w,
            TokenKind::QuotedIdent(q) => q,
            _ => return Err(self.no_viable()),
        };
        self.expect_sym(Sym::LParen)?;
        if name == "writetime" || name == "ttl" {
            let col = self.ident()?;
            self.expect_sym(Sym::RParen)?;
            return Ok(if name == "ttl" {
                SelectorExpr::Ttl(col)
            } else {
                SelectorExpr::WriteTime(col)
            });
        }
        let mut args = Vec::new();
        if !self.eat_sym(Sym::RParen) {
            loop {
                args.push(self.selector_expr()?);
                if self.eat_sym(Sym::RParen) {
                    break;
                }
                self.expect_sym(Sym::Comma)?;
            }
        }
        Ok(SelectorExpr::Function { name, args })
    }

    fn alias(&mut self) -> PResult<Option<String>> {
        if self.eat_kw("as") {
            Ok(Some(self.ident()?))
        } else {
            Ok(None)
        }
    }

    fn selection(&mut self) -> PResult<Selection> {
        if self.eat_sym(Sym::Star) {
            return Ok(Selection::Wildcard);
        }
        if self.is_kw("count") && self.is_sym_at(1, Sym::LParen) {
            let arg = &self.peek_at(2).kind;
            let is_count = match arg {
                TokenKind::Sym(Sym::Star) => true,
                TokenKind::Integer(i) => {
                    if i != "1" {
                        let t = self.peek_at(2).clone();
                        return Err(
                            self.err_at(&t, format!("Only COUNT(1) is supported, got COUNT({i})"))
                        );
                    }
                    true
                }
                _ => false,
            };
            if is_count && self.is_sym_at(3, Sym::RParen) {
                self.pos += 4;
                let alias = self.alias()?;
                return Ok(Selection::Count { alias });
            }
        }
        let mut out = Vec::new();
        loop {
            let expr = self.selector_expr()?;
            let alias = self.alias()?;
            out.push(Selector { expr, alias });
            if !self.eat_sym(Sym::Comma) {
                return Ok(Selection::Selectors(out));
            }
        }
    }

    fn select(&mut self) -> PResult<Select> {
        self.expect_kw("select")?;
        // `distinct` is unreserved: `SELECT distinct FROM t` selects a column.
        let distinct = self.is_kw("distinct")
            && !self.is_kw_at(1, "from")
            && !self.is_sym_at(1, Sym::Comma)
            && !self.is_kw_at(1, "as")
            && self.eat_kw("distinct");
        let selection = self.selection()?;
        self.expect_kw("from")?;
        let table = self.qualified_name()?;
        let where_clause = if self.is_kw("where") {
            self.where_clause()?
        } else {
            Vec::new()
        };
        let mut order_by = Vec::new();
        if self.eat_kw("order") {
            self.expect_kw("by")?;
            loop {
                order_by.push(self.ordering()?);
                if !self.eat_sym(Sym::Comma) {
                    break;
                }
            }
        }
        let limit = if self.eat_kw("limit") {
            Some(self.int_or_marker()?)
        } else {
            None
        };
        let allow_filtering = if self.eat_kw("allow") {
            self.expect_kw("filtering")?;
            true
        } else {
            false
        };
        Ok(Select {
            distinct,
            selection,
            table,
            where_clause,
            order_by,
            limit,
            allow_filtering,
        })
    }
}

fn sym_text(s: Sym) -> &'static str {
    match s {
        Sym::LParen => "'('",
        Sym::RParen => "')'",
        Sym::LBracket => "'['",
        Sym::RBracket => "']'",
        Sym::LBrace => "'{'",
        Sym::RBrace => "'}'",
        Sym::Comma => "','",
        Sym::Semi => "';'",
        Sym::Dot => "'.'",
        Sym::Colon => "':'",
        Sym::Eq => "'='",
        Sym::Neq => "'!='",
        Sym::Lt => "'<'",
        Sym::Lte => "'<='",
        Sym::Gt => "'>'",
        Sym::Gte => "'>='",
        Sym::Plus => "'+'",
        Sym::Minus => "'-'",
        Sym::Star => "'*'",
        Sym::Question => "'?'",
    }
}
