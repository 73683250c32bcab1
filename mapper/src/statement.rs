//! Running mapper statements through the driver: every statement is
//! prepared (the driver caches it), so its values are typed by the server's
//! metadata and token-aware routing knows its partition key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::BytesMut;
use cql_driver::{Consistency, PreparedStatement, Query, QueryResult, RowStream};
use cql_protocol::value::{IsNull, SerializeValue, ValueError};
use cql_protocol::{ColumnType, ProtocolVersion, RawValue};

use crate::connection::{get_connection, Connection};
use crate::error::{MapperError, Result};
use crate::schema::ModelSchema;

/// A value bound to a mapper statement: borrowed from a filter or an
/// assignment, or already serialized from a model's field.
pub(crate) enum Bound<'a> {
    Ref(&'a (dyn SerializeValue + Send + Sync)),
    Raw(RawValue),
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
            Bound::Raw(RawValue::Value(bytes)) => {
                out.extend_from_slice(bytes);
                Ok(IsNull::No)
            }
            Bound::Raw(_) => Ok(IsNull::Yes),
        }
    }

    fn natural_type(&self) -> Option<ColumnType> {
        match self {
            Bound::Ref(value) => value.natural_type(),
            Bound::Raw(_) => None,
        }
    }
}

/// A statement: CQL with `?` markers and its values.
pub(crate) struct Cql<'a> {
    pub text: String,
    pub values: Vec<Bound<'a>>,
}

impl<'a> Cql<'a> {
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Cql {
            text: text.into(),
            values: Vec::new(),
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
    pub keyspace: String,
}

impl Target {
    /// The keyspace given, else the model's, else the connection's default.
    pub(crate) fn resolve(
        schema: &ModelSchema,
        keyspace: Option<&str>,
        connection: Option<&str>,
    ) -> Result<Target> {
        let connection = get_connection(connection)?;
        let keyspace = keyspace
            .or(schema.keyspace)
            .or(connection.default_keyspace())
            .ok_or_else(|| MapperError::UndefinedKeyspace {
                model: schema.model.to_string(),
            })?
            .to_string();
        Ok(Target {
            connection,
            keyspace,
        })
    }

    /// Prepares `text` with the options set on it.
    pub(crate) async fn prepare(&self, text: &str, options: &Options) -> Result<PreparedStatement> {
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
        let prepared = self.prepare(&cql.text, options).await?;
        Ok(self
            .connection
            .session()
            .execute(&prepared, cql.values)
            .await?)
    }

    /// Prepares and executes a statement, streaming its rows page by page.
    pub(crate) async fn stream(&self, cql: Cql<'_>, options: &Options) -> Result<RowStream> {
        let prepared = self.prepare(&cql.text, options).await?;
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
}

/// Texts per model (by its static schema's address), keyspace and shape.
type TextCache = HashMap<usize, HashMap<String, HashMap<Shape, Arc<str>>>>;

/// How many texts one model and keyspace may cache; beyond it texts are
/// built every time (still correct, only slower).
const MAX_TEXTS: usize = 1024;

/// The text of `shape` for `schema` in `keyspace`, built by `build` the
/// first time. Statement texts are rebuilt on every request otherwise,
/// which was most of the mapper's cost over raw driver calls.
pub(crate) fn cached_text(
    schema: &'static ModelSchema,
    keyspace: &str,
    shape: Shape,
    build: impl FnOnce() -> String,
) -> Arc<str> {
    static TEXTS: OnceLock<Mutex<TextCache>> = OnceLock::new();
    let texts = TEXTS.get_or_init(Default::default);
    let model = schema as *const ModelSchema as usize;
    {
        let cache = texts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(text) = cache
            .get(&model)
            .and_then(|k| k.get(keyspace))
            .and_then(|s| s.get(&shape))
        {
            return text.clone();
        }
    }
    let text: Arc<str> = Arc::from(build());
    let mut cache = texts.lock().unwrap_or_else(|p| p.into_inner());
    let shapes = cache
        .entry(model)
        .or_default()
        .entry(keyspace.to_string())
        .or_default();
    if shapes.len() < MAX_TEXTS {
        shapes.insert(shape, text.clone());
    }
    text
}
