//! Fault injection, in the style of Simulacron and scylla-proxy: rules that
//! make a node answer chosen requests with an error, late, never, or by
//! closing the connection, so that driver tests can exercise retries,
//! speculative execution and failover.
//!
//! A [`FaultRule`] is a matcher (node, opcodes, query text, consistency and
//! a [`Budget`]) and a [`Reaction`]. The [`Faults`] registry holds the rules
//! of a cluster in order; every connection consults it before a request
//! reaches the [`crate::server::RequestHandler`], and the first rule that
//! matches (and whose budget allows it) fires.
//!
//! ```
//! use std::time::Duration;
//! use cql_protocol::message::response::ErrorKind;
//! use cql_protocol::{Consistency, Opcode};
//! use cql_testcluster::server::{FaultRule, Faults};
//!
//! let faults = Faults::new();
//! let id = faults.add(
//!     FaultRule::new()
//!         .node(2)
//!         .opcode(Opcode::Query)
//!         .query_contains("FROM ks.t")
//!         .times(1)
//!         .reply(
//!             ErrorKind::ReadTimeout {
//!                 consistency: Consistency::Quorum,
//!                 received: 1,
//!                 block_for: 2,
//!                 data_present: false,
//!             },
//!             "Operation timed out - received only 1 responses.",
//!         ),
//! );
//! faults.add(FaultRule::new().opcode(Opcode::Execute).delay(Duration::from_millis(200)));
//! assert_eq!(faults.hits(id), 0);
//! faults.clear();
//! ```
//!
//! # What a rule sees
//!
//! - QUERY and PREPARE: their query text. EXECUTE: the text of the
//!   statement it runs, known once some connection of the cluster saw the
//!   PREPARE answered with that id (the registry keeps id → text; an
//!   EXECUTE of an id prepared elsewhere has no text, so text matchers do
//!   not select it, but [`FaultRule::prepared_id`] does). BATCH: the text
//!   of every statement in it (a text matcher selects the batch when any
//!   statement matches).
//! - A rule without [`FaultRule::opcode`] applies to QUERY, PREPARE, EXECUTE
//!   and BATCH only. Other messages (OPTIONS, STARTUP, REGISTER, ...) are
//!   selected only by a rule that names their opcode; a delay on those
//!   holds up the whole connection, as they are answered in line.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use cql_protocol::message::request::{BatchQuery, Request};
use cql_protocol::message::response::{ErrorKind, ErrorResponse};
use cql_protocol::{Consistency, Opcode};
use regex::Regex;

/// How many prepared statement texts the registry remembers (beyond that,
/// new ids are not recorded).
const MAX_PREPARED_TEXTS: usize = 100_000;

/// The opcodes a rule without an opcode matcher applies to.
const DATA_OPCODES: [Opcode; 4] = [
    Opcode::Query,
    Opcode::Prepare,
    Opcode::Execute,
    Opcode::Batch,
];

/// The id [`Faults::add`] gives a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub u64);

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for RuleId {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(RuleId)
    }
}

/// Which node a rule applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeSelector {
    /// Node N of the cluster (from 1): the address
    /// [`Faults::first_node`] + N - 1, as the cluster numbers its nodes.
    Index(usize),
    /// Any node listening on this IP address.
    Ip(IpAddr),
    /// The node listening on exactly this address and port.
    Address(SocketAddr),
}

/// How a rule matches query text.
#[derive(Clone, Debug)]
pub enum QueryMatcher {
    /// The text contains this substring.
    Contains(String),
    /// The regular expression matches somewhere in the text.
    Regex(Regex),
}

impl QueryMatcher {
    fn matches(&self, text: &str) -> bool {
        match self {
            QueryMatcher::Contains(s) => text.contains(s.as_str()),
            QueryMatcher::Regex(r) => r.is_match(text),
        }
    }
}

/// How often a matching rule fires.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Budget {
    /// Every time.
    Always,
    /// For the first N matching requests, then never again (the rule stays
    /// registered, exhausted: later rules are consulted instead).
    Times(u64),
    /// Each matching request independently with this probability (0.0 to
    /// 1.0); when it does not fire, later rules are consulted.
    Probability(f64),
}

/// What happens to the request once the optional delay is over.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// It is handled normally (a pure delay).
    Normal,
    /// This ERROR is sent on its stream instead.
    Error(ErrorResponse),
    /// Nothing is ever sent on its stream (the client's stream id stays in
    /// use until the connection closes); the delay is irrelevant.
    NoResponse,
    /// The connection is closed at once, dropping every pending response.
    Close,
}

/// A rule's reaction: an optional delay, then an [`Outcome`].
#[derive(Clone, Debug, PartialEq)]
pub struct Reaction {
    /// How long to wait before the outcome.
    pub delay: Option<Duration>,
    /// What happens then.
    pub outcome: Outcome,
}

/// A fault: which requests it selects and what it does to them.
///
/// Every condition given must hold; conditions given several times
/// (`.node(1).node(2)`) accept any of their values. The default is every
/// QUERY/PREPARE/EXECUTE/BATCH of every node, always, handled normally (a
/// no-op rule that only counts hits).
#[derive(Clone, Debug)]
pub struct FaultRule {
    nodes: Vec<NodeSelector>,
    opcodes: Vec<Opcode>,
    consistencies: Vec<Consistency>,
    query: Vec<QueryMatcher>,
    prepared_ids: Vec<Bytes>,
    budget: Budget,
    reaction: Reaction,
}

impl Default for FaultRule {
    fn default() -> Self {
        FaultRule::new()
    }
}

impl FaultRule {
    /// A rule selecting every QUERY/PREPARE/EXECUTE/BATCH, always, with no
    /// effect; narrow it down and give it a reaction with the builder
    /// methods.
    pub fn new() -> Self {
        FaultRule {
            nodes: Vec::new(),
            opcodes: Vec::new(),
            consistencies: Vec::new(),
            query: Vec::new(),
            prepared_ids: Vec::new(),
            budget: Budget::Always,
            reaction: Reaction {
                delay: None,
                outcome: Outcome::Normal,
            },
        }
    }

    /// Only node `index` (from 1) of the cluster.
    #[must_use]
    pub fn node(self, index: usize) -> Self {
        self.node_selector(NodeSelector::Index(index))
    }

    /// Only the node listening on `ip`.
    #[must_use]
    pub fn node_ip(self, ip: impl Into<IpAddr>) -> Self {
        self.node_selector(NodeSelector::Ip(ip.into()))
    }

    /// Only the node listening on `address`.
    #[must_use]
    pub fn node_address(self, address: SocketAddr) -> Self {
        self.node_selector(NodeSelector::Address(address))
    }

    /// Only the node(s) `selector` selects.
    #[must_use]
    pub fn node_selector(mut self, selector: NodeSelector) -> Self {
        self.nodes.push(selector);
        self
    }

    /// Only requests with this opcode (replaces the default
    /// QUERY/PREPARE/EXECUTE/BATCH set).
    #[must_use]
    pub fn opcode(mut self, opcode: Opcode) -> Self {
        self.opcodes.push(opcode);
        self
    }

    /// Only requests with one of these opcodes.
    #[must_use]
    pub fn opcodes(mut self, opcodes: impl IntoIterator<Item = Opcode>) -> Self {
        self.opcodes.extend(opcodes);
        self
    }

    /// Only QUERY/EXECUTE/BATCH requests at this consistency.
    #[must_use]
    pub fn consistency(mut self, consistency: Consistency) -> Self {
        self.consistencies.push(consistency);
        self
    }

    /// Only requests whose query text contains `text` (see the module docs
    /// for what the text of each message is).
    #[must_use]
    pub fn query_contains(mut self, text: impl Into<String>) -> Self {
        self.query.push(QueryMatcher::Contains(text.into()));
        self
    }

    /// Only requests whose query text `regex` matches (anywhere: anchor it
    /// with `^...$` for a whole-text match).
    #[must_use]
    pub fn query_regex(mut self, regex: Regex) -> Self {
        self.query.push(QueryMatcher::Regex(regex));
        self
    }

    /// [`FaultRule::query_regex`] with a pattern to compile.
    pub fn query_pattern(self, pattern: &str) -> Result<Self, regex::Error> {
        Ok(self.query_regex(Regex::new(pattern)?))
    }

    /// Only EXECUTEs of this prepared statement id, or BATCHes holding it.
    #[must_use]
    pub fn prepared_id(mut self, id: impl Into<Bytes>) -> Self {
        self.prepared_ids.push(id.into());
        self
    }

    /// Fire for the first `n` matching requests only.
    #[must_use]
    pub fn times(mut self, n: u64) -> Self {
        self.budget = Budget::Times(n);
        self
    }

    /// Fire for each matching request with probability `p` (clamped to
    /// 0.0..=1.0; NaN is 0.0).
    #[must_use]
    pub fn probability(mut self, p: f64) -> Self {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        self.budget = Budget::Probability(p);
        self
    }

    /// Fire for every matching request (the default).
    #[must_use]
    pub fn always(mut self) -> Self {
        self.budget = Budget::Always;
        self
    }

    /// Answer with an ERROR of `kind` and `message`.
    #[must_use]
    pub fn reply(self, kind: ErrorKind, message: impl Into<String>) -> Self {
        self.reply_error(ErrorResponse::new(kind, message))
    }

    /// Answer with `error`.
    #[must_use]
    pub fn reply_error(mut self, error: ErrorResponse) -> Self {
        self.reaction.outcome = Outcome::Error(error);
        self
    }

    /// Wait `delay` before the outcome (handling the request normally
    /// unless an error, close or no-response is also given).
    #[must_use]
    pub fn delay(mut self, delay: Duration) -> Self {
        self.reaction.delay = Some(delay);
        self
    }

    /// Never answer.
    #[must_use]
    pub fn no_response(mut self) -> Self {
        self.reaction.outcome = Outcome::NoResponse;
        self
    }

    /// Close the connection (after the delay, if any).
    #[must_use]
    pub fn close_connection(mut self) -> Self {
        self.reaction.outcome = Outcome::Close;
        self
    }

    /// Sets the whole reaction.
    #[must_use]
    pub fn reaction(mut self, reaction: Reaction) -> Self {
        self.reaction = reaction;
        self
    }

    /// The rule's budget.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// The rule's reaction.
    pub fn get_reaction(&self) -> &Reaction {
        &self.reaction
    }

    fn matches(&self, first_node: Ipv4Addr, request: &RequestView<'_>) -> bool {
        let opcode_ok = if self.opcodes.is_empty() {
            DATA_OPCODES.contains(&request.opcode)
        } else {
            self.opcodes.contains(&request.opcode)
        };
        if !opcode_ok {
            return false;
        }
        if !self.nodes.is_empty()
            && !self
                .nodes
                .iter()
                .any(|n| node_matches(n, first_node, request.node))
        {
            return false;
        }
        if !self.consistencies.is_empty()
            && !request
                .consistency
                .is_some_and(|c| self.consistencies.contains(&c))
        {
            return false;
        }
        if !self.prepared_ids.is_empty()
            && !request.ids.iter().any(|id| self.prepared_ids.contains(id))
        {
            return false;
        }
        if !self.query.is_empty()
            && !request
                .texts
                .iter()
                .any(|t| self.query.iter().any(|q| q.matches(t)))
        {
            return false;
        }
        true
    }
}

fn node_matches(selector: &NodeSelector, first_node: Ipv4Addr, node: SocketAddr) -> bool {
    match selector {
        NodeSelector::Index(index) => index
            .checked_sub(1)
            .and_then(|i| u32::try_from(i).ok())
            .and_then(|i| u32::from(first_node).checked_add(i))
            .is_some_and(|ip| node.ip() == IpAddr::V4(Ipv4Addr::from(ip))),
        NodeSelector::Ip(ip) => node.ip() == *ip,
        NodeSelector::Address(address) => node == *address,
    }
}

/// What a rule sees of a request.
struct RequestView<'a> {
    node: SocketAddr,
    opcode: Opcode,
    consistency: Option<Consistency>,
    texts: Vec<&'a str>,
    ids: Vec<&'a Bytes>,
}

/// A rule that fired for a request.
#[derive(Clone, Debug, PartialEq)]
pub struct Fired {
    /// The rule.
    pub rule: RuleId,
    /// What to do.
    pub reaction: Reaction,
}

struct Entry {
    id: RuleId,
    rule: FaultRule,
    hits: u64,
}

struct Inner {
    next_id: u64,
    first_node: Ipv4Addr,
    rules: Vec<Entry>,
    prepared: HashMap<Bytes, String>,
}

/// The fault rules of a cluster: shared (clones see the same rules),
/// thread-safe, consulted in order (the first rule that matches and whose
/// budget allows it fires).
#[derive(Clone)]
pub struct Faults {
    inner: Arc<Mutex<Inner>>,
}

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("Faults")
            .field("first_node", &inner.first_node)
            .field(
                "rules",
                &inner.rules.iter().map(|e| e.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Default for Faults {
    fn default() -> Self {
        Faults::new()
    }
}

impl Faults {
    /// An empty registry numbering nodes from 127.0.0.1.
    pub fn new() -> Self {
        Faults::with_first_node(Ipv4Addr::LOCALHOST)
    }

    /// An empty registry for which node N ([`FaultRule::node`]) is the one
    /// listening on `first_node` + N - 1.
    pub fn with_first_node(first_node: Ipv4Addr) -> Self {
        Faults {
            inner: Arc::new(Mutex::new(Inner {
                next_id: 1,
                first_node,
                rules: Vec::new(),
                prepared: HashMap::new(),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The address of node 1.
    pub fn first_node(&self) -> Ipv4Addr {
        self.lock().first_node
    }

    /// Appends a rule (consulted after the existing ones); returns its id.
    pub fn add(&self, rule: FaultRule) -> RuleId {
        let mut inner = self.lock();
        let id = RuleId(inner.next_id);
        inner.next_id += 1;
        inner.rules.push(Entry { id, rule, hits: 0 });
        id
    }

    /// Removes a rule; returns whether it existed. Requests it already
    /// delayed or silenced stay so.
    pub fn remove(&self, id: RuleId) -> bool {
        let mut inner = self.lock();
        let before = inner.rules.len();
        inner.rules.retain(|e| e.id != id);
        inner.rules.len() != before
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// How many times rule `id` fired (0 for an unknown or removed rule).
    pub fn hits(&self, id: RuleId) -> u64 {
        self.lock()
            .rules
            .iter()
            .find(|e| e.id == id)
            .map_or(0, |e| e.hits)
    }

    /// The ids of the rules, in the order they are consulted.
    pub fn ids(&self) -> Vec<RuleId> {
        self.lock().rules.iter().map(|e| e.id).collect()
    }

    /// How many rules are registered.
    pub fn len(&self) -> usize {
        self.lock().rules.len()
    }

    /// Whether no rule is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The query text of a prepared statement id, if a PREPARE answered
    /// with it was seen.
    pub fn prepared_text(&self, id: &[u8]) -> Option<String> {
        self.lock().prepared.get(id).cloned()
    }

    /// Records that `id` is the prepared statement of `query` (the server
    /// does so for every PREPARE it answers).
    pub fn remember_prepared(&self, id: Bytes, query: &str) {
        let mut inner = self.lock();
        if inner.prepared.len() < MAX_PREPARED_TEXTS || inner.prepared.contains_key(&id) {
            inner.prepared.insert(id, query.to_owned());
        }
    }

    /// The rule that fires for `request` received by `node`, if any,
    /// counting the hit and spending its budget. Messages other than
    /// QUERY/PREPARE/EXECUTE/BATCH are only selected by rules naming their
    /// opcode.
    pub fn check(&self, node: SocketAddr, request: &Request) -> Option<Fired> {
        let mut inner = self.lock();
        if inner.rules.is_empty() {
            return None;
        }
        let mut view = RequestView {
            node,
            opcode: request.opcode(),
            consistency: None,
            texts: Vec::new(),
            ids: Vec::new(),
        };
        let mut mapped: Vec<String> = Vec::new();
        match request {
            Request::Query(q) => {
                view.consistency = Some(q.params.consistency);
                view.texts.push(&q.query);
            }
            Request::Prepare(p) => view.texts.push(&p.query),
            Request::Execute(e) => {
                view.consistency = Some(e.params.consistency);
                view.ids.push(&e.id);
                mapped.extend(inner.prepared.get(&e.id).cloned());
            }
            Request::Batch(b) => {
                view.consistency = Some(b.consistency);
                for statement in &b.statements {
                    match &statement.query {
                        BatchQuery::Query(text) => view.texts.push(text),
                        BatchQuery::Prepared(id) => {
                            view.ids.push(id);
                            mapped.extend(inner.prepared.get(id).cloned());
                        }
                    }
                }
            }
            _ => {}
        }
        view.texts.extend(mapped.iter().map(String::as_str));
        let first_node = inner.first_node;
        for entry in inner.rules.iter_mut() {
            if !entry.rule.matches(first_node, &view) {
                continue;
            }
            let fire = match &mut entry.rule.budget {
                Budget::Always => true,
                Budget::Times(left) => {
                    if *left == 0 {
                        false
                    } else {
                        *left -= 1;
                        true
                    }
                }
                Budget::Probability(p) => *p >= 1.0 || (*p > 0.0 && rand::random_bool(*p)),
            };
            if fire {
                entry.hits += 1;
                return Some(Fired {
                    rule: entry.id,
                    reaction: entry.rule.reaction.clone(),
                });
            }
        }
        None
    }
}

/// The error names [`error_kind_by_name`] knows, for help texts.
pub const ERROR_NAMES: &[&str] = &[
    "server_error",
    "protocol_error",
    "bad_credentials",
    "unavailable",
    "overloaded",
    "is_bootstrapping",
    "truncate_error",
    "write_timeout",
    "read_timeout",
    "syntax_error",
    "unauthorized",
    "invalid",
    "config_error",
    "already_exists",
    "unprepared",
];

/// Parameters of the errors that carry extra fields, for
/// [`error_kind_by_name`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorFields {
    /// The consistency of Unavailable/Read_timeout/Write_timeout.
    pub consistency: Consistency,
    /// Unavailable's `required`.
    pub required: i32,
    /// Unavailable's `alive`.
    pub alive: i32,
    /// The timeouts' `received`.
    pub received: i32,
    /// The timeouts' `block_for`.
    pub block_for: i32,
    /// Read_timeout's `data_present`.
    pub data_present: bool,
    /// Write_timeout's write type.
    pub write_type: cql_protocol::message::response::WriteType,
    /// Already_exists' keyspace.
    pub keyspace: String,
    /// Already_exists' table.
    pub table: String,
    /// Unprepared's id.
    pub id: Bytes,
}

impl Default for ErrorFields {
    fn default() -> Self {
        ErrorFields {
            consistency: Consistency::One,
            required: 1,
            alive: 0,
            received: 0,
            block_for: 1,
            data_present: false,
            write_type: cql_protocol::message::response::WriteType::Simple,
            keyspace: String::new(),
            table: String::new(),
            id: Bytes::new(),
        }
    }
}

/// The error kind named `name` (snake case, one of [`ERROR_NAMES`], or the
/// spec's name such as `Read_timeout`, case-insensitively) with `fields`.
pub fn error_kind_by_name(name: &str, fields: &ErrorFields) -> Option<ErrorKind> {
    let f = fields.clone();
    Some(match name.to_ascii_lowercase().as_str() {
        "server_error" => ErrorKind::ServerError,
        "protocol_error" => ErrorKind::ProtocolError,
        "bad_credentials" => ErrorKind::BadCredentials,
        "unavailable" => ErrorKind::Unavailable {
            consistency: f.consistency,
            required: f.required,
            alive: f.alive,
        },
        "overloaded" => ErrorKind::Overloaded,
        "is_bootstrapping" => ErrorKind::IsBootstrapping,
        "truncate_error" => ErrorKind::TruncateError,
        "write_timeout" => ErrorKind::WriteTimeout {
            consistency: f.consistency,
            received: f.received,
            block_for: f.block_for,
            write_type: f.write_type,
        },
        "read_timeout" => ErrorKind::ReadTimeout {
            consistency: f.consistency,
            received: f.received,
            block_for: f.block_for,
            data_present: f.data_present,
        },
        "syntax_error" => ErrorKind::SyntaxError,
        "unauthorized" => ErrorKind::Unauthorized,
        "invalid" => ErrorKind::Invalid,
        "config_error" => ErrorKind::ConfigError,
        "already_exists" => ErrorKind::AlreadyExists {
            keyspace: f.keyspace,
            table: f.table,
        },
        "unprepared" => ErrorKind::Unprepared { id: f.id },
        _ => return None,
    })
}

/// A message like Cassandra's for an injected error of `kind`.
pub fn default_error_message(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::Unavailable { consistency, .. } => {
            format!("Cannot achieve consistency level {}", consistency.name())
        }
        ErrorKind::ReadTimeout { received, .. } | ErrorKind::WriteTimeout { received, .. } => {
            format!("Operation timed out - received only {received} responses.")
        }
        ErrorKind::Overloaded => "Overloaded".to_owned(),
        ErrorKind::IsBootstrapping => "Cannot read from a bootstrapping node".to_owned(),
        other => format!("Injected {}", other.name()),
    }
}

/// The consistency named `name` (`QUORUM`, `local_one`, ...).
pub fn consistency_by_name(name: &str) -> Option<Consistency> {
    Consistency::ALL
        .into_iter()
        .find(|c| c.name().eq_ignore_ascii_case(name))
}

/// The opcode named `name` (`QUERY`, `execute`, ...).
pub fn opcode_by_name(name: &str) -> Option<Opcode> {
    Opcode::ALL
        .into_iter()
        .find(|o| o.name().eq_ignore_ascii_case(name))
}

/// Decodes `%XX` escapes (and `+` as a space) of a rule spec value.
pub fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("invalid %-escape in {text:?}"))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("{text:?} is not UTF-8 once decoded"))
}

/// The help text of [`parse_rule`]'s syntax.
pub const RULE_SYNTAX: &str = "\
A rule is KEY=VALUE words (values %-encoded: %20 or + for a space, %25 for %):
  node=N[,N...]          node index (from 1) or IPv4/IPv6 address
  opcode=OP[,OP...]      QUERY, PREPARE, EXECUTE, BATCH (default: those four),
                         or OPTIONS, STARTUP, REGISTER, ...
  contains=TEXT          query text contains TEXT (EXECUTE: the prepared text)
  regex=RE               query text matches the regular expression RE
  consistency=CL[,CL...] request consistency (ONE, QUORUM, LOCAL_ONE, ...)
  times=N | probability=P   fire for the first N matches / with probability P
                         (default: always)
  reaction (default: handled normally, only counted):
  error=NAME             server_error protocol_error bad_credentials
                         unavailable overloaded is_bootstrapping truncate_error
                         write_timeout read_timeout syntax_error unauthorized
                         invalid config_error already_exists unprepared
    message=TEXT         error message (default: like Cassandra's)
    cl=CL                consistency of unavailable/read_timeout/write_timeout
                         (default ONE)
    received=N block_for=N data_present=true|false write_type=SIMPLE|BATCH|
    UNLOGGED_BATCH|COUNTER|BATCH_LOG|CAS required=N alive=N keyspace=KS
    table=T id=HEX       the error's fields (defaults: received=0 block_for=1
                         required=1 alive=0 data_present=false write_type=SIMPLE)
  delay_ms=N             wait N ms first (then handle normally, or the error)
  drop                   never answer (the stream stays in use)
  close                  close the connection";

/// Parses a rule written as `KEY=VALUE` words (see [`RULE_SYNTAX`]), e.g.
/// `node=2 opcode=QUERY contains=FROM%20ks.t times=1 error=read_timeout`.
pub fn parse_rule(spec: &str) -> Result<FaultRule, String> {
    let mut rule = FaultRule::new();
    let mut error: Option<String> = None;
    let mut message: Option<String> = None;
    let mut fields = ErrorFields::default();
    let mut drop = false;
    let mut close = false;
    let int = |key: &str, v: &str| -> Result<i32, String> {
        v.parse()
            .map_err(|_| format!("{key}: invalid number {v:?}"))
    };
    for word in spec.split_whitespace() {
        let (key, raw) = match word.split_once('=') {
            Some((k, v)) => (k.to_ascii_lowercase(), v),
            None => (word.to_ascii_lowercase(), ""),
        };
        let value = percent_decode(raw)?;
        let v = value.as_str();
        match key.as_str() {
            "node" => {
                for n in v.split(',') {
                    rule = if let Ok(index) = n.parse::<usize>() {
                        rule.node(index)
                    } else if let Ok(ip) = n.parse::<IpAddr>() {
                        rule.node_ip(ip)
                    } else if let Ok(address) = n.parse::<SocketAddr>() {
                        rule.node_address(address)
                    } else {
                        return Err(format!("node: expected an index or an address, got {n:?}"));
                    };
                }
            }
            "opcode" => {
                for o in v.split(',') {
                    let opcode =
                        opcode_by_name(o).ok_or_else(|| format!("unknown opcode {o:?}"))?;
                    rule = rule.opcode(opcode);
                }
            }
            "consistency" => {
                for c in v.split(',') {
                    let cl = consistency_by_name(c)
                        .ok_or_else(|| format!("unknown consistency {c:?}"))?;
                    rule = rule.consistency(cl);
                }
            }
            "contains" => rule = rule.query_contains(v),
            "regex" => {
                rule = rule.query_pattern(v).map_err(|e| format!("regex: {e}"))?;
            }
            "times" => {
                let n = v
                    .parse()
                    .map_err(|_| format!("times: invalid number {v:?}"))?;
                rule = rule.times(n);
            }
            "probability" => {
                let p: f64 = v
                    .parse()
                    .ok()
                    .filter(|p: &f64| (0.0..=1.0).contains(p))
                    .ok_or_else(|| format!("probability: expected 0.0 to 1.0, got {v:?}"))?;
                rule = rule.probability(p);
            }
            "error" => error = Some(v.to_owned()),
            "message" => message = Some(v.to_owned()),
            "cl" => {
                fields.consistency =
                    consistency_by_name(v).ok_or_else(|| format!("unknown consistency {v:?}"))?;
            }
            "received" => fields.received = int("received", v)?,
            "block_for" => fields.block_for = int("block_for", v)?,
            "required" => fields.required = int("required", v)?,
            "alive" => fields.alive = int("alive", v)?,
            "data_present" => {
                fields.data_present = match v.to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" => false,
                    _ => return Err(format!("data_present: expected true or false, got {v:?}")),
                }
            }
            "write_type" => {
                fields.write_type =
                    cql_protocol::message::response::WriteType::from_name(&v.to_ascii_uppercase())
                        .ok_or_else(|| format!("unknown write type {v:?}"))?;
            }
            "keyspace" => fields.keyspace = v.to_owned(),
            "table" => fields.table = v.to_owned(),
            "id" => {
                if v.len() % 2 != 0 {
                    return Err(format!("id: expected hex bytes, got {v:?}"));
                }
                let bytes = (0..v.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&v[i..i + 2], 16))
                    .collect::<Result<Vec<u8>, _>>()
                    .map_err(|_| format!("id: expected hex bytes, got {v:?}"))?;
                fields.id = Bytes::from(bytes);
            }
            "delay_ms" => {
                let ms: u64 = v
                    .parse()
                    .map_err(|_| format!("delay_ms: invalid number {v:?}"))?;
                rule = rule.delay(Duration::from_millis(ms));
            }
            "drop" | "no_response" => drop = true,
            "close" => close = true,
            other => return Err(format!("unknown key {other:?}")),
        }
    }
    let reactions = usize::from(error.is_some()) + usize::from(drop) + usize::from(close);
    if reactions > 1 {
        return Err("give at most one of error=, drop and close".into());
    }
    if let Some(name) = error {
        let kind = error_kind_by_name(&name, &fields)
            .ok_or_else(|| format!("unknown error {name:?} (one of {})", ERROR_NAMES.join(", ")))?;
        let message = message.unwrap_or_else(|| default_error_message(&kind));
        rule = rule.reply(kind, message);
    } else if message.is_some() {
        return Err("message= needs error=".into());
    }
    if drop {
        rule = rule.no_response();
    }
    if close {
        rule = rule.close_connection();
    }
    Ok(rule)
}
