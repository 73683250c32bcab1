//! Running mapper statements through the driver: every statement is
//! prepared (the driver caches it), so its values are typed by the server's
//! metadata and token-aware routing knows its partition key.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::BytesMut;
use cql_driver::{Consistency, PreparedStatement, Query, QueryResult, RowStream};
use cql_protocol::value::{IsNull, SerializeValue, ValueError};
use cql_protocol::{ColumnType, ProtocolVersion, RawValue};

use crate::connection::{get_connection, Connection};
use crate::error::{MapperError, Result};
use crate::model::Model;
use crate::schema::ModelSchema;

/// A value bound to a mapper statement: borrowed from a filter or an
/// assignment, a model's field (serialized straight into the request), or
/// already serialized.
pub(crate) enum Bound<'a> {
    Ref(&'a (dyn SerializeValue + Send + Sync)),
    Column(&'a dyn WriteColumn, usize),
    Raw(RawValue),
}

/// A model that writes its columns into a request ([`Model::write_column`]
/// behind a trait object).
pub(crate) trait WriteColumn: Send + Sync {
    fn write_column(
        &self,
        index: usize,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError>;
}

impl<M: Model> WriteColumn for M {
    fn write_column(
        &self,
        index: usize,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        Model::write_column(self, index, ty, version, out)
    }
}

impl SerializeValue for Bound<'_> {
    fn serialize(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        match self {
            Bound::Ref(value) => value.serialize(ty, version, out),
            Bound::Column(model, index) => model.write_column(*index, ty, version, out),
            Bound::Raw(raw) => raw.serialize(ty, version, out),
        }
    }

    fn natural_type(&self) -> Option<ColumnType> {
        match self {
            Bound::Ref(value) => value.natural_type(),
            Bound::Column(..) | Bound::Raw(_) => None,
        }
    }
}

/// A statement: CQL with `?` markers and its values.
pub(crate) struct Cql<'a> {
    pub text: CqlText,
    pub values: Vec<Bound<'a>>,
}

impl<'a> Cql<'a> {
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Cql {
            text: CqlText::Built(text.into()),
            values: Vec::new(),
        }
    }

    /// A statement whose text comes from the statement-text cache.
    pub(crate) fn interned(text: Arc<str>, values: Vec<Bound<'a>>) -> Self {
        Cql {
            text: CqlText::Interned(text),
            values,
        }
    }
}

/// The text of a statement: built for this request, or shared with the
/// statement-text cache (then the driver finds its prepared statement by
/// the text's address, without hashing it).
#[derive(Debug, Clone)]
pub(crate) enum CqlText {
    Built(String),
    Interned(Arc<str>),
}

impl Default for CqlText {
    fn default() -> Self {
        CqlText::Built(String::new())
    }
}

impl CqlText {
    /// Appends to the text (an interned text is copied first).
    pub(crate) fn push_str(&mut self, more: &str) {
        match self {
            CqlText::Built(text) => text.push_str(more),
            CqlText::Interned(shared) => {
                let mut text = String::with_capacity(shared.len() + more.len());
                text.push_str(shared);
                text.push_str(more);
                *self = CqlText::Built(text);
            }
        }
    }

    /// Appends one character.
    pub(crate) fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    /// The text, shared (a built text is copied once).
    pub(crate) fn into_shared(self) -> Arc<str> {
        match self {
            CqlText::Built(text) => Arc::from(text),
            CqlText::Interned(shared) => shared,
        }
    }
}

impl std::ops::Deref for CqlText {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            CqlText::Built(text) => text,
            CqlText::Interned(shared) => shared,
        }
    }
}

impl std::fmt::Display for CqlText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// A keyspace name: a model's own (static) or shared with a connection or
/// a query set, so resolving it on every request allocates nothing.
#[derive(Debug, Clone)]
pub(crate) enum KeyspaceName {
    Static(&'static str),
    Shared(Arc<str>),
}

impl std::ops::Deref for KeyspaceName {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            KeyspaceName::Static(name) => name,
            KeyspaceName::Shared(name) => name,
        }
    }
}

/// Per-statement options.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    pub consistency: Option<Consistency>,
    pub serial_consistency: Option<Consistency>,
    pub timeout: Option<Duration>,
    pub page_size: Option<i32>,
    pub idempotent: bool,
}

/// Where a statement runs: the connection and the keyspace.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub connection: Arc<Connection>,
    pub keyspace: KeyspaceName,
}

impl Target {
    /// The keyspace given, else the model's, else the connection's default.
    pub(crate) fn resolve(
        schema: &ModelSchema,
        keyspace: Option<&str>,
        connection: Option<&str>,
    ) -> Result<Target> {
        let connection = get_connection(connection)?;
        let keyspace = match (keyspace, schema.keyspace, connection.shared_keyspace()) {
            (Some(name), _, _) => KeyspaceName::Shared(Arc::from(name)),
            (None, Some(name), _) => KeyspaceName::Static(name),
            (None, None, Some(name)) => KeyspaceName::Shared(name.clone()),
            (None, None, None) => {
                return Err(MapperError::UndefinedKeyspace {
                    model: schema.model.to_string(),
                })
            }
        };
        Ok(Target {
            connection,
            keyspace,
        })
    }

    /// Prepares `text` with the options set on it.
    pub(crate) async fn prepare(
        &self,
        text: impl Into<Arc<str>>,
        options: &Options,
    ) -> Result<PreparedStatement> {
        let mut query = Query::new(text).with_idempotent(options.idempotent);
        if let Some(c) = options.consistency {
            query = query.with_consistency(c);
        }
        if let Some(c) = options.serial_consistency {
            query = query.with_serial_consistency(c);
        }
        if let Some(t) = options.timeout {
            query = query.with_timeout(t);
        }
        if let Some(p) = options.page_size {
            query = query.with_page_size(p);
        }
        Ok(self.connection.session().prepare(query).await?)
    }

    /// Prepares and executes a statement.
    pub(crate) async fn execute(&self, cql: Cql<'_>, options: &Options) -> Result<QueryResult> {
        let prepared = self.prepare(cql.text.into_shared(), options).await?;
        Ok(self
            .connection
            .session()
            .execute(&prepared, cql.values)
            .await?)
    }

    /// Prepares and executes a statement, streaming its rows page by page.
    pub(crate) async fn stream(&self, cql: Cql<'_>, options: &Options) -> Result<RowStream> {
        let prepared = self.prepare(cql.text.into_shared(), options).await?;
        Ok(self
            .connection
            .session()
            .execute_iter(&prepared, cql.values)
            .await?)
    }
}

/// Checks a conditional statement's `[applied]` column.
pub(crate) fn check_applied(result: &QueryResult) -> Result<()> {
    let Ok(rows) = result.rows() else {
        return Ok(());
    };
    let Ok(row) = rows.first_row() else {
        return Ok(());
    };
    match row.get::<bool>("[applied]") {
        Ok(false) => Err(MapperError::NotApplied {
            existing: Some(Box::new(row)),
        }),
        _ => Ok(()),
    }
}

/// What a cached statement text is for, beside its model and keyspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Shape {
    /// `"ks"."table"`.
    Table,
    /// The column list of a plain SELECT of every column.
    AllColumns,
    /// An INSERT of the columns in `mask`, with a condition and USING
    /// options encoded in `flags`.
    Insert { mask: u128, flags: u8 },
    /// A SELECT of a query set's model columns (see `QuerySet`'s
    /// `select_shape`).
    Select(SelectShape),
}

/// Everything a model SELECT's text depends on, as small numbers: the
/// filters' columns, operators and markers, the order, the limit and the
/// flags. Two query sets of one model with equal shapes send the same
/// text, so the text (and the checks it passed) can be reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SelectShape {
    codes: [u32; SelectShape::CAPACITY],
    len: u8,
}

impl std::hash::Hash for SelectShape {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // The unused codes are all zero: only the used ones tell shapes
        // apart.
        self.codes[..usize::from(self.len)].hash(state);
    }
}

impl SelectShape {
    const CAPACITY: usize = 24;

    pub(crate) fn new() -> Self {
        SelectShape {
            codes: [0; Self::CAPACITY],
            len: 0,
        }
    }

    /// Adds a code; `None` once the shape is too long to cache.
    pub(crate) fn push(&mut self, code: u32) -> Option<()> {
        *self.codes.get_mut(usize::from(self.len))? = code;
        self.len += 1;
        Some(())
    }
}

/// Cached texts by model (its static schema's address) and shape, each
/// with the keyspaces it was built for.
type TextCache =
    HashMap<(usize, Shape), Vec<(Box<str>, Arc<str>)>, BuildHasherDefault<ShapeHasher>>;

/// A multiply-rotate hash (FxHash's) for the text cache's keys: small
/// numbers made by the mapper itself, not by a client, so SipHash's
/// protection against chosen collisions buys nothing there, and costs
/// more than the rest of the lookup.
#[derive(Default)]
pub(crate) struct ShapeHasher(u64);

impl ShapeHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for ShapeHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

/// How many texts may be cached in all; beyond it texts are built every
/// time (still correct, only slower).
const MAX_TEXTS: usize = 16_384;

/// The text of `shape` for `schema` in `keyspace`, built by `build` the
/// first time.
pub(crate) fn cached_text(
    schema: &'static ModelSchema,
    keyspace: &str,
    shape: Shape,
    build: impl FnOnce() -> String,
) -> Arc<str> {
    match try_cached_text(schema, keyspace, shape, || {
        Ok::<_, std::convert::Infallible>(build())
    }) {
        Ok(text) => text,
        Err(never) => match never {},
    }
}

/// The text of `shape` for `schema` in `keyspace`, built (and checked) by
/// `build` the first time: a build that fails is not cached, so the same
/// shape fails the same way every time. Statement texts were rebuilt on
/// every request before, which was most of the mapper's cost over raw
/// driver calls; a cached text is also the same `Arc<str>` every time,
/// which the driver's prepared-statement cache finds by address.
pub(crate) fn try_cached_text<E>(
    schema: &'static ModelSchema,
    keyspace: &str,
    shape: Shape,
    build: impl FnOnce() -> std::result::Result<String, E>,
) -> std::result::Result<Arc<str>, E> {
    static TEXTS: OnceLock<Mutex<(TextCache, usize)>> = OnceLock::new();
    let texts = TEXTS.get_or_init(Default::default);
    let key = (schema as *const ModelSchema as usize, shape);
    {
        let cache = texts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, text)) = cache
            .0
            .get(&key)
            .and_then(|entries| entries.iter().find(|(k, _)| **k == *keyspace))
        {
            return Ok(text.clone());
        }
    }
    let text: Arc<str> = Arc::from(build()?);
    let mut cache = texts.lock().unwrap_or_else(|p| p.into_inner());
    let (map, count) = &mut *cache;
    if *count < MAX_TEXTS {
        let entries = map.entry(key).or_default();
        match entries.iter().find(|(k, _)| **k == *keyspace) {
            // Another task built it meanwhile: everyone shares its copy.
            Some((_, existing)) => return Ok(existing.clone()),
            None => {
                entries.push((Box::from(keyspace), text.clone()));
                *count += 1;
            }
        }
    }
    Ok(text)
}
