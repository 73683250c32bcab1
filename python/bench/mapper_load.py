"""The mapper workload of ``benches/examples/mapper_load.rs``, run by Python
cqlengine (cassandra-driver's object mapper): a model with the same ten
columns (partition key, clustering key and eight regular columns of mixed
types) over the same 1,000 rows; ``Model.create(...)`` for the INSERT and
``Model.objects(pk=..., ck=...).get()`` for the SELECT.

cqlengine is synchronous, so N requests in flight are N threads each
issuing one request at a time (at concurrency 1, the main thread). Every
case runs ``--requests`` requests or for ``--seconds``, whichever ends first
(the time is checked between requests), after an unmeasured warm-up of
``--warmup`` requests (also time-bounded). One line per case:

    MAPPER_LOAD client=python op=insert concurrency=64 requests=... seconds=...
        ops_per_s=... cpu_seconds=... cpu_us_per_request=...

CPU time is the whole process's user + system time from /proc/self/stat
(``driver_load.process_cpu``, as the Rust client reads it).

Usage: python mapper_load.py --host 127.0.111.1 --port 9042 \
           [--keyspace mapper_bench_python] [--requests 20000] [--seconds 8]
           [--warmup 1000] [--concurrency 1,64] [--ops insert,select]
"""

import argparse
import os
import datetime
import sys
import threading
import time
import uuid

from cassandra.cqlengine import columns, connection
from cassandra.cqlengine.management import create_keyspace_simple, sync_table
from cassandra.cqlengine.models import Model

from driver_load import process_cpu

KEYS = 1000
PARTITIONS = 100
EPOCH = datetime.datetime(1970, 1, 1)


class Reading(Model):
    __table_name__ = "readings"
    pk = columns.Integer(partition_key=True)
    ck = columns.Integer(primary_key=True)
    name = columns.Text()
    total = columns.BigInt()
    score = columns.Double()
    active = columns.Boolean()
    ref_id = columns.UUID()
    payload = columns.Blob()
    seen_at = columns.DateTime()
    tags = columns.Set(columns.Text)


def row(i):
    """Row ``i``: the values of ``mapper_workload::row(i)`` in Rust."""
    return {
        "pk": i % PARTITIONS,
        "ck": i // PARTITIONS,
        "name": "reading %05d" % i,
        "total": i * 1000003,
        "score": i * 0.25,
        "active": i % 2 == 0,
        "ref_id": uuid.UUID(int=0x5EED0000000040008000000000000000 | i),
        "payload": bytes((b * 7 + i) % 256 for b in range(64)),
        "seen_at": EPOCH + datetime.timedelta(milliseconds=1400000000000 + i),
        "tags": {"tag%d" % (i % 7), "tag%d" % (i % 11 + 7)},
    }


class Workload:
    def __init__(self):
        # Values built once, as the Rust client does.
        self.rows = [row(i) for i in range(KEYS)]
        self.next = 0
        sync_table(Reading)
        self.run("insert", KEYS, 16, deadline=time.monotonic() + 120)

    def request(self, op, i):
        values = self.rows[i % KEYS]
        if op == "insert":
            Reading.create(**values)
            return
        got = Reading.objects(pk=values["pk"], ck=values["ck"]).get()
        if got.name != values["name"] or got.tags != values["tags"]:
            raise AssertionError("SELECT of row %d returned %r" % (i % KEYS, got))

    def run(self, op, count, concurrency, deadline):
        """Runs up to ``count`` requests of ``op`` with ``concurrency``
        threads, stopping early at ``deadline``; returns how many ran."""
        start = self.next
        self.next += count
        if concurrency <= 1:
            done = 0
            for i in range(start, start + count):
                self.request(op, i)
                done += 1
                if time.monotonic() > deadline:
                    break
            return done
        lock = threading.Lock()
        state = {"issued": 0, "done": 0, "error": None}

        def worker():
            while True:
                with lock:
                    if (state["error"] is not None or state["issued"] >= count
                            or time.monotonic() > deadline):
                        return
                    i = start + state["issued"]
                    state["issued"] += 1
                try:
                    self.request(op, i)
                except Exception as e:  # noqa: BLE001 -- reported below
                    with lock:
                        state["error"] = state["error"] or e
                    return
                with lock:
                    state["done"] += 1

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if state["error"] is not None:
            raise state["error"]
        return state["done"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.111.1")
    parser.add_argument("--port", type=int, default=9042)
    parser.add_argument("--keyspace", default="mapper_bench_python")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--concurrency", default="1,64")
    parser.add_argument("--ops", default="insert,select")
    args = parser.parse_args()

    # sync_table and create_keyspace_simple warn without it.
    os.environ.setdefault("CQLENG_ALLOW_SCHEMA_MANAGEMENT", "1")
    connection.setup(
        [args.host], args.keyspace, protocol_version=2, port=args.port
    )
    cluster = connection.get_cluster()
    print(
        "# python %s, cassandra-driver %s (cqlengine), reactor %s"
        % (sys.version.split()[0], __import__("cassandra").__version__,
           cluster.connection_class.__name__),
        flush=True,
    )
    create_keyspace_simple(args.keyspace, 1)
    workload = Workload()
    try:
        for op in args.ops.split(","):
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                warm_deadline = time.monotonic() + min(args.seconds, 2.0)
                workload.run(op, args.warmup, concurrency, warm_deadline)
                cpu0, t0 = process_cpu(), time.perf_counter()
                done = workload.run(
                    op, args.requests, concurrency, time.monotonic() + args.seconds
                )
                seconds = time.perf_counter() - t0
                cpu = process_cpu() - cpu0
                print(
                    "MAPPER_LOAD client=python op=%s concurrency=%d requests=%d "
                    "seconds=%.3f ops_per_s=%.1f cpu_seconds=%.3f "
                    "cpu_us_per_request=%.2f"
                    % (op, concurrency, done, seconds, done / seconds, cpu,
                       cpu * 1e6 / done),
                    flush=True,
                )
    finally:
        connection.unregister_connection("default")
        cluster.shutdown()


if __name__ == "__main__":
    main()
