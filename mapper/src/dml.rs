//! Writes of one model instance: INSERT (`save`), UPDATE of chosen columns
//! (`update_fields`) and DELETE, with TTL, timestamp, consistency, timeout
//! and lightweight-transaction conditions.
//!
//! ```no_run
//! # use cqlengine::{prelude::*, Model};
//! # #[derive(Model, Debug, Clone)]
//! # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
//! # async fn example() -> cqlengine::Result<()> {
//! let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
//! ada.save().await?;
//! ada.update_fields(vec![user::age.set(37)]).ttl(3600).await?;
//! ada.delete().await?;
//! # Ok(()) }
//! # fn main() {}
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use cql_driver::Consistency;
use cql_protocol::RawValue;

use crate::column::{Assignment, Filter, Target as FilterTarget};
use crate::error::{MapperError, Result};
use crate::model::Model;
use crate::query::QuerySet;
use crate::schema::quote;
use crate::statement::{
    cached_text, check_applied, try_cached_text, Bound, BoundValues, Cql, CqlText, Options, Shape,
    Target,
};

/// What a write does.
enum Kind<M> {
    Insert,
    Update(Vec<Assignment<M>>),
    /// UPDATE of these columns (schema indexes) to the instance's values.
    UpdateColumns(Vec<usize>),
    Delete,
}

/// A lightweight-transaction condition.
enum Condition<M> {
    None,
    IfNotExists,
    IfExists,
    Iff(Vec<Filter<M>>),
}

/// A write of one model instance, built with options and run with
/// `.await` (or added to a [`BatchQuery`](crate::BatchQuery)).
///
/// A failed condition (`if_not_exists`, `if_exists`, `iff`) is
/// [`MapperError::NotApplied`], carrying the row the server returned.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// use cqlengine::{MapperError, Write};
///
/// # async fn example() -> cqlengine::Result<()> {
/// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
/// let insert: Write<'_, User> = ada.save().if_not_exists().consistency(cqlengine::QUORUM);
/// match insert.await {
///     Ok(()) => println!("created"),
///     Err(MapperError::NotApplied { existing }) => println!("already there: {existing:?}"),
///     Err(other) => return Err(other),
/// }
/// # Ok(()) }
/// # fn main() {}
/// ```
pub struct Write<'a, M> {
    model: &'a M,
    kind: Kind<M>,
    ttl: Option<i32>,
    timestamp: Option<i64>,
    condition: Condition<M>,
    pub(crate) options: Options,
    pub(crate) keyspace: Option<String>,
    pub(crate) connection: Option<String>,
}

impl<M> std::fmt::Debug for Write<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Write")
            .field("ttl", &self.ttl)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// Query and write entry points for every model (implemented for every
/// [`Model`]; in the [prelude](crate::prelude)).
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # async fn example() -> cqlengine::Result<()> {
/// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
/// ada.save().await?;
/// let back = User::filter(user::id.eq(1)).get().await?;
/// back.update_fields(vec![user::age.set(37)]).await?;
/// let everyone = User::objects().limit(100).all().await?;
/// back.delete().await?;
/// # let _ = everyone;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub trait ModelExt: Model {
    /// A query set over the whole table.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let first_100 = User::objects().limit(100).all().await?;
    /// let total = User::objects().count().await?;
    /// # let _ = (first_100, total);
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    fn objects() -> QuerySet<Self> {
        QuerySet::new()
    }

    /// A query set with one filter.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User::filter(user::id.eq(1)).get().await?;
    /// let adas = User::filter(user::name.eq("Ada")).count().await?;
    /// # let _ = (ada, adas);
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    fn filter(filter: Filter<Self>) -> QuerySet<Self> {
        QuerySet::new().filter(filter)
    }

    /// INSERT of this instance: its primary key and every non-null column
    /// (nulls are left out, so no tombstone is written).
    ///
    /// A variant of a polymorphic model writes its `discriminator_value`
    /// into the discriminator column, whatever the field holds; an enum
    /// model writes its active variant's columns (the columns only other
    /// variants have are left out).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
    /// // INSERT INTO ... ("id", "name", "age") VALUES (?, ?, ?)
    /// ada.save().await?;
    /// // A null field is left out of the INSERT.
    /// User { id: 2, name: None, age: 20 }.save().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    fn save(&self) -> Write<'_, Self> {
        Write::new(self, Kind::Insert)
    }

    /// UPDATE of this instance's row with these assignments only (a null
    /// assignment deletes the cell in the same statement).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
    /// // UPDATE ... SET "age" = ?, "name" = ? WHERE "id" = ?: the instance gives the key.
    /// ada.update_fields(vec![user::age.set(37), user::name.set_null()]).await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    fn update_fields(&self, assignments: Vec<Assignment<Self>>) -> Write<'_, Self> {
        Write::new(self, Kind::Update(assignments))
    }

    /// DELETE of this instance's row.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User::filter(user::id.eq(1)).get().await?;
    /// ada.delete().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    fn delete(&self) -> Write<'_, Self> {
        Write::new(self, Kind::Delete)
    }
}

impl<M: Model> ModelExt for M {}

impl<'a, M: Model> Write<'a, M> {
    /// UPDATE of the given columns to this instance's values (what
    /// [`Tracked`](crate::Tracked) sends for the changed fields).
    pub(crate) fn update_columns(model: &'a M, columns: Vec<usize>) -> Self {
        Write::new(model, Kind::UpdateColumns(columns))
    }

    fn new(model: &'a M, kind: Kind<M>) -> Self {
        Write {
            model,
            kind,
            ttl: None,
            timestamp: None,
            condition: Condition::None,
            options: Options::default(),
            keyspace: None,
            connection: None,
        }
    }

    /// `USING TTL seconds` (INSERT and UPDATE).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let guest = User { id: 99, name: Some("guest".into()), age: 0 };
    /// guest.save().ttl(3600).await?; // gone in an hour
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn ttl(mut self, seconds: i32) -> Self {
        self.ttl = Some(seconds);
        self
    }

    /// `USING TIMESTAMP micros`.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
    /// use std::time::{SystemTime, UNIX_EPOCH};
    ///
    /// let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as i64;
    /// ada.save().timestamp(now).await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn timestamp(mut self, micros: i64) -> Self {
        self.timestamp = Some(micros);
        self
    }

    /// The consistency level.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
    /// ada.save().consistency(cqlengine::ALL).await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn consistency(mut self, consistency: Consistency) -> Self {
        self.options.consistency = Some(consistency);
        self
    }

    /// The serial consistency of a conditional write.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
    /// ada.save()
    ///     .if_not_exists()
    ///     .serial_consistency(cqlengine::LOCAL_SERIAL)
    ///     .await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn serial_consistency(mut self, consistency: Consistency) -> Self {
        self.options.serial_consistency = Some(consistency);
        self
    }

    /// The request timeout.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
    /// ada.delete().timeout(std::time::Duration::from_secs(2)).await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// `IF NOT EXISTS` (INSERT only).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
    /// use cqlengine::MapperError;
    ///
    /// match ada.save().if_not_exists().await {
    ///     Ok(()) => println!("inserted"),
    ///     Err(MapperError::NotApplied { .. }) => println!("user 1 already exists"),
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn if_not_exists(mut self) -> Self {
        self.condition = Condition::IfNotExists;
        self
    }

    /// `IF EXISTS` (UPDATE and DELETE).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
    /// // Does not create the row if it was deleted meanwhile.
    /// ada.update_fields(vec![user::age.set(37)]).if_exists().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn if_exists(mut self) -> Self {
        self.condition = Condition::IfExists;
        self
    }

    /// `IF column = value AND ...` (UPDATE and DELETE).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
    /// // Compare and set: only if the age is still 36 and the name "Ada".
    /// ada.update_fields(vec![user::age.set(37)])
    ///     .iff(user::age.eq(36))
    ///     .iff(user::name.eq("Ada"))
    ///     .await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn iff(mut self, condition: Filter<M>) -> Self {
        match &mut self.condition {
            Condition::Iff(conditions) => conditions.push(condition),
            _ => self.condition = Condition::Iff(vec![condition]),
        }
        self
    }

    /// Writes in this keyspace.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
    /// ada.save().keyspace("tenant_42").await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn keyspace(mut self, keyspace: impl Into<String>) -> Self {
        self.keyspace = Some(keyspace.into());
        self
    }

    /// Writes on this named connection.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
    /// // A connection registered with `connection::register_connection("archive", ...)`.
    /// ada.save().using("archive").await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn using(mut self, connection: impl Into<String>) -> Self {
        self.connection = Some(connection.into());
        self
    }

    fn invalid(message: impl Into<String>) -> MapperError {
        MapperError::InvalidQuery {
            model: M::schema().model.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn target(&self) -> Result<Target> {
        Target::resolve(
            M::checked_schema()?,
            self.keyspace.as_deref(),
            self.connection.as_deref(),
        )
    }

    fn using_clause(&self, cql: &mut Cql<'_>, allow_ttl: bool) -> Result<()> {
        let mut parts = Vec::new();
        if let Some(ttl) = self.ttl {
            if !allow_ttl {
                return Err(Self::invalid("a DELETE takes no TTL"));
            }
            parts.push("TTL ?");
            cql.values.push(Bound::Raw(RawValue::Value(
                ttl.to_be_bytes().to_vec().into(),
            )));
        }
        if let Some(timestamp) = self.timestamp {
            if !matches!(self.condition, Condition::None) {
                return Err(Self::invalid(
                    "a conditional write cannot take a custom timestamp",
                ));
            }
            parts.push("TIMESTAMP ?");
            cql.values.push(Bound::Raw(RawValue::Value(
                timestamp.to_be_bytes().to_vec().into(),
            )));
        }
        if !parts.is_empty() {
            cql.text.push_str(" USING ");
            cql.text.push_str(&parts.join(" AND "));
        }
        Ok(())
    }

    fn key_clause(&self, cql: &mut Cql<'a>) -> Result<()> {
        let schema = M::schema();
        let mut conditions = Vec::new();
        for index in schema.primary_key() {
            conditions.push(format!("{} = ?", quote(schema.columns[index].name)));
            cql.values.push(Bound::Column(self.model, index));
        }
        cql.text.push_str(" WHERE ");
        cql.text.push_str(&conditions.join(" AND "));
        Ok(())
    }

    fn condition_clause<'q>(&'q self, cql: &mut Cql<'q>) -> Result<()> {
        let schema = M::schema();
        match (&self.condition, &self.kind) {
            (Condition::None, _) => {}
            (Condition::IfNotExists, Kind::Insert) => cql.text.push_str(" IF NOT EXISTS"),
            (Condition::IfNotExists, _) => {
                return Err(Self::invalid("IF NOT EXISTS applies to inserts only"))
            }
            (_, Kind::Insert) => {
                return Err(Self::invalid("an insert takes IF NOT EXISTS only"));
            }
            (Condition::IfExists, _) => cql.text.push_str(" IF EXISTS"),
            (Condition::Iff(conditions), _) => {
                let mut parts = Vec::new();
                for condition in conditions {
                    let FilterTarget::Column(i) = condition.target else {
                        return Err(Self::invalid("a condition cannot be on the token"));
                    };
                    parts.push(format!(
                        "{} {} {}",
                        quote(schema.columns[i].name),
                        condition.op.cql(),
                        condition.rhs
                    ));
                    cql.values
                        .extend(condition.values.iter().map(|v| Bound::Ref(v.as_ref())));
                }
                cql.text.push_str(" IF ");
                cql.text.push_str(&parts.join(" AND "));
            }
        }
        if !matches!(self.condition, Condition::None) && schema.is_counter_table() {
            return Err(Self::invalid(
                "conditions are not allowed on counter tables",
            ));
        }
        Ok(())
    }

    /// The statement, for `keyspace`, at `version`.
    pub(crate) fn cql(
        &self,
        keyspace: &str,
        version: cql_protocol::ProtocolVersion,
    ) -> Result<Cql<'_>> {
        let schema = M::schema();
        // Not for an INSERT, whose whole text is cached by its shape.
        let table = || {
            cached_text(schema, keyspace, Shape::Table, || {
                schema.qualified_name(keyspace)
            })
        };
        match &self.kind {
            Kind::Insert => {
                self.model.validate()?;
                // The primary key and every non-null column: the first 128
                // as a set of schema indexes (no list to allocate), any
                // further ones listed.
                let mut mask = 0u128;
                let mut beyond_mask = Vec::new();
                for (index, column) in schema.columns.iter().enumerate() {
                    let null = self
                        .model
                        .column_is_null(index, version)
                        .map_err(|e| MapperError::Driver(e.into()))?;
                    if !null || column.is_primary_key() {
                        match 1u128.checked_shl(index as u32) {
                            Some(bit) => mask |= bit,
                            None => beyond_mask.push(index),
                        }
                    }
                }
                let mut cql = Cql::new(String::new());
                cql.values = BoundValues::model_columns(self.model, mask);
                cql.values.extend(
                    beyond_mask
                        .iter()
                        .map(|&index| Bound::Column(self.model, index)),
                );
                // The clauses check the options and bind their values; their
                // text only depends on which options are set.
                self.condition_clause(&mut cql)?;
                self.using_clause(&mut cql, true)?;
                let suffix = std::mem::take(&mut cql.text);
                // Checked when the shape's text is built, so once per shape:
                // a refused shape is never cached, and is refused every time.
                let build = || {
                    if schema.is_counter_table() {
                        return Err(Self::invalid(
                            "counter tables cannot be inserted into; use update_fields with incr()",
                        ));
                    }
                    let names: Vec<String> = (0..schema.columns.len())
                        .filter(|&i| match 1u128.checked_shl(i as u32) {
                            Some(bit) => mask & bit != 0,
                            None => beyond_mask.contains(&i),
                        })
                        .map(|i| quote(schema.columns[i].name))
                        .collect();
                    let markers = vec!["?"; names.len()].join(", ");
                    Ok(format!(
                        "INSERT INTO {} ({}) VALUES ({markers}){suffix}",
                        schema.qualified_name(keyspace),
                        names.join(", ")
                    ))
                };
                cql.text = if beyond_mask.is_empty() {
                    let flags = u8::from(matches!(self.condition, Condition::IfNotExists))
                        | u8::from(self.ttl.is_some()) << 1
                        | u8::from(self.timestamp.is_some()) << 2;
                    CqlText::Interned(try_cached_text(
                        schema,
                        keyspace,
                        Shape::Insert { mask, flags },
                        build,
                    )?)
                } else {
                    CqlText::Built(build()?)
                };
                Ok(cql)
            }
            Kind::Update(assignments) => {
                if assignments.is_empty() {
                    return Err(Self::invalid("an update needs at least one assignment"));
                }
                if let Some(a) = assignments.iter().find(|a| {
                    schema.discriminator_value.is_some() && schema.columns[a.index].discriminator
                }) {
                    return Err(Self::invalid(format!(
                        "{} is the discriminator of {}, which always holds {}",
                        schema.columns[a.index].name,
                        schema.model,
                        schema
                            .discriminator_value
                            .map(|v| v.to_string())
                            .unwrap_or_default()
                    )));
                }
                if let Some(a) = assignments
                    .iter()
                    .find(|a| schema.columns[a.index].is_primary_key())
                {
                    return Err(Self::invalid(format!(
                        "{} is part of the primary key and cannot be updated",
                        schema.columns[a.index].name
                    )));
                }
                self.model.validate()?;
                let mut cql = Cql::new(format!("UPDATE {}", table()));
                self.using_clause(&mut cql, true)?;
                cql.text.push_str(" SET ");
                let sets: Vec<&str> = assignments.iter().map(|a| a.cql.as_str()).collect();
                cql.text.push_str(&sets.join(", "));
                for assignment in assignments {
                    cql.values
                        .extend(assignment.values.iter().map(|v| Bound::Ref(v.as_ref())));
                }
                self.key_clause(&mut cql)?;
                self.condition_clause(&mut cql)?;
                Ok(cql)
            }
            Kind::UpdateColumns(columns) => {
                if columns.is_empty() {
                    return Err(Self::invalid("an update needs at least one column"));
                }
                self.model.validate()?;
                let mut cql = Cql::new(format!("UPDATE {}", table()));
                self.using_clause(&mut cql, true)?;
                let mut sets = Vec::new();
                for &index in columns {
                    let column = &schema.columns[index];
                    if column.is_primary_key() {
                        return Err(Self::invalid(format!(
                            "{} is part of the primary key and cannot be updated",
                            column.name
                        )));
                    }
                    sets.push(format!("{} = ?", quote(column.name)));
                    cql.values.push(Bound::Column(self.model, index));
                }
                cql.text.push_str(" SET ");
                cql.text.push_str(&sets.join(", "));
                self.key_clause(&mut cql)?;
                self.condition_clause(&mut cql)?;
                Ok(cql)
            }
            Kind::Delete => {
                let mut cql = Cql::new(format!("DELETE FROM {}", table()));
                self.using_clause(&mut cql, false)?;
                self.key_clause(&mut cql)?;
                self.condition_clause(&mut cql)?;
                Ok(cql)
            }
        }
    }

    /// Runs the write.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
    /// // The same as `ada.save().ttl(60).await?`.
    /// ada.save().ttl(60).execute().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn execute(self) -> Result<()> {
        let target = self.target()?;
        let version = target.connection.session().protocol_version();
        let mut options = self.options.clone();
        // Re-running a plain insert or delete of given values is safe.
        // (A counter table takes no insert, and its updates are never
        // idempotent; deleting a counter twice deletes it once.)
        options.idempotent = matches!(self.condition, Condition::None)
            && matches!(self.kind, Kind::Insert | Kind::Delete);
        let cql = self.cql(&target.keyspace, version)?;
        let result = target.execute(cql, &options).await?;
        check_applied(&result)
    }
}

impl<'a, M: Model> IntoFuture for Write<'a, M> {
    type Output = Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.execute())
    }
}
