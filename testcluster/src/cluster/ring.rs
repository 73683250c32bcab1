//! The Murmur3 token ring: token assignment, replica placement
//! (SimpleStrategy, NetworkTopologyStrategy) and the Unavailable check.
//!
//! A node owns the range (previous token, its token]; the first replica of
//! token `t` is the node of the first ring token ≥ `t`, wrapping around.

use std::collections::{BTreeMap, BTreeSet};

use cql_protocol::message::response::{ErrorKind, ErrorResponse};
use cql_protocol::Consistency;

use crate::storage::Replication;

/// What replica placement needs to know about a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RingMember {
    /// The node's index in the cluster (1-based, as in the cluster API).
    pub index: usize,
    /// Its data center.
    pub dc: String,
    /// Its rack.
    pub rack: String,
    /// Its tokens.
    pub tokens: Vec<i64>,
    /// Whether it is up.
    pub up: bool,
}

/// Evenly spaced tokens, one per node: the nodes of data center `d` (0-based
/// position in `dcs`) with `n` nodes get `i64::MIN + (2^64 / n) * j + d`,
/// so every data center covers the ring and no two tokens collide (as in
/// Cassandra's usual multi-DC practice). Returned in node order: the nodes
/// of the first data center, then the second's, and so on.
pub fn initial_tokens(dc_sizes: &[usize]) -> Vec<i64> {
    let mut out = Vec::new();
    for (d, &n) in dc_sizes.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let step = (1i128 << 64) / n as i128;
        for j in 0..n {
            let t = i64::MIN as i128 + step * j as i128 + d as i128;
            out.push(i64::try_from(t).unwrap_or(i64::MAX));
        }
    }
    out
}

/// A token for a new node: the middle of the largest gap between the
/// existing tokens (the largest range), as a bootstrapping node would take.
pub fn split_largest_range(existing: &[i64]) -> i64 {
    let mut tokens: Vec<i64> = existing.to_vec();
    tokens.sort_unstable();
    tokens.dedup();
    let Some(&first) = tokens.first() else {
        return 0;
    };
    // The wrapping range (last, first] has length 2^64 - (last - first).
    let last = tokens[tokens.len() - 1];
    let mut best_len = (1i128 << 64) - (last as i128 - first as i128);
    let mut best_start = last as i128;
    for pair in tokens.windows(2) {
        let len = pair[1] as i128 - pair[0] as i128;
        if len > best_len {
            best_len = len;
            best_start = pair[0] as i128;
        }
    }
    let mut mid = best_start + best_len / 2;
    if mid > i64::MAX as i128 {
        mid -= 1i128 << 64;
    }
    i64::try_from(mid).unwrap_or(0)
}

/// The ring: (token, member position) sorted by token.
fn ring_order(members: &[RingMember]) -> Vec<(i64, usize)> {
    let mut ring: Vec<(i64, usize)> = members
        .iter()
        .enumerate()
        .flat_map(|(pos, m)| m.tokens.iter().map(move |&t| (t, pos)))
        .collect();
    ring.sort_unstable();
    ring
}

/// The member positions in ring-walk order starting at the owner of
/// `token` (one entry per ring token, so a node may appear several times).
fn walk(members: &[RingMember], token: i64) -> Vec<usize> {
    let ring = ring_order(members);
    if ring.is_empty() {
        return Vec::new();
    }
    let start = ring.partition_point(|&(t, _)| t < token) % ring.len();
    (0..ring.len())
        .map(|i| ring[(start + i) % ring.len()].1)
        .collect()
}

/// The replicas of `token` (member indexes, in placement order) for a
/// keyspace replicated with `replication`; `coordinator` is the only
/// replica of a keyspace with another strategy (`LocalStrategy`).
pub fn replicas(
    members: &[RingMember],
    replication: &Replication,
    token: i64,
    coordinator: usize,
) -> Vec<usize> {
    match replication {
        Replication::Simple { factor } => {
            let mut out: Vec<usize> = Vec::new();
            for pos in walk(members, token) {
                if out.len() >= *factor as usize {
                    break;
                }
                let index = members[pos].index;
                if !out.contains(&index) {
                    out.push(index);
                }
            }
            out
        }
        Replication::NetworkTopology { dcs } => nts_replicas(members, dcs, token),
        Replication::Other { .. } => vec![coordinator],
    }
}

/// NetworkTopologyStrategy.calculateNaturalEndpoints of Cassandra 2.0:
/// per data center, walk the ring preferring nodes on racks not seen yet;
/// once every rack of the data center has a replica, take the skipped nodes
/// in walk order.
fn nts_replicas(members: &[RingMember], dcs: &BTreeMap<String, u32>, token: i64) -> Vec<usize> {
    let mut all_racks: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for m in members {
        all_racks.entry(&m.dc).or_default().insert(&m.rack);
    }
    let mut chosen: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut seen_racks: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut skipped: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut out = Vec::new();
    for pos in walk(members, token) {
        let m = &members[pos];
        let Some(&rf) = dcs.get(&m.dc) else { continue };
        let rf = rf as usize;
        let dc_chosen = chosen.entry(&m.dc).or_default();
        if dc_chosen.len() >= rf || dc_chosen.contains(&m.index) {
            continue;
        }
        let racks = seen_racks.entry(&m.dc).or_default();
        let total_racks = all_racks.get(m.dc.as_str()).map_or(0, |r| r.len());
        if racks.len() >= total_racks {
            dc_chosen.push(m.index);
            out.push(m.index);
        } else if racks.contains(m.rack.as_str()) {
            let s = skipped.entry(&m.dc).or_default();
            if !s.contains(&m.index) {
                s.push(m.index);
            }
        } else {
            racks.insert(&m.rack);
            dc_chosen.push(m.index);
            out.push(m.index);
            if racks.len() >= total_racks {
                for s in skipped.remove(m.dc.as_str()).unwrap_or_default() {
                    if dc_chosen.len() >= rf {
                        break;
                    }
                    if !dc_chosen.contains(&s) {
                        dc_chosen.push(s);
                        out.push(s);
                    }
                }
            }
        }
    }
    out
}

/// The total replication factor (Cassandra's `getReplicationFactor`).
fn total_rf(replication: &Replication) -> usize {
    match replication {
        Replication::Simple { factor } => *factor as usize,
        Replication::NetworkTopology { dcs } => dcs.values().map(|&rf| rf as usize).sum(),
        Replication::Other { .. } => 1,
    }
}

/// The replication factor in data center `dc` (the total one for a
/// strategy that is not topology-aware, as Cassandra's `localQuorumFor`).
fn dc_rf(replication: &Replication, dc: &str) -> usize {
    match replication {
        Replication::NetworkTopology { dcs } => dcs.get(dc).map_or(0, |&rf| rf as usize),
        other => total_rf(other),
    }
}

fn unavailable(consistency: Consistency, required: usize, alive: usize) -> ErrorResponse {
    ErrorResponse::new(
        ErrorKind::Unavailable {
            consistency,
            required: i32::try_from(required).unwrap_or(i32::MAX),
            alive: i32::try_from(alive).unwrap_or(i32::MAX),
        },
        format!("Cannot achieve consistency level {consistency}"),
    )
}

/// Checks that enough replicas of `token` are up for `consistency`, as
/// Cassandra 2.0's `assureSufficientLiveNodes` does, with `coordinator`'s
/// data center as the local one. `ANY` only needs the coordinator (which is
/// up, since it is answering).
pub fn check_available(
    members: &[RingMember],
    replication: &Replication,
    token: i64,
    coordinator: usize,
    consistency: Consistency,
) -> Result<(), ErrorResponse> {
    if matches!(replication, Replication::Other { .. }) || consistency == Consistency::Any {
        return Ok(());
    }
    let replicas = replicas(members, replication, token, coordinator);
    let member = |index: usize| members.iter().find(|m| m.index == index);
    let local_dc = member(coordinator)
        .map(|m| m.dc.clone())
        .unwrap_or_default();
    let live: Vec<&RingMember> = replicas
        .iter()
        .filter_map(|&i| member(i))
        .filter(|m| m.up)
        .collect();
    let live_in = |dc: &str| live.iter().filter(|m| m.dc == dc).count();
    let check = |required: usize, alive: usize| {
        if alive < required {
            Err(unavailable(consistency, required, alive))
        } else {
            Ok(())
        }
    };
    match consistency {
        Consistency::Any => Ok(()),
        Consistency::One => check(1, live.len()),
        Consistency::Two => check(2, live.len()),
        Consistency::Three => check(3, live.len()),
        Consistency::Quorum | Consistency::Serial => {
            check(total_rf(replication) / 2 + 1, live.len())
        }
        Consistency::All => check(total_rf(replication), live.len()),
        Consistency::LocalQuorum | Consistency::LocalSerial => {
            check(dc_rf(replication, &local_dc) / 2 + 1, live_in(&local_dc))
        }
        Consistency::LocalOne => check(1, live_in(&local_dc)),
        Consistency::EachQuorum => match replication {
            Replication::NetworkTopology { dcs } => {
                for (dc, &rf) in dcs {
                    check(rf as usize / 2 + 1, live_in(dc))?;
                }
                Ok(())
            }
            other => check(total_rf(other) / 2 + 1, live.len()),
        },
        _ => check(1, live.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(index: usize, dc: &str, rack: &str, token: i64) -> RingMember {
        RingMember {
            index,
            dc: dc.into(),
            rack: rack.into(),
            tokens: vec![token],
            up: true,
        }
    }

    #[test]
    fn tokens_are_evenly_spaced_and_distinct() {
        let t = initial_tokens(&[4]);
        assert_eq!(t, vec![i64::MIN, -(1 << 62), 0, 1 << 62]);
        let t = initial_tokens(&[2, 1]);
        assert_eq!(t, vec![i64::MIN, 0, i64::MIN + 1]);
    }

    #[test]
    fn split_takes_the_middle_of_the_largest_range() {
        assert_eq!(split_largest_range(&[i64::MIN, 0]), 1 << 62);
        assert_eq!(split_largest_range(&[i64::MIN, 0, 1 << 62]), -(1 << 62));
        assert_eq!(split_largest_range(&[0]), i64::MIN);
        assert_eq!(split_largest_range(&[-10, 10]), i64::MIN);
    }

    #[test]
    fn nts_prefers_distinct_racks() {
        let members = vec![
            member(1, "dc1", "r1", 0),
            member(2, "dc1", "r1", 10),
            member(3, "dc1", "r2", 20),
        ];
        let dcs = BTreeMap::from([("dc1".to_owned(), 2)]);
        let r = replicas(&members, &Replication::NetworkTopology { dcs }, -5, 1);
        assert_eq!(r, vec![1, 3]);
    }
}
