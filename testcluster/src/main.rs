//! `cql-testcluster`: runs an in-memory, Cassandra 2.0-compatible cluster
//! until SIGINT or SIGTERM. See `cql-testcluster --help`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use cql_testcluster::cluster::{Clock, ClusterError, NodeState, TestCluster};
use cql_testcluster::server::{parse_rule, RuleId, TlsConfig, RULE_SYNTAX};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const USAGE: &str = "\
Usage: cql-testcluster [OPTIONS]

Runs an in-memory Cassandra 2.0-compatible cluster (native protocol v1/v2)
until SIGINT or SIGTERM. Node i listens on ADDRESS + i - 1 (127.0.0.1,
127.0.0.2, ...), every node on the same port. One line per node is printed
when it is ready:
    node 1 ready at 127.0.0.1:9042 (datacenter1, rack1)

Options:
  --nodes N                 number of nodes (default 1, or the sum of
                            --datacenters)
  --address IPV4            address of node 1 (default 127.0.0.1)
  --port P                  native port of every node (default 9042; 0 picks
                            a free port, shown in the ready lines)
  --datacenters DC:N,...    data centers and their node counts, in node
                            order, e.g. dc1:2,dc2:1 (default: datacenter1)
  --auth USER:PASSWORD      turn on PasswordAuthenticator with this superuser
                            (cassandra/cassandra exists too)
  --manual-clock            a manual cluster clock, moved by advance-clock
  --control-port P          serve the control protocol on 127.0.0.1:P (0 picks
                            a free port); prints
                            `control ready at 127.0.0.1:P`
  --tls-cert FILE           serve the native protocol over TLS only (TLS 1.2
                            and 1.3), with this PEM certificate chain (leaf
                            first); needs --tls-key
  --tls-key FILE            the PEM private key of --tls-cert (PKCS#8,
                            PKCS#1 or SEC1); needs --tls-cert
  -h, --help                this help

Control protocol (one command per line, one reply line each, `ok ...` or
`error ...`):
  status                    ok <index>:<address>:<up|down|removed>:<dc>:<rack> ...
  stop N                    stop node N (STATUS_CHANGE DOWN)
  start N                   start node N again (STATUS_CHANGE UP)
  add [DC] [RACK]           add a node (TOPOLOGY_CHANGE NEW_NODE); ok <index> <address>
  remove N                  decommission node N (TOPOLOGY_CHANGE REMOVED_NODE)
  drop-connections N        close every client connection of node N
  forget-prepared N         node N forgets its prepared statements
  advance-clock SECONDS     move the manual clock forward (--manual-clock only)
  replicas KEYSPACE TOKEN   the addresses of the replicas of a Murmur3 token
  fault add KEY=VALUE ...   add a fault injection rule (consulted in order,
                            the first that matches fires); ok <id>
  fault remove ID           remove a rule
  fault clear               remove every rule
  fault hits ID             ok <how many times rule ID fired>
  fault list                ok <id> <id> ... (the rules, in order)

Fault rules, e.g.
  fault add node=2 opcode=QUERY contains=FROM%20ks.t times=1 error=read_timeout cl=QUORUM received=1 block_for=2
  fault add opcode=EXECUTE delay_ms=500
  fault add node=1 regex=^SELECT drop
  fault add consistency=ONE probability=0.5 close
FAULT_SYNTAX

Exit codes: 0 after a signal, 1 when the cluster cannot start (e.g. an
address cannot be bound, or a TLS file cannot be read or is invalid), 2 for
a usage error.";

#[derive(Debug)]
struct Options {
    nodes: Option<usize>,
    address: Ipv4Addr,
    port: u16,
    datacenters: Option<Vec<(String, usize)>>,
    auth: Option<(String, String)>,
    manual_clock: bool,
    control_port: Option<u16>,
    /// The TLS certificate and key files.
    tls: Option<(PathBuf, PathBuf)>,
}

enum Parsed {
    Run(Options),
    Help,
}

fn value<'a>(args: &mut impl Iterator<Item = &'a String>, flag: &str) -> Result<&'a str, String> {
    args.next()
        .map(String::as_str)
        .ok_or_else(|| format!("{flag} needs a value"))
}

fn number<T: std::str::FromStr>(text: &str, flag: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag}: invalid number {text:?}"))
}

fn parse_args(args: &[String]) -> Result<Parsed, String> {
    let mut options = Options {
        nodes: None,
        address: Ipv4Addr::LOCALHOST,
        port: 9042,
        datacenters: None,
        auth: None,
        manual_clock: false,
        control_port: None,
        tls: None,
    };
    let mut tls_cert: Option<PathBuf> = None;
    let mut tls_key: Option<PathBuf> = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (arg.as_str(), None),
        };
        let take = |iter: &mut std::slice::Iter<'_, String>| -> Result<String, String> {
            match inline {
                Some(v) => Ok(v.to_owned()),
                None => value(iter, flag).map(str::to_owned),
            }
        };
        match flag {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--nodes" => {
                let n: usize = number(&take(&mut iter)?, flag)?;
                if n == 0 {
                    return Err("--nodes must be at least 1".into());
                }
                options.nodes = Some(n);
            }
            "--address" => {
                let v = take(&mut iter)?;
                options.address = v
                    .parse()
                    .map_err(|_| format!("--address: invalid IPv4 address {v:?}"))?;
            }
            "--port" => options.port = number(&take(&mut iter)?, flag)?,
            "--control-port" => options.control_port = Some(number(&take(&mut iter)?, flag)?),
            "--manual-clock" => options.manual_clock = true,
            "--datacenters" => {
                let v = take(&mut iter)?;
                let mut dcs = Vec::new();
                for part in v.split(',') {
                    let (dc, n) = part
                        .split_once(':')
                        .ok_or_else(|| format!("--datacenters: expected DC:N, got {part:?}"))?;
                    if dc.is_empty() {
                        return Err(format!("--datacenters: empty data center name in {part:?}"));
                    }
                    dcs.push((dc.to_owned(), number(n, flag)?));
                }
                options.datacenters = Some(dcs);
            }
            "--auth" => {
                let v = take(&mut iter)?;
                let (user, password) = v
                    .split_once(':')
                    .ok_or_else(|| "--auth: expected USER:PASSWORD".to_owned())?;
                if user.is_empty() {
                    return Err("--auth: empty user name".into());
                }
                options.auth = Some((user.to_owned(), password.to_owned()));
            }
            "--tls-cert" | "--tls-key" => {
                let v = take(&mut iter)?;
                if v.is_empty() {
                    return Err(format!("{flag}: empty file name"));
                }
                let slot = if flag == "--tls-cert" {
                    &mut tls_cert
                } else {
                    &mut tls_key
                };
                *slot = Some(PathBuf::from(v));
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    options.tls = match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        (Some(_), None) => return Err("--tls-cert needs --tls-key".into()),
        (None, Some(_)) => return Err("--tls-key needs --tls-cert".into()),
    };
    if let (Some(n), Some(dcs)) = (options.nodes, &options.datacenters) {
        let total: usize = dcs.iter().map(|(_, n)| n).sum();
        if n != total {
            return Err(format!(
                "--nodes {n} does not match --datacenters ({total} nodes)"
            ));
        }
    }
    Ok(Parsed::Run(options))
}

/// Sends the library's `tracing` events to stderr, filtered by `RUST_LOG`
/// (e.g. `RUST_LOG=cql_testcluster=debug`); only warnings and errors when
/// it is unset or invalid. stdout stays for the ready lines.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) => EnvFilter::try_new(&spec).unwrap_or_else(|e| {
            eprintln!("cql-testcluster: ignoring RUST_LOG={spec:?}: {e}");
            EnvFilter::new("warn")
        }),
        Err(_) => EnvFilter::new("warn"),
    };
    // A subscriber can only be installed once; a second one is not an error
    // worth stopping for.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(&args) {
        Ok(Parsed::Help) => {
            println!("{}", USAGE.replace("FAULT_SYNTAX", RULE_SYNTAX));
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Run(options)) => options,
        Err(message) => {
            eprintln!("cql-testcluster: {message}\nTry 'cql-testcluster --help'.");
            return ExitCode::from(2);
        }
    };
    init_logging();
    let tls = match &options.tls {
        None => None,
        Some((cert, key)) => match TlsConfig::from_pem_files(cert, key) {
            Ok(tls) => Some(tls),
            Err(e) => {
                eprintln!("cql-testcluster: TLS: {e}");
                return ExitCode::from(1);
            }
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cql-testcluster: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(run(options, tls))
}

async fn run(options: Options, tls: Option<TlsConfig>) -> ExitCode {
    let mut builder = TestCluster::builder()
        .address(options.address)
        .port(options.port);
    if let Some(n) = options.nodes {
        builder = builder.nodes(n);
    }
    if let Some(dcs) = &options.datacenters {
        let dcs: Vec<(&str, usize)> = dcs.iter().map(|(d, n)| (d.as_str(), *n)).collect();
        builder = builder.datacenters(&dcs);
    }
    if let Some((user, password)) = &options.auth {
        builder = builder.auth((user.as_str(), password.as_str()));
    }
    if let Some(tls) = tls {
        builder = builder.tls(tls);
    }
    if options.manual_clock {
        builder = builder.clock(Clock::manual(std::time::SystemTime::now()));
    }
    let cluster = match builder.start().await {
        Ok(c) => Arc::new(c),
        Err(ClusterError::Bind { address, source }) => {
            eprintln!("cql-testcluster: cannot bind {address}: {source}");
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("cql-testcluster: {e}");
            return ExitCode::from(1);
        }
    };
    for node in cluster.nodes() {
        println!(
            "node {} ready at {} ({}, {})",
            node.index, node.address, node.dc, node.rack
        );
    }
    let control = match options.control_port {
        None => None,
        Some(port) => match TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
            Ok(listener) => {
                let address = listener
                    .local_addr()
                    .unwrap_or_else(|_| SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
                println!("control ready at {address}");
                Some(tokio::spawn(serve_control(listener, cluster.clone())))
            }
            Err(e) => {
                eprintln!("cql-testcluster: cannot bind the control port 127.0.0.1:{port}: {e}");
                return ExitCode::from(1);
            }
        },
    };
    use std::io::Write;
    let _ = std::io::stdout().flush();

    wait_for_signal().await;
    println!("shutting down");
    if let Some(task) = control {
        task.abort();
        let _ = task.await;
    }
    match Arc::try_unwrap(cluster) {
        Ok(cluster) => {
            let _ = tokio::time::timeout(Duration::from_secs(5), cluster.shutdown()).await;
        }
        Err(cluster) => drop(cluster),
    }
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn serve_control(listener: TcpListener, cluster: Arc<TestCluster>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => {
                    connections.spawn(control_connection(socket, cluster.clone()));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn control_connection(socket: TcpStream, cluster: Arc<TestCluster>) {
    let (reader, mut writer) = socket.into_split();
    let mut lines = BufReader::new(reader).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim().is_empty() {
            continue;
        }
        let reply = match control_command(&cluster, &line).await {
            Ok(ok) if ok.is_empty() => "ok".to_owned(),
            Ok(ok) => format!("ok {ok}"),
            Err(e) => format!("error {e}"),
        };
        if writer
            .write_all(format!("{reply}\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

fn node_arg(args: &[&str]) -> Result<usize, String> {
    match args {
        [n] => n.parse().map_err(|_| format!("invalid node number {n:?}")),
        _ => Err("expected one node number".into()),
    }
}

async fn control_command(cluster: &TestCluster, line: &str) -> Result<String, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((command, args)) = words.split_first() else {
        return Err("empty command".into());
    };
    let e = |e: ClusterError| e.to_string();
    match *command {
        "status" => Ok(cluster
            .nodes()
            .iter()
            .map(|n| {
                let state = match n.state {
                    NodeState::Up => "up",
                    NodeState::Down => "down",
                    NodeState::Removed => "removed",
                };
                format!("{}:{}:{}:{}:{}", n.index, n.address, state, n.dc, n.rack)
            })
            .collect::<Vec<_>>()
            .join(" ")),
        "stop" => {
            let n = node_arg(args)?;
            cluster.stop_node(n).await.map_err(e)?;
            Ok(format!("stopped {n}"))
        }
        "start" => {
            let n = node_arg(args)?;
            cluster.start_node(n).await.map_err(e)?;
            Ok(format!("started {n}"))
        }
        "add" => {
            let dc = args.first().copied().unwrap_or("datacenter1");
            let rack = args.get(1).copied().unwrap_or("rack1");
            if args.len() > 2 {
                return Err("usage: add [DC] [RACK]".into());
            }
            let n = cluster.add_node(dc, rack).await.map_err(e)?;
            let address = cluster
                .node(n)
                .map(|i| i.address.to_string())
                .unwrap_or_default();
            Ok(format!("{n} {address}"))
        }
        "remove" | "decommission" => {
            let n = node_arg(args)?;
            cluster.decommission(n).await.map_err(e)?;
            Ok(format!("removed {n}"))
        }
        "drop-connections" => {
            let n = node_arg(args)?;
            cluster.drop_connections(n).map_err(e)?;
            Ok(format!("dropped connections of {n}"))
        }
        "forget-prepared" => {
            let n = node_arg(args)?;
            cluster.forget_prepared(n).map_err(e)?;
            Ok(format!("node {n} forgot its prepared statements"))
        }
        "advance-clock" => {
            if !cluster.clock().is_manual() {
                return Err("the clock is not manual (start with --manual-clock)".into());
            }
            let [seconds] = args else {
                return Err("usage: advance-clock SECONDS".into());
            };
            let seconds: f64 = seconds
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                .ok_or_else(|| format!("invalid number of seconds {seconds:?}"))?;
            cluster.clock().advance(Duration::from_secs_f64(seconds));
            Ok(format!("clock at {} us", cluster.clock().peek_micros()))
        }
        "replicas" => {
            let [keyspace, token] = args else {
                return Err("usage: replicas KEYSPACE TOKEN".into());
            };
            let token: i64 = token
                .parse()
                .map_err(|_| format!("invalid token {token:?}"))?;
            let replicas = cluster
                .replicas(keyspace, token)
                .ok_or_else(|| format!("Keyspace {keyspace} does not exist"))?;
            Ok(replicas
                .iter()
                .filter_map(|&n| cluster.node(n).map(|info| info.address.ip().to_string()))
                .collect::<Vec<_>>()
                .join(" "))
        }
        "fault" => fault_command(cluster, line),
        other => Err(format!("unknown command {other:?}")),
    }
}

/// `fault add|remove|clear|hits|list ...`.
fn fault_command(cluster: &TestCluster, line: &str) -> Result<String, String> {
    let rest = line.trim_start().strip_prefix("fault").unwrap_or_default();
    let rest = rest.trim_start();
    let (sub, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let faults = cluster.faults();
    let rule_id = |args: &str| -> Result<RuleId, String> {
        args.parse()
            .map_err(|_| format!("expected a rule id, got {:?}", args.trim()))
    };
    match sub {
        "add" => {
            let rule = parse_rule(args)?;
            Ok(faults.add(rule).to_string())
        }
        "remove" => {
            let id = rule_id(args)?;
            if faults.remove(id) {
                Ok(format!("removed {id}"))
            } else {
                Err(format!("no rule {id}"))
            }
        }
        "clear" => {
            faults.clear();
            Ok("cleared".to_owned())
        }
        "hits" => Ok(faults.hits(rule_id(args)?).to_string()),
        "list" => Ok(faults
            .ids()
            .iter()
            .map(RuleId::to_string)
            .collect::<Vec<_>>()
            .join(" ")),
        _ => Err("usage: fault add KEY=VALUE ... | fault remove ID | fault clear | fault hits ID | fault list".into()),
    }
}
