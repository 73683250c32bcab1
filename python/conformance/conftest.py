"""Fixtures for the real-client conformance suite.

A 3-node cluster is started from the ``cql-testcluster`` CLI (built by cargo
on first use), on its own loopback block and a free port, with a control port
through which tests stop and start nodes. The DataStax Python driver then
talks to it exactly as it would to Cassandra 2.0.
"""

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
READY = re.compile(r"node (\d+) ready at ([0-9.]+):(\d+)")


def _binary():
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    subprocess.run(
        ["cargo", "build", "-q", "-p", "cql-testcluster", "--bin", "cql-testcluster"],
        cwd=REPO,
        check=True,
    )
    return target / "debug" / "cql-testcluster"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CliCluster:
    """A cluster run by the CLI, with its control port."""

    def __init__(self, nodes, address, extra=()):
        self.control_port = _free_port()
        args = [
            str(_binary()),
            "--nodes", str(nodes),
            "--address", address,
            "--port", "0",
            "--control-port", str(self.control_port),
            *extra,
        ]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.nodes = {}
        deadline = time.monotonic() + 30
        while len(self.nodes) < nodes:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("cql-testcluster exited: " + self.proc.stderr.read())
            m = READY.search(line)
            if m:
                self.nodes[int(m.group(1))] = m.group(2)
                self.port = int(m.group(3))
            if time.monotonic() > deadline:
                raise RuntimeError("cluster did not start in 30 s")
        self.contact_points = [self.nodes[i] for i in sorted(self.nodes)]

    def control(self, command):
        with socket.create_connection(("127.0.0.1", self.control_port), timeout=10) as s:
            s.sendall((command + "\n").encode())
            reply = s.makefile().readline().strip()
        if not reply.startswith("ok"):
            raise RuntimeError(f"control command {command!r} failed: {reply}")
        return reply

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def wait_until(predicate, seconds, what):
    """Polls `predicate` every 0.1 s until it holds, failing after `seconds`."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def cluster3():
    c = CliCluster(3, "127.0.1.1")
    yield c
    c.close()


@pytest.fixture(scope="session")
def auth_cluster():
    c = CliCluster(1, "127.0.2.1", extra=["--auth", "cassandra:cassandra"])
    yield c
    c.close()


def make_certificate(directory, ips):
    """A self-signed certificate for ``ips`` (as IP subjectAltNames), made
    with the openssl command: returns (cert.pem, key.pem) paths."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = Path(directory) / "cert.pem", Path(directory) / "key.pem"
    san = ",".join(f"IP:{ip}" for ip in ips)
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-subj", f"/CN={ips[0]}", "-addext", f"subjectAltName={san}",
            "-keyout", str(key), "-out", str(cert), "-days", "2",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="session")
def tls_cluster(tmp_path_factory):
    """A 2-node cluster serving TLS only; ``.cert`` is the PEM file to trust."""
    ips = ["127.0.4.1", "127.0.4.2"]
    cert, key = make_certificate(tmp_path_factory.mktemp("tls"), ips)
    c = CliCluster(2, ips[0], extra=["--tls-cert", str(cert), "--tls-key", str(key)])
    c.cert = cert
    yield c
    c.close()
