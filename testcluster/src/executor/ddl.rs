//! Schema statements: keyspaces, tables, indexes, TRUNCATE.

use cql_protocol::message::response::{ResultBody, SchemaChange, SchemaChangeType};

use super::errors::{invalid, storage, ExecResult};
use super::{Call, Executor};
use crate::cql::{AlterTableAction, Literal, Property, PropertyValue, Statement};
use crate::storage::{
    AlterTable, ColumnSpec, CreateTable, KeyspaceDef, OptionValue, Order, Replication, StorageError,
};

fn literal_text(l: &Literal) -> String {
    match l {
        Literal::String(s) | Literal::Integer(s) | Literal::Float(s) => s.clone(),
        Literal::Boolean(b) => b.to_string(),
        Literal::Uuid(u) => u.to_string(),
        Literal::Blob(b) => format!("0x{}", super::hex(b)),
    }
}

fn option_value(v: &PropertyValue) -> OptionValue {
    match v {
        PropertyValue::Constant(l) => OptionValue::Str(literal_text(l)),
        PropertyValue::Identifier(s) => OptionValue::Str(s.clone()),
        PropertyValue::Map(m) => OptionValue::Map(
            m.iter()
                .map(|(k, v)| (literal_text(k), literal_text(v)))
                .collect(),
        ),
    }
}

/// (replication, durable_writes) from keyspace properties.
fn keyspace_props(props: &[Property]) -> ExecResult<(Option<Replication>, Option<bool>)> {
    let mut replication = None;
    let mut durable = None;
    for p in props {
        match (p.name.as_str(), option_value(&p.value)) {
            ("replication", OptionValue::Map(m)) => {
                replication = Some(Replication::from_options(&m).map_err(storage)?)
            }
            ("durable_writes", OptionValue::Str(s)) => {
                durable = Some(s.eq_ignore_ascii_case("true"))
            }
            ("replication", _) | ("durable_writes", _) => {
                return Err(storage(StorageError::Syntax(format!(
                    "Invalid value for property '{}'",
                    p.name
                ))))
            }
            (other, _) => {
                return Err(storage(StorageError::Syntax(format!(
                    "Unknown property '{other}'"
                ))))
            }
        }
    }
    Ok((replication, durable))
}

impl Executor {
    fn schema_change(&self, change: SchemaChange) -> ResultBody {
        self.ctx().schema_changed(&change);
        ResultBody::SchemaChange(change)
    }

    fn table_change(&self, change: SchemaChangeType, ks: &str, table: &str) -> ResultBody {
        self.schema_change(SchemaChange::table(change, ks, table))
    }

    pub(crate) fn ddl(&self, call: &Call, stmt: &Statement) -> ExecResult<ResultBody> {
        let catalog = self.ctx().catalog().clone();
        call.trace("Executing schema statement");
        match stmt {
            Statement::CreateKeyspace(c) => {
                let (replication, durable) = keyspace_props(&c.properties)?;
                let Some(replication) = replication else {
                    return Err(storage(StorageError::Configuration(
                        "Missing mandatory replication strategy class".into(),
                    )));
                };
                let def = KeyspaceDef {
                    name: c.name.clone(),
                    replication,
                    durable_writes: durable.unwrap_or(true),
                };
                if catalog
                    .create_keyspace(def, c.if_not_exists)
                    .map_err(storage)?
                {
                    Ok(self
                        .schema_change(SchemaChange::keyspace(SchemaChangeType::Created, &c.name)))
                } else {
                    Ok(ResultBody::Void)
                }
            }
            Statement::AlterKeyspace { name, properties } => {
                let (replication, durable) = keyspace_props(properties)?;
                catalog
                    .alter_keyspace(name, replication, durable)
                    .map_err(storage)?;
                Ok(self.schema_change(SchemaChange::keyspace(SchemaChangeType::Updated, name)))
            }
            Statement::DropKeyspace { name, if_exists } => {
                if catalog.drop_keyspace(name, *if_exists).map_err(storage)? {
                    Ok(self.schema_change(SchemaChange::keyspace(SchemaChangeType::Dropped, name)))
                } else {
                    Ok(ResultBody::Void)
                }
            }
            Statement::CreateTable(c) => {
                let ks = self.keyspace_of(call, &c.name)?;
                if catalog.keyspace(&ks).is_none() {
                    return Err(storage(StorageError::KeyspaceNotFound { keyspace: ks }));
                }
                let spec = CreateTable {
                    keyspace: ks.clone(),
                    name: c.name.name.clone(),
                    columns: c
                        .columns
                        .iter()
                        .map(|col| ColumnSpec {
                            name: col.name.clone(),
                            ty: col.ty.to_column_type(),
                            is_static: col.is_static,
                        })
                        .collect(),
                    partition_key: c.partition_key.clone(),
                    clustering: c.clustering_columns.clone(),
                    clustering_order: c
                        .options
                        .clustering_order
                        .iter()
                        .map(|o| {
                            (
                                o.column.clone(),
                                if o.descending {
                                    Order::Desc
                                } else {
                                    Order::Asc
                                },
                            )
                        })
                        .collect(),
                    compact_storage: c.options.compact_storage,
                    options: c
                        .options
                        .properties
                        .iter()
                        .map(|p| (p.name.clone(), option_value(&p.value)))
                        .collect(),
                };
                if catalog
                    .create_table(&spec, c.if_not_exists)
                    .map_err(storage)?
                {
                    Ok(self.table_change(SchemaChangeType::Created, &ks, &c.name.name))
                } else {
                    Ok(ResultBody::Void)
                }
            }
            Statement::AlterTable(a) => {
                let ks = self.keyspace_of(call, &a.name)?;
                let change = match &a.action {
                    AlterTableAction::Add(col) => AlterTable::Add {
                        name: col.name.clone(),
                        ty: col.ty.to_column_type(),
                        is_static: col.is_static,
                    },
                    AlterTableAction::Drop(name) => AlterTable::Drop { name: name.clone() },
                    AlterTableAction::AlterType { column, ty } => AlterTable::AlterType {
                        name: column.clone(),
                        ty: ty.to_column_type(),
                    },
                    AlterTableAction::Rename(pairs) => AlterTable::Rename(pairs.clone()),
                    AlterTableAction::WithOptions(props) => AlterTable::Options(
                        props
                            .iter()
                            .map(|p| (p.name.clone(), option_value(&p.value)))
                            .collect(),
                    ),
                };
                catalog
                    .alter_table(&ks, &a.name.name, change)
                    .map_err(storage)?;
                Ok(self.table_change(SchemaChangeType::Updated, &ks, &a.name.name))
            }
            Statement::DropTable { name, if_exists } => {
                let ks = self.keyspace_of(call, name)?;
                if catalog
                    .drop_table(&ks, &name.name, *if_exists)
                    .map_err(storage)?
                {
                    Ok(self.table_change(SchemaChangeType::Dropped, &ks, &name.name))
                } else {
                    Ok(ResultBody::Void)
                }
            }
            Statement::Truncate(name) => {
                let (ks, table, _) = self.table(call, name)?;
                self.check_available(&ks, i64::MIN, cql_protocol::Consistency::All)
                    .or_else(|_| self.check_available(&ks, i64::MIN, call.consistency))?;
                table.truncate();
                Ok(ResultBody::Void)
            }
            Statement::CreateIndex(c) => {
                let ks = self.keyspace_of(call, &c.table)?;
                catalog.table(&ks, &c.table.name).map_err(storage)?;
                match catalog
                    .create_index(
                        &ks,
                        &c.table.name,
                        c.name.as_deref(),
                        &c.column,
                        c.if_not_exists,
                    )
                    .map_err(storage)?
                {
                    Some(_) => Ok(self.table_change(SchemaChangeType::Updated, &ks, &c.table.name)),
                    None => Ok(ResultBody::Void),
                }
            }
            Statement::DropIndex { name, if_exists } => {
                let ks = self.keyspace_of(call, name)?;
                match catalog
                    .drop_index(&ks, &name.name, *if_exists)
                    .map_err(storage)?
                {
                    Some(table) => Ok(self.table_change(SchemaChangeType::Updated, &ks, &table)),
                    None => Ok(ResultBody::Void),
                }
            }
            Statement::CreateTrigger { class, .. } => {
                Err(invalid(format!("Trigger class '{class}' doesn't exist")))
            }
            Statement::DropTrigger {
                name,
                if_exists,
                table,
            } => {
                if *if_exists {
                    Ok(ResultBody::Void)
                } else {
                    Err(invalid(format!(
                        "Trigger {name} was not found in {}",
                        table.name
                    )))
                }
            }
            _ => Err(invalid("Unsupported statement")),
        }
    }
}
