"""The DataStax Python driver against a 3-node cql-testcluster, as against
Cassandra 2.0: negotiation, discovery, schema, types, statements, paging,
batches, LWT, counters, TTL, compression, auth and node events."""

import datetime
import decimal
import uuid

import pytest
from cassandra import AuthenticationFailed, InvalidRequest
from cassandra.protocol import SyntaxException
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.query import BatchStatement, BatchType, SimpleStatement
from cassandra.util import uuid_from_time
from conftest import wait_until

KS = "conformance"


def connect(c, **kwargs):
    cluster = Cluster(c.contact_points, port=c.port, **kwargs)
    return cluster, cluster.connect()


@pytest.fixture(scope="module")
def session(cluster3):
    cluster, session = connect(cluster3, protocol_version=2)
    session.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {KS} WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': '2'}"
    )
    session.set_keyspace(KS)
    yield session
    cluster.shutdown()


def test_default_negotiation_falls_back_to_v2(cluster3):
    cluster, session = connect(cluster3)
    try:
        assert cluster.protocol_version == 2
        assert session.execute("SELECT key FROM system.local WHERE key='local'").one().key == "local"
    finally:
        cluster.shutdown()


def test_pinned_v1_works(cluster3):
    cluster, session = connect(cluster3, protocol_version=1)
    try:
        row = session.execute("SELECT release_version, cql_version FROM system.local").one()
        assert row.release_version.startswith("2.0")
        assert row.cql_version == "3.1.7"
    finally:
        cluster.shutdown()


def test_discovers_all_hosts_with_their_tokens(cluster3, session):
    metadata = session.cluster.metadata
    hosts = sorted(h.address for h in metadata.all_hosts())
    assert hosts == sorted(cluster3.contact_points)
    ring = metadata.token_map.ring
    assert len(ring) == 3
    owners = {metadata.token_map.token_to_host_owner[t].address for t in ring}
    assert owners == set(cluster3.contact_points)


def test_token_map_gives_the_servers_replicas(cluster3, session):
    """The driver's token-aware routing picks the replicas the server uses."""
    session.execute(
        "CREATE KEYSPACE IF NOT EXISTS routing WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': '2'}"
    )
    session.execute("CREATE TABLE IF NOT EXISTS routing.t (k int PRIMARY KEY)")
    assert session.cluster.control_connection.wait_for_schema_agreement()
    session.cluster.refresh_schema_metadata()
    metadata = session.cluster.metadata
    for k in range(50):
        key = k.to_bytes(4, "big", signed=True)
        token = metadata.token_map.token_class.from_key(key).value
        driver = sorted(h.address for h in metadata.get_replicas("routing", key))
        server = sorted(cluster3.control(f"replicas routing {token}").split()[1:])
        assert len(driver) == 2
        assert driver == server, f"key {k} (token {token})"


def test_ddl_reaches_metadata_with_schema_agreement(session):
    session.execute(
        "CREATE TABLE IF NOT EXISTS events (k int, c text, v list<int>, w text, "
        "PRIMARY KEY (k, c)) WITH CLUSTERING ORDER BY (c DESC) AND comment = 'conf'"
    )
    assert session.cluster.control_connection.wait_for_schema_agreement()
    table = session.cluster.metadata.keyspaces[KS].tables["events"]
    assert [c.name for c in table.partition_key] == ["k"]
    assert [c.name for c in table.clustering_key] == ["c"]
    assert table.clustering_key[0].is_reversed
    assert table.columns["v"].cql_type == "list<int>"
    assert table.options["comment"] == "conf"


def test_error_codes_are_cassandras(session):
    """Grammar errors are Syntax_error (0x2000) with a position; statements
    Cassandra's validation rejects are Invalid (0x2200)."""
    with pytest.raises(SyntaxException, match="line 1:9"):
        session.execute("SELECT * FRM system.local")
    with pytest.raises(InvalidRequest, match=r"No PRIMARY KEY specifed \(exactly one required\)"):
        session.execute("CREATE TABLE nopk (a int, b int)")
    with pytest.raises(InvalidRequest, match="Unmatched column names/values"):
        session.execute("INSERT INTO system.local (key, rack) VALUES ('x')")
    with pytest.raises(InvalidRequest, match="unconfigured columnfamily nosuchtable"):
        session.execute("SELECT * FROM nosuchtable")


def test_every_type_round_trips(session):
    session.execute(
        "CREATE TABLE IF NOT EXISTS types (k int PRIMARY KEY, a ascii, b bigint, bl blob, "
        "bo boolean, d decimal, db double, f float, i inet, t text, ts timestamp, u uuid, "
        "tu timeuuid, vi varint, vc varchar, l list<int>, s set<text>, m map<text, int>)"
    )
    values = dict(
        a="ascii", b=-(2**62), bl=b"\x00\xff", bo=True, d=decimal.Decimal("-12.345"),
        db=1.25, f=-0.5, i="192.168.0.1", t="tëxt", ts=datetime.datetime(2013, 1, 2, 3, 4, 5),
        u=uuid.uuid4(), tu=uuid_from_time(1_700_000_000), vi=2**70, vc="v", l=[3, 1, 2],
        s={"b", "a"}, m={"x": 1, "y": 2},
    )
    cols = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    insert = session.prepare(f"INSERT INTO types (k, {cols}) VALUES (?, {marks})")
    session.execute(insert, [1, *values.values()])
    row = session.execute(SimpleStatement(f"SELECT {cols} FROM types WHERE k = 1")).one()
    for name, expected in values.items():
        got = getattr(row, name)
        if name == "s":
            assert set(got) == expected
        elif name == "m":
            assert dict(got) == expected
        elif name == "ts":
            assert got.replace(tzinfo=None) == expected
        else:
            assert got == expected, name
    # Literals in the query text, as the driver interpolates them.
    session.execute(
        "INSERT INTO types (k, a, bl, bo, u, i, l, s, m) VALUES "
        "(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (2, "it's", b"\x01", False, values["u"], "::1", [1], {"z"}, {"k": 7}),
    )
    row = session.execute("SELECT a, bl, bo, u, i, l, s, m FROM types WHERE k = 2").one()
    assert (row.a, row.bl, row.bo, row.u, row.i) == ("it's", b"\x01", False, values["u"], "::1")
    assert list(row.l) == [1] and set(row.s) == {"z"} and dict(row.m) == {"k": 7}


def test_collection_operations(session):
    session.execute("CREATE TABLE IF NOT EXISTS colls (k int PRIMARY KEY, l list<int>, s set<int>, m map<text, int>)")
    session.execute("INSERT INTO colls (k, l, s, m) VALUES (1, [1, 2], {1, 2}, {'a': 1})")
    session.execute("UPDATE colls SET l = l + [3], l = [0] + l, s = s + {3}, s = s - {1}, m['b'] = 2 WHERE k = 1")
    session.execute("UPDATE colls SET l[1] = 10, m = m - {'a'} WHERE k = 1")
    session.execute("DELETE l[0] FROM colls WHERE k = 1")
    row = session.execute("SELECT l, s, m FROM colls WHERE k = 1").one()
    assert list(row.l) == [10, 2, 3]
    assert sorted(row.s) == [2, 3]
    assert dict(row.m) == {"b": 2}


def test_prepared_statements_and_paging_over_10000_rows(session):
    session.execute("CREATE TABLE IF NOT EXISTS paged (p int, c int, v text, PRIMARY KEY (p, c))")
    insert = session.prepare("INSERT INTO paged (p, c, v) VALUES (?, ?, ?)")
    args = [(i % 10, i, f"v{i}") for i in range(10_000)]
    results = execute_concurrent_with_args(session, insert, args, concurrency=64)
    assert all(ok for ok, _ in results)
    statement = SimpleStatement("SELECT p, c FROM paged", fetch_size=1000)
    result = session.execute(statement)
    assert result.has_more_pages
    seen = [(r.p, r.c) for r in result]
    assert len(seen) == 10_000
    assert len(set(seen)) == 10_000
    select = session.prepare("SELECT v FROM paged WHERE p = ? AND c = ?")
    assert session.execute(select, (3, 13)).one().v == "v13"


def test_text_and_protocol_batches(session):
    session.execute("CREATE TABLE IF NOT EXISTS batched (k int PRIMARY KEY, v text)")
    session.execute(
        "BEGIN BATCH INSERT INTO batched (k, v) VALUES (1, 'a'); "
        "INSERT INTO batched (k, v) VALUES (2, 'b'); APPLY BATCH"
    )
    insert = session.prepare("INSERT INTO batched (k, v) VALUES (?, ?)")
    batch = BatchStatement(batch_type=BatchType.UNLOGGED)
    for k in range(3, 6):
        batch.add(insert, (k, str(k)))
    batch.add(SimpleStatement("INSERT INTO batched (k, v) VALUES (6, 'six')"))
    session.execute(batch)
    rows = {r.k: r.v for r in session.execute("SELECT k, v FROM batched")}
    assert rows == {1: "a", 2: "b", 3: "3", 4: "4", 5: "5", 6: "six"}


def test_lightweight_transactions(session):
    session.execute("CREATE TABLE IF NOT EXISTS lwt (k int PRIMARY KEY, v text)")
    first = session.execute("INSERT INTO lwt (k, v) VALUES (1, 'a') IF NOT EXISTS")
    assert first.was_applied
    second = session.execute("INSERT INTO lwt (k, v) VALUES (1, 'b') IF NOT EXISTS")
    assert not second.was_applied
    assert second.one().v == "a"
    assert session.execute("UPDATE lwt SET v = 'c' WHERE k = 1 IF v = 'a'").was_applied
    failed = session.execute("UPDATE lwt SET v = 'd' WHERE k = 1 IF v = 'a'")
    assert not failed.was_applied and failed.one().v == "c"


def test_counters(session):
    session.execute("CREATE TABLE IF NOT EXISTS hits (page text PRIMARY KEY, n counter)")
    for _ in range(3):
        session.execute("UPDATE hits SET n = n + 5 WHERE page = 'home'")
    session.execute("UPDATE hits SET n = n - 2 WHERE page = 'home'")
    assert session.execute("SELECT n FROM hits WHERE page = 'home'").one().n == 13


def test_ttl_expires(session):
    session.execute("CREATE TABLE IF NOT EXISTS ttl (k int PRIMARY KEY, v text)")
    session.execute("INSERT INTO ttl (k, v) VALUES (1, 'x') USING TTL 1")
    row = session.execute("SELECT TTL(v) AS t FROM ttl WHERE k = 1").one()
    assert row.t in (0, 1)
    wait_until(lambda: session.execute("SELECT v FROM ttl WHERE k = 1").one() is None, 5, "TTL expiry")


def test_tracing(session):
    """The tracing flag gives a trace id the driver reads back from
    system_traces.sessions and system_traces.events."""
    result = session.execute("SELECT key FROM system.local", trace=True)
    trace = result.get_query_trace(max_wait_sec=5)
    assert trace.request_type == "Execute CQL3 query"
    assert trace.duration is not None
    activities = [event.description for event in trace.events]
    assert activities[0] == "Parsing SELECT key FROM system.local"
    assert len(activities) >= 3


@pytest.mark.parametrize("compression", ["lz4", "snappy"])
def test_compression(cluster3, compression):
    cluster, session = connect(cluster3, protocol_version=2, compression=compression)
    try:
        rows = list(session.execute("SELECT * FROM system.peers"))
        assert len(rows) == 2
    finally:
        cluster.shutdown()


def test_auth(auth_cluster):
    good = PlainTextAuthProvider("cassandra", "cassandra")
    cluster, session = connect(auth_cluster, protocol_version=2, auth_provider=good)
    try:
        assert session.execute("SELECT key FROM system.local").one().key == "local"
    finally:
        cluster.shutdown()
    bad = Cluster(auth_cluster.contact_points, port=auth_cluster.port, protocol_version=2,
                  auth_provider=PlainTextAuthProvider("cassandra", "wrong"))
    with pytest.raises(NoHostAvailable) as err:
        bad.connect()
    assert any(isinstance(e, AuthenticationFailed) for e in err.value.errors.values())
    bad.shutdown()


def test_node_down_and_up_events(cluster3):
    cluster, session = connect(cluster3, protocol_version=2)
    stopped = False
    try:
        host = next(h for h in cluster.metadata.all_hosts() if h.address == cluster3.nodes[3])
        assert host.is_up
        cluster3.control("stop 3")
        stopped = True

        # The driver reads an idle pool connection only when it uses it, and
        # ignores DOWN events while it still believes that pool is open, so,
        # as against Cassandra, queries are what reveal the dead node.
        def marked_down():
            session.execute("SELECT key FROM system.local")
            return not host.is_up

        wait_until(marked_down, 15, "node 3 marked down")
        cluster3.control("start 3")
        stopped = False
        wait_until(lambda: host.is_up, 30, "node 3 marked up")
        # The returning node serves queries again.
        rows = list(session.execute("SELECT peer FROM system.peers"))
        assert len(rows) == 2
    finally:
        if stopped:
            cluster3.control("start 3")
        cluster.shutdown()
