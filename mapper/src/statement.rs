//! Running mapper statements through the driver: every statement is
//! prepared (the driver caches it), so its values are typed by the server's
//! metadata and token-aware routing knows its partition key.

use std::collections::HashMap;
use std::future::Future;
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::BytesMut;
use cql_driver::statement::{SerializeValues, ValuesWriter};
use cql_driver::{Consistency, PreparedStatement, Query, QueryError, QueryResult, RowStream};
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

/// The values of a statement, in the order of its markers: some of a
/// model's columns (an INSERT's), then a list of other values.
///
/// The columns are a set of schema indexes, not a list, so a model's
/// INSERT binds its fields without allocating.
#[derive(Default)]
pub(crate) struct BoundValues<'a> {
    columns: Option<ModelColumns<'a>>,
    rest: Vec<Bound<'a>>,
}

/// The columns of `model` whose schema indexes are set in `mask`.
struct ModelColumns<'a> {
    model: &'a dyn WriteColumn,
    mask: u128,
    /// How many bits `mask` has set.
    count: usize,
}

impl<'a> BoundValues<'a> {
    /// The columns of `model` set in `mask` (schema index `i` is bit `i`),
    /// in schema order, before any value pushed later.
    pub(crate) fn model_columns(model: &'a dyn WriteColumn, mask: u128) -> Self {
        BoundValues {
            columns: Some(ModelColumns {
                model,
                mask,
                count: mask.count_ones() as usize,
            }),
            rest: Vec::new(),
        }
    }

    /// Binds one more value.
    pub(crate) fn push(&mut self, value: Bound<'a>) {
        self.rest.push(value);
    }
}

impl<'a> Extend<Bound<'a>> for BoundValues<'a> {
    fn extend<I: IntoIterator<Item = Bound<'a>>>(&mut self, values: I) {
        self.rest.extend(values);
    }
}

impl<'a> From<Vec<Bound<'a>>> for BoundValues<'a> {
    fn from(rest: Vec<Bound<'a>>) -> Self {
        BoundValues {
            columns: None,
            rest,
        }
    }
}

impl SerializeValues for BoundValues<'_> {
    fn len(&self) -> usize {
        self.columns.as_ref().map_or(0, |c| c.count) + self.rest.len()
    }

    fn write_values(&self, out: &mut ValuesWriter<'_>) -> Result<(), ValueError> {
        if let Some(ModelColumns {
            model, mut mask, ..
        }) = self.columns
        {
            while mask != 0 {
                let index = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                out.write(&Bound::Column(model, index))?;
            }
        }
        self.rest.write_values(out)
    }
}

/// A statement: CQL with `?` markers and its values.
pub(crate) struct Cql<'a> {
    pub text: CqlText,
    pub values: BoundValues<'a>,
}

impl<'a> Cql<'a> {
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Cql {
            text: CqlText::Built(text.into()),
            values: BoundValues::default(),
        }
    }

    /// A statement whose text comes from the statement-text cache.
    pub(crate) fn interned(text: Arc<str>, values: impl Into<BoundValues<'a>>) -> Self {
        Cql {
            text: CqlText::Interned(text),
            values: values.into(),
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

impl Options {
    /// A driver statement of `text` with these options.
    fn query(&self, text: impl Into<Arc<str>>) -> Query {
        let mut query = Query::new(text).with_idempotent(self.idempotent);
        if let Some(c) = self.consistency {
            query = query.with_consistency(c);
        }
        if let Some(c) = self.serial_consistency {
            query = query.with_serial_consistency(c);
        }
        if let Some(t) = self.timeout {
            query = query.with_timeout(t);
        }
        if let Some(p) = self.page_size {
            query = query.with_page_size(p);
        }
        query
    }
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
        Ok(self
            .connection
            .session()
            .prepare(options.query(text))
            .await?)
    }

    /// Prepares and executes a statement.
    ///
    /// The driver's future itself, not wrapped in one more: a request's
    /// future is large, and every layer around it is one more copy of it.
    pub(crate) fn execute<'s>(
        &'s self,
        cql: Cql<'s>,
        options: &Options,
    ) -> impl Future<Output = Result<QueryResult, QueryError>> + Send + 's {
        let query = options.query(cql.text.into_shared());
        self.connection
            .session()
            .prepare_and_execute(query, cql.values)
    }

    /// Prepares and executes a statement, streaming its rows page by page
    /// (the driver's future, as for [`execute`](Self::execute)).
    pub(crate) fn stream<'s>(
        &'s self,
        cql: Cql<'s>,
        options: &Options,
    ) -> impl Future<Output = Result<RowStream, QueryError>> + Send + 's {
        let query = options.query(cql.text.into_shared());
        self.connection
            .session()
            .prepare_and_execute_iter(query, cql.values)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A model whose column `i` is the int `i`.
    struct Indexes;

    impl WriteColumn for Indexes {
        fn write_column(
            &self,
            index: usize,
            ty: &ColumnType,
            version: ProtocolVersion,
            out: &mut BytesMut,
        ) -> Result<IsNull, ValueError> {
            (index as i32).serialize(ty, version, out)
        }
    }

    fn ints(values: &BoundValues<'_>) -> Vec<RawValue> {
        let columns: Vec<cql_protocol::ColumnSpec> = (0..values.len())
            .map(|i| cql_protocol::ColumnSpec {
                table: cql_protocol::TableSpec {
                    keyspace: "ks".into(),
                    table: "t".into(),
                },
                name: format!("c{i}"),
                ty: ColumnType::Int,
            })
            .collect();
        values
            .serialize_values(Some(&columns), ProtocolVersion::V2)
            .expect("values serialize")
    }

    fn int(i: i32) -> RawValue {
        RawValue::Value(i.to_be_bytes().to_vec().into())
    }

    #[test]
    fn model_columns_come_in_schema_order_before_other_values() {
        let mask = 1 | 1 << 2 | 1 << 5 | 1 << 127;
        let mut values = BoundValues::model_columns(&Indexes, mask);
        values.push(Bound::Raw(int(-1)));
        values.extend([Bound::Column(&Indexes, 200)]);
        assert_eq!(values.len(), 6);
        assert_eq!(
            ints(&values),
            [int(0), int(2), int(5), int(127), int(-1), int(200)]
        );
        let none = BoundValues::model_columns(&Indexes, 0);
        assert_eq!((none.len(), ints(&none)), (0, vec![]));
        let listed = BoundValues::from(vec![Bound::Column(&Indexes, 3)]);
        assert_eq!(ints(&listed), [int(3)]);
    }
}
