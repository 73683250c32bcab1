"""The DataStax Python driver over TLS against a CLI-started cluster run
with --tls-cert/--tls-key: the driver verifies the certificate (hostname
checking on, against the node's IP subjectAltName), discovers the other
node and queries; a driver without TLS gets no host."""

import ssl

import pytest
from cassandra.cluster import Cluster, NoHostAvailable


def tls_context(cert):
    ctx = ssl.create_default_context(cafile=str(cert))
    assert ctx.check_hostname and ctx.verify_mode == ssl.CERT_REQUIRED
    return ctx


@pytest.mark.parametrize("protocol_version", [1, 2])
def test_driver_queries_over_tls(tls_cluster, protocol_version):
    cluster = Cluster(
        tls_cluster.contact_points[:1],
        port=tls_cluster.port,
        protocol_version=protocol_version,
        ssl_context=tls_context(tls_cluster.cert),
    )
    try:
        # Wait for node 2's pool too: its TLS connections are checked below.
        session = cluster.connect(wait_for_all_pools=True)
        row = session.execute("SELECT key FROM system.local").one()
        assert row.key == "local"
        hosts = sorted(h.address for h in cluster.metadata.all_hosts())
        assert hosts == sorted(tls_cluster.contact_points)
        # Each node answers over its own TLS connection.
        for host in cluster.metadata.all_hosts():
            rows = session.execute("SELECT rpc_address FROM system.local", host=host)
            assert str(rows.one().rpc_address) == host.address
        session.execute(
            "CREATE KEYSPACE IF NOT EXISTS tls_ks WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': '2'}"
        )
        session.execute("CREATE TABLE IF NOT EXISTS tls_ks.t (k int PRIMARY KEY, v text)")
        session.execute("INSERT INTO tls_ks.t (k, v) VALUES (%s, %s)", (1, "secret"))
        assert session.execute("SELECT v FROM tls_ks.t WHERE k = 1").one().v == "secret"
    finally:
        cluster.shutdown()


def test_plain_driver_gets_no_host_and_tls_still_works(tls_cluster):
    plain = Cluster(tls_cluster.contact_points[:1], port=tls_cluster.port, connect_timeout=5)
    try:
        with pytest.raises(NoHostAvailable):
            plain.connect()
    finally:
        plain.shutdown()

    untrusting = Cluster(
        tls_cluster.contact_points[:1],
        port=tls_cluster.port,
        ssl_context=ssl.create_default_context(),
        connect_timeout=5,
    )
    try:
        with pytest.raises(NoHostAvailable):
            untrusting.connect()
    finally:
        untrusting.shutdown()

    cluster = Cluster(
        tls_cluster.contact_points[:1],
        port=tls_cluster.port,
        ssl_context=tls_context(tls_cluster.cert),
    )
    try:
        assert cluster.connect().execute("SELECT key FROM system.local").one().key == "local"
    finally:
        cluster.shutdown()
