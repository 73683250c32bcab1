//! The syntax tree produced by [`parse_statement`](super::parse_statement).
//!
//! Identifiers are already normalised: unquoted ones are lower-cased, quoted
//! ones keep their case (with `""` unescaped). Function names are lower-cased.

use std::fmt;

use cql_protocol::ColumnType;

/// A possibly keyspace-qualified table (or index) name: `[ks.]name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QualifiedName {
    /// The keyspace, when given.
    pub keyspace: Option<String>,
    /// The table or index name.
    pub name: String,
}

impl QualifiedName {
    /// An unqualified name.
    pub fn new(name: impl Into<String>) -> Self {
        QualifiedName {
            keyspace: None,
            name: name.into(),
        }
    }

    /// A keyspace-qualified name.
    pub fn qualified(keyspace: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            keyspace: Some(keyspace.into()),
            name: name.into(),
        }
    }
}

impl fmt::Display for QualifiedName {
    /// `ks.name` or `name`, unquoted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.keyspace {
            Some(ks) => write!(f, "{ks}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// A CQL type as written in DDL (Cassandra 2.0: no frozen, tuple or UDT).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CqlType {
    /// `ascii`
    Ascii,
    /// `bigint`
    Bigint,
    /// `blob`
    Blob,
    /// `boolean`
    Boolean,
    /// `counter`
    Counter,
    /// `decimal`
    Decimal,
    /// `double`
    Double,
    /// `float`
    Float,
    /// `inet`
    Inet,
    /// `int`
    Int,
    /// `text`
    Text,
    /// `timestamp`
    Timestamp,
    /// `uuid`
    Uuid,
    /// `varchar`
    Varchar,
    /// `varint`
    Varint,
    /// `timeuuid`
    Timeuuid,
    /// `list<T>`
    List(Box<CqlType>),
    /// `set<T>`
    Set(Box<CqlType>),
    /// `map<K, V>`
    Map(Box<CqlType>, Box<CqlType>),
    /// A custom type given as a quoted Java class name.
    Custom(String),
}

impl CqlType {
    /// The native type named `name` (lower-case), if any.
    pub fn native(name: &str) -> Option<CqlType> {
        Some(match name {
            "ascii" => CqlType::Ascii,
            "bigint" => CqlType::Bigint,
            "blob" => CqlType::Blob,
            "boolean" => CqlType::Boolean,
            "counter" => CqlType::Counter,
            "decimal" => CqlType::Decimal,
            "double" => CqlType::Double,
            "float" => CqlType::Float,
            "inet" => CqlType::Inet,
            "int" => CqlType::Int,
            "text" => CqlType::Text,
            "timestamp" => CqlType::Timestamp,
            "uuid" => CqlType::Uuid,
            "varchar" => CqlType::Varchar,
            "varint" => CqlType::Varint,
            "timeuuid" => CqlType::Timeuuid,
            _ => return None,
        })
    }

    /// The wire type. `text` maps to [`ColumnType::Text`] and `varchar` to
    /// [`ColumnType::Varchar`]; callers that want Cassandra's exact behaviour
    /// (it reports `varchar` for both) can normalise afterwards.
    pub fn to_column_type(&self) -> ColumnType {
        match self {
            CqlType::Ascii => ColumnType::Ascii,
            CqlType::Bigint => ColumnType::Bigint,
            CqlType::Blob => ColumnType::Blob,
            CqlType::Boolean => ColumnType::Boolean,
            CqlType::Counter => ColumnType::Counter,
            CqlType::Decimal => ColumnType::Decimal,
            CqlType::Double => ColumnType::Double,
            CqlType::Float => ColumnType::Float,
            CqlType::Inet => ColumnType::Inet,
            CqlType::Int => ColumnType::Int,
            CqlType::Text => ColumnType::Text,
            CqlType::Timestamp => ColumnType::Timestamp,
            CqlType::Uuid => ColumnType::Uuid,
            CqlType::Varchar => ColumnType::Varchar,
            CqlType::Varint => ColumnType::Varint,
            CqlType::Timeuuid => ColumnType::Timeuuid,
            CqlType::List(t) => ColumnType::List(Box::new(t.to_column_type())),
            CqlType::Set(t) => ColumnType::Set(Box::new(t.to_column_type())),
            CqlType::Map(k, v) => {
                ColumnType::Map(Box::new(k.to_column_type()), Box::new(v.to_column_type()))
            }
            CqlType::Custom(c) => ColumnType::Custom(c.clone()),
        }
    }

    /// Whether this is a list, set or map.
    pub fn is_collection(&self) -> bool {
        matches!(self, CqlType::List(_) | CqlType::Set(_) | CqlType::Map(..))
    }
}

impl fmt::Display for CqlType {
    /// The CQL spelling, e.g. `map<text, int>` or `'org.example.MyType'`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            CqlType::Ascii => "ascii",
            CqlType::Bigint => "bigint",
            CqlType::Blob => "blob",
            CqlType::Boolean => "boolean",
            CqlType::Counter => "counter",
            CqlType::Decimal => "decimal",
            CqlType::Double => "double",
            CqlType::Float => "float",
            CqlType::Inet => "inet",
            CqlType::Int => "int",
            CqlType::Text => "text",
            CqlType::Timestamp => "timestamp",
            CqlType::Uuid => "uuid",
            CqlType::Varchar => "varchar",
            CqlType::Varint => "varint",
            CqlType::Timeuuid => "timeuuid",
            CqlType::List(t) => return write!(f, "list<{t}>"),
            CqlType::Set(t) => return write!(f, "set<{t}>"),
            CqlType::Map(k, v) => return write!(f, "map<{k}, {v}>"),
            CqlType::Custom(c) => return write!(f, "'{}'", c.replace('\'', "''")),
        };
        f.write_str(s)
    }
}

/// A constant literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A single-quoted string (unescaped).
    String(String),
    /// An integer, as decimal text with an optional leading `-` (any size;
    /// the executor converts it according to the column type).
    Integer(String),
    /// A floating-point number as written, with an optional leading `-`:
    /// `1.5`, `1e10`, `-2.5E-3`, `NaN`, `Infinity`, `-Infinity`
    /// (all accepted by Rust's `f64::from_str`).
    Float(String),
    /// `true` / `false`.
    Boolean(bool),
    /// A bare UUID.
    Uuid(uuid::Uuid),
    /// A `0x...` blob.
    Blob(Vec<u8>),
}

/// A bind marker: `?` or `:name`.
///
/// Every marker, named or not, gets the next index in order of appearance in
/// the statement text (0-based, counted across a whole BATCH), matching how
/// Cassandra 2.0 numbers bind variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindMarker {
    /// Position among the statement's bind markers.
    pub index: usize,
    /// The name for `:name` markers.
    pub name: Option<String>,
}

/// A function call `name(args)` in a term, e.g. `now()` or `token(k)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionCall {
    /// The function name, lower-cased unless quoted.
    pub name: String,
    /// The arguments.
    pub args: Vec<Term>,
}

/// A value expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// A constant.
    Literal(Literal),
    /// `null`.
    Null,
    /// `[a, b]`.
    List(Vec<Term>),
    /// `{a, b}` (non-empty).
    Set(Vec<Term>),
    /// `{k: v, ...}`. The empty literal `{}` is ambiguous in CQL and is always
    /// parsed as an empty `Map`; the executor should accept it for set columns too.
    Map(Vec<(Term, Term)>),
    /// A bind marker.
    BindMarker(BindMarker),
    /// A function call.
    FunctionCall(FunctionCall),
    /// A type cast `(type) term`.
    Cast(CqlType, Box<Term>),
}

impl Term {
    /// A string literal term.
    pub fn string(s: impl Into<String>) -> Term {
        Term::Literal(Literal::String(s.into()))
    }

    /// An integer literal term.
    pub fn int(i: i64) -> Term {
        Term::Literal(Literal::Integer(i.to_string()))
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `=`
    Eq,
    /// `!=` (only meaningful in IF conditions in Cassandra 2.0)
    Neq,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operator::Eq => "=",
            Operator::Neq => "!=",
            Operator::Lt => "<",
            Operator::Lte => "<=",
            Operator::Gt => ">",
            Operator::Gte => ">=",
        })
    }
}

/// The right-hand side of `IN`.
#[derive(Debug, Clone, PartialEq)]
pub enum InValues {
    /// `IN (t1, t2, ...)` (possibly empty).
    Terms(Vec<Term>),
    /// `IN ?` / `IN :name`: the whole list is bound.
    Marker(BindMarker),
}

/// A tuple value in a multi-column relation.
#[derive(Debug, Clone, PartialEq)]
pub enum TupleValue {
    /// `(t1, t2, ...)`
    Terms(Vec<Term>),
    /// A marker for the whole tuple.
    Marker(BindMarker),
}

/// The right-hand side of a multi-column `IN`.
#[derive(Debug, Clone, PartialEq)]
pub enum MultiInValues {
    /// `IN ((1, 2), (3, 4))`, each tuple possibly a marker.
    Tuples(Vec<TupleValue>),
    /// `IN ?`
    Marker(BindMarker),
}

/// A WHERE-clause relation.
#[derive(Debug, Clone, PartialEq)]
pub enum Relation {
    /// `c op term`.
    Simple {
        /// The column.
        column: String,
        /// The operator.
        op: Operator,
        /// The value.
        value: Term,
    },
    /// `c IN (...)` or `c IN ?`.
    In {
        /// The column.
        column: String,
        /// The values.
        values: InValues,
    },
    /// `token(c1, c2) op term` (the term is usually `token(...)` or a marker).
    Token {
        /// The partition key columns inside `token(...)`.
        columns: Vec<String>,
        /// The operator.
        op: Operator,
        /// The value.
        value: Term,
    },
    /// `(c1, c2) op (t1, t2)` on clustering columns.
    MultiColumn {
        /// The columns.
        columns: Vec<String>,
        /// The operator.
        op: Operator,
        /// The tuple.
        value: TupleValue,
    },
    /// `(c1, c2) IN ((t1, t2), ...)`.
    MultiColumnIn {
        /// The columns.
        columns: Vec<String>,
        /// The tuples.
        values: MultiInValues,
    },
    /// `c CONTAINS term` / `c CONTAINS KEY term` (Cassandra 2.1 syntax).
    Contains {
        /// The collection column.
        column: String,
        /// `CONTAINS KEY` rather than `CONTAINS`.
        key: bool,
        /// The value looked for.
        value: Term,
    },
}

/// What an IF condition compares.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionPredicate {
    /// `op term`.
    Compare(Operator, Term),
    /// `IN (...)` / `IN ?`.
    In(InValues),
}

/// One lightweight-transaction condition: `c op t`, `c[k] op t`, `c IN (...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The column.
    pub column: String,
    /// The collection element (`c[k]`), if any.
    pub element: Option<Term>,
    /// The comparison.
    pub predicate: ConditionPredicate,
}

/// The `IF` clause of UPDATE and DELETE.
#[derive(Debug, Clone, PartialEq)]
pub enum IfClause {
    /// `IF EXISTS`.
    Exists,
    /// `IF cond AND cond ...`.
    Conditions(Vec<Condition>),
}

/// `USING TTL n AND TIMESTAMP n`; values are integer literals or bind markers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Using {
    /// `TTL` value.
    pub ttl: Option<Term>,
    /// `TIMESTAMP` value (microseconds).
    pub timestamp: Option<Term>,
}

/// One `SET` assignment of an UPDATE.
#[derive(Debug, Clone, PartialEq)]
pub enum Assignment {
    /// `c = term`.
    Set {
        /// The column.
        column: String,
        /// The value.
        value: Term,
    },
    /// `c = c + term`: list append, set/map add, counter increment.
    Add {
        /// The column.
        column: String,
        /// The value.
        value: Term,
    },
    /// `c = term + c`: list prepend.
    Prepend {
        /// The column.
        column: String,
        /// The value.
        value: Term,
    },
    /// `c = c - term`: list/set/map removal, counter decrement.
    Subtract {
        /// The column.
        column: String,
        /// The value.
        value: Term,
    },
    /// `c[key] = term`: list index or map key.
    SetElement {
        /// The column.
        column: String,
        /// The list index or map key.
        key: Term,
        /// The value.
        value: Term,
    },
}

/// `INSERT INTO t (cols) VALUES (terms) [IF NOT EXISTS] [USING ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    /// The table.
    pub table: QualifiedName,
    /// The columns, in order.
    pub columns: Vec<String>,
    /// The values, one per column.
    pub values: Vec<Term>,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// `USING ...`.
    pub using: Using,
}

/// `UPDATE t [USING ...] SET ... WHERE ... [IF ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The table.
    pub table: QualifiedName,
    /// `USING ...`.
    pub using: Using,
    /// The assignments, in order.
    pub assignments: Vec<Assignment>,
    /// The WHERE relations.
    pub where_clause: Vec<Relation>,
    /// `IF EXISTS` or conditions.
    pub if_clause: Option<IfClause>,
}

/// What a DELETE removes.
#[derive(Debug, Clone, PartialEq)]
pub enum DeleteTarget {
    /// A whole column.
    Column(String),
    /// `c[key]`: a list index or map key.
    Element {
        /// The column.
        column: String,
        /// The index or key.
        key: Term,
    },
}

/// `DELETE [targets] FROM t [USING TIMESTAMP n] WHERE ... [IF ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// Columns or elements to delete; empty deletes whole rows.
    pub targets: Vec<DeleteTarget>,
    /// The table.
    pub table: QualifiedName,
    /// `USING TIMESTAMP` (TTL is never set).
    pub using: Using,
    /// The WHERE relations.
    pub where_clause: Vec<Relation>,
    /// `IF EXISTS` or conditions.
    pub if_clause: Option<IfClause>,
}

/// The kind of a BATCH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchKind {
    /// `BEGIN BATCH`.
    Logged,
    /// `BEGIN UNLOGGED BATCH`.
    Unlogged,
    /// `BEGIN COUNTER BATCH`.
    Counter,
}

/// A statement allowed inside a BATCH.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchStatement {
    /// An INSERT.
    Insert(Insert),
    /// An UPDATE.
    Update(Update),
    /// A DELETE.
    Delete(Delete),
}

/// `BEGIN [UNLOGGED|COUNTER] BATCH [USING TIMESTAMP n] ... APPLY BATCH`.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Logged, unlogged or counter.
    pub kind: BatchKind,
    /// `USING TIMESTAMP` for the batch (a TTL is rejected by the parser).
    pub using: Using,
    /// The statements, in order.
    pub statements: Vec<BatchStatement>,
}

/// A selector expression (without alias).
#[derive(Debug, Clone, PartialEq)]
pub enum SelectorExpr {
    /// A column.
    Column(String),
    /// `WRITETIME(c)`.
    WriteTime(String),
    /// `TTL(c)`.
    Ttl(String),
    /// A function such as `token(k)`, `dateOf(c)`, `blobAsText(c)`.
    Function {
        /// Lower-cased function name.
        name: String,
        /// Arguments.
        args: Vec<SelectorExpr>,
    },
}

/// A selector with an optional `AS alias`.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    /// The expression.
    pub expr: SelectorExpr,
    /// The alias.
    pub alias: Option<String>,
}

/// The selection of a SELECT.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// `*`.
    Wildcard,
    /// `COUNT(*)` or `COUNT(1)`, with an optional alias.
    Count {
        /// The alias.
        alias: Option<String>,
    },
    /// An explicit selector list.
    Selectors(Vec<Selector>),
}

/// One `ORDER BY` / `CLUSTERING ORDER BY` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ordering {
    /// The column.
    pub column: String,
    /// `DESC`.
    pub descending: bool,
}

/// A SELECT statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// `DISTINCT`.
    pub distinct: bool,
    /// What is selected.
    pub selection: Selection,
    /// The table.
    pub table: QualifiedName,
    /// The WHERE relations (empty when absent).
    pub where_clause: Vec<Relation>,
    /// `ORDER BY`.
    pub order_by: Vec<Ordering>,
    /// `LIMIT` (an integer literal or a bind marker).
    pub limit: Option<Term>,
    /// `ALLOW FILTERING`.
    pub allow_filtering: bool,
}

/// The value of a `WITH name = value` property.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    /// A constant.
    Constant(Literal),
    /// A bare (unreserved) identifier.
    Identifier(String),
    /// A map literal such as `{'class': 'SimpleStrategy'}`.
    Map(Vec<(Literal, Literal)>),
}

/// `name = value` in a WITH clause.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The lower-cased property name.
    pub name: String,
    /// The value.
    pub value: PropertyValue,
}

/// `CREATE KEYSPACE`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateKeyspace {
    /// The keyspace.
    pub name: String,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// `replication`, `durable_writes`, ...
    pub properties: Vec<Property>,
}

/// A column in CREATE TABLE.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDefinition {
    /// The column name.
    pub name: String,
    /// Its type.
    pub ty: CqlType,
    /// `STATIC`.
    pub is_static: bool,
}

/// The WITH clause of CREATE TABLE.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableOptions {
    /// Plain `name = value` properties, in order.
    pub properties: Vec<Property>,
    /// `CLUSTERING ORDER BY (...)`.
    pub clustering_order: Vec<Ordering>,
    /// `COMPACT STORAGE`.
    pub compact_storage: bool,
}

/// `CREATE TABLE`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTable {
    /// The table.
    pub name: QualifiedName,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// The columns, in order of definition.
    pub columns: Vec<ColumnDefinition>,
    /// Partition key columns (from `PRIMARY KEY (...)` or an inline `PRIMARY KEY`).
    pub partition_key: Vec<String>,
    /// Clustering columns, in order.
    pub clustering_columns: Vec<String>,
    /// The WITH clause.
    pub options: TableOptions,
}

/// What ALTER TABLE does.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterTableAction {
    /// `ADD c type [STATIC]`.
    Add(ColumnDefinition),
    /// `DROP c`.
    Drop(String),
    /// `ALTER c TYPE type`.
    AlterType {
        /// The column.
        column: String,
        /// The new type.
        ty: CqlType,
    },
    /// `RENAME a TO b [AND c TO d ...]`.
    Rename(Vec<(String, String)>),
    /// `WITH ...`.
    WithOptions(Vec<Property>),
}

/// `ALTER TABLE`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterTable {
    /// The table.
    pub name: QualifiedName,
    /// The change.
    pub action: AlterTableAction,
}

/// `CREATE [CUSTOM] INDEX`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateIndex {
    /// The index name, if given.
    pub name: Option<String>,
    /// The table.
    pub table: QualifiedName,
    /// The indexed column.
    pub column: String,
    /// `KEYS(c)` (2.1 syntax) rather than `c`.
    pub keys: bool,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// `CUSTOM ... USING 'class'`: the class.
    pub custom_class: Option<String>,
}

/// `CREATE USER` / `ALTER USER` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserOptions {
    /// `WITH PASSWORD 'p'`.
    pub password: Option<String>,
    /// `SUPERUSER` (true) / `NOSUPERUSER` (false).
    pub superuser: Option<bool>,
}

/// A permission in GRANT / REVOKE / LIST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// `CREATE`
    Create,
    /// `ALTER`
    Alter,
    /// `DROP`
    Drop,
    /// `SELECT`
    Select,
    /// `MODIFY`
    Modify,
    /// `AUTHORIZE`
    Authorize,
}

/// A permission target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// `ALL KEYSPACES`.
    AllKeyspaces,
    /// `KEYSPACE ks`.
    Keyspace(String),
    /// `[TABLE] [ks.]t`.
    Table(QualifiedName),
}

/// GRANT / REVOKE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionChange {
    /// The permissions; `None` means `ALL [PERMISSIONS]`.
    pub permission: Option<Permission>,
    /// The resource.
    pub resource: Resource,
    /// The user.
    pub user: String,
}

/// `LIST perm [ON resource] [OF user] [NORECURSIVE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPermissions {
    /// The permission; `None` means `ALL [PERMISSIONS]`.
    pub permission: Option<Permission>,
    /// The resource.
    pub resource: Option<Resource>,
    /// The user.
    pub user: Option<String>,
    /// `NORECURSIVE`.
    pub recursive: bool,
}

/// A parsed CQL statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `USE ks`.
    Use(String),
    /// `CREATE KEYSPACE` / `CREATE SCHEMA`.
    CreateKeyspace(CreateKeyspace),
    /// `ALTER KEYSPACE ks WITH ...`.
    AlterKeyspace {
        /// The keyspace.
        name: String,
        /// The properties.
        properties: Vec<Property>,
    },
    /// `DROP KEYSPACE [IF EXISTS] ks`.
    DropKeyspace {
        /// The keyspace.
        name: String,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `CREATE TABLE` / `CREATE COLUMNFAMILY`.
    CreateTable(CreateTable),
    /// `ALTER TABLE`.
    AlterTable(AlterTable),
    /// `DROP TABLE [IF EXISTS] t`.
    DropTable {
        /// The table.
        name: QualifiedName,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `TRUNCATE t`.
    Truncate(QualifiedName),
    /// `CREATE [CUSTOM] INDEX`.
    CreateIndex(CreateIndex),
    /// `DROP INDEX [IF EXISTS] [ks.]name`.
    DropIndex {
        /// The index.
        name: QualifiedName,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `CREATE TRIGGER [IF NOT EXISTS] name ON t USING 'class'`.
    CreateTrigger {
        /// The trigger.
        name: String,
        /// The table.
        table: QualifiedName,
        /// The class.
        class: String,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
    },
    /// `DROP TRIGGER [IF EXISTS] name ON t`.
    DropTrigger {
        /// The trigger.
        name: String,
        /// The table.
        table: QualifiedName,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `CREATE USER`.
    CreateUser {
        /// The user.
        name: String,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
        /// Password and superuser flag.
        options: UserOptions,
    },
    /// `ALTER USER`.
    AlterUser {
        /// The user.
        name: String,
        /// Password and superuser flag.
        options: UserOptions,
    },
    /// `DROP USER [IF EXISTS] name`.
    DropUser {
        /// The user.
        name: String,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `LIST USERS`.
    ListUsers,
    /// `GRANT`.
    Grant(PermissionChange),
    /// `REVOKE`.
    Revoke(PermissionChange),
    /// `LIST ... PERMISSIONS`.
    ListPermissions(ListPermissions),
    /// `INSERT`.
    Insert(Insert),
    /// `UPDATE`.
    Update(Update),
    /// `DELETE`.
    Delete(Delete),
    /// `BEGIN ... APPLY BATCH`.
    Batch(Batch),
    /// `SELECT`.
    Select(Select),
}
