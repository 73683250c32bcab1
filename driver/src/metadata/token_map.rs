//! The token map: which hosts own which part of the ring, and the replicas
//! of each token for each keyspace.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::cluster::Host;
use crate::metadata::replication::{PlacementKey, Topology};
use crate::metadata::{KeyspaceMetadata, Partitioner, Token};

/// The replicas of one keyspace: for each token on the ring, sorted, the
/// hosts that hold the range ending at it, primary first.
pub type ReplicaRing = Vec<(Token, Vec<Arc<Host>>)>;

/// The ring and each keyspace's replica placement.
#[derive(Debug, Clone)]
pub struct TokenMap {
    partitioner: Partitioner,
    ring: Vec<(Token, Arc<Host>)>,
    /// Keyspaces with the same placement share one ring.
    replicas: HashMap<String, Arc<ReplicaRing>>,
}

impl TokenMap {
    /// A map with explicit placements: `ring` lists each host's tokens
    /// (any order) and `replicas` each keyspace's placement.
    pub fn with_replicas(
        partitioner: Partitioner,
        mut ring: Vec<(Token, Arc<Host>)>,
        mut replicas: HashMap<String, ReplicaRing>,
    ) -> Self {
        ring.sort_by_key(|(token, _)| *token);
        for placement in replicas.values_mut() {
            placement.sort_by_key(|(token, _)| *token);
        }
        TokenMap {
            partitioner,
            ring,
            replicas: replicas
                .into_iter()
                .map(|(keyspace, placement)| (keyspace, Arc::new(placement)))
                .collect(),
        }
    }

    /// The map of `hosts` (each owning its [`Host::tokens`]) with each
    /// keyspace's placement computed from its replication strategy (see
    /// [`ReplicationStrategy`](crate::metadata::ReplicationStrategy) for
    /// the rules).
    ///
    /// A token claimed by two hosts goes to the first of them in `hosts`.
    /// The placement is computed once per distinct strategy and shared
    /// between the keyspaces that use it.
    pub fn build(
        partitioner: Partitioner,
        hosts: &[Arc<Host>],
        keyspaces: &BTreeMap<String, KeyspaceMetadata>,
    ) -> Self {
        let mut ring: Vec<(Token, Arc<Host>)> = hosts
            .iter()
            .flat_map(|host| host.tokens().into_iter().map(move |t| (t, host.clone())))
            .collect();
        // A stable sort keeps the first claimant of a token first.
        ring.sort_by_key(|(token, _)| *token);
        ring.dedup_by_key(|(token, _)| *token);
        let mut map = TokenMap {
            partitioner,
            ring,
            replicas: HashMap::new(),
        };
        map.place(keyspaces);
        map
    }

    /// The same ring with the placements of `keyspaces` (after a schema
    /// change; keyspaces not in `keyspaces` are dropped).
    pub fn with_keyspaces(&self, keyspaces: &BTreeMap<String, KeyspaceMetadata>) -> Self {
        let mut map = TokenMap {
            partitioner: self.partitioner,
            ring: self.ring.clone(),
            replicas: HashMap::new(),
        };
        map.place(keyspaces);
        map
    }

    fn place(&mut self, keyspaces: &BTreeMap<String, KeyspaceMetadata>) {
        let topology = Topology::new(&self.ring);
        let mut computed: HashMap<PlacementKey, Arc<ReplicaRing>> = HashMap::new();
        for (name, keyspace) in keyspaces {
            let key = PlacementKey::of(&keyspace.replication);
            let placement = computed
                .entry(key)
                .or_insert_with_key(|key| Arc::new(topology.place(key)))
                .clone();
            self.replicas.insert(name.clone(), placement);
        }
    }

    /// The partitioner that computes tokens.
    pub fn partitioner(&self) -> Partitioner {
        self.partitioner
    }

    /// Every (token, owner) pair, sorted by token.
    pub fn ring(&self) -> &[(Token, Arc<Host>)] {
        &self.ring
    }

    /// The hosts that hold `token` in `keyspace`, primary replica first;
    /// empty when the keyspace is unknown.
    ///
    /// A token belongs to the range that ends at the first ring token at or
    /// after it, wrapping around past the largest.
    pub fn replicas(&self, keyspace: &str, token: Token) -> &[Arc<Host>] {
        let Some(placement) = self.replicas.get(keyspace) else {
            return &[];
        };
        if placement.is_empty() {
            return &[];
        }
        let index = placement.partition_point(|(t, _)| *t < token);
        let index = if index == placement.len() { 0 } else { index };
        &placement[index].1
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, SocketAddr};

    use super::*;
    use crate::cluster::HostInfo;
    use crate::metadata::ReplicationStrategy;

    fn host(last: u8, dc: &str, rack: &str, tokens: &[i128]) -> Arc<Host> {
        Arc::new(Host::new(
            SocketAddr::from((Ipv4Addr::new(127, 0, 0, last), 9042)),
            HostInfo {
                datacenter: Some(dc.into()),
                rack: Some(rack.into()),
                tokens: tokens.iter().map(|&t| Token::new(t)).collect(),
                ..HostInfo::default()
            },
        ))
    }

    fn keyspaces(list: &[(&str, ReplicationStrategy)]) -> BTreeMap<String, KeyspaceMetadata> {
        list.iter()
            .map(|(name, replication)| {
                (
                    (*name).to_owned(),
                    KeyspaceMetadata {
                        name: (*name).to_owned(),
                        replication: replication.clone(),
                        durable_writes: true,
                        tables: BTreeMap::new(),
                    },
                )
            })
            .collect()
    }

    fn simple(rf: usize) -> ReplicationStrategy {
        ReplicationStrategy::Simple {
            replication_factor: rf,
        }
    }

    fn nts(dcs: &[(&str, usize)]) -> ReplicationStrategy {
        ReplicationStrategy::NetworkTopology {
            datacenters: dcs.iter().map(|(d, n)| ((*d).to_owned(), *n)).collect(),
        }
    }

    /// The last address byte of each replica of `token`.
    fn of(map: &TokenMap, keyspace: &str, token: i128) -> Vec<u8> {
        map.replicas(keyspace, Token::new(token))
            .iter()
            .map(|h| match h.address().ip() {
                std::net::IpAddr::V4(ip) => ip.octets()[3],
                std::net::IpAddr::V6(_) => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn simple_strategy_walks_distinct_hosts_clockwise() {
        // 1 owns 0 and 200, 2 owns 100, 3 owns 300.
        let hosts = [
            host(1, "dc1", "r1", &[0, 200]),
            host(2, "dc1", "r1", &[100]),
            host(3, "dc1", "r1", &[300]),
        ];
        let ks = keyspaces(&[
            ("one", simple(1)),
            ("two", simple(2)),
            ("all", simple(5)),
            ("none", simple(0)),
        ]);
        let map = TokenMap::build(Partitioner::Murmur3, &hosts, &ks);
        assert_eq!(map.ring().len(), 4);
        assert_eq!(of(&map, "one", 50), [2]);
        assert_eq!(of(&map, "two", -5), [1, 2]);
        assert_eq!(of(&map, "two", 0), [1, 2]);
        assert_eq!(of(&map, "two", 1), [2, 1]);
        assert_eq!(of(&map, "two", 150), [1, 3]);
        assert_eq!(of(&map, "two", 250), [3, 1]);
        assert_eq!(of(&map, "two", 301), [1, 2]);
        assert_eq!(of(&map, "all", 250), [3, 1, 2]);
        assert!(of(&map, "none", 250).is_empty());
        assert!(of(&map, "unknown", 250).is_empty());
    }

    /// dc1: 1 (r1, 0), 2 (r1, 100), 3 (r2, 200), 4 (r2, 300);
    /// dc2: 5 (r1, 50), 6 (r1, 150). Ring: 1, 5, 2, 6, 3, 4.
    fn two_dcs() -> Vec<Arc<Host>> {
        vec![
            host(1, "dc1", "r1", &[0]),
            host(2, "dc1", "r1", &[100]),
            host(3, "dc1", "r2", &[200]),
            host(4, "dc1", "r2", &[300]),
            host(5, "dc2", "r1", &[50]),
            host(6, "dc2", "r1", &[150]),
        ]
    }

    #[test]
    fn network_topology_prefers_new_racks() {
        let ks = keyspaces(&[
            ("a", nts(&[("dc1", 2), ("dc2", 1)])),
            ("b", nts(&[("dc1", 3), ("dc2", 1)])),
            ("c", nts(&[("dc2", 3)])),
            ("d", nts(&[("dc3", 2)])),
            ("e", nts(&[("dc1", 4), ("dc2", 0)])),
        ]);
        let map = TokenMap::build(Partitioner::Murmur3, &two_dcs(), &ks);
        // From 1: 1 (dc1 r1), 5 (dc2), 2 skipped (r1 seen), 3 (dc1 r2).
        assert_eq!(of(&map, "a", 0), [1, 5, 3]);
        assert_eq!(of(&map, "a", 100), [2, 6, 3]);
        // From 3: 3 (r2), 4 skipped (r2), 1 (r1), then 5 for dc2.
        assert_eq!(of(&map, "a", 200), [3, 1, 5]);
        assert_eq!(of(&map, "a", 300), [4, 1, 5]);
        assert_eq!(of(&map, "a", 50), [5, 2, 3]);
        assert_eq!(of(&map, "a", 150), [6, 3, 1]);
        // RF 3 in dc1: once both racks have a replica, the skipped host 2
        // fills the third slot.
        assert_eq!(of(&map, "b", 0), [1, 5, 3, 2]);
        // From 3: 3, 4 skipped, 1 (all racks seen: 4 is taken), then 5.
        assert_eq!(of(&map, "b", 200), [3, 1, 4, 5]);
        // dc2 has only two hosts for RF 3.
        assert_eq!(of(&map, "c", 0), [5, 6]);
        // A data center without hosts gives no replicas.
        assert!(of(&map, "d", 0).is_empty());
        // RF 4 = every host of dc1; dc2 with RF 0 is left out.
        assert_eq!(of(&map, "e", 0), [1, 3, 2, 4]);
    }

    #[test]
    fn everywhere_local_and_other_strategies() {
        let other = ReplicationStrategy::Other {
            class: "com.example.S".into(),
            options: BTreeMap::new(),
        };
        let ks = keyspaces(&[
            ("everywhere", ReplicationStrategy::Everywhere),
            ("local", ReplicationStrategy::Local),
            ("other", other),
        ]);
        let map = TokenMap::build(Partitioner::Murmur3, &two_dcs(), &ks);
        assert_eq!(of(&map, "everywhere", 120), [6, 3, 4, 1, 5, 2]);
        assert_eq!(of(&map, "local", 120), [6]);
        assert_eq!(of(&map, "other", 120), [6]);
    }

    #[test]
    fn keyspaces_with_the_same_placement_share_it() {
        let ks = keyspaces(&[
            ("a", simple(2)),
            ("b", simple(2)),
            ("c", nts(&[("dc1", 1)])),
            ("d", nts(&[("dc1", 1), ("dc2", 0)])),
            ("local", ReplicationStrategy::Local),
            ("simple1", simple(1)),
        ]);
        let map = TokenMap::build(Partitioner::Murmur3, &two_dcs(), &ks);
        assert!(Arc::ptr_eq(&map.replicas["a"], &map.replicas["b"]));
        assert!(Arc::ptr_eq(&map.replicas["c"], &map.replicas["d"]));
        assert!(!Arc::ptr_eq(&map.replicas["a"], &map.replicas["c"]));
        // Owner-only and SimpleStrategy RF 1 place alike but are computed
        // separately; the results agree.
        assert_eq!(of(&map, "local", 7), of(&map, "simple1", 7));

        // A schema change keeps the ring.
        let updated = map.with_keyspaces(&keyspaces(&[("z", simple(1))]));
        assert_eq!(updated.ring().len(), 6);
        assert_eq!(of(&updated, "z", 120), [6]);
        assert!(of(&updated, "a", 120).is_empty());
    }

    #[test]
    fn hosts_without_tokens_or_datacenter() {
        let no_dc = Arc::new(Host::new(
            SocketAddr::from((Ipv4Addr::new(127, 0, 0, 9), 9042)),
            HostInfo {
                tokens: vec![Token::new(250)],
                ..HostInfo::default()
            },
        ));
        let mut hosts = two_dcs();
        hosts.push(no_dc);
        hosts.push(host(10, "dc1", "r1", &[]));
        // A duplicate token goes to the first host listing it.
        hosts.push(host(11, "dc1", "r1", &[300]));
        let ks = keyspaces(&[("a", nts(&[("dc1", 2)])), ("s", simple(2))]);
        let map = TokenMap::build(Partitioner::Murmur3, &hosts, &ks);
        assert_eq!(map.ring().len(), 7);
        // The host without a data center owns 250 but is no NTS replica.
        assert_eq!(of(&map, "a", 250), [4, 1]);
        assert_eq!(of(&map, "s", 250), [9, 4]);
        let empty = TokenMap::build(Partitioner::Murmur3, &[], &ks);
        assert!(of(&empty, "a", 0).is_empty());
    }

    #[test]
    fn random_partitioner_tokens() {
        let hosts = [
            host(1, "dc1", "r1", &[0]),
            host(2, "dc1", "r1", &[1 << 126]),
            host(3, "dc1", "r1", &[i128::MAX]),
        ];
        let map = TokenMap::build(
            Partitioner::Random,
            &hosts,
            &keyspaces(&[("ks", simple(2))]),
        );
        // md5("a") = 0cc175b9...: in (0, 2^126], owned by 2.
        let a = Partitioner::Random.token(b"a");
        assert_eq!(of(&map, "ks", a.value()), [2, 3]);
        // md5("b") = 92eb5ffe... is negative as signed; its absolute value
        // 6d14a001... lies in (2^126, 2^127 - 1], owned by 3.
        let b = Partitioner::Random.token(b"b");
        assert!(b.value() > 1 << 126);
        assert_eq!(of(&map, "ks", b.value()), [3, 1]);
        // The empty key (-1) wraps to the first token.
        assert_eq!(
            of(&map, "ks", Partitioner::Random.token(b"").value()),
            [1, 2]
        );
    }

    #[test]
    fn vnodes_at_scale() {
        // 10 hosts × 256 vnodes, 2 data centers of 2 racks each.
        let mut hosts = Vec::new();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..10u8 {
            let tokens: Vec<i128> = (0..256)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    i128::from(seed as i64)
                })
                .collect();
            let dc = if i < 5 { "dc1" } else { "dc2" };
            let rack = if i % 2 == 0 { "r1" } else { "r2" };
            hosts.push(host(i + 1, dc, rack, &tokens));
        }
        let ks = keyspaces(&[
            ("n", nts(&[("dc1", 3), ("dc2", 3)])),
            ("s", simple(3)),
            ("e", ReplicationStrategy::Everywhere),
        ]);
        let start = std::time::Instant::now();
        let map = TokenMap::build(Partitioner::Murmur3, &hosts, &ks);
        let elapsed = start.elapsed();
        assert!(elapsed.as_secs() < 10, "took {elapsed:?}");
        assert_eq!(map.ring().len(), 2560);
        for (token, _) in map.ring().iter().step_by(37) {
            let n = map.replicas("n", *token);
            assert_eq!(n.len(), 6);
            let dc1 = n
                .iter()
                .filter(|h| h.datacenter().as_deref() == Some("dc1"));
            assert_eq!(dc1.count(), 3);
            // Both racks of each data center hold a replica.
            for dc in ["dc1", "dc2"] {
                let racks: std::collections::BTreeSet<_> = n
                    .iter()
                    .filter(|h| h.datacenter().as_deref() == Some(dc))
                    .map(|h| h.rack())
                    .collect();
                assert_eq!(racks.len(), 2);
            }
            assert_eq!(map.replicas("s", *token).len(), 3);
            assert_eq!(map.replicas("e", *token).len(), 10);
        }
    }
}
