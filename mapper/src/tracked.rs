//! Change tracking: an instance that remembers what was stored, so that
//! saving it sends an UPDATE of the changed columns only.
//!
//! ```no_run
//! # use cqlengine::{prelude::*, Model};
//! # #[derive(Model, Debug, Clone)]
//! # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
//! # async fn example() -> cqlengine::Result<()> {
//! let mut ada = User::filter(user::id.eq(1)).get_tracked().await?;
//! ada.age += 1;
//! ada.save().await?; // UPDATE ... SET "age" = ? WHERE "id" = ?
//! # Ok(()) }
//! # fn main() {}
//! ```

use std::ops::{Deref, DerefMut};

use cql_protocol::{ProtocolVersion, RawValue};

use crate::dml::{ModelExt, Write};
use crate::error::{MapperError, Result};
use crate::model::Model;

/// A model instance and the values it had when it was read (or last
/// saved). Read and change it like the model itself (it derefs to it);
/// [`save`](Tracked::save) then writes only what changed:
///
/// - nothing changed: no statement;
/// - regular columns changed: one UPDATE of those columns, where a field
///   set to `None` becomes `col = null` in the same statement (no second
///   DELETE);
/// - the primary key changed: an INSERT of the new row (the old row stays,
///   as in cqlengine).
///
/// ```no_run
/// # use cqlengine::prelude::*;
/// # #[derive(cqlengine::Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, name: Option<String> }
/// # async fn demo() -> cqlengine::Result<()> {
/// let mut ada = User::filter(user::id.eq(1)).get_tracked().await?;
/// ada.name = None;
/// assert_eq!(ada.changed_columns()?, vec!["name"]);
/// ada.save().await?; // UPDATE ... SET "name" = null WHERE "id" = 1
/// # Ok(())
/// # }
/// # fn main() {}
/// ```
#[derive(Debug, Clone)]
pub struct Tracked<M> {
    model: M,
    stored: Vec<RawValue>,
    version: ProtocolVersion,
}

fn values<M: Model>(model: &M, version: ProtocolVersion) -> Result<Vec<RawValue>> {
    (0..M::schema().columns.len())
        .map(|i| {
            model
                .column_value(i, version)
                .map(crate::model::detached)
                .map_err(|e| MapperError::Driver(e.into()))
        })
        .collect()
}

impl<M: Model> Tracked<M> {
    /// Tracks `model` as if its current values were the stored ones (say,
    /// an instance just saved, or read by other means than
    /// [`get_tracked`](crate::QuerySet::get_tracked)).
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// use cqlengine::Tracked;
    ///
    /// # fn main() -> cqlengine::Result<()> {
    /// let mut ada = Tracked::loaded(User { id: 1, name: Some("Ada".into()), age: 36 })?;
    /// assert!(ada.changed_columns()?.is_empty());
    /// ada.age = 37;
    /// assert_eq!(ada.changed_columns()?, ["age"]);
    /// # Ok(()) }
    /// ```
    pub fn loaded(model: M) -> Result<Self> {
        let version = ProtocolVersion::V2;
        let stored = values(&model, version)?;
        Ok(Tracked {
            model,
            stored,
            version,
        })
    }

    /// The CQL names of the columns that differ from the stored values, in
    /// schema order.
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # use cqlengine::Tracked;
    /// # fn main() -> cqlengine::Result<()> {
    /// let mut ada = Tracked::loaded(User { id: 1, name: Some("Ada".into()), age: 36 })?;
    /// ada.name = None;
    /// ada.age = 37;
    /// assert_eq!(ada.changed_columns()?, ["name", "age"]);
    /// ada.age = 36; // back to the stored value
    /// assert_eq!(ada.changed_columns()?, ["name"]);
    /// # Ok(()) }
    /// ```
    pub fn changed_columns(&self) -> Result<Vec<&'static str>> {
        Ok(self
            .changed()?
            .into_iter()
            .map(|i| M::schema().columns[i].name)
            .collect())
    }

    fn changed(&self) -> Result<Vec<usize>> {
        let now = values(&self.model, self.version)?;
        Ok(now
            .iter()
            .zip(&self.stored)
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(i, _)| i)
            .collect())
    }

    /// Saves the changes; returns whether a statement was sent.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let mut ada = User::filter(user::id.eq(1)).get_tracked().await?;
    /// assert!(!ada.save().await?, "nothing changed, nothing sent");
    /// ada.name = Some("Ada Lovelace".into());
    /// assert!(ada.save().await?); // UPDATE ... SET "name" = ? WHERE "id" = ?
    /// assert!(ada.changed_columns()?.is_empty());
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn save(&mut self) -> Result<bool> {
        self.save_with(|write| write).await
    }

    /// Saves the changes with options (TTL, timestamp, consistency, a
    /// condition...) set on the write.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let mut ada = User::filter(user::id.eq(1)).get_tracked().await?;
    /// let read = ada.age;
    /// ada.age += 1;
    /// // UPDATE ... SET "age" = ? WHERE "id" = ? IF "age" = ?: only if no one
    /// // changed the age since it was read.
    /// ada.save_with(|write| write.iff(user::age.eq(read)).serial_consistency(cqlengine::SERIAL))
    ///     .await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn save_with(
        &mut self,
        configure: impl for<'w> FnOnce(Write<'w, M>) -> Write<'w, M>,
    ) -> Result<bool> {
        let changed = self.changed()?;
        if changed.is_empty() {
            return Ok(false);
        }
        let schema = M::schema();
        let key_changed = changed.iter().any(|&i| schema.columns[i].is_primary_key());
        let write = if key_changed || schema.is_counter_table() {
            self.model.save()
        } else {
            Write::update_columns(&self.model, changed)
        };
        configure(write).execute().await?;
        self.stored = values(&self.model, self.version)?;
        Ok(true)
    }

    /// The instance, no longer tracked.
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # use cqlengine::Tracked;
    /// # fn main() -> cqlengine::Result<()> {
    /// let tracked = Tracked::loaded(User { id: 1, name: None, age: 36 })?;
    /// let user: User = tracked.into_inner();
    /// assert_eq!(user.age, 36);
    /// # Ok(()) }
    /// ```
    pub fn into_inner(self) -> M {
        self.model
    }
}

impl<M> Deref for Tracked<M> {
    type Target = M;

    fn deref(&self) -> &M {
        &self.model
    }
}

impl<M> DerefMut for Tracked<M> {
    fn deref_mut(&mut self) -> &mut M {
        &mut self.model
    }
}
