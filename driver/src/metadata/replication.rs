//! Replication strategies (`system.schema_keyspaces.strategy_class` and
//! `strategy_options`) and the replica placement each one gives.
//!
//! Placement follows Cassandra 2.0 (`locator/SimpleStrategy.java`,
//! `locator/NetworkTopologyStrategy.java`), as the DataStax drivers
//! reproduce it:
//!
//! - **SimpleStrategy**: from the owner of the token, walk the ring
//!   clockwise and take the first `replication_factor` distinct hosts.
//! - **NetworkTopologyStrategy**: walk the ring clockwise once; for each data
//!   center with a replication factor, take hosts of that data center on
//!   racks not used yet; a host on an already used rack is put aside, and
//!   once every rack of the data center holds a replica the hosts put aside
//!   are taken, in walk order, followed by any later host. A data center
//!   stops at its replication factor or when it runs out of hosts. Replicas
//!   are listed in walk order across data centers.
//! - **EverywhereStrategy**: every host, in walk order from the owner.
//! - **LocalStrategy** (the `system` keyspace): only the owner. Each node
//!   stores its own copy, so any node can answer; the owner is as good as
//!   any.
//! - **Other** (a class the driver does not know): only the owner, as the
//!   Java driver does for strategies it cannot compute. The owner is the
//!   first replica of every strategy Cassandra ships, and routing a request
//!   to a non-replica costs one extra hop, never correctness.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::cluster::Host;
use crate::metadata::token_map::ReplicaRing;
use crate::metadata::{MetadataError, Token};

/// How a keyspace is replicated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReplicationStrategy {
    /// `SimpleStrategy`: `replication_factor` replicas, placed ignoring
    /// the topology.
    Simple {
        /// The number of replicas.
        replication_factor: usize,
    },
    /// `NetworkTopologyStrategy`: a replication factor per data center.
    NetworkTopology {
        /// The replication factor of each data center.
        datacenters: BTreeMap<String, usize>,
    },
    /// `LocalStrategy`: the `system` keyspace, local to each node.
    Local,
    /// `EverywhereStrategy` (DataStax Enterprise): every node holds
    /// everything.
    Everywhere,
    /// Any other class, with its options as given.
    Other {
        /// The full class name.
        class: String,
        /// The options, values as text.
        options: BTreeMap<String, String>,
    },
}

impl ReplicationStrategy {
    /// The strategy named by `class` (a full class name, matched on its
    /// suffix) with `options`, the JSON object of
    /// `system.schema_keyspaces.strategy_options` (e.g.
    /// `{"replication_factor":"3"}` or `{"dc1":"3","dc2":"2"}`).
    ///
    /// A missing or unparseable replication factor, or options that are
    /// not a JSON object of strings or numbers, give
    /// [`MetadataError::BadReplication`]. A `class` key among the options
    /// (as later Cassandra versions write them) is ignored.
    ///
    /// ```
    /// use cql_driver::metadata::ReplicationStrategy;
    ///
    /// let s = ReplicationStrategy::from_class_and_options(
    ///     "org.apache.cassandra.locator.NetworkTopologyStrategy",
    ///     r#"{"dc1":"3","dc2":"2"}"#,
    /// )?;
    /// let ReplicationStrategy::NetworkTopology { datacenters } = s else { unreachable!() };
    /// assert_eq!(datacenters["dc1"], 3);
    /// # Ok::<(), cql_driver::metadata::MetadataError>(())
    /// ```
    pub fn from_class_and_options(class: &str, options: &str) -> Result<Self, MetadataError> {
        let bad = |reason: String| MetadataError::BadReplication {
            class: class.to_owned(),
            reason,
        };
        let mut options = parse_options(options).map_err(bad)?;
        options.remove("class");
        let rf = |key: &str, value: &str| {
            value
                .trim()
                .parse::<usize>()
                .map_err(|_| bad(format!("{key} is not a replication factor: {value:?}")))
        };
        if class.ends_with("SimpleStrategy") {
            let value = options
                .get("replication_factor")
                .ok_or_else(|| bad("replication_factor is missing".into()))?;
            Ok(ReplicationStrategy::Simple {
                replication_factor: rf("replication_factor", value)?,
            })
        } else if class.ends_with("NetworkTopologyStrategy") {
            let mut datacenters = BTreeMap::new();
            for (dc, value) in &options {
                datacenters.insert(dc.clone(), rf(dc, value)?);
            }
            Ok(ReplicationStrategy::NetworkTopology { datacenters })
        } else if class.ends_with("LocalStrategy") {
            Ok(ReplicationStrategy::Local)
        } else if class.ends_with("EverywhereStrategy") {
            Ok(ReplicationStrategy::Everywhere)
        } else {
            Ok(ReplicationStrategy::Other {
                class: class.to_owned(),
                options,
            })
        }
    }

    /// The total number of replicas, when the strategy fixes it
    /// (`None` for Everywhere, Local and Other).
    pub fn replication_factor(&self) -> Option<usize> {
        match self {
            ReplicationStrategy::Simple { replication_factor } => Some(*replication_factor),
            ReplicationStrategy::NetworkTopology { datacenters } => {
                Some(datacenters.values().sum())
            }
            _ => None,
        }
    }
}

/// Reads a JSON object of options; values may be strings or numbers (or
/// booleans), and `null`/empty text is no options.
pub(crate) fn parse_options(text: &str) -> Result<BTreeMap<String, String>, String> {
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("options are not JSON: {e}"))?;
    let object = match value {
        serde_json::Value::Object(object) => object,
        serde_json::Value::Null => return Ok(BTreeMap::new()),
        _ => return Err("options are not a JSON object".into()),
    };
    let mut out = BTreeMap::new();
    for (key, value) in object {
        let text = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => return Err(format!("option {key} is not a string or a number")),
        };
        out.insert(key, text);
    }
    Ok(out)
}

/// What a placement depends on: strategies that place replicas the same way
/// share one computation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum PlacementKey {
    /// Only the owner of the range.
    Owner,
    /// Every host.
    Everywhere,
    /// SimpleStrategy with this factor.
    Simple(usize),
    /// NetworkTopologyStrategy with these factors (data centers with 0
    /// dropped).
    Topology(BTreeMap<String, usize>),
}

impl PlacementKey {
    pub(crate) fn of(strategy: &ReplicationStrategy) -> Self {
        match strategy {
            ReplicationStrategy::Simple { replication_factor } => {
                PlacementKey::Simple(*replication_factor)
            }
            ReplicationStrategy::NetworkTopology { datacenters } => PlacementKey::Topology(
                datacenters
                    .iter()
                    .filter(|(_, rf)| **rf > 0)
                    .map(|(dc, rf)| (dc.clone(), *rf))
                    .collect(),
            ),
            ReplicationStrategy::Everywhere => PlacementKey::Everywhere,
            ReplicationStrategy::Local | ReplicationStrategy::Other { .. } => PlacementKey::Owner,
        }
    }
}

/// The ring in a form placement can walk quickly: each ring position's host
/// as an index into `hosts`, and each host's data center and rack as small
/// integers.
pub(crate) struct Topology {
    tokens: Vec<Token>,
    /// The host of each ring position (index into `hosts`).
    owners: Vec<usize>,
    hosts: Vec<Arc<Host>>,
    /// The data center of each host (index into `dc_names`), if known.
    host_dc: Vec<Option<usize>>,
    /// The rack of each host, numbered within the whole cluster (a rack
    /// name in two data centers is two racks).
    host_rack: Vec<usize>,
    dc_names: Vec<String>,
    /// The number of hosts of each data center.
    dc_hosts: Vec<usize>,
    /// The number of racks of each data center.
    dc_racks: Vec<usize>,
    rack_count: usize,
}

impl Topology {
    /// `ring` must be sorted by token, with one owner per token.
    pub(crate) fn new(ring: &[(Token, Arc<Host>)]) -> Self {
        let mut index_of: HashMap<*const Host, usize> = HashMap::new();
        let mut hosts: Vec<Arc<Host>> = Vec::new();
        let mut owners = Vec::with_capacity(ring.len());
        let mut tokens = Vec::with_capacity(ring.len());
        for (token, host) in ring {
            let next = hosts.len();
            let index = *index_of.entry(Arc::as_ptr(host)).or_insert(next);
            if index == next {
                hosts.push(host.clone());
            }
            owners.push(index);
            tokens.push(*token);
        }
        let mut dc_index: HashMap<String, usize> = HashMap::new();
        let mut rack_index: HashMap<(usize, Option<String>), usize> = HashMap::new();
        let mut dc_names = Vec::new();
        let mut dc_hosts = Vec::new();
        let mut dc_racks = Vec::new();
        let mut host_dc = Vec::with_capacity(hosts.len());
        let mut host_rack = Vec::with_capacity(hosts.len());
        for host in &hosts {
            let info = host.info();
            let dc = info.datacenter.map(|name| {
                let next = dc_names.len();
                let dc = *dc_index.entry(name.clone()).or_insert(next);
                if dc == next {
                    dc_names.push(name);
                    dc_hosts.push(0);
                    dc_racks.push(0);
                }
                dc_hosts[dc] += 1;
                dc
            });
            let next = rack_index.len();
            let rack = *rack_index
                .entry((dc.unwrap_or(usize::MAX), info.rack))
                .or_insert(next);
            if rack == next {
                if let Some(dc) = dc {
                    dc_racks[dc] += 1;
                }
            }
            host_dc.push(dc);
            host_rack.push(rack);
        }
        Topology {
            tokens,
            owners,
            hosts,
            host_dc,
            host_rack,
            dc_names,
            dc_hosts,
            dc_racks,
            rack_count: rack_index.len(),
        }
    }

    /// Every ring token's replicas under `key`.
    pub(crate) fn place(&self, key: &PlacementKey) -> ReplicaRing {
        let mut walker = Walker::new(self);
        (0..self.tokens.len())
            .map(|start| {
                let replicas = walker.replicas(key, start);
                let hosts = replicas.iter().map(|&h| self.hosts[h].clone()).collect();
                (self.tokens[start], hosts)
            })
            .collect()
    }
}

/// Scratch space reused across ring positions.
struct Walker<'t> {
    topology: &'t Topology,
    chosen: Vec<bool>,
    seen_rack: Vec<bool>,
    out: Vec<usize>,
}

impl<'t> Walker<'t> {
    fn new(topology: &'t Topology) -> Self {
        Walker {
            topology,
            chosen: vec![false; topology.hosts.len()],
            seen_rack: vec![false; topology.rack_count],
            out: Vec::new(),
        }
    }

    /// The ring positions from `start` clockwise, once around.
    fn walk(&self, start: usize) -> impl Iterator<Item = usize> + 't {
        let owners = &self.topology.owners;
        let n = owners.len();
        (0..n).map(move |i| owners[(start + i) % n])
    }

    fn replicas(&mut self, key: &PlacementKey, start: usize) -> Vec<usize> {
        self.chosen.iter_mut().for_each(|c| *c = false);
        self.out.clear();
        match key {
            PlacementKey::Owner => self.distinct(start, 1),
            PlacementKey::Everywhere => self.distinct(start, usize::MAX),
            PlacementKey::Simple(rf) => self.distinct(start, *rf),
            PlacementKey::Topology(dcs) => self.topology_aware(start, dcs),
        }
        self.out.clone()
    }

    /// The first `limit` distinct hosts clockwise from `start`.
    fn distinct(&mut self, start: usize, limit: usize) {
        let limit = limit.min(self.topology.hosts.len());
        if limit == 0 {
            return;
        }
        for host in self.walk(start) {
            if !self.chosen[host] {
                self.chosen[host] = true;
                self.out.push(host);
                if self.out.len() >= limit {
                    return;
                }
            }
        }
    }

    /// NetworkTopologyStrategy (see the module documentation).
    fn topology_aware(&mut self, start: usize, factors: &BTreeMap<String, usize>) {
        let t = self.topology;
        // Per data center of the cluster: its target (min(rf, hosts)), the
        // replicas taken, the racks seen and the hosts put aside.
        let mut target = vec![0usize; t.dc_names.len()];
        for (dc, name) in t.dc_names.iter().enumerate() {
            if let Some(rf) = factors.get(name) {
                target[dc] = (*rf).min(t.dc_hosts[dc]);
            }
        }
        let mut remaining_dcs = target.iter().filter(|&&n| n > 0).count();
        if remaining_dcs == 0 {
            return;
        }
        let mut taken = vec![0usize; t.dc_names.len()];
        let mut racks_seen = vec![0usize; t.dc_names.len()];
        let mut skipped: Vec<Vec<usize>> = vec![Vec::new(); t.dc_names.len()];
        self.seen_rack.iter_mut().for_each(|s| *s = false);
        for host in self.walk(start) {
            let Some(dc) = t.host_dc[host] else { continue };
            if taken[dc] >= target[dc] || self.chosen[host] {
                continue;
            }
            let rack = t.host_rack[host];
            if racks_seen[dc] >= t.dc_racks[dc] {
                // Every rack has a replica: any host will do.
                self.take(host, dc, &mut taken);
            } else if self.seen_rack[rack] {
                if !skipped[dc].contains(&host) {
                    skipped[dc].push(host);
                }
                continue;
            } else {
                self.seen_rack[rack] = true;
                racks_seen[dc] += 1;
                self.take(host, dc, &mut taken);
                if racks_seen[dc] >= t.dc_racks[dc] {
                    for &other in &skipped[dc] {
                        if taken[dc] >= target[dc] {
                            break;
                        }
                        if !self.chosen[other] {
                            self.take(other, dc, &mut taken);
                        }
                    }
                    skipped[dc].clear();
                }
            }
            if taken[dc] >= target[dc] {
                remaining_dcs -= 1;
                if remaining_dcs == 0 {
                    return;
                }
            }
        }
    }

    fn take(&mut self, host: usize, dc: usize, taken: &mut [usize]) {
        self.chosen[host] = true;
        self.out.push(host);
        taken[dc] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(class: &str, options: &str) -> Result<ReplicationStrategy, MetadataError> {
        ReplicationStrategy::from_class_and_options(class, options)
    }

    #[test]
    fn parses_every_strategy() {
        assert_eq!(
            s(
                "org.apache.cassandra.locator.SimpleStrategy",
                r#"{"replication_factor":"3"}"#
            ),
            Ok(ReplicationStrategy::Simple {
                replication_factor: 3
            })
        );
        assert_eq!(
            s("SimpleStrategy", r#"{"replication_factor":2}"#),
            Ok(ReplicationStrategy::Simple {
                replication_factor: 2
            })
        );
        assert_eq!(
            s(
                "org.apache.cassandra.locator.NetworkTopologyStrategy",
                r#"{"dc1":"3","dc2":"0","class":"x"}"#
            ),
            Ok(ReplicationStrategy::NetworkTopology {
                datacenters: BTreeMap::from([("dc1".into(), 3), ("dc2".into(), 0)])
            })
        );
        assert_eq!(
            s("org.apache.cassandra.locator.NetworkTopologyStrategy", "{}"),
            Ok(ReplicationStrategy::NetworkTopology {
                datacenters: BTreeMap::new()
            })
        );
        assert_eq!(
            s("org.apache.cassandra.locator.LocalStrategy", "{}"),
            Ok(ReplicationStrategy::Local)
        );
        assert_eq!(
            s("com.datastax.bdp.db.EverywhereStrategy", ""),
            Ok(ReplicationStrategy::Everywhere)
        );
        assert_eq!(
            s("com.example.MyStrategy", r#"{"a":"b","n":1}"#),
            Ok(ReplicationStrategy::Other {
                class: "com.example.MyStrategy".into(),
                options: BTreeMap::from([("a".into(), "b".into()), ("n".into(), "1".into())])
            })
        );
    }

    #[test]
    fn bad_options_are_errors() {
        for (class, options) in [
            ("SimpleStrategy", "{}"),
            ("SimpleStrategy", r#"{"replication_factor":"three"}"#),
            ("SimpleStrategy", r#"{"replication_factor":"-1"}"#),
            ("SimpleStrategy", "not json"),
            ("SimpleStrategy", "[1]"),
            ("NetworkTopologyStrategy", r#"{"dc1":"x"}"#),
            ("NetworkTopologyStrategy", r#"{"dc1":{"a":1}}"#),
            ("com.example.S", r#"{"a":[1]}"#),
        ] {
            assert!(
                matches!(s(class, options), Err(MetadataError::BadReplication { .. })),
                "{class} {options}"
            );
        }
    }

    #[test]
    fn replication_factors() {
        let nts = ReplicationStrategy::NetworkTopology {
            datacenters: BTreeMap::from([("a".into(), 2), ("b".into(), 3)]),
        };
        assert_eq!(nts.replication_factor(), Some(5));
        assert_eq!(ReplicationStrategy::Local.replication_factor(), None);
    }
}
