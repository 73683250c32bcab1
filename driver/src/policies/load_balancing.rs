//! Load balancing: the query plan of each request.
//!
//! The standard policies, after the DataStax drivers:
//!
//! - [`RoundRobinPolicy`]: every up host, the start rotating per request;
//! - [`DcAwareRoundRobinPolicy`]: the local data center's hosts round-robin,
//!   then a few hosts of each remote data center;
//! - [`TokenAwarePolicy`]: the replicas of the statement's partition first,
//!   then whatever its child policy plans;
//! - [`HostFilterPolicy`]: a child policy restricted to the hosts a
//!   predicate accepts.
//!
//! Every plan holds only hosts that are up and not
//! [ignored](HostDistance::Ignored), each once (hosts are told apart by
//! address).

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use cql_protocol::Consistency;
use rand::seq::SliceRandom;

use crate::cluster::{ClusterView, Host, HostDistance};
use crate::metadata::Token;

/// What a policy knows of a request when it plans it.
#[derive(Debug, Clone, Copy)]
pub struct RoutingInfo<'a> {
    /// The keyspace the statement runs in, if known.
    pub keyspace: Option<&'a str>,
    /// The token of the statement's partition key, if known (prepared
    /// statements with the whole key bound, or a routing key set by hand).
    pub token: Option<Token>,
    /// The statement's consistency.
    pub consistency: Consistency,
    /// Whether the statement may safely run more than once.
    pub is_idempotent: bool,
}

/// Decides which hosts a request is sent to, in order.
pub trait LoadBalancingPolicy: Send + Sync + fmt::Debug {
    /// Called once the control connection is up, with the view and the host
    /// it connected to (a data-center-aware policy without a configured
    /// local DC takes that host's).
    fn init(&self, view: &ClusterView, control_host: &Arc<Host>) {
        let _ = (view, control_host);
    }

    /// How far `host` is; pools are sized by it, and ignored hosts get none.
    fn distance(&self, host: &Host) -> HostDistance;

    /// The hosts to try for a request, best first. Only hosts that are up
    /// and not ignored belong in the plan.
    fn plan(&self, routing: &RoutingInfo<'_>, view: &ClusterView) -> Vec<Arc<Host>>;
}

/// A shared policy is a policy, so that `Arc<dyn LoadBalancingPolicy>` can be
/// the child of [`TokenAwarePolicy`] or [`HostFilterPolicy`].
impl<P: LoadBalancingPolicy + ?Sized> LoadBalancingPolicy for Arc<P> {
    fn init(&self, view: &ClusterView, control_host: &Arc<Host>) {
        (**self).init(view, control_host);
    }

    fn distance(&self, host: &Host) -> HostDistance {
        (**self).distance(host)
    }

    fn plan(&self, routing: &RoutingInfo<'_>, view: &ClusterView) -> Vec<Arc<Host>> {
        (**self).plan(routing, view)
    }
}

/// A boxed policy is a policy, so that `Box<dyn LoadBalancingPolicy>` can be
/// the child of [`TokenAwarePolicy`] or [`HostFilterPolicy`].
impl<P: LoadBalancingPolicy + ?Sized> LoadBalancingPolicy for Box<P> {
    fn init(&self, view: &ClusterView, control_host: &Arc<Host>) {
        (**self).init(view, control_host);
    }

    fn distance(&self, host: &Host) -> HostDistance {
        (**self).distance(host)
    }

    fn plan(&self, routing: &RoutingInfo<'_>, view: &ClusterView) -> Vec<Arc<Host>> {
        (**self).plan(routing, view)
    }
}

/// Rotates `hosts` left by `start` (modulo their number).
fn rotate(hosts: &mut [Arc<Host>], start: usize) {
    if !hosts.is_empty() {
        hosts.rotate_left(start % hosts.len());
    }
}

/// Every host is [local](HostDistance::Local); each plan holds every up host
/// once, starting one host further along than the previous plan did, so that
/// requests spread evenly over the cluster.
///
/// Data centers are not looked at; for a multi-DC cluster use
/// [`DcAwareRoundRobinPolicy`].
#[derive(Debug, Default)]
pub struct RoundRobinPolicy {
    index: AtomicUsize,
}

impl RoundRobinPolicy {
    /// A round-robin policy.
    pub fn new() -> Self {
        RoundRobinPolicy::default()
    }
}

impl LoadBalancingPolicy for RoundRobinPolicy {
    fn distance(&self, _host: &Host) -> HostDistance {
        HostDistance::Local
    }

    fn plan(&self, _routing: &RoutingInfo<'_>, view: &ClusterView) -> Vec<Arc<Host>> {
        let mut seen = HashSet::new();
        let mut hosts: Vec<Arc<Host>> = view
            .hosts()
            .iter()
            .filter(|host| host.is_up() && seen.insert(host.address()))
            .cloned()
            .collect();
        // fetch_add wraps around on overflow; it never panics.
        rotate(&mut hosts, self.index.fetch_add(1, Ordering::Relaxed));
        hosts
    }
}

/// Round-robin within the local data center, with a few hosts of each remote
/// data center as a fallback.
///
/// - **Local DC.** Configured with [`new`](Self::new), or, when `None` is
///   given, the data center of the control connection's host, taken by
///   [`init`](LoadBalancingPolicy::init) the first time it is known. Until a
///   local DC is known, every host is local.
/// - **Hosts whose data center is unknown** (`system.peers` had none) are
///   treated as local: they cannot be placed anywhere else, and ignoring them
///   could leave the driver without a host.
/// - **Distance.** Local-DC hosts are [`Local`](HostDistance::Local). In each
///   remote DC the first [`used_hosts_per_remote_dc`](Self::used_hosts_per_remote_dc)
///   hosts, by address order among the known hosts of that DC (up or down),
///   are [`Remote`](HostDistance::Remote), and the rest
///   [`Ignored`](HostDistance::Ignored). The choice is stable: it does not
///   change when hosts go up or down, so connection pools do not move
///   around (the DataStax drivers choose among the hosts that are up
///   instead).
/// - **Plan.** The local DC's up hosts, starting one host further along with
///   each plan; then, for each remote DC in name order, those of its remote
///   hosts that are up, in address order.
///
/// The policy remembers the hosts of the last view it saw (in `init` or
/// `plan`) to answer [`distance`](LoadBalancingPolicy::distance); a host it
/// has not seen yet is ranked as if it were added to them.
#[derive(Debug)]
pub struct DcAwareRoundRobinPolicy {
    local_dc: RwLock<Option<String>>,
    configured: bool,
    used_hosts_per_remote_dc: usize,
    index: AtomicUsize,
    known: RwLock<Vec<Arc<Host>>>,
}

impl DcAwareRoundRobinPolicy {
    /// A policy for `local_dc`, or, with `None`, for the data center of the
    /// host the control connection reaches first. No remote host is used
    /// unless [`used_hosts_per_remote_dc`](Self::used_hosts_per_remote_dc)
    /// says so.
    pub fn new(local_dc: Option<String>) -> Self {
        DcAwareRoundRobinPolicy {
            configured: local_dc.is_some(),
            local_dc: RwLock::new(local_dc),
            used_hosts_per_remote_dc: 0,
            index: AtomicUsize::new(0),
            known: RwLock::new(Vec::new()),
        }
    }

    /// Uses up to `n` hosts of each remote data center (0, the default, for
    /// none: remote hosts are then ignored).
    #[must_use]
    pub fn used_hosts_per_remote_dc(mut self, n: usize) -> Self {
        self.used_hosts_per_remote_dc = n;
        self
    }

    /// The local data center, if configured or learnt yet.
    pub fn local_dc(&self) -> Option<String> {
        self.local_dc
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many hosts of each remote data center are used.
    pub fn hosts_per_remote_dc(&self) -> usize {
        self.used_hosts_per_remote_dc
    }

    /// Whether a host in `dc` counts as local.
    fn is_local(dc: Option<&str>, local_dc: Option<&str>) -> bool {
        match (dc, local_dc) {
            (Some(dc), Some(local)) => dc == local,
            // Unknown DC, or no local DC known yet: local.
            _ => true,
        }
    }

    /// Keeps the view's hosts for `distance`, when they changed.
    fn remember(&self, view: &ClusterView) {
        let unchanged = {
            let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
            known.len() == view.hosts().len()
                && known
                    .iter()
                    .zip(view.hosts())
                    .all(|(a, b)| Arc::ptr_eq(a, b))
        };
        if !unchanged {
            *self.known.write().unwrap_or_else(PoisonError::into_inner) = view.hosts().to_vec();
        }
    }
}

impl Default for DcAwareRoundRobinPolicy {
    /// A policy whose local DC is the control host's, with no remote hosts.
    fn default() -> Self {
        DcAwareRoundRobinPolicy::new(None)
    }
}

impl LoadBalancingPolicy for DcAwareRoundRobinPolicy {
    fn init(&self, view: &ClusterView, control_host: &Arc<Host>) {
        if !self.configured {
            let mut local = self
                .local_dc
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            if local.is_none() {
                *local = control_host.datacenter();
            }
        }
        if let Some(local) = self.local_dc() {
            let known = view
                .hosts()
                .iter()
                .any(|host| host.datacenter().as_deref() == Some(local.as_str()));
            if !known && !view.hosts().is_empty() {
                tracing::warn!(
                    local_dc = %local,
                    "no known host is in the local data center; check the DC name"
                );
            }
        }
        self.remember(view);
    }

    fn distance(&self, host: &Host) -> HostDistance {
        let local = self.local_dc();
        let Some(dc) = host.datacenter() else {
            return HostDistance::Local;
        };
        if Self::is_local(Some(&dc), local.as_deref()) {
            return HostDistance::Local;
        }
        if self.used_hosts_per_remote_dc == 0 {
            return HostDistance::Ignored;
        }
        let address = host.address();
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        let before: HashSet<SocketAddr> = known
            .iter()
            .filter(|other| other.address() < address)
            .filter(|other| other.datacenter().as_deref() == Some(dc.as_str()))
            .map(|other| other.address())
            .collect();
        if before.len() < self.used_hosts_per_remote_dc {
            HostDistance::Remote
        } else {
            HostDistance::Ignored
        }
    }

    fn plan(&self, _routing: &RoutingInfo<'_>, view: &ClusterView) -> Vec<Arc<Host>> {
        self.remember(view);
        let local_dc = self.local_dc();
        let mut seen = HashSet::new();
        let mut plan = Vec::new();
        let mut remote: BTreeMap<String, Vec<Arc<Host>>> = BTreeMap::new();
        for host in view.hosts() {
            if !seen.insert(host.address()) {
                continue;
            }
            match host.datacenter() {
                Some(dc) if !Self::is_local(Some(&dc), local_dc.as_deref()) => {
                    remote.entry(dc).or_default().push(Arc::clone(host));
                }
                _ => {
                    if host.is_up() {
                        plan.push(Arc::clone(host));
                    }
                }
            }
        }
        rotate(&mut plan, self.index.fetch_add(1, Ordering::Relaxed));
        if self.used_hosts_per_remote_dc > 0 {
            for (_, mut hosts) in remote {
                hosts.sort_by_key(|host| host.address());
                plan.extend(
                    hosts
                        .into_iter()
                        .take(self.used_hosts_per_remote_dc)
                        .filter(|host| host.is_up()),
                );
            }
        }
        plan
    }
}

/// Sends each request to a replica of its partition first, when the
/// statement's keyspace and token are known, saving the coordinator a hop.
///
/// The plan is: the replicas (from [`ClusterView::replicas`]) that are up
/// and that the child policy calls [`Local`](HostDistance::Local), shuffled
/// (the default) or in the token map's order (primary replica first) when
/// [`shuffle_replicas(false)`](Self::shuffle_replicas); then the child's plan
/// without those hosts, so remote replicas come where the child puts them.
/// Without a keyspace or token, or when no replica is known, the plan is the
/// child's. Distances are the child's.
#[derive(Debug)]
pub struct TokenAwarePolicy<P> {
    child: P,
    shuffle: bool,
}

impl<P: LoadBalancingPolicy> TokenAwarePolicy<P> {
    /// Token awareness over `child`, with replicas shuffled.
    pub fn new(child: P) -> Self {
        TokenAwarePolicy {
            child,
            shuffle: true,
        }
    }

    /// Whether the local replicas are shuffled for each request (`true`, the
    /// default, spreads the load over them) or tried in the token map's
    /// order, primary first.
    #[must_use]
    pub fn shuffle_replicas(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// The child policy.
    pub fn child(&self) -> &P {
        &self.child
    }
}

impl<P: LoadBalancingPolicy> LoadBalancingPolicy for TokenAwarePolicy<P> {
    fn init(&self, view: &ClusterView, control_host: &Arc<Host>) {
        self.child.init(view, control_host);
    }

    fn distance(&self, host: &Host) -> HostDistance {
        self.child.distance(host)
    }

    fn plan(&self, routing: &RoutingInfo<'_>, view: &ClusterView) -> Vec<Arc<Host>> {
        let replicas = match (routing.keyspace, routing.token) {
            (Some(keyspace), Some(token)) => view.replicas(keyspace, token),
            _ => &[],
        };
        if replicas.is_empty() {
            return self.child.plan(routing, view);
        }
        let mut seen = HashSet::new();
        let mut plan: Vec<Arc<Host>> = replicas
            .iter()
            .filter(|host| host.is_up() && self.child.distance(host) == HostDistance::Local)
            .filter(|host| seen.insert(host.address()))
            .cloned()
            .collect();
        if self.shuffle {
            plan.shuffle(&mut rand::rng());
        }
        for host in self.child.plan(routing, view) {
            if seen.insert(host.address()) {
                plan.push(host);
            }
        }
        plan
    }
}

/// A host predicate, shared.
type Predicate = Arc<dyn Fn(&Host) -> bool + Send + Sync>;

/// Restricts a child policy to the hosts a predicate accepts: the others are
/// [`Ignored`](HostDistance::Ignored) and never planned.
///
/// The child sees a view with only the accepted hosts (the token map is
/// passed as it is), so that, for instance, a
/// [`DcAwareRoundRobinPolicy`] child picks its remote hosts among them.
pub struct HostFilterPolicy<P> {
    child: P,
    predicate: Predicate,
}

impl<P: LoadBalancingPolicy> HostFilterPolicy<P> {
    /// `child`, restricted to the hosts for which `predicate` is true.
    pub fn new(child: P, predicate: impl Fn(&Host) -> bool + Send + Sync + 'static) -> Self {
        HostFilterPolicy {
            child,
            predicate: Arc::new(predicate),
        }
    }

    /// `child`, restricted to the hosts at these addresses.
    pub fn allow_list(child: P, addresses: impl IntoIterator<Item = SocketAddr>) -> Self {
        let allowed: HashSet<SocketAddr> = addresses.into_iter().collect();
        HostFilterPolicy::new(child, move |host| allowed.contains(&host.address()))
    }

    /// `child`, restricted to the hosts not at these addresses.
    pub fn deny_list(child: P, addresses: impl IntoIterator<Item = SocketAddr>) -> Self {
        let denied: HashSet<SocketAddr> = addresses.into_iter().collect();
        HostFilterPolicy::new(child, move |host| !denied.contains(&host.address()))
    }

    /// Whether the predicate accepts `host`.
    pub fn accepts(&self, host: &Host) -> bool {
        (self.predicate)(host)
    }

    /// The child policy.
    pub fn child(&self) -> &P {
        &self.child
    }

    fn filtered(&self, view: &ClusterView) -> ClusterView {
        let hosts = view
            .hosts()
            .iter()
            .filter(|host| self.accepts(host))
            .cloned()
            .collect();
        ClusterView::new(hosts, view.token_map().cloned())
    }
}

impl<P: fmt::Debug> fmt::Debug for HostFilterPolicy<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostFilterPolicy")
            .field("child", &self.child)
            .finish_non_exhaustive()
    }
}

impl<P: LoadBalancingPolicy> LoadBalancingPolicy for HostFilterPolicy<P> {
    fn init(&self, view: &ClusterView, control_host: &Arc<Host>) {
        self.child.init(&self.filtered(view), control_host);
    }

    fn distance(&self, host: &Host) -> HostDistance {
        if self.accepts(host) {
            self.child.distance(host)
        } else {
            HostDistance::Ignored
        }
    }

    fn plan(&self, routing: &RoutingInfo<'_>, view: &ClusterView) -> Vec<Arc<Host>> {
        let mut seen = HashSet::new();
        self.child
            .plan(routing, &self.filtered(view))
            .into_iter()
            .filter(|host| host.is_up() && self.accepts(host) && seen.insert(host.address()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::cluster::HostInfo;
    use crate::metadata::{Partitioner, TokenMap};

    fn addr(n: u8) -> SocketAddr {
        SocketAddr::from(([10, 0, 0, n], 9042))
    }

    fn host(n: u8, dc: Option<&str>) -> Arc<Host> {
        Arc::new(Host::new(
            addr(n),
            HostInfo {
                datacenter: dc.map(str::to_owned),
                rack: Some("rack1".to_owned()),
                ..Default::default()
            },
        ))
    }

    fn down(host: Arc<Host>) -> Arc<Host> {
        host.set_up(false);
        host
    }

    fn routing<'a>(keyspace: Option<&'a str>, token: Option<i128>) -> RoutingInfo<'a> {
        RoutingInfo {
            keyspace,
            token: token.map(Token::new),
            consistency: Consistency::One,
            is_idempotent: false,
        }
    }

    fn any() -> RoutingInfo<'static> {
        routing(None, None)
    }

    fn view(hosts: &[Arc<Host>]) -> ClusterView {
        ClusterView::new(hosts.to_vec(), None)
    }

    /// The last octet of each host's address.
    fn ids(plan: &[Arc<Host>]) -> Vec<u8> {
        plan.iter()
            .map(|host| match host.address() {
                SocketAddr::V4(v4) => v4.ip().octets()[3],
                SocketAddr::V6(_) => 0,
            })
            .collect()
    }

    fn sorted(mut ids: Vec<u8>) -> Vec<u8> {
        ids.sort_unstable();
        ids
    }

    /// Every plan invariant: up, not ignored, each once.
    fn check_plan(policy: &dyn LoadBalancingPolicy, plan: &[Arc<Host>]) {
        let mut seen = HashSet::new();
        for host in plan {
            assert!(host.is_up(), "{host} is down but planned");
            assert_ne!(
                policy.distance(host),
                HostDistance::Ignored,
                "{host} is ignored but planned"
            );
            assert!(seen.insert(host.address()), "{host} is planned twice");
        }
    }

    // ---- RoundRobinPolicy ----

    #[test]
    fn round_robin_rotates_over_up_hosts() {
        let hosts = [host(1, None), host(2, None), host(3, None)];
        let v = view(&hosts);
        let policy = RoundRobinPolicy::new();
        let plans: Vec<Vec<u8>> = (0..4).map(|_| ids(&policy.plan(&any(), &v))).collect();
        assert_eq!(plans[0], [1, 2, 3]);
        assert_eq!(plans[1], [2, 3, 1]);
        assert_eq!(plans[2], [3, 1, 2]);
        assert_eq!(plans[3], [1, 2, 3]);
        for host in &hosts {
            assert_eq!(policy.distance(host), HostDistance::Local);
        }
    }

    #[test]
    fn round_robin_skips_down_and_duplicate_hosts() {
        let h1 = host(1, Some("dc1"));
        let hosts = [h1.clone(), down(host(2, None)), host(3, Some("dc2")), h1];
        let v = view(&hosts);
        let policy = RoundRobinPolicy::new();
        for _ in 0..5 {
            let plan = policy.plan(&any(), &v);
            assert_eq!(sorted(ids(&plan)), [1, 3]);
            check_plan(&policy, &plan);
        }
        // A host that comes back up is planned again.
        hosts[1].set_up(true);
        assert_eq!(sorted(ids(&policy.plan(&any(), &v))), [1, 2, 3]);
    }

    #[test]
    fn round_robin_empty_view() {
        let policy = RoundRobinPolicy::new();
        assert!(policy.plan(&any(), &ClusterView::default()).is_empty());
        let all_down = [down(host(1, None))];
        assert!(policy.plan(&any(), &view(&all_down)).is_empty());
    }

    #[test]
    fn round_robin_survives_index_wraparound() {
        let policy = RoundRobinPolicy {
            index: AtomicUsize::new(usize::MAX),
        };
        let hosts = [host(1, None), host(2, None)];
        let v = view(&hosts);
        // usize::MAX % 2 == 1, then the index wraps to 0.
        assert_eq!(ids(&policy.plan(&any(), &v)), [2, 1]);
        assert_eq!(ids(&policy.plan(&any(), &v)), [1, 2]);
    }

    // ---- DcAwareRoundRobinPolicy ----

    fn two_dcs() -> Vec<Arc<Host>> {
        vec![
            host(1, Some("dc1")),
            host(2, Some("dc1")),
            host(3, Some("dc1")),
            // Out of address order on purpose.
            host(6, Some("dc2")),
            host(4, Some("dc2")),
            host(5, Some("dc2")),
            host(9, Some("dc3")),
            host(8, Some("dc3")),
        ]
    }

    #[test]
    fn dc_aware_plans_local_hosts_round_robin_only_by_default() {
        let hosts = two_dcs();
        let v = view(&hosts);
        let policy = DcAwareRoundRobinPolicy::new(Some("dc1".into()));
        assert_eq!(ids(&policy.plan(&any(), &v)), [1, 2, 3]);
        assert_eq!(ids(&policy.plan(&any(), &v)), [2, 3, 1]);
        assert_eq!(ids(&policy.plan(&any(), &v)), [3, 1, 2]);
        for h in &hosts[..3] {
            assert_eq!(policy.distance(h), HostDistance::Local);
        }
        for h in &hosts[3..] {
            assert_eq!(policy.distance(h), HostDistance::Ignored);
        }
        check_plan(&policy, &policy.plan(&any(), &v));
    }

    #[test]
    fn dc_aware_adds_first_hosts_of_each_remote_dc_by_address() {
        let hosts = two_dcs();
        let v = view(&hosts);
        let policy = DcAwareRoundRobinPolicy::new(Some("dc1".into())).used_hosts_per_remote_dc(2);
        assert_eq!(policy.hosts_per_remote_dc(), 2);
        assert_eq!(ids(&policy.plan(&any(), &v)), [1, 2, 3, 4, 5, 8, 9]);
        // Only the local part rotates.
        assert_eq!(ids(&policy.plan(&any(), &v)), [2, 3, 1, 4, 5, 8, 9]);
        let distances: Vec<HostDistance> = hosts.iter().map(|h| policy.distance(h)).collect();
        use HostDistance::*;
        assert_eq!(
            distances,
            [Local, Local, Local, Ignored, Remote, Remote, Remote, Remote]
        );
        check_plan(&policy, &policy.plan(&any(), &v));
    }

    #[test]
    fn dc_aware_remote_choice_is_stable_when_hosts_go_down() {
        let hosts = two_dcs();
        let v = view(&hosts);
        let policy = DcAwareRoundRobinPolicy::new(Some("dc1".into())).used_hosts_per_remote_dc(1);
        assert_eq!(ids(&policy.plan(&any(), &v)), [1, 2, 3, 4, 8]);
        // 10.0.0.4 goes down: it is not replaced by 10.0.0.5.
        hosts[4].set_up(false);
        hosts[0].set_up(false);
        let plan = policy.plan(&any(), &v);
        assert_eq!(sorted(ids(&plan[..2])), [2, 3]);
        assert_eq!(ids(&plan[2..]), [8]);
        assert_eq!(policy.distance(&hosts[4]), HostDistance::Remote);
        assert_eq!(policy.distance(&hosts[5]), HostDistance::Ignored);
        check_plan(&policy, &plan);
    }

    #[test]
    fn dc_aware_takes_the_local_dc_from_the_control_host() {
        let hosts = two_dcs();
        let v = view(&hosts);
        let policy = DcAwareRoundRobinPolicy::default();
        assert_eq!(policy.local_dc(), None);
        // Before init every host is local.
        assert_eq!(policy.distance(&hosts[4]), HostDistance::Local);
        assert_eq!(
            sorted(ids(&policy.plan(&any(), &v))),
            [1, 2, 3, 4, 5, 6, 8, 9]
        );

        policy.init(&v, &hosts[3]);
        assert_eq!(policy.local_dc().as_deref(), Some("dc2"));
        assert_eq!(sorted(ids(&policy.plan(&any(), &v))), [4, 5, 6]);
        assert_eq!(policy.distance(&hosts[0]), HostDistance::Ignored);
        // A second init (a new control connection) does not move it.
        policy.init(&v, &hosts[0]);
        assert_eq!(policy.local_dc().as_deref(), Some("dc2"));
    }

    #[test]
    fn dc_aware_keeps_a_configured_local_dc() {
        let hosts = two_dcs();
        let v = view(&hosts);
        let policy = DcAwareRoundRobinPolicy::new(Some("dc3".into()));
        policy.init(&v, &hosts[0]);
        assert_eq!(policy.local_dc().as_deref(), Some("dc3"));
        assert_eq!(sorted(ids(&policy.plan(&any(), &v))), [8, 9]);
    }

    #[test]
    fn dc_aware_control_host_without_dc_leaves_it_unknown() {
        let hosts = [host(1, None), host(2, Some("dc1"))];
        let v = view(&hosts);
        let policy = DcAwareRoundRobinPolicy::new(None);
        policy.init(&v, &hosts[0]);
        assert_eq!(policy.local_dc(), None);
        policy.init(&v, &hosts[1]);
        assert_eq!(policy.local_dc().as_deref(), Some("dc1"));
    }

    #[test]
    fn dc_aware_hosts_without_dc_are_local() {
        let hosts = [host(1, Some("dc1")), host(2, None), host(3, Some("dc2"))];
        let v = view(&hosts);
        let policy = DcAwareRoundRobinPolicy::new(Some("dc1".into()));
        assert_eq!(policy.distance(&hosts[1]), HostDistance::Local);
        let plan = policy.plan(&any(), &v);
        assert_eq!(sorted(ids(&plan)), [1, 2]);
        check_plan(&policy, &plan);
    }

    #[test]
    fn dc_aware_ranks_a_host_it_has_not_seen() {
        let hosts = two_dcs();
        let policy = DcAwareRoundRobinPolicy::new(Some("dc1".into())).used_hosts_per_remote_dc(1);
        policy.init(&view(&hosts), &hosts[0]);
        // A new dc2 host before 10.0.0.4 takes its place...
        assert_eq!(policy.distance(&host(0, Some("dc2"))), HostDistance::Remote);
        // ...one after it does not.
        assert_eq!(
            policy.distance(&host(7, Some("dc2"))),
            HostDistance::Ignored
        );
        // A new remote DC gets its own hosts.
        assert_eq!(
            policy.distance(&host(20, Some("dc4"))),
            HostDistance::Remote
        );
    }

    #[test]
    fn dc_aware_follows_view_changes() {
        let mut hosts = two_dcs();
        let policy = DcAwareRoundRobinPolicy::new(Some("dc1".into())).used_hosts_per_remote_dc(1);
        policy.init(&view(&hosts), &hosts[0]);
        assert_eq!(policy.distance(&hosts[5]), HostDistance::Ignored);
        // 10.0.0.4 leaves the cluster: 10.0.0.5 becomes the dc2 remote host.
        hosts.remove(4);
        let v = view(&hosts);
        assert_eq!(ids(&policy.plan(&any(), &v))[3..], [5, 8]);
        assert_eq!(policy.distance(&hosts[4]), HostDistance::Remote);
    }

    #[test]
    fn dc_aware_down_local_hosts_and_empty_views() {
        let hosts = [down(host(1, Some("dc1"))), host(2, Some("dc2"))];
        let policy = DcAwareRoundRobinPolicy::new(Some("dc1".into())).used_hosts_per_remote_dc(3);
        assert_eq!(ids(&policy.plan(&any(), &view(&hosts))), [2]);
        assert!(policy.plan(&any(), &ClusterView::default()).is_empty());
    }

    // ---- TokenAwarePolicy ----

    /// dc1: 1, 2, 3, 4; dc2: 5, 6. Keyspace "ks": token 0's replicas are
    /// 3, 1, 5 (primary first); token 100's are 2, 6, 4.
    fn token_view(hosts: &[Arc<Host>]) -> ClusterView {
        let by = |n: u8| Arc::clone(&hosts[usize::from(n) - 1]);
        let ring = vec![(Token::new(0), by(3)), (Token::new(100), by(2))];
        let placement = vec![
            (Token::new(0), vec![by(3), by(1), by(5)]),
            (Token::new(100), vec![by(2), by(6), by(4)]),
        ];
        let map = TokenMap::with_replicas(
            Partitioner::Murmur3,
            ring,
            HashMap::from([("ks".to_owned(), placement)]),
        );
        ClusterView::new(hosts.to_vec(), Some(Arc::new(map)))
    }

    fn token_hosts() -> Vec<Arc<Host>> {
        vec![
            host(1, Some("dc1")),
            host(2, Some("dc1")),
            host(3, Some("dc1")),
            host(4, Some("dc1")),
            host(5, Some("dc2")),
            host(6, Some("dc2")),
        ]
    }

    fn dc1_child() -> DcAwareRoundRobinPolicy {
        DcAwareRoundRobinPolicy::new(Some("dc1".into())).used_hosts_per_remote_dc(1)
    }

    #[test]
    fn token_aware_puts_local_replicas_first_in_ring_order() {
        let hosts = token_hosts();
        let v = token_view(&hosts);
        let policy = TokenAwarePolicy::new(dc1_child()).shuffle_replicas(false);
        for _ in 0..4 {
            let plan = policy.plan(&routing(Some("ks"), Some(-5)), &v);
            let ids = ids(&plan);
            // Replicas 3 and 1 (5 is remote), then the child's plan: the
            // other local hosts rotating, then dc2's remote host.
            assert_eq!(ids[..2], [3, 1]);
            assert_eq!(sorted(ids[2..4].to_vec()), [2, 4]);
            assert_eq!(ids[4..], [5]);
            check_plan(&policy, &plan);
        }
        // Token 50 falls in the range ending at 100.
        let plan = policy.plan(&routing(Some("ks"), Some(50)), &v);
        assert_eq!(ids(&plan)[..2], [2, 4]);
        assert_eq!(sorted(ids(&plan)), [1, 2, 3, 4, 5]);
        // Past the last token it wraps to the first range.
        let plan = policy.plan(&routing(Some("ks"), Some(101)), &v);
        assert_eq!(ids(&plan)[..2], [3, 1]);
    }

    #[test]
    fn token_aware_shuffles_local_replicas() {
        let hosts = token_hosts();
        let v = token_view(&hosts);
        let policy = TokenAwarePolicy::new(dc1_child());
        let mut firsts = HashSet::new();
        for _ in 0..200 {
            let plan = policy.plan(&routing(Some("ks"), Some(0)), &v);
            let ids = ids(&plan);
            assert_eq!(sorted(ids[..2].to_vec()), [1, 3]);
            assert_eq!(sorted(ids), [1, 2, 3, 4, 5]);
            check_plan(&policy, &plan);
            firsts.insert(plan[0].address());
        }
        // Both local replicas lead some plans (a 2^-199 chance of failing).
        assert_eq!(firsts.len(), 2);
    }

    #[test]
    fn token_aware_skips_down_replicas() {
        let hosts = token_hosts();
        hosts[2].set_up(false);
        let v = token_view(&hosts);
        let policy = TokenAwarePolicy::new(dc1_child()).shuffle_replicas(false);
        let plan = policy.plan(&routing(Some("ks"), Some(0)), &v);
        assert_eq!(ids(&plan)[0], 1);
        assert_eq!(sorted(ids(&plan)), [1, 2, 4, 5]);
        check_plan(&policy, &plan);
    }

    #[test]
    fn token_aware_remote_replicas_come_in_child_order() {
        let hosts = token_hosts();
        let v = token_view(&hosts);
        // dc2 local: replica 5 leads; 3 and 1 are remote to the child, and
        // the child uses only one dc1 host (1, the first by address).
        let child = DcAwareRoundRobinPolicy::new(Some("dc2".into())).used_hosts_per_remote_dc(1);
        let policy = TokenAwarePolicy::new(child).shuffle_replicas(false);
        let plan = policy.plan(&routing(Some("ks"), Some(0)), &v);
        assert_eq!(ids(&plan), [5, 6, 1]);
        check_plan(&policy, &plan);
        assert_eq!(policy.distance(&hosts[2]), HostDistance::Ignored);
        assert_eq!(policy.distance(&hosts[0]), HostDistance::Remote);
        assert_eq!(policy.distance(&hosts[4]), HostDistance::Local);
    }

    #[test]
    fn token_aware_without_routing_is_the_child() {
        let hosts = token_hosts();
        let v = token_view(&hosts);
        let policy = TokenAwarePolicy::new(RoundRobinPolicy::new()).shuffle_replicas(false);
        for info in [
            routing(None, Some(0)),
            routing(Some("ks"), None),
            routing(Some("other"), Some(0)),
        ] {
            let plan = policy.plan(&info, &v);
            assert_eq!(sorted(ids(&plan)), [1, 2, 3, 4, 5, 6]);
            check_plan(&policy, &plan);
        }
        // No token map at all.
        let plan = policy.plan(&routing(Some("ks"), Some(0)), &view(&hosts));
        assert_eq!(plan.len(), 6);
        // The child rotates: successive plans start on different hosts.
        let a = policy.plan(&any(), &v);
        let b = policy.plan(&any(), &v);
        assert_ne!(a[0].address(), b[0].address());
    }

    #[test]
    fn token_aware_over_a_shared_dyn_child() {
        let hosts = token_hosts();
        let v = token_view(&hosts);
        let child: Arc<dyn LoadBalancingPolicy> =
            Arc::new(DcAwareRoundRobinPolicy::new(None).used_hosts_per_remote_dc(1));
        let policy = TokenAwarePolicy::new(Arc::clone(&child)).shuffle_replicas(false);
        policy.init(&v, &hosts[5]);
        // The child learnt dc2 through the wrapper.
        assert_eq!(child.distance(&hosts[4]), HostDistance::Local);
        let plan = policy.plan(&routing(Some("ks"), Some(100)), &v);
        assert_eq!(ids(&plan), [6, 5, 1]);
        check_plan(&policy, &plan);
        let boxed: Box<dyn LoadBalancingPolicy> = Box::new(policy);
        assert_eq!(boxed.distance(&hosts[3]), HostDistance::Ignored);
    }

    // ---- HostFilterPolicy ----

    #[test]
    fn host_filter_ignores_and_never_plans_filtered_hosts() {
        let hosts = [host(1, None), host(2, None), host(3, None), host(4, None)];
        let v = view(&hosts);
        let policy = HostFilterPolicy::allow_list(RoundRobinPolicy::new(), [addr(1), addr(3)]);
        for _ in 0..4 {
            let plan = policy.plan(&any(), &v);
            assert_eq!(sorted(ids(&plan)), [1, 3]);
            check_plan(&policy, &plan);
        }
        assert_eq!(policy.distance(&hosts[0]), HostDistance::Local);
        assert_eq!(policy.distance(&hosts[1]), HostDistance::Ignored);
        assert!(policy.accepts(&hosts[2]));
        assert!(!policy.accepts(&hosts[3]));
        assert!(format!("{policy:?}").contains("RoundRobinPolicy"));
    }

    #[test]
    fn host_filter_deny_list_and_predicates() {
        let hosts = [
            host(1, Some("a")),
            host(2, Some("b")),
            down(host(3, Some("a"))),
        ];
        let v = view(&hosts);
        let deny = HostFilterPolicy::deny_list(RoundRobinPolicy::new(), [addr(2)]);
        assert_eq!(ids(&deny.plan(&any(), &v)), [1]);
        let rack = HostFilterPolicy::new(RoundRobinPolicy::new(), |host: &Host| {
            host.datacenter().as_deref() == Some("b")
        });
        assert_eq!(ids(&rack.plan(&any(), &v)), [2]);
        assert_eq!(rack.distance(&hosts[0]), HostDistance::Ignored);
    }

    #[test]
    fn host_filter_child_ranks_among_accepted_hosts() {
        let hosts = two_dcs();
        let v = view(&hosts);
        // 10.0.0.4 is filtered out, so 10.0.0.5 is dc2's remote host.
        let child = DcAwareRoundRobinPolicy::new(Some("dc1".into())).used_hosts_per_remote_dc(1);
        let policy = HostFilterPolicy::deny_list(child, [addr(4)]);
        policy.init(&v, &hosts[0]);
        let plan = policy.plan(&any(), &v);
        assert_eq!(ids(&plan)[3..], [5, 8]);
        assert_eq!(policy.distance(&hosts[4]), HostDistance::Ignored);
        assert_eq!(policy.distance(&hosts[5]), HostDistance::Remote);
        check_plan(&policy, &plan);
    }

    #[test]
    fn host_filter_over_token_aware_filters_replicas() {
        let hosts = token_hosts();
        let v = token_view(&hosts);
        let inner = TokenAwarePolicy::new(dc1_child()).shuffle_replicas(false);
        let policy = HostFilterPolicy::deny_list(inner, [addr(3)]);
        let plan = policy.plan(&routing(Some("ks"), Some(0)), &v);
        assert_eq!(ids(&plan)[0], 1);
        assert!(!ids(&plan).contains(&3));
        check_plan(&policy, &plan);
    }
}
