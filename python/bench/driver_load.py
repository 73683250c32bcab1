"""The driver workload of ``benches/examples/driver_load.rs``, run by the
DataStax Python driver: a prepared single-row INSERT, then a prepared
single-row SELECT, with 1 request in flight (plain ``execute``) or N
(``execute_async``, a new request started from each completion callback so
that exactly N are in flight until the last ones drain).

Every case runs ``--requests`` requests or for ``--seconds``, whichever ends
first (the time is checked between requests at concurrency 1 and by the
callbacks otherwise), after an unmeasured warm-up of ``--warmup`` requests
(also time-bounded). One line per case:

    DRIVER_LOAD client=python op=insert concurrency=64 requests=... seconds=...
        ops_per_s=... cpu_seconds=... cpu_us_per_request=...

CPU time is the whole process's user + system time from /proc/self/stat
(as the Rust client reads it), so it includes the driver's event-loop thread.

Usage: python driver_load.py --host 127.0.81.1 --port 9042 \
           [--keyspace driver_bench_python] [--requests 50000] [--seconds 10]
           [--warmup 2000] [--concurrency 1,64] [--ops insert,select]
"""

import argparse
import os
import sys
import threading
import time

from cassandra.cluster import Cluster

KEYS = 1000
INSERT = "INSERT INTO users (id, name, email, visits) VALUES (?, ?, ?, ?)"
SELECT = "SELECT id, name, email, visits FROM users WHERE id = ?"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def process_cpu():
    """User + system CPU seconds of this process (/proc/self/stat fields
    14 and 15, counted after the command name's closing parenthesis)."""
    with open("/proc/self/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 1:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Workload:
    def __init__(self, session, keyspace):
        self.session = session
        session.execute(
            "CREATE KEYSPACE %s WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}" % keyspace
        )
        session.set_keyspace(keyspace)
        session.execute(
            "CREATE TABLE users (id int PRIMARY KEY, name text, email text, visits bigint)"
        )
        self.insert = session.prepare(INSERT)
        self.select = session.prepare(SELECT)
        # Values built once, as the Rust client does.
        self.insert_values = [
            (i, "user %05d" % i, "user%05d@example.com" % i, i) for i in range(KEYS)
        ]
        self.select_values = [(i,) for i in range(KEYS)]
        self.next = 0
        self.run("insert", KEYS, 64, deadline=time.monotonic() + 120)

    def request(self, op, i):
        """(statement, values, expected id or None) of request ``i``."""
        if op == "insert":
            return self.insert, self.insert_values[i % KEYS], None
        return self.select, self.select_values[i % KEYS], i % KEYS

    @staticmethod
    def check(rows, expected):
        if expected is not None:
            row = rows[0]
            if row.id != expected:
                raise AssertionError("SELECT %d returned row %d" % (expected, row.id))

    def run(self, op, count, concurrency, deadline):
        """Runs up to ``count`` requests of ``op``, stopping early at
        ``deadline``; returns how many completed."""
        start = self.next
        self.next += count
        if concurrency <= 1:
            done = 0
            for i in range(start, start + count):
                statement, values, expected = self.request(op, i)
                self.check(self.session.execute(statement, values), expected)
                done += 1
                if time.monotonic() > deadline:
                    break
            return done
        return self._run_async(op, start, count, concurrency, deadline)

    def _run_async(self, op, start, count, concurrency, deadline):
        lock = threading.Lock()
        finished = threading.Event()
        state = {"issued": 0, "done": 0, "in_flight": 0, "error": None}

        def issue():
            # Called with `lock` held; starts request number `issued`.
            i = start + state["issued"]
            state["issued"] += 1
            state["in_flight"] += 1
            statement, values, expected = self.request(op, i)
            future = self.session.execute_async(statement, values)
            future.add_callbacks(on_success, on_error, callback_args=(expected,))

        def complete(error):
            with lock:
                state["in_flight"] -= 1
                state["done"] += 1
                if error is not None and state["error"] is None:
                    state["error"] = error
                more = (
                    state["error"] is None
                    and state["issued"] < count
                    and time.monotonic() <= deadline
                )
                if more:
                    issue()
                elif state["in_flight"] == 0:
                    finished.set()

        def on_success(rows, expected):
            try:
                self.check(rows, expected)
            except Exception as e:  # noqa: BLE001 -- reported below
                complete(e)
                return
            complete(None)

        def on_error(error, expected):
            complete(error)

        with lock:
            for _ in range(min(concurrency, count)):
                issue()
        finished.wait()
        if state["error"] is not None:
            raise state["error"]
        return state["done"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.81.1")
    parser.add_argument("--port", type=int, default=9042)
    parser.add_argument("--keyspace", default="driver_bench_python")
    parser.add_argument("--requests", type=int, default=50000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=int, default=2000)
    parser.add_argument("--concurrency", default="1,64")
    parser.add_argument("--ops", default="insert,select")
    args = parser.parse_args()

    cluster = Cluster(
        contact_points=[args.host], port=args.port, protocol_version=2
    )
    session = cluster.connect()
    reactor = cluster.connection_class.__name__
    print(
        "# python %s, cassandra-driver %s, reactor %s"
        % (sys.version.split()[0], __import__("cassandra").__version__, reactor),
        flush=True,
    )
    workload = Workload(session, args.keyspace)
    try:
        for op in args.ops.split(","):
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                warm_deadline = time.monotonic() + min(args.seconds, 5.0)
                workload.run(op, args.warmup, concurrency, warm_deadline)
                cpu0, t0 = process_cpu(), time.perf_counter()
                done = workload.run(
                    op, args.requests, concurrency, time.monotonic() + args.seconds
                )
                seconds = time.perf_counter() - t0
                cpu = process_cpu() - cpu0
                print(
                    "DRIVER_LOAD client=python op=%s concurrency=%d requests=%d "
                    "seconds=%.3f ops_per_s=%.1f cpu_seconds=%.3f "
                    "cpu_us_per_request=%.2f"
                    % (op, concurrency, done, seconds, done / seconds, cpu,
                       cpu * 1e6 / done),
                    flush=True,
                )
    finally:
        cluster.shutdown()


if __name__ == "__main__":
    main()
