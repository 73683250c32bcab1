//! Reading system-table rows by column name.

use cql_protocol::message::response::Rows;
use cql_protocol::value::DeserializeValue;
use cql_protocol::{ColumnSpec, ProtocolVersion};

use super::MetadataError;

/// A column of a [`SystemRows`] result.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Col {
    index: usize,
    name: &'static str,
}

/// A Rows result of a system table, whose columns are looked up by name.
pub(crate) struct SystemRows<'r> {
    table: &'static str,
    rows: &'r Rows,
    specs: &'r [ColumnSpec],
    version: ProtocolVersion,
}

/// One row's values (`None` for null).
pub(crate) struct Row<'r> {
    values: Vec<Option<&'r [u8]>>,
}

impl<'r> SystemRows<'r> {
    /// `rows` of system table `table` (for errors); fails when the result
    /// has no column metadata.
    pub(crate) fn new(
        table: &'static str,
        rows: &'r Rows,
        version: ProtocolVersion,
    ) -> Result<Self, MetadataError> {
        let specs = rows
            .columns()
            .ok_or(MetadataError::NoColumnSpecs { table })?;
        Ok(SystemRows {
            table,
            rows,
            specs,
            version,
        })
    }

    /// The system table's name.
    pub(crate) fn table(&self) -> &'static str {
        self.table
    }

    /// The column called `name`, if the result has it.
    pub(crate) fn column(&self, name: &'static str) -> Option<Col> {
        self.specs
            .iter()
            .position(|spec| spec.name == name)
            .map(|index| Col { index, name })
    }

    /// The column called `name`, or [`MetadataError::MissingColumn`].
    pub(crate) fn require(&self, name: &'static str) -> Result<Col, MetadataError> {
        self.column(name).ok_or(MetadataError::MissingColumn {
            table: self.table,
            column: name,
        })
    }

    /// The rows.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'r>> + 'r {
        let count = self.specs.len();
        self.rows.iter().map(move |row| {
            let mut values: Vec<Option<&'r [u8]>> = row.values().collect();
            values.resize(count, None);
            Row { values }
        })
    }

    /// The value of `col` in `row`: `None` when the column is absent or the
    /// value null; [`MetadataError::BadValue`] when it does not read as `T`.
    pub(crate) fn get<T: DeserializeValue<'r>>(
        &self,
        row: &Row<'r>,
        col: Option<Col>,
    ) -> Result<Option<T>, MetadataError> {
        let Some(col) = col else { return Ok(None) };
        let Some(spec) = self.specs.get(col.index) else {
            return Ok(None);
        };
        let value = row.values.get(col.index).copied().flatten();
        Option::<T>::deserialize(&spec.ty, value, self.version).map_err(|source| {
            MetadataError::BadValue {
                table: self.table,
                column: col.name,
                source,
            }
        })
    }
}
