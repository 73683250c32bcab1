//! What a model looks like to Cassandra: its table, columns, keys and
//! options, as the derive describes them.

use cql_protocol::ColumnType;

pub use crate::discriminator::DiscriminatorValue;
use crate::error::MapperError;

/// The order of a clustering column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusteringOrder {
    /// Ascending (the default).
    Asc,
    /// Descending.
    Desc,
}

/// The role of a column in its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnRole {
    /// Part of the partition key.
    PartitionKey,
    /// A clustering column.
    Clustering(ClusteringOrder),
    /// An ordinary column.
    Regular,
    /// A static column (one value per partition).
    Static,
}

/// One column of a model.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    /// The Rust field's name.
    pub field: &'static str,
    /// The column's name in Cassandra (`db_field`, else the field name).
    pub name: &'static str,
    /// Its CQL type.
    pub ty: ColumnType,
    /// Its role.
    pub role: ColumnRole,
    /// Whether it has a secondary index.
    pub index: bool,
    /// Whether a value is required (no null).
    pub required: bool,
    /// The shortest allowed text, in characters.
    pub min_length: Option<usize>,
    /// The longest allowed text, in characters.
    pub max_length: Option<usize>,
    /// Whether it is the discriminator of a polymorphic table.
    pub discriminator: bool,
}

impl ColumnDef {
    /// A regular column.
    pub fn new(field: &'static str, name: &'static str, ty: ColumnType) -> Self {
        ColumnDef {
            field,
            name,
            ty,
            role: ColumnRole::Regular,
            index: false,
            required: false,
            min_length: None,
            max_length: None,
            discriminator: false,
        }
    }

    /// Whether it is part of the primary key.
    pub fn is_primary_key(&self) -> bool {
        matches!(
            self.role,
            ColumnRole::PartitionKey | ColumnRole::Clustering(_)
        )
    }

    /// Whether it is a counter.
    pub fn is_counter(&self) -> bool {
        self.ty == ColumnType::Counter
    }
}

/// A model's table: name, keyspace, columns (in field order) and options.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSchema {
    /// The Rust type's name.
    pub model: &'static str,
    /// The table's name.
    pub table: &'static str,
    /// The keyspace, if the model fixes one.
    pub keyspace: Option<&'static str>,
    /// The columns, in field order.
    pub columns: Vec<ColumnDef>,
    /// Table options as CQL: `("comment", "'users'")`,
    /// `("default_time_to_live", "3600")`...
    pub options: Vec<(&'static str, String)>,
    /// The discriminator value of this model, for polymorphic tables.
    pub discriminator_value: Option<DiscriminatorValue>,
    /// For a polymorphic enum model, the schemas of its variants, in
    /// declaration order (empty for a struct model). The enum's columns are
    /// the union of theirs; [`check`](ModelSchema::check) verifies that
    /// they share one table.
    pub variants: Vec<&'static ModelSchema>,
}

impl ModelSchema {
    /// The schema of a polymorphic enum model `model` over its variants'
    /// schemas: the union of their columns by CQL name, in first-seen
    /// order (a column keeps the first definition seen, and is indexed if
    /// any variant indexes it); the table, keyspace and options of the
    /// first variant; no discriminator value of its own.
    ///
    /// Nothing is checked here, so that building the schema never panics:
    /// [`check`](ModelSchema::check) reports variants that do not fit
    /// together, and queries and writes return its error.
    pub fn polymorphic(model: &'static str, variants: Vec<&'static ModelSchema>) -> ModelSchema {
        let mut columns: Vec<ColumnDef> = Vec::new();
        for variant in &variants {
            for column in &variant.columns {
                match columns.iter_mut().find(|c| c.name == column.name) {
                    Some(existing) => existing.index |= column.index,
                    None => columns.push(column.clone()),
                }
            }
        }
        let first = variants.first();
        ModelSchema {
            model,
            table: first.map_or("", |v| v.table),
            keyspace: first.and_then(|v| v.keyspace),
            columns,
            options: first.map(|v| v.options.clone()).unwrap_or_default(),
            discriminator_value: None,
            variants,
        }
    }

    /// The discriminator column, if the model has one.
    pub fn discriminator(&self) -> Option<(usize, &ColumnDef)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.discriminator)
    }

    /// Checks the rules a table must follow (the derive checks most of them
    /// at compile time; this catches the rest at first use), and for a
    /// polymorphic enum model, that its variants fit together.
    pub fn check(&self) -> Result<(), MapperError> {
        let fail = |message: String| {
            Err(MapperError::ModelDefinition {
                model: self.model,
                message,
            })
        };
        if !self.variants.is_empty() {
            self.check_variants()?;
        }
        match (self.discriminator_value, self.discriminator()) {
            (Some(value), Some((_, column))) if !value.fits(&column.ty) => {
                let wanted = match value {
                    DiscriminatorValue::Text(_) => "a text column".to_string(),
                    DiscriminatorValue::Int(n) if i32::try_from(n).is_err() => {
                        "a bigint or varint column (the value does not fit an int)".to_string()
                    }
                    DiscriminatorValue::Int(_) => "an int, bigint or varint column".to_string(),
                };
                return fail(format!(
                    "the discriminator {} holds the value {value}, so it must be {wanted}, not {}",
                    column.field,
                    type_cql(&column.ty)
                ));
            }
            (Some(value), None) if self.variants.is_empty() => {
                return fail(format!(
                    "the discriminator_value {value} needs a column marked discriminator"
                ));
            }
            _ => {}
        }
        if !self
            .columns
            .iter()
            .any(|c| c.role == ColumnRole::PartitionKey)
        {
            // Without groups, the derive makes the first field the partition
            // key at compile time; with them, at run time, if it can.
            return match self.columns.first() {
                Some(first) if first.role != ColumnRole::Regular || first.is_counter() => {
                    let what = match first.role {
                        ColumnRole::Clustering(_) => "a clustering key",
                        ColumnRole::Static => "static",
                        _ => "a counter",
                    };
                    fail(format!(
                        "no column is marked partition_key, so the first column ({}) would be \
                         the partition key, but it is {what}; mark the partition key with \
                         #[cql(partition_key)]",
                        first.field
                    ))
                }
                _ => fail("a model needs at least one partition key column".into()),
            };
        }
        if let Some(c) = self.columns.iter().find(|c| c.role == ColumnRole::Static) {
            if self.clustering().next().is_none() {
                return fail(format!(
                    "the static column {} needs a clustering key: a table without clustering \
                     columns has one row per partition",
                    c.field
                ));
            }
        }
        let counters = self.columns.iter().filter(|c| c.is_counter()).count();
        if counters > 0 {
            if let Some(c) = self
                .columns
                .iter()
                .find(|c| !c.is_counter() && !c.is_primary_key())
            {
                return fail(format!(
                    "a table with counters may hold only counters and primary key columns; {} is neither",
                    c.field
                ));
            }
            if let Some(c) = self
                .columns
                .iter()
                .find(|c| c.is_counter() && c.is_primary_key())
            {
                return fail(format!(
                    "the counter {} cannot be part of the primary key",
                    c.field
                ));
            }
        }
        if self.columns.iter().filter(|c| c.discriminator).count() > 1 {
            return fail("a model may have only one discriminator column".into());
        }
        if let Some(c) = self
            .columns
            .iter()
            .find(|c| c.discriminator && (c.is_counter() || c.ty.is_collection()))
        {
            return fail(format!(
                "the discriminator {} cannot be a counter or a collection",
                c.field
            ));
        }
        for (i, c) in self.columns.iter().enumerate() {
            if let Some(other) = self.columns[..i].iter().find(|o| o.name == c.name) {
                return fail(format!(
                    "two fields map to the column {} ({} and {})",
                    c.name, other.field, c.field
                ));
            }
        }
        Ok(())
    }

    /// The rules of a polymorphic enum model: every variant is a valid
    /// model with a discriminator value, on the same table, with the same
    /// primary key and discriminator column; the values are distinct and
    /// the columns they share have one type.
    fn check_variants(&self) -> Result<(), MapperError> {
        let fail = |message: String| {
            Err(MapperError::ModelDefinition {
                model: self.model,
                message,
            })
        };
        let first = self.variants[0];
        let key = |s: &ModelSchema| -> Vec<(&'static str, ColumnRole)> {
            s.primary_key()
                .into_iter()
                .map(|i| (s.columns[i].name, s.columns[i].role))
                .collect()
        };
        let first_key = key(first);
        let Some((_, first_discriminator)) = first.discriminator() else {
            return fail(format!(
                "the variant {} has no discriminator column",
                first.model
            ));
        };
        let mut values: Vec<(&'static str, DiscriminatorValue)> = Vec::new();
        for variant in &self.variants {
            variant.check()?;
            if variant.table != first.table || variant.keyspace != first.keyspace {
                return fail(format!(
                    "the variants {} and {} are on different tables ({} and {})",
                    first.model,
                    variant.model,
                    table_text(first),
                    table_text(variant)
                ));
            }
            if key(variant) != first_key {
                return fail(format!(
                    "the variants {} and {} have different primary keys",
                    first.model, variant.model
                ));
            }
            match variant.discriminator() {
                None => {
                    return fail(format!(
                        "the variant {} has no discriminator column",
                        variant.model
                    ))
                }
                Some((_, c)) if c.name != first_discriminator.name => {
                    return fail(format!(
                        "the variants {} and {} have different discriminator columns ({} and {})",
                        first.model, variant.model, first_discriminator.name, c.name
                    ))
                }
                Some(_) => {}
            }
            let Some(value) = variant.discriminator_value else {
                return fail(format!(
                    "the variant {} has no discriminator_value",
                    variant.model
                ));
            };
            if let Some((other, _)) = values.iter().find(|(_, v)| *v == value) {
                return fail(format!(
                    "the variants {other} and {} have the same discriminator value {value}",
                    variant.model
                ));
            }
            values.push((variant.model, value));
            for column in &variant.columns {
                if let Some((_, union)) = self.column(column.name) {
                    if union.ty != column.ty || union.role != column.role {
                        return fail(format!(
                            "the column {} is {} in one variant and {} in {}",
                            column.name,
                            column_text(union),
                            column_text(column),
                            variant.model
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the table holds counters.
    pub fn is_counter_table(&self) -> bool {
        self.columns.iter().any(ColumnDef::is_counter)
    }

    /// The partition key columns, in order.
    pub fn partition_key(&self) -> impl Iterator<Item = (usize, &ColumnDef)> + '_ {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.role == ColumnRole::PartitionKey)
    }

    /// The clustering columns, in order.
    pub fn clustering(&self) -> impl Iterator<Item = (usize, &ColumnDef)> + '_ {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.role, ColumnRole::Clustering(_)))
    }

    /// The primary key columns: partition key then clustering.
    pub fn primary_key(&self) -> Vec<usize> {
        self.partition_key()
            .chain(self.clustering())
            .map(|(i, _)| i)
            .collect()
    }

    /// The column with this CQL name.
    pub fn column(&self, name: &str) -> Option<(usize, &ColumnDef)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
    }

    /// `ks.table`, with the keyspace given or the model's.
    pub fn qualified_name(&self, keyspace: &str) -> String {
        format!("{}.{}", quote(keyspace), quote(self.table))
    }

    /// The CREATE TABLE statement.
    pub fn create_table_cql(&self, keyspace: &str) -> String {
        let mut cql = format!("CREATE TABLE {} (", self.qualified_name(keyspace));
        for column in &self.columns {
            cql.push_str(&quote(column.name));
            cql.push(' ');
            cql.push_str(&type_cql(&column.ty));
            if column.role == ColumnRole::Static {
                cql.push_str(" static");
            }
            cql.push_str(", ");
        }
        let partition: Vec<String> = self.partition_key().map(|(_, c)| quote(c.name)).collect();
        let clustering: Vec<String> = self.clustering().map(|(_, c)| quote(c.name)).collect();
        cql.push_str("PRIMARY KEY ((");
        cql.push_str(&partition.join(", "));
        cql.push(')');
        for c in &clustering {
            cql.push_str(", ");
            cql.push_str(c);
        }
        cql.push_str("))");
        let mut with = Vec::new();
        let orders: Vec<String> = self
            .clustering()
            .map(|(_, c)| {
                let order = match c.role {
                    ColumnRole::Clustering(ClusteringOrder::Desc) => "DESC",
                    _ => "ASC",
                };
                format!("{} {order}", quote(c.name))
            })
            .collect();
        if self
            .clustering()
            .any(|(_, c)| c.role == ColumnRole::Clustering(ClusteringOrder::Desc))
        {
            with.push(format!("CLUSTERING ORDER BY ({})", orders.join(", ")));
        }
        for (name, value) in &self.options {
            with.push(format!("{name} = {value}"));
        }
        if !with.is_empty() {
            cql.push_str(" WITH ");
            cql.push_str(&with.join(" AND "));
        }
        cql
    }
}

fn table_text(schema: &ModelSchema) -> String {
    match schema.keyspace {
        Some(keyspace) => format!("{keyspace}.{}", schema.table),
        None => schema.table.to_string(),
    }
}

fn column_text(column: &ColumnDef) -> String {
    let role = match column.role {
        ColumnRole::PartitionKey => " (partition key)",
        ColumnRole::Clustering(_) => " (clustering)",
        ColumnRole::Static => " static",
        ColumnRole::Regular => "",
    };
    format!("{}{role}", type_cql(&column.ty))
}

/// Double-quotes a CQL identifier.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A column type as CQL writes it.
pub fn type_cql(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Custom(class) => format!("'{}'", class.replace('\'', "''")),
        ColumnType::Ascii => "ascii".into(),
        ColumnType::Bigint => "bigint".into(),
        ColumnType::Blob => "blob".into(),
        ColumnType::Boolean => "boolean".into(),
        ColumnType::Counter => "counter".into(),
        ColumnType::Decimal => "decimal".into(),
        ColumnType::Double => "double".into(),
        ColumnType::Float => "float".into(),
        ColumnType::Int => "int".into(),
        ColumnType::Timestamp => "timestamp".into(),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Varchar | ColumnType::Text => "text".into(),
        ColumnType::Varint => "varint".into(),
        ColumnType::Timeuuid => "timeuuid".into(),
        ColumnType::Inet => "inet".into(),
        ColumnType::List(t) => format!("list<{}>", type_cql(t)),
        ColumnType::Set(t) => format!("set<{}>", type_cql(t)),
        ColumnType::Map(k, v) => format!("map<{}, {}>", type_cql(k), type_cql(v)),
        other => format!("{other:?}").to_lowercase(),
    }
}
