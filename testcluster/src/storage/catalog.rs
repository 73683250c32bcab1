//! The catalog: every keyspace and table, and the schema version.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use cql_protocol::ColumnType;
use uuid::Uuid;

use super::error::{StorageError, StorageResult};
use super::schema::{
    validate_keyspace_name, ColumnDef, ColumnKind, CreateTable, KeyspaceDef, OptionValue,
    Replication, TableDef,
};
use super::table::Table;
use super::types::{cql_type_name, is_order_compatible, is_value_compatible};

/// An `ALTER TABLE` change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlterTable {
    /// `ADD name type [static]`.
    Add {
        /// The new column.
        name: String,
        /// Its type.
        ty: ColumnType,
        /// Declared `static`.
        is_static: bool,
    },
    /// `DROP name`.
    Drop {
        /// The column.
        name: String,
    },
    /// `ALTER name TYPE ty`.
    AlterType {
        /// The column.
        name: String,
        /// The new type.
        ty: ColumnType,
    },
    /// `RENAME a TO b [AND c TO d ...]` (primary key columns only).
    Rename(Vec<(String, String)>),
    /// `WITH ...`.
    Options(Vec<(String, OptionValue)>),
}

struct KeyspaceEntry {
    def: KeyspaceDef,
    tables: BTreeMap<String, Arc<Table>>,
}

struct State {
    keyspaces: BTreeMap<String, KeyspaceEntry>,
    version: Uuid,
}

impl State {
    /// The keyspace `name`, or "Keyspace name does not exist".
    fn keyspace(&self, name: &str) -> StorageResult<&KeyspaceEntry> {
        self.keyspaces
            .get(name)
            .ok_or_else(|| keyspace_not_found(name))
    }

    /// The keyspace `name`, mutably, or "Keyspace name does not exist".
    fn keyspace_mut(&mut self, name: &str) -> StorageResult<&mut KeyspaceEntry> {
        self.keyspaces
            .get_mut(name)
            .ok_or_else(|| keyspace_not_found(name))
    }
}

impl KeyspaceEntry {
    /// The table `name` of this keyspace, or "unconfigured columnfamily name".
    fn table(&self, name: &str) -> StorageResult<Arc<Table>> {
        self.tables
            .get(name)
            .cloned()
            .ok_or_else(|| StorageError::TableNotFound {
                keyspace: self.def.name.clone(),
                table: name.to_owned(),
            })
    }
}

fn keyspace_not_found(name: &str) -> StorageError {
    StorageError::KeyspaceNotFound {
        keyspace: name.to_owned(),
    }
}

/// All keyspaces and tables of a node (or a cluster).
///
/// Thread-safe: schema reads take a shared std lock and schema changes an
/// exclusive one, each for the duration of one call only. Every successful
/// schema change gives a new [`Catalog::schema_version`].
pub struct Catalog {
    state: RwLock<State>,
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("schema_version", &self.schema_version())
            .field("keyspaces", &self.keyspace_names())
            .finish()
    }
}

fn col_not_found(name: &str, table: &str) -> StorageError {
    StorageError::invalid(format!("Column {name} was not found in table {table}"))
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Catalog {
            state: RwLock::new(State {
                keyspaces: BTreeMap::new(),
                version: Uuid::new_v4(),
            }),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The schema version: a new random UUID after every schema change.
    pub fn schema_version(&self) -> Uuid {
        self.read().version
    }

    /// The keyspace `name`.
    pub fn keyspace(&self, name: &str) -> Option<KeyspaceDef> {
        self.read().keyspaces.get(name).map(|k| k.def.clone())
    }

    /// The keyspace `name`, or "Keyspace name does not exist".
    pub fn require_keyspace(&self, name: &str) -> StorageResult<KeyspaceDef> {
        Ok(self.read().keyspace(name)?.def.clone())
    }

    /// All keyspaces, by name.
    pub fn keyspaces(&self) -> Vec<KeyspaceDef> {
        self.read()
            .keyspaces
            .values()
            .map(|k| k.def.clone())
            .collect()
    }

    /// All keyspace names, sorted.
    pub fn keyspace_names(&self) -> Vec<String> {
        self.read().keyspaces.keys().cloned().collect()
    }

    /// The table `keyspace.name`, with its data.
    pub fn table(&self, keyspace: &str, name: &str) -> StorageResult<Arc<Table>> {
        self.read().keyspace(keyspace)?.table(name)
    }

    /// The definitions of the tables of `keyspace`, by name.
    pub fn table_defs(&self, keyspace: &str) -> StorageResult<Vec<Arc<TableDef>>> {
        let state = self.read();
        let ks = state.keyspace(keyspace)?;
        Ok(ks.tables.values().map(|t| t.def()).collect())
    }

    /// Every table definition of every keyspace.
    pub fn all_table_defs(&self) -> Vec<Arc<TableDef>> {
        self.read()
            .keyspaces
            .values()
            .flat_map(|k| k.tables.values().map(|t| t.def()))
            .collect()
    }

    /// `CREATE KEYSPACE`. `Ok(false)` if it exists and `if_not_exists`.
    pub fn create_keyspace(&self, def: KeyspaceDef, if_not_exists: bool) -> StorageResult<bool> {
        validate_keyspace_name(&def.name)?;
        let mut state = self.write();
        if state.keyspaces.contains_key(&def.name) {
            return if if_not_exists {
                Ok(false)
            } else {
                Err(StorageError::KeyspaceAlreadyExists { keyspace: def.name })
            };
        }
        state.keyspaces.insert(
            def.name.clone(),
            KeyspaceEntry {
                def,
                tables: BTreeMap::new(),
            },
        );
        state.version = Uuid::new_v4();
        Ok(true)
    }

    /// `ALTER KEYSPACE`: replaces the replication and/or durable_writes.
    pub fn alter_keyspace(
        &self,
        name: &str,
        replication: Option<Replication>,
        durable_writes: Option<bool>,
    ) -> StorageResult<()> {
        let mut state = self.write();
        let ks = state.keyspace_mut(name)?;
        if let Some(r) = replication {
            ks.def.replication = r;
        }
        if let Some(d) = durable_writes {
            ks.def.durable_writes = d;
        }
        state.version = Uuid::new_v4();
        Ok(())
    }

    /// `DROP KEYSPACE` with its tables and data. `Ok(false)` if it does
    /// not exist and `if_exists`.
    pub fn drop_keyspace(&self, name: &str, if_exists: bool) -> StorageResult<bool> {
        let mut state = self.write();
        if state.keyspaces.remove(name).is_none() {
            return if if_exists {
                Ok(false)
            } else {
                Err(StorageError::CannotDropMissingKeyspace {
                    keyspace: name.to_owned(),
                })
            };
        }
        state.version = Uuid::new_v4();
        Ok(true)
    }

    /// `CREATE TABLE`, validated as Cassandra 2.0 does
    /// ([`TableDef::from_create`]). `Ok(false)` if it exists and
    /// `if_not_exists`.
    pub fn create_table(&self, spec: &CreateTable, if_not_exists: bool) -> StorageResult<bool> {
        let mut state = self.write();
        let ks = state.keyspace_mut(&spec.keyspace)?;
        if ks.tables.contains_key(&spec.name) {
            return if if_not_exists {
                Ok(false)
            } else {
                Err(StorageError::TableAlreadyExists {
                    keyspace: spec.keyspace.clone(),
                    table: spec.name.clone(),
                })
            };
        }
        let def = TableDef::from_create(spec)?;
        ks.tables
            .insert(spec.name.clone(), Arc::new(Table::new(def)));
        state.version = Uuid::new_v4();
        Ok(true)
    }

    /// `DROP TABLE` with its data. `Ok(false)` if missing and `if_exists`.
    pub fn drop_table(&self, keyspace: &str, name: &str, if_exists: bool) -> StorageResult<bool> {
        let mut state = self.write();
        let Some(ks) = state.keyspaces.get_mut(keyspace) else {
            return if if_exists {
                Ok(false)
            } else {
                Err(keyspace_not_found(keyspace))
            };
        };
        if ks.tables.remove(name).is_none() {
            return if if_exists {
                Ok(false)
            } else {
                Err(StorageError::TableNotFound {
                    keyspace: keyspace.to_owned(),
                    table: name.to_owned(),
                })
            };
        }
        state.version = Uuid::new_v4();
        Ok(true)
    }

    /// `TRUNCATE`: removes the table's data.
    pub fn truncate(&self, keyspace: &str, name: &str) -> StorageResult<()> {
        self.table(keyspace, name)?.truncate();
        Ok(())
    }

    /// `ALTER TABLE`, with Cassandra 2.0's checks (`AlterTableStatement`).
    pub fn alter_table(&self, keyspace: &str, name: &str, change: AlterTable) -> StorageResult<()> {
        let mut state = self.write();
        let table = state.keyspace(keyspace)?.table(name)?;
        let mut def = (*table.def()).clone();
        let mut dropped = None;
        match change {
            AlterTable::Add {
                name: col,
                ty,
                is_static,
            } => {
                if def.compact_storage {
                    return Err(StorageError::invalid(
                        "Cannot add new column to a compact CF",
                    ));
                }
                if is_static && def.clustering.is_empty() {
                    return Err(StorageError::invalid("Static columns are only useful (and thus allowed) if the table has at least one clustering column"));
                }
                if let Some(existing) = def.column(&col) {
                    return Err(StorageError::invalid(if existing.is_primary_key() {
                        format!("Invalid column name {col} because it conflicts with a PRIMARY KEY part")
                    } else {
                        format!("Invalid column name {col} because it conflicts with an existing column")
                    }));
                }
                let counter_table = def.is_counter_table();
                let has_values = def.columns.iter().any(|c| c.is_value());
                if ty == ColumnType::Counter && has_values && !counter_table {
                    return Err(StorageError::invalid(format!(
                        "Cannot add a counter column ({col}) in a non counter column family"
                    )));
                }
                if ty != ColumnType::Counter && counter_table {
                    return Err(StorageError::invalid(format!(
                        "Cannot add a non counter column ({col}) in a counter column family"
                    )));
                }
                def.columns.push(ColumnDef {
                    name: col,
                    ty,
                    kind: if is_static {
                        ColumnKind::Static
                    } else {
                        ColumnKind::Regular
                    },
                });
            }
            AlterTable::Drop { name: col } => {
                if def.compact_storage {
                    return Err(StorageError::invalid(
                        "Cannot drop columns from a compact CF",
                    ));
                }
                let c = def.column(&col).ok_or_else(|| col_not_found(&col, name))?;
                if c.is_primary_key() {
                    return Err(StorageError::invalid(format!(
                        "Cannot drop PRIMARY KEY part {col}"
                    )));
                }
                def.columns.retain(|c| c.name != col);
                def.indexes.retain(|_, c| c != &col);
                dropped = Some(col);
            }
            AlterTable::AlterType { name: col, ty } => {
                let idx = def
                    .column_index(&col)
                    .ok_or_else(|| col_not_found(&col, name))?;
                let c = &def.columns[idx];
                let ok = match c.kind {
                    ColumnKind::Clustering(_) => is_order_compatible(&c.ty, &ty),
                    _ => is_value_compatible(&c.ty, &ty),
                };
                if !ok {
                    let what = if matches!(c.kind, ColumnKind::Clustering(_)) {
                        "not order-compatible"
                    } else {
                        "incompatible"
                    };
                    return Err(StorageError::Configuration(format!(
                        "Cannot change {col} from type {} to type {}: types are {what}.",
                        cql_type_name(&c.ty),
                        cql_type_name(&ty)
                    )));
                }
                def.columns[idx].ty = ty;
            }
            AlterTable::Rename(pairs) => {
                // Cassandra 2.0's CFMetaData.renameColumn, check by check
                // (its messages say "in keyspace" but name the table).
                let table_name = def.name.clone();
                for (from, to) in pairs {
                    let Some(idx) = def.column_index(&from) else {
                        return Err(StorageError::invalid(format!(
                            "Cannot rename unknown column {from} in keyspace {table_name}"
                        )));
                    };
                    if def.column(&to).is_some() {
                        return Err(StorageError::invalid(format!(
                            "Cannot rename column {from} to {to} in keyspace {table_name}; another column of that name already exist"
                        )));
                    }
                    if !def.columns[idx].is_primary_key() {
                        return Err(StorageError::invalid(format!(
                            "Cannot rename non PRIMARY KEY part {from}"
                        )));
                    }
                    if def.indexes.values().any(|c| *c == from) {
                        return Err(StorageError::invalid(format!(
                            "Cannot rename column {from} because it is secondary indexed"
                        )));
                    }
                    def.columns[idx].name = to.clone();
                    for k in &mut def.partition_key {
                        if *k == from {
                            *k = to.clone();
                        }
                    }
                    for (k, _) in &mut def.clustering {
                        if *k == from {
                            *k = to.clone();
                        }
                    }
                }
            }
            AlterTable::Options(options) => {
                for (k, v) in &options {
                    def.options.set(k, v)?;
                }
            }
        }
        table.set_def(def);
        if let Some(col) = dropped {
            table.drop_column_data(&col);
        }
        state.version = Uuid::new_v4();
        Ok(())
    }

    /// `CREATE INDEX [name] ON table (column)`. Returns the index name, or
    /// `None` if the column is already indexed and `if_not_exists`.
    pub fn create_index(
        &self,
        keyspace: &str,
        table: &str,
        index_name: Option<&str>,
        column: &str,
        if_not_exists: bool,
    ) -> StorageResult<Option<String>> {
        let mut state = self.write();
        let ks = state.keyspace(keyspace)?;
        let t = ks.table(table)?;
        let mut def = (*t.def()).clone();
        // The order of Cassandra 2.0's CreateIndexStatement.validate.
        if def.is_counter_table() {
            return Err(StorageError::invalid(
                "Secondary indexes are not supported on counter tables",
            ));
        }
        let col = def.column(column).ok_or_else(|| {
            StorageError::invalid(format!("No column definition found for column {column}"))
        })?;
        let name = index_name
            .map(str::to_owned)
            .unwrap_or_else(|| def.default_index_name(column));
        if def.indexes.values().any(|c| c == column) {
            return if if_not_exists {
                Ok(None)
            } else {
                Err(StorageError::IndexAlreadyExists { index: name })
            };
        }
        if col.ty.is_collection() {
            return Err(StorageError::invalid(
                "Indexes on collections are no yet supported",
            ));
        }
        if matches!(col.kind, ColumnKind::PartitionKey(_)) && def.partition_key.len() == 1 {
            return Err(StorageError::invalid(format!(
                "Cannot add secondary index to already primarily indexed column {column}"
            )));
        }
        let taken = ks
            .tables
            .values()
            .any(|t| t.def().indexes.contains_key(&name));
        if taken {
            // 2.0 finds this in CFMetaData.validate, during the schema
            // migration, after IF NOT EXISTS was looked at (that only
            // covers an already indexed column): a ConfigurationException.
            return Err(StorageError::Configuration(format!(
                "Duplicate index name {name}"
            )));
        }
        def.indexes.insert(name.clone(), column.to_owned());
        t.set_def(def);
        state.version = Uuid::new_v4();
        Ok(Some(name))
    }

    /// `DROP INDEX`. Returns the table that held it, or `None` if missing
    /// and `if_exists`.
    pub fn drop_index(
        &self,
        keyspace: &str,
        index: &str,
        if_exists: bool,
    ) -> StorageResult<Option<String>> {
        let mut state = self.write();
        let ks = state.keyspace(keyspace)?;
        let holder = ks
            .tables
            .values()
            .find(|t| t.def().indexes.contains_key(index))
            .cloned();
        let Some(t) = holder else {
            return if if_exists {
                Ok(None)
            } else {
                Err(StorageError::IndexNotFound {
                    keyspace: keyspace.to_owned(),
                    index: index.to_owned(),
                })
            };
        };
        let mut def = (*t.def()).clone();
        def.indexes.remove(index);
        let table_name = def.name.clone();
        t.set_def(def);
        state.version = Uuid::new_v4();
        Ok(Some(table_name))
    }
}
