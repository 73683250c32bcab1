//! The hosts of the cluster, read from `system.local` and `system.peers`,
//! and the schema versions of the schema agreement queries.
//!
//! Columns are found by name, so `SELECT *` and the explicit column lists of
//! the DataStax drivers both work, and columns of other Cassandra versions
//! (`rpc_address` in `system.local` since 2.1.6, `preferred_ip` since 2.0)
//! are optional.

use std::collections::BTreeSet;
use std::net::IpAddr;

use cql_protocol::message::response::Rows;
use cql_protocol::ProtocolVersion;
use tracing::warn;
use uuid::Uuid;

use super::rows::{Row, SystemRows};
use super::{MetadataError, Partitioner, Token};
use crate::cluster::HostInfo;

const LOCAL: &str = "system.local";
const PEERS: &str = "system.peers";

/// What `system.local` says of the node the control connection is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalInfo {
    /// `cluster_name` (`None` if null or not selected).
    pub cluster_name: Option<String>,
    /// `partitioner`: the full class name, e.g.
    /// `org.apache.cassandra.dht.Murmur3Partitioner`.
    pub partitioner: Option<String>,
    /// `rpc_address`, which only Cassandra 2.1.6+ has (`None` if null,
    /// absent or unspecified: use the address the driver connected to).
    pub rpc_address: Option<IpAddr>,
    /// The node's location, tokens and versions. The tokens are parsed
    /// with the row's own partitioner, and left empty when the driver does
    /// not know it.
    pub info: HostInfo,
}

impl LocalInfo {
    /// The partitioner the driver can route with, if it knows the class.
    pub fn routing_partitioner(&self) -> Option<Partitioner> {
        self.partitioner
            .as_deref()
            .and_then(Partitioner::from_class_name)
    }
}

/// A valid row of `system.peers`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerRow {
    /// The address to connect to: `rpc_address`, or `peer` when
    /// `rpc_address` is null, absent, `0.0.0.0` or `::`.
    pub address: IpAddr,
    /// `peer`, the node's broadcast (gossip) address, if selected.
    pub peer: Option<IpAddr>,
    /// The node's location, tokens and versions.
    pub info: HostInfo,
}

/// A row of the schema agreement query on `system.peers`
/// (`SELECT peer, host_id, rpc_address, schema_version FROM system.peers`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerSchemaVersion {
    /// The address to connect to (as [`PeerRow::address`]).
    pub address: IpAddr,
    /// `host_id`, if selected and not null.
    pub host_id: Option<Uuid>,
    /// `schema_version`, if not null.
    pub schema_version: Option<Uuid>,
}

/// Reads the row of `SELECT * FROM system.local WHERE key='local'` (or of a
/// query selecting some of its columns).
///
/// No row gives [`MetadataError::NoLocalRow`]; a value of the wrong type
/// gives [`MetadataError::BadValue`]. Every column is optional.
pub fn parse_local(rows: &Rows, version: ProtocolVersion) -> Result<LocalInfo, MetadataError> {
    let t = SystemRows::new(LOCAL, rows, version)?;
    let row = t.rows().next().ok_or(MetadataError::NoLocalRow)?;
    let partitioner: Option<String> = t.get(&row, t.column("partitioner"))?;
    let routing = partitioner
        .as_deref()
        .and_then(Partitioner::from_class_name);
    let raw_tokens: Option<Vec<String>> = t.get(&row, t.column("tokens"))?;
    let raw_tokens = raw_tokens.unwrap_or_default();
    let tokens = match routing {
        Some(p) => parse_tokens(p, &raw_tokens, "the local node"),
        None => {
            if !raw_tokens.is_empty() {
                warn!(
                    partitioner = partitioner.as_deref().unwrap_or("null"),
                    "system.local: unknown partitioner; token-aware routing is disabled"
                );
            }
            Vec::new()
        }
    };
    let info = HostInfo {
        host_id: t.get(&row, t.column("host_id"))?,
        datacenter: t.get(&row, t.column("data_center"))?,
        rack: t.get(&row, t.column("rack"))?,
        tokens,
        release_version: t.get(&row, t.column("release_version"))?,
        schema_version: t.get(&row, t.column("schema_version"))?,
    };
    let rpc_address: Option<IpAddr> = t.get(&row, t.column("rpc_address"))?;
    Ok(LocalInfo {
        cluster_name: t.get(&row, t.column("cluster_name"))?,
        partitioner,
        rpc_address: rpc_address.filter(|ip| !ip.is_unspecified()),
        info,
    })
}

/// Reads the rows of `SELECT * FROM system.peers` (or of a query selecting
/// some of its columns, `peer` or `rpc_address` included), keeping the
/// valid peers.
///
/// A peer is valid, as for the DataStax drivers, when it has an address
/// ([`PeerRow::address`]), a `host_id`, a non-empty `data_center` and
/// `rack`, and, when `tokens` is selected, at least one token; other rows
/// are skipped with a warning. Tokens are parsed with `partitioner` (none
/// when it is `None`); a token that does not parse is skipped with a
/// warning.
///
/// A result without column metadata or without both `peer` and
/// `rpc_address`, or a value of the wrong type, is an error.
pub fn parse_peers(
    rows: &Rows,
    version: ProtocolVersion,
    partitioner: Option<Partitioner>,
) -> Result<Vec<PeerRow>, MetadataError> {
    let t = SystemRows::new(PEERS, rows, version)?;
    let addresses = Addresses::new(&t)?;
    let host_id = t.column("host_id");
    let data_center = t.column("data_center");
    let rack = t.column("rack");
    let tokens_col = t.column("tokens");
    let mut out = Vec::new();
    for row in t.rows() {
        let Some((address, peer)) = addresses.read(&t, &row)? else {
            warn!("system.peers: skipping a row with neither rpc_address nor peer");
            continue;
        };
        let host_id: Option<Uuid> = t.get(&row, host_id)?;
        let datacenter: Option<String> = t.get(&row, data_center)?;
        let rack: Option<String> = t.get(&row, rack)?;
        let raw_tokens: Option<Vec<String>> = t.get(&row, tokens_col)?;
        let problem = if host_id.is_none() {
            Some("no host_id")
        } else if datacenter.as_deref().is_none_or(str::is_empty) {
            Some("no data_center")
        } else if rack.as_deref().is_none_or(str::is_empty) {
            Some("no rack")
        } else if tokens_col.is_some() && raw_tokens.as_ref().is_none_or(Vec::is_empty) {
            Some("no tokens")
        } else {
            None
        };
        if let Some(problem) = problem {
            warn!(%address, problem, "system.peers: skipping an invalid peer");
            continue;
        }
        let raw_tokens = raw_tokens.unwrap_or_default();
        let tokens = match partitioner {
            Some(p) => parse_tokens(p, &raw_tokens, &address.to_string()),
            None => Vec::new(),
        };
        out.push(PeerRow {
            address,
            peer,
            info: HostInfo {
                host_id,
                datacenter,
                rack,
                tokens,
                release_version: t.get(&row, t.column("release_version"))?,
                schema_version: t.get(&row, t.column("schema_version"))?,
            },
        });
    }
    Ok(out)
}

/// Reads the rows of the schema agreement query on `system.peers`
/// (`SELECT peer, host_id, rpc_address, schema_version FROM system.peers`).
/// Rows without an address are skipped with a warning; no validity rule
/// applies (the caller keeps the peers it knows and sees up).
pub fn parse_peer_schema_versions(
    rows: &Rows,
    version: ProtocolVersion,
) -> Result<Vec<PeerSchemaVersion>, MetadataError> {
    let t = SystemRows::new(PEERS, rows, version)?;
    let addresses = Addresses::new(&t)?;
    let host_id = t.column("host_id");
    let schema_version = t.require("schema_version")?;
    let mut out = Vec::new();
    for row in t.rows() {
        let Some((address, _)) = addresses.read(&t, &row)? else {
            warn!("system.peers: skipping a row with neither rpc_address nor peer");
            continue;
        };
        out.push(PeerSchemaVersion {
            address,
            host_id: t.get(&row, host_id)?,
            schema_version: t.get(&row, Some(schema_version))?,
        });
    }
    Ok(out)
}

/// Reads the row of `SELECT schema_version FROM system.local WHERE
/// key='local'`: the local node's schema version (`None` if null).
pub fn parse_local_schema_version(
    rows: &Rows,
    version: ProtocolVersion,
) -> Result<Option<Uuid>, MetadataError> {
    let t = SystemRows::new(LOCAL, rows, version)?;
    let column = t.require("schema_version")?;
    let row = t.rows().next().ok_or(MetadataError::NoLocalRow)?;
    t.get(&row, Some(column))
}

/// Whether the schema versions agree, as the DataStax drivers decide it:
/// the local version (if not null) and the non-null versions of the peers
/// for which `counts` is true (those the driver knows and sees up) are all
/// the same version. No version at all counts as agreement.
pub fn schema_in_agreement(
    local: Option<Uuid>,
    peers: &[PeerSchemaVersion],
    counts: impl Fn(&PeerSchemaVersion) -> bool,
) -> bool {
    let versions: BTreeSet<Uuid> = local
        .into_iter()
        .chain(
            peers
                .iter()
                .filter(|p| counts(p))
                .filter_map(|p| p.schema_version),
        )
        .collect();
    versions.len() <= 1
}

/// The `peer` and `rpc_address` columns.
struct Addresses {
    peer: Option<super::rows::Col>,
    rpc_address: Option<super::rows::Col>,
}

impl Addresses {
    fn new(t: &SystemRows<'_>) -> Result<Self, MetadataError> {
        let peer = t.column("peer");
        let rpc_address = t.column("rpc_address");
        if peer.is_none() && rpc_address.is_none() {
            return Err(MetadataError::MissingColumn {
                table: t.table(),
                column: "peer",
            });
        }
        Ok(Addresses { peer, rpc_address })
    }

    /// The connect address and `peer`: `rpc_address` unless it is null or
    /// unspecified, else `peer`; `None` when neither is usable.
    fn read<'r>(
        &self,
        t: &SystemRows<'r>,
        row: &Row<'r>,
    ) -> Result<Option<(IpAddr, Option<IpAddr>)>, MetadataError> {
        let peer: Option<IpAddr> = t.get(row, self.peer)?;
        let peer = peer.filter(|ip| !ip.is_unspecified());
        let rpc: Option<IpAddr> = t.get(row, self.rpc_address)?;
        let address = rpc.filter(|ip| !ip.is_unspecified()).or(peer);
        Ok(address.map(|a| (a, peer)))
    }
}

/// Parses token strings, skipping (with a warning) those that do not parse.
fn parse_tokens(partitioner: Partitioner, raw: &[String], host: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = raw
        .iter()
        .filter_map(|text| {
            let token = partitioner.parse_token(text);
            if token.is_none() {
                warn!(host, token = %text, ?partitioner, "skipping a token that does not parse");
            }
            token
        })
        .collect();
    tokens.sort_unstable();
    tokens.dedup();
    tokens
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use cql_protocol::message::response::{RowsBuilder, RowsMetadata};
    use cql_protocol::value::{to_raw_value, SerializeValue};
    use cql_protocol::{ColumnSpec, ColumnType, RawValue, TableSpec};

    use super::*;

    const V: ProtocolVersion = ProtocolVersion::V2;

    /// A column value for a hand-built row.
    pub(crate) enum Val {
        Null,
        Text(&'static str),
        Inet(IpAddr),
        Uuid(Uuid),
        Tokens(Vec<&'static str>),
    }

    fn encode(v: &Val, ty: &ColumnType) -> Option<Vec<u8>> {
        fn raw<T: SerializeValue + ?Sized>(v: &T, ty: &ColumnType) -> Option<Vec<u8>> {
            match to_raw_value(v, ty, V).unwrap() {
                RawValue::Value(b) => Some(b.to_vec()),
                _ => None,
            }
        }
        match v {
            Val::Null => None,
            Val::Text(s) => raw(*s, ty),
            Val::Inet(ip) => raw(ip, ty),
            Val::Uuid(u) => raw(u, ty),
            Val::Tokens(t) => raw(t, ty),
        }
    }

    fn build(table: &str, columns: &[(&str, ColumnType)], rows: &[Vec<Val>]) -> Rows {
        let spec = TableSpec::new("system", table);
        let specs = columns
            .iter()
            .map(|(n, t)| ColumnSpec::new(spec.clone(), *n, t.clone()))
            .collect();
        let mut builder = RowsBuilder::new(RowsMetadata::new(specs));
        for row in rows {
            let values: Vec<Option<Vec<u8>>> = row
                .iter()
                .zip(columns)
                .map(|(v, (_, ty))| encode(v, ty))
                .collect();
            builder
                .push_row(values.iter().map(|v| v.as_deref()))
                .unwrap();
        }
        builder.finish()
    }

    fn tokens_type() -> ColumnType {
        ColumnType::Set(Box::new(ColumnType::Varchar))
    }

    fn peers_columns() -> Vec<(&'static str, ColumnType)> {
        vec![
            ("peer", ColumnType::Inet),
            ("data_center", ColumnType::Varchar),
            ("host_id", ColumnType::Uuid),
            ("preferred_ip", ColumnType::Inet),
            ("rack", ColumnType::Varchar),
            ("release_version", ColumnType::Varchar),
            ("rpc_address", ColumnType::Inet),
            ("schema_version", ColumnType::Uuid),
            ("tokens", tokens_type()),
        ]
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn peer(
        last: u8,
        rpc: Val,
        dc: Val,
        rack: Val,
        host: Val,
        tokens: Vec<&'static str>,
    ) -> Vec<Val> {
        vec![
            Val::Inet(ip(last)),
            dc,
            host,
            Val::Null,
            rack,
            Val::Text("2.0.17"),
            rpc,
            Val::Uuid(id(99)),
            if tokens.is_empty() {
                Val::Null
            } else {
                Val::Tokens(tokens)
            },
        ]
    }

    #[test]
    fn reads_the_local_row() {
        let rows = build(
            "local",
            &[
                ("key", ColumnType::Varchar),
                ("cluster_name", ColumnType::Varchar),
                ("data_center", ColumnType::Varchar),
                ("host_id", ColumnType::Uuid),
                ("partitioner", ColumnType::Varchar),
                ("rack", ColumnType::Varchar),
                ("release_version", ColumnType::Varchar),
                ("schema_version", ColumnType::Uuid),
                ("tokens", tokens_type()),
                (
                    "truncated_at",
                    ColumnType::Map(Box::new(ColumnType::Uuid), Box::new(ColumnType::Blob)),
                ),
            ],
            &[vec![
                Val::Text("local"),
                Val::Text("Test Cluster"),
                Val::Text("dc1"),
                Val::Uuid(id(1)),
                Val::Text("org.apache.cassandra.dht.Murmur3Partitioner"),
                Val::Text("r1"),
                Val::Text("2.0.14"),
                Val::Uuid(id(7)),
                Val::Tokens(vec!["100", "-5", "x", "99999999999999999999"]),
                Val::Null,
            ]],
        );
        let local = parse_local(&rows, V).unwrap();
        assert_eq!(local.cluster_name.as_deref(), Some("Test Cluster"));
        assert_eq!(local.routing_partitioner(), Some(Partitioner::Murmur3));
        assert_eq!(local.rpc_address, None);
        assert_eq!(
            local.info,
            HostInfo {
                host_id: Some(id(1)),
                datacenter: Some("dc1".into()),
                rack: Some("r1".into()),
                // "x" and the out-of-range token are skipped.
                tokens: vec![Token::new(-5), Token::new(100)],
                release_version: Some("2.0.14".into()),
                schema_version: Some(id(7)),
            }
        );
    }

    #[test]
    fn local_row_edge_cases() {
        let columns = [
            ("partitioner", ColumnType::Varchar),
            ("tokens", tokens_type()),
            ("rpc_address", ColumnType::Inet),
        ];
        // An unknown partitioner leaves the tokens out.
        let rows = build(
            "local",
            &columns,
            &[vec![
                Val::Text("org.apache.cassandra.dht.ByteOrderedPartitioner"),
                Val::Tokens(vec!["6b6579"]),
                Val::Inet(ip(9)),
            ]],
        );
        let local = parse_local(&rows, V).unwrap();
        assert_eq!(local.routing_partitioner(), None);
        assert!(local.info.tokens.is_empty());
        assert_eq!(local.rpc_address, Some(ip(9)));
        assert_eq!(local.cluster_name, None);
        // 0.0.0.0 is no rpc_address.
        let rows = build(
            "local",
            &columns,
            &[vec![
                Val::Null,
                Val::Null,
                Val::Inet(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            ]],
        );
        assert_eq!(parse_local(&rows, V).unwrap().rpc_address, None);
        // No row.
        let rows = build("local", &columns, &[]);
        assert_eq!(parse_local(&rows, V), Err(MetadataError::NoLocalRow));
        // A column of the wrong type.
        let rows = build(
            "local",
            &[("host_id", ColumnType::Varchar)],
            &[vec![Val::Text("not a uuid")]],
        );
        assert!(matches!(
            parse_local(&rows, V),
            Err(MetadataError::BadValue {
                column: "host_id",
                ..
            })
        ));
        // No metadata.
        let rows = Rows::empty(RowsMetadata::no_metadata(3));
        assert_eq!(
            parse_local(&rows, V),
            Err(MetadataError::NoColumnSpecs {
                table: "system.local"
            })
        );
    }

    #[test]
    fn peers_validity_and_address_fallback() {
        let ok = || (Val::Text("dc1"), Val::Text("r1"));
        let rows = build(
            "peers",
            &peers_columns(),
            &[
                // rpc_address is used when set.
                peer(
                    2,
                    Val::Inet(ip(102)),
                    ok().0,
                    ok().1,
                    Val::Uuid(id(2)),
                    vec!["10"],
                ),
                // 0.0.0.0, :: and null fall back to peer.
                peer(
                    3,
                    Val::Inet(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                    ok().0,
                    ok().1,
                    Val::Uuid(id(3)),
                    vec!["20", "bad"],
                ),
                peer(
                    4,
                    Val::Inet(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
                    ok().0,
                    ok().1,
                    Val::Uuid(id(4)),
                    vec!["30"],
                ),
                peer(5, Val::Null, ok().0, ok().1, Val::Uuid(id(5)), vec!["40"]),
                // Invalid: no host id, empty dc, null rack, no tokens.
                peer(6, Val::Inet(ip(6)), ok().0, ok().1, Val::Null, vec!["50"]),
                peer(
                    7,
                    Val::Inet(ip(7)),
                    Val::Text(""),
                    ok().1,
                    Val::Uuid(id(7)),
                    vec!["60"],
                ),
                peer(
                    8,
                    Val::Inet(ip(8)),
                    ok().0,
                    Val::Null,
                    Val::Uuid(id(8)),
                    vec!["70"],
                ),
                peer(
                    9,
                    Val::Inet(ip(9)),
                    ok().0,
                    ok().1,
                    Val::Uuid(id(9)),
                    vec![],
                ),
            ],
        );
        let peers = parse_peers(&rows, V, Some(Partitioner::Murmur3)).unwrap();
        let summary: Vec<(IpAddr, Option<IpAddr>, Vec<Token>)> = peers
            .iter()
            .map(|p| (p.address, p.peer, p.info.tokens.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (ip(102), Some(ip(2)), vec![Token::new(10)]),
                (ip(3), Some(ip(3)), vec![Token::new(20)]),
                (ip(4), Some(ip(4)), vec![Token::new(30)]),
                (ip(5), Some(ip(5)), vec![Token::new(40)]),
            ]
        );
        assert_eq!(peers[0].info.host_id, Some(id(2)));
        assert_eq!(peers[0].info.datacenter.as_deref(), Some("dc1"));
        assert_eq!(peers[0].info.rack.as_deref(), Some("r1"));
        assert_eq!(peers[0].info.release_version.as_deref(), Some("2.0.17"));
        assert_eq!(peers[0].info.schema_version, Some(id(99)));

        // Without a partitioner the peers stay, without tokens.
        let peers = parse_peers(&rows, V, None).unwrap();
        assert_eq!(peers.len(), 4);
        assert!(peers.iter().all(|p| p.info.tokens.is_empty()));
    }

    #[test]
    fn peers_without_a_tokens_column_or_an_address_column() {
        // Without a tokens column, tokens are not required.
        let rows = build(
            "peers",
            &[
                ("peer", ColumnType::Inet),
                ("host_id", ColumnType::Uuid),
                ("data_center", ColumnType::Varchar),
                ("rack", ColumnType::Varchar),
            ],
            &[vec![
                Val::Inet(ip(2)),
                Val::Uuid(id(2)),
                Val::Text("dc1"),
                Val::Text("r1"),
            ]],
        );
        let peers = parse_peers(&rows, V, Some(Partitioner::Murmur3)).unwrap();
        assert_eq!(peers.len(), 1);
        assert_eq!(peers[0].address, ip(2));
        // Neither peer nor rpc_address.
        let rows = build("peers", &[("host_id", ColumnType::Uuid)], &[]);
        assert_eq!(
            parse_peers(&rows, V, None),
            Err(MetadataError::MissingColumn {
                table: "system.peers",
                column: "peer"
            })
        );
    }

    #[test]
    fn schema_versions_and_agreement() {
        let rows = build(
            "peers",
            &[
                ("peer", ColumnType::Inet),
                ("host_id", ColumnType::Uuid),
                ("rpc_address", ColumnType::Inet),
                ("schema_version", ColumnType::Uuid),
            ],
            &[
                vec![
                    Val::Inet(ip(2)),
                    Val::Uuid(id(2)),
                    Val::Inet(ip(2)),
                    Val::Uuid(id(50)),
                ],
                vec![
                    Val::Inet(ip(3)),
                    Val::Null,
                    Val::Inet(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                    Val::Uuid(id(51)),
                ],
                vec![Val::Inet(ip(4)), Val::Uuid(id(4)), Val::Null, Val::Null],
            ],
        );
        let peers = parse_peer_schema_versions(&rows, V).unwrap();
        assert_eq!(
            peers,
            vec![
                PeerSchemaVersion {
                    address: ip(2),
                    host_id: Some(id(2)),
                    schema_version: Some(id(50)),
                },
                PeerSchemaVersion {
                    address: ip(3),
                    host_id: None,
                    schema_version: Some(id(51)),
                },
                PeerSchemaVersion {
                    address: ip(4),
                    host_id: Some(id(4)),
                    schema_version: None,
                },
            ]
        );
        let local_rows = build(
            "local",
            &[("schema_version", ColumnType::Uuid)],
            &[vec![Val::Uuid(id(50))]],
        );
        let local = parse_local_schema_version(&local_rows, V).unwrap();
        assert_eq!(local, Some(id(50)));
        // Node 3 disagrees while it counts.
        assert!(!schema_in_agreement(local, &peers, |_| true));
        assert!(schema_in_agreement(local, &peers, |p| p.address != ip(3)));
        assert!(schema_in_agreement(None, &[], |_| true));
        // schema_version is required in the agreement queries.
        let rows = build("peers", &[("peer", ColumnType::Inet)], &[]);
        assert!(matches!(
            parse_peer_schema_versions(&rows, V),
            Err(MetadataError::MissingColumn {
                column: "schema_version",
                ..
            })
        ));
    }
}
