//! Cassandra 2.0's rules for the WHERE clause of a SELECT, checked before
//! any I/O. Model query sets and named tables describe their conditions
//! the same way and share this one check.

use crate::column::Op;

/// The role of a restricted column in its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyRole {
    /// Part of the partition key.
    PartitionKey,
    /// A clustering column.
    Clustering,
    /// Any other column (regular, static, compact value).
    Regular,
}

/// What a secondary index on the column can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IndexUse {
    /// No index.
    None,
    /// A KEYS or COMPOSITES index: `=` only.
    Equality,
    /// A CUSTOM index: any operator.
    Any,
}

/// One condition of a WHERE clause.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Restriction<'a> {
    pub column: &'a str,
    pub role: KeyRole,
    pub op: Op,
    pub index: IndexUse,
}

impl Restriction<'_> {
    fn index_serves(&self) -> bool {
        match self.index {
            IndexUse::None => false,
            IndexUse::Equality => self.op == Op::Eq,
            IndexUse::Any => true,
        }
    }
}

/// Whether every partition key column is restricted with `=` or `IN`.
pub(crate) fn full_partition_key(conditions: &[Restriction<'_>], partition_key: &[&str]) -> bool {
    partition_key.iter().all(|key| {
        conditions
            .iter()
            .any(|c| c.column == *key && matches!(c.op, Op::Eq | Op::In))
    })
}

/// Checks `conditions` on a table whose partition key is `partition_key`;
/// the error says why the server would refuse the query.
pub(crate) fn check_where(
    conditions: &[Restriction<'_>],
    partition_key: &[&str],
    allow_filtering: bool,
) -> Result<(), String> {
    if conditions.is_empty() {
        return Ok(());
    }
    let full_partition = full_partition_key(conditions, partition_key);
    let some_partition = partition_key
        .iter()
        .any(|key| conditions.iter().any(|c| c.column == *key));
    if some_partition && !full_partition {
        return Err("restrict every partition key column with = or IN, or none of them".into());
    }
    let indexed = conditions.iter().any(Restriction::index_serves);
    for condition in conditions {
        let needs_filtering = match condition.role {
            KeyRole::PartitionKey => {
                if !matches!(condition.op, Op::Eq | Op::In) {
                    return Err(format!(
                        "the partition key column {} takes only = or IN, not {}",
                        condition.column,
                        condition.op.cql()
                    ));
                }
                false
            }
            KeyRole::Clustering => !full_partition && !condition.index_serves(),
            KeyRole::Regular => {
                if !indexed {
                    return Err(format!(
                        "{} is not indexed: filtering on a regular column needs a secondary index used with =",
                        condition.column
                    ));
                }
                !condition.index_serves()
            }
        };
        if needs_filtering && !allow_filtering {
            return Err(format!(
                "filtering on {} needs the partition key, a secondary index on it, or allow_filtering()",
                condition.column
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(column: &str, role: KeyRole, op: Op, index: IndexUse) -> Restriction<'_> {
        Restriction {
            column,
            role,
            op,
            index,
        }
    }

    #[test]
    fn the_partition_key_is_all_or_nothing_and_equality_only() {
        let pk = ["a", "b"];
        let a = r("a", KeyRole::PartitionKey, Op::Eq, IndexUse::None);
        let b = r("b", KeyRole::PartitionKey, Op::In, IndexUse::None);
        assert!(check_where(&[a, b], &pk, false).is_ok());
        assert!(check_where(&[a], &pk, true)
            .unwrap_err()
            .contains("every partition key"));
        let b_range = r("b", KeyRole::PartitionKey, Op::Gt, IndexUse::None);
        let err = check_where(&[a, b, b_range], &pk, true).unwrap_err();
        assert!(err.contains("takes only = or IN, not >"), "{err}");
    }

    #[test]
    fn clustering_and_regular_columns() {
        let pk = ["k"];
        let k = r("k", KeyRole::PartitionKey, Op::Eq, IndexUse::None);
        let c = r("c", KeyRole::Clustering, Op::Gt, IndexUse::None);
        assert!(check_where(&[k, c], &pk, false).is_ok());
        assert!(check_where(&[c], &pk, false)
            .unwrap_err()
            .contains("allow_filtering"));
        assert!(check_where(&[c], &pk, true).is_ok());
        let v = r("v", KeyRole::Regular, Op::Eq, IndexUse::None);
        assert!(check_where(&[k, v], &pk, true)
            .unwrap_err()
            .contains("not indexed"));
        let indexed = r("i", KeyRole::Regular, Op::Eq, IndexUse::Equality);
        assert!(check_where(&[indexed], &pk, false).is_ok());
        assert!(check_where(&[indexed, v], &pk, false).is_err());
        assert!(check_where(&[indexed, v], &pk, true).is_ok());
        let range_on_index = r("i", KeyRole::Regular, Op::Gt, IndexUse::Equality);
        assert!(check_where(&[range_on_index], &pk, true).is_err());
        let custom = r("i", KeyRole::Regular, Op::Gt, IndexUse::Any);
        assert!(check_where(&[custom], &pk, false).is_ok());
    }
}
