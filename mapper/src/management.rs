//! Schema management: keyspaces and tables made to match the models, as
//! cqlengine's `management` module does it.
//!
//! Every function takes the name of a registered connection
//! ([`crate::connection`]), `None` for the default one, and decides from the
//! driver's schema metadata ([`Session::cluster_metadata`]) whether there is
//! anything to do. When what it looks for is missing from the metadata, it
//! first waits for schema agreement and reads the schema again, so that a
//! change made a moment ago through another session is not missed. The
//! driver itself waits for schema agreement and refreshes its metadata after
//! every DDL statement, so a call sees the changes of the call before it.
//!
//! The changes are additive: [`sync_table`] creates a missing table, adds
//! missing columns, updates table options and creates missing indexes; it
//! never drops or alters a column, refuses to touch a table whose primary
//! key differs from the model's, and only warns about a column whose type
//! differs.
//!
//! Like cqlengine's, these functions are not safe to run concurrently on
//! the same table from several processes: two of them may both decide to
//! add the same column. A `CREATE` that loses such a race
//! (`AlreadyExists`) is taken as done.
//!
//! **Table options** (`ModelSchema::options`, from
//! `#[cql(options(...))]`) are given to `CREATE TABLE`. On an existing
//! table, each one the model declares is compared with the table's
//! ([`TableOptions`](cql_driver::metadata::TableOptions) in the driver's
//! metadata) by value, not by text: `'users'` matches the comment `users`,
//! `0.10` matches `0.1`, `{'class': 'LeveledCompactionStrategy'}` matches
//! the class `org.apache.cassandra.db.compaction.LeveledCompactionStrategy`
//! (a map matches when the table has each key the model gives, with the
//! same value). Those that differ are set with one
//! `ALTER TABLE ks.t WITH a = ... AND b = ...`, their values as the model
//! writes them, and listed in [`SyncReport::altered_options`]. An option
//! the mapper cannot compare (a name it does not know, such as a later
//! Cassandra's, a value that does not parse, or one the metadata does not
//! show, like `default_time_to_live` on Cassandra 1.2) is left alone with a
//! `tracing` warning. Options the model does not declare are never
//! touched.
//!
//! ```no_run
//! use cqlengine::driver::Session;
//! use cqlengine::management::{create_keyspace_simple, sync_table};
//! use cqlengine::Model;
//!
//! #[derive(Model, Debug, Clone)]
//! struct User {
//!     #[cql(partition_key)]
//!     id: i32,
//!     #[cql(index)]
//!     email: String,
//! }
//!
//! # async fn example() -> cqlengine::Result<()> {
//! cqlengine::connection::setup(Session::builder().contact_point("127.0.0.1"), Some("app")).await?;
//! create_keyspace_simple("app", 1, true, None).await?;
//! let report = sync_table::<User>(None, None).await?; // CREATE TABLE, CREATE INDEX
//! assert!(report.created);
//! let again = sync_table::<User>(None, None).await?; // nothing left to do
//! assert!(again.is_unchanged());
//! # Ok(()) }
//! # fn main() {}
//! ```

use cql_driver::metadata::{ClusterMetadata, ColumnKind, TableMetadata};
use cql_driver::protocol::message::response::ErrorKind;
use cql_driver::statement::quote_identifier;
use cql_driver::{QueryError, Session};

use crate::connection::{get_connection, Connection};
use crate::error::{MapperError, Result};
use crate::model::Model;
use crate::schema::{quote, type_cql, ClusteringOrder, ColumnRole, ModelSchema};
use crate::table_options::{self, Comparison};

/// What [`sync_table`] did.
///
/// ```no_run
/// # use cqlengine::Model;
/// # async fn demo<User: Model>() -> cqlengine::Result<()> {
/// use cqlengine::management::{sync_table, SyncReport};
///
/// let report: SyncReport = sync_table::<User>(Some("app"), None).await?;
/// if report.created {
///     println!("created, with indexes on {:?}", report.created_indexes);
/// } else {
///     println!("added {:?}, indexed {:?}", report.added_columns, report.created_indexes);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// The table did not exist and was created.
    pub created: bool,
    /// The columns added with `ALTER TABLE ... ADD`, in model order.
    pub added_columns: Vec<String>,
    /// The columns indexed with `CREATE INDEX`, in model order (on a new
    /// table, every `index` column).
    pub created_indexes: Vec<String>,
    /// The table options changed with `ALTER TABLE ... WITH` on an
    /// existing table (those the model declares with a value the table does
    /// not have), in model order. Empty for a table just created, whose
    /// options came with `CREATE TABLE`.
    pub altered_options: Vec<String>,
    /// The columns whose type (or static-ness) in the table differs from
    /// the model's; each was reported with a `tracing` warning and left as
    /// it is.
    pub type_mismatches: Vec<String>,
}

impl SyncReport {
    /// Whether nothing was changed (mismatches may have been found).
    ///
    /// ```
    /// use cqlengine::management::SyncReport;
    ///
    /// let mut report = SyncReport::default();
    /// assert!(report.is_unchanged());
    /// // Found and reported, but not changed.
    /// report.type_mismatches.push("age".into());
    /// assert!(report.is_unchanged());
    /// report.added_columns.push("email".into());
    /// assert!(!report.is_unchanged());
    /// ```
    pub fn is_unchanged(&self) -> bool {
        !self.created
            && self.added_columns.is_empty()
            && self.created_indexes.is_empty()
            && self.altered_options.is_empty()
    }
}

/// Creates a keyspace with `SimpleStrategy`, unless it exists. Returns
/// whether it was created.
///
/// The statement is cqlengine's:
/// `CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy',
/// 'replication_factor': '1'}  AND durable_writes = true`.
///
/// ```no_run
/// # async fn demo() -> cqlengine::Result<()> {
/// use cqlengine::management::create_keyspace_simple;
///
/// let created = create_keyspace_simple("app", 3, true, None).await?;
/// # let _ = created;
/// # Ok(())
/// # }
/// ```
pub async fn create_keyspace_simple(
    name: &str,
    replication_factor: u32,
    durable_writes: bool,
    connection: Option<&str>,
) -> Result<bool> {
    let replication =
        format!("{{'class': 'SimpleStrategy', 'replication_factor': '{replication_factor}'}}");
    create_keyspace(name, &replication, durable_writes, connection).await
}

/// Creates a keyspace with `NetworkTopologyStrategy` and a replication
/// factor per data center (in the order given), unless it exists. Returns
/// whether it was created.
///
/// `datacenters` is any list of pairs: an array or `Vec` of `(&str, u32)`,
/// a `BTreeMap<String, u32>`...
///
/// ```no_run
/// # async fn demo() -> cqlengine::Result<()> {
/// use cqlengine::management::create_keyspace_network_topology;
///
/// // CREATE KEYSPACE app WITH replication = {'class': 'NetworkTopologyStrategy',
/// //   'dc1': '3', 'dc2': '2'}  AND durable_writes = true
/// create_keyspace_network_topology("app", [("dc1", 3), ("dc2", 2)], true, None).await?;
/// # Ok(())
/// # }
/// ```
pub async fn create_keyspace_network_topology<I, K>(
    name: &str,
    datacenters: I,
    durable_writes: bool,
    connection: Option<&str>,
) -> Result<bool>
where
    I: IntoIterator<Item = (K, u32)>,
    K: AsRef<str>,
{
    let mut replication = String::from("{'class': 'NetworkTopologyStrategy'");
    for (dc, rf) in datacenters {
        replication.push_str(&format!(", {}: '{rf}'", string_literal(dc.as_ref())));
    }
    replication.push('}');
    create_keyspace(name, &replication, durable_writes, connection).await
}

async fn create_keyspace(
    name: &str,
    replication: &str,
    durable_writes: bool,
    connection: Option<&str>,
) -> Result<bool> {
    let connection = get_connection(connection)?;
    let session = connection.session();
    if find(session, |m| m.keyspace(name).is_some()).await {
        return Ok(false);
    }
    let cql = format!(
        "CREATE KEYSPACE {} WITH replication = {replication}  AND durable_writes = {durable_writes}",
        quote_identifier(name)
    );
    run_create(session, cql).await
}

/// Drops a keyspace, if it exists. Returns whether it was dropped.
///
/// ```no_run
/// # async fn demo() -> cqlengine::Result<()> {
/// cqlengine::management::drop_keyspace("app", Some("admin")).await?;
/// # Ok(())
/// # }
/// ```
pub async fn drop_keyspace(name: &str, connection: Option<&str>) -> Result<bool> {
    let connection = get_connection(connection)?;
    let session = connection.session();
    if !find(session, |m| m.keyspace(name).is_some()).await {
        return Ok(false);
    }
    let cql = format!("DROP KEYSPACE {}", quote_identifier(name));
    session.query(cql, ()).await?;
    Ok(true)
}

/// Makes the table of `M` match the model, adding what is missing; see
/// the [module documentation](self).
///
/// The keyspace is `keyspace`, else the model's, else the connection's
/// default one ([`MapperError::UndefinedKeyspace`] if none). The model is
/// checked first ([`ModelSchema::check`]). Then:
///
/// - a missing table is created (`CREATE TABLE`, with the model's options
///   and clustering order), with an index on every `index` column;
/// - on an existing table, a partition key or clustering columns that
///   differ from the model's (names, order of the columns, or ASC/DESC) are
///   a [`MapperError::Schema`] error, and nothing is changed;
/// - each model column the table lacks is added
///   (`ALTER TABLE ks.t ADD "col" type`, `static` when static);
/// - a column whose type (or static-ness) differs is only reported, with a
///   `tracing` warning, in [`SyncReport::type_mismatches`];
/// - the model's table options whose values the table does not have are
///   set with one `ALTER TABLE ks.t WITH ...` (see the
///   [module documentation](self)), in [`SyncReport::altered_options`];
/// - each `index` column without an index gets one
///   (`CREATE INDEX ON ks.t ("col")`);
/// - table columns and options the model does not have are left alone.
///
/// ```no_run
/// # use cqlengine::Model;
/// # async fn demo<User: Model>() -> cqlengine::Result<()> {
/// use cqlengine::management::sync_table;
///
/// let report = sync_table::<User>(None, None).await?;
/// if !report.type_mismatches.is_empty() {
///     eprintln!("columns to look at: {:?}", report.type_mismatches);
/// }
/// # Ok(())
/// # }
/// ```
pub async fn sync_table<M: Model>(
    keyspace: Option<&str>,
    connection: Option<&str>,
) -> Result<SyncReport> {
    let schema = M::schema();
    schema.check()?;
    let connection = get_connection(connection)?;
    let keyspace = resolve_keyspace(schema, keyspace, &connection)?;
    let session = connection.session();
    let qualified = schema.qualified_name(&keyspace);
    let mut report = SyncReport::default();

    let mut existing = lookup_table(session, &keyspace, schema.table).await;
    if existing.is_none() {
        // lookup_table has just read the schema again.
        if session.cluster_metadata().keyspace(&keyspace).is_none() {
            return Err(MapperError::Schema {
                table: qualified,
                message: format!("the keyspace {keyspace} does not exist"),
            });
        }
        report.created = run_create(session, schema.create_table_cql(&keyspace)).await?;
        if report.created {
            for column in schema.columns.iter().filter(|c| c.index) {
                create_index(session, &qualified, column.name).await?;
                report.created_indexes.push(column.name.to_string());
            }
            return Ok(report);
        }
        // Someone else created it meanwhile: sync against theirs.
        existing = lookup_table(session, &keyspace, schema.table).await;
    }
    let Some(table) = existing else {
        return Err(MapperError::Schema {
            table: qualified,
            message: "the table exists but is not in the driver's metadata".into(),
        });
    };

    check_primary_key(schema, &table, &qualified)?;

    for column in &schema.columns {
        match table.column(column.name) {
            Some(meta) => {
                let model_static = column.role == ColumnRole::Static;
                let table_static = meta.kind == ColumnKind::Static;
                let same_type = type_cql(&column.ty) == type_cql(&meta.ty);
                if !same_type || model_static != table_static {
                    tracing::warn!(
                        table = %qualified,
                        column = column.name,
                        model_type = %column_type_text(&column.ty, model_static),
                        table_type = %column_type_text(&meta.ty, table_static),
                        "the table's column differs from the model's; the model should be updated"
                    );
                    report.type_mismatches.push(column.name.to_string());
                }
            }
            None => {
                let mut cql = format!(
                    "ALTER TABLE {qualified} ADD {} {}",
                    quote(column.name),
                    type_cql(&column.ty)
                );
                if column.role == ColumnRole::Static {
                    cql.push_str(" static");
                }
                session.query(cql, ()).await?;
                report.added_columns.push(column.name.to_string());
            }
        }
    }

    report.altered_options = update_options(session, schema, &table, &qualified).await?;

    for column in schema.columns.iter().filter(|c| c.index) {
        let indexed = table
            .column(column.name)
            .is_some_and(|meta| meta.index.is_some());
        if !indexed {
            create_index(session, &qualified, column.name).await?;
            report.created_indexes.push(column.name.to_string());
        }
    }

    let extra: Vec<&str> = table
        .columns
        .keys()
        .map(String::as_str)
        .filter(|name| schema.column(name).is_none())
        .collect();
    if !extra.is_empty() {
        tracing::info!(
            table = %qualified,
            columns = ?extra,
            "the table has columns the model does not; they are left alone"
        );
    }
    Ok(report)
}

/// Drops the table of `M`, if it exists; the keyspace is found as for
/// [`sync_table`]. Returns whether it was dropped.
///
/// ```no_run
/// # use cqlengine::Model;
/// # async fn demo<User: Model>() -> cqlengine::Result<()> {
/// cqlengine::management::drop_table::<User>(Some("app"), None).await?;
/// # Ok(())
/// # }
/// ```
pub async fn drop_table<M: Model>(
    keyspace: Option<&str>,
    connection: Option<&str>,
) -> Result<bool> {
    let schema = M::schema();
    let connection = get_connection(connection)?;
    let keyspace = resolve_keyspace(schema, keyspace, &connection)?;
    let session = connection.session();
    if lookup_table(session, &keyspace, schema.table)
        .await
        .is_none()
    {
        return Ok(false);
    }
    session
        .query(
            format!("DROP TABLE {}", schema.qualified_name(&keyspace)),
            (),
        )
        .await?;
    Ok(true)
}

/// The keyspace: the one given, the model's, or the connection's default.
fn resolve_keyspace(
    schema: &ModelSchema,
    keyspace: Option<&str>,
    connection: &Connection,
) -> Result<String> {
    keyspace
        .or(schema.keyspace)
        .or(connection.default_keyspace())
        .map(str::to_string)
        .ok_or_else(|| MapperError::UndefinedKeyspace {
            model: schema.model.to_string(),
        })
}

/// Whether `found` holds for the driver's metadata; if not, waits for
/// schema agreement, reads the schema again and asks once more (the
/// metadata may lag behind a change made elsewhere).
async fn find(session: &Session, found: impl Fn(&ClusterMetadata) -> bool) -> bool {
    if found(&session.cluster_metadata()) {
        return true;
    }
    refresh(session).await;
    found(&session.cluster_metadata())
}

async fn lookup_table(session: &Session, keyspace: &str, table: &str) -> Option<TableMetadata> {
    let get = |m: &ClusterMetadata| m.table(keyspace, table).cloned();
    if let Some(table) = get(&session.cluster_metadata()) {
        return Some(table);
    }
    refresh(session).await;
    get(&session.cluster_metadata())
}

async fn refresh(session: &Session) {
    if let Err(error) = session.await_schema_agreement().await {
        tracing::warn!(%error, "could not check schema agreement");
    }
    if let Err(error) = session.refresh_metadata().await {
        tracing::warn!(%error, "could not refresh the schema metadata");
    }
}

/// Runs a CREATE; `Ok(false)` if the server says it already exists.
async fn run_create(session: &Session, cql: String) -> Result<bool> {
    match session.query(cql, ()).await {
        Ok(_) => Ok(true),
        Err(QueryError::Server(error)) if matches!(error.kind, ErrorKind::AlreadyExists { .. }) => {
            tracing::info!(message = %error.message, "already created elsewhere");
            refresh(session).await;
            Ok(false)
        }
        Err(error) => Err(error.into()),
    }
}

async fn create_index(session: &Session, qualified: &str, column: &str) -> Result<()> {
    let cql = format!("CREATE INDEX ON {qualified} ({})", quote(column));
    session.query(cql, ()).await?;
    Ok(())
}

/// Sets, with one `ALTER TABLE ... WITH`, the model's options whose values
/// the table does not have; returns their names. Options that cannot be
/// compared are logged and left alone.
async fn update_options(
    session: &Session,
    schema: &ModelSchema,
    table: &TableMetadata,
    qualified: &str,
) -> Result<Vec<String>> {
    let mut changed: Vec<(&str, &str)> = Vec::new();
    for (name, value) in &schema.options {
        match table_options::compare(name, value, &table.options) {
            Comparison::Same => {}
            Comparison::Differs => changed.push((name, value)),
            Comparison::Unknown(reason) => tracing::warn!(
                table = %qualified,
                option = *name,
                value = %value,
                %reason,
                "cannot compare this table option with the table's; it is left as it is"
            ),
        }
    }
    if changed.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = changed.iter().map(|(name, _)| name.to_string()).collect();
    tracing::info!(
        table = %qualified,
        options = ?names,
        "the table's options differ from the model's; altering them"
    );
    let with: Vec<String> = changed
        .iter()
        .map(|(name, value)| format!("{name} = {value}"))
        .collect();
    let cql = format!("ALTER TABLE {qualified} WITH {}", with.join(" AND "));
    // The driver waits for schema agreement and refreshes its metadata
    // after a schema change, so the new options are in the metadata when
    // this returns.
    session.query(cql, ()).await?;
    Ok(names)
}

/// Refuses a table whose primary key is not the model's.
fn check_primary_key(schema: &ModelSchema, table: &TableMetadata, qualified: &str) -> Result<()> {
    let model_partition: Vec<&str> = schema.partition_key().map(|(_, c)| c.name).collect();
    let model_clustering: Vec<(&str, ClusteringOrder)> = schema
        .clustering()
        .map(|(_, c)| match c.role {
            ColumnRole::Clustering(order) => (c.name, order),
            _ => (c.name, ClusteringOrder::Asc),
        })
        .collect();
    let table_partition: Vec<&str> = table.partition_key.iter().map(String::as_str).collect();
    let table_clustering: Vec<(&str, ClusteringOrder)> = table
        .clustering_key
        .iter()
        .map(|(name, order)| {
            let order = match order {
                cql_driver::metadata::ClusteringOrder::Asc => ClusteringOrder::Asc,
                cql_driver::metadata::ClusteringOrder::Desc => ClusteringOrder::Desc,
            };
            (name.as_str(), order)
        })
        .collect();
    if model_partition == table_partition && model_clustering == table_clustering {
        return Ok(());
    }
    Err(MapperError::Schema {
        table: qualified.to_string(),
        message: format!(
            "the model {} has the primary key {}, the table {}; change the model or drop the table",
            schema.model,
            key_text(&model_partition, &model_clustering),
            key_text(&table_partition, &table_clustering),
        ),
    })
}

/// `PRIMARY KEY ((a, b), c DESC)`, for error messages.
fn key_text(partition: &[&str], clustering: &[(&str, ClusteringOrder)]) -> String {
    let mut text = format!("PRIMARY KEY (({})", partition.join(", "));
    for (name, order) in clustering {
        text.push_str(", ");
        text.push_str(name);
        if *order == ClusteringOrder::Desc {
            text.push_str(" DESC");
        }
    }
    text.push(')');
    text
}

fn column_type_text(ty: &cql_driver::protocol::ColumnType, is_static: bool) -> String {
    let mut text = type_cql(ty);
    if is_static {
        text.push_str(" static");
    }
    text
}

/// A CQL string literal.
fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_text_shows_order() {
        assert_eq!(
            key_text(
                &["a", "b"],
                &[("c", ClusteringOrder::Desc), ("d", ClusteringOrder::Asc)]
            ),
            "PRIMARY KEY ((a, b), c DESC, d)"
        );
        assert_eq!(key_text(&["a"], &[]), "PRIMARY KEY ((a))");
    }

    #[test]
    fn string_literals_escape_quotes() {
        assert_eq!(string_literal("it's"), "'it''s'");
    }

    #[test]
    fn unchanged_report() {
        let mut report = SyncReport::default();
        assert!(report.is_unchanged());
        report.type_mismatches.push("x".into());
        assert!(report.is_unchanged());
        report.added_columns.push("y".into());
        assert!(!report.is_unchanged());
    }
}
