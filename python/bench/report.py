"""Prints the table and the Rust/Python ratios of a side-by-side load run:
``report.py PREFIX RESULTS`` reads the ``PREFIX client=... op=...
concurrency=... requests=... ops_per_s=... cpu_us_per_request=...`` lines
(and ``#`` notes) that ``driver_load``/``mapper_load`` (Rust and Python)
printed into RESULTS. Used by scripts/bench-driver and scripts/bench-mapper.
"""

import sys


def main(prefix, path):
    rows, notes = {}, []
    for line in open(path):
        if line.startswith("#"):
            notes.append(line.strip())
        if not line.startswith(prefix + " "):
            continue
        f = dict(kv.split("=", 1) for kv in line.split()[1:])
        rows[(f["client"], f["op"], int(f["concurrency"]))] = f

    clients = sorted({c for c, _, _ in rows}, key=lambda c: (c == "python", c))
    cases = sorted({(o, n) for _, o, n in rows}, key=lambda k: (k[0] != "insert", k[1]))
    print()
    for note in notes:
        print(note)
    print("%-8s %5s  %-14s %10s %12s %14s" % ("op", "conc", "client", "requests", "ops/s", "CPU us/req"))
    for op, n in cases:
        for c in clients:
            r = rows.get((c, op, n))
            if r:
                print("%-8s %5d  %-14s %10s %12.0f %14.2f" % (
                    op, n, c, r["requests"], float(r["ops_per_s"]), float(r["cpu_us_per_request"])))
    print()
    print("Rust/Python ratios (throughput: higher is better for Rust; CPU per request: lower is better for Rust)")
    print("%-8s %5s  %-14s %16s %18s" % ("op", "conc", "rust client", "ops/s ratio", "CPU/req ratio"))
    for op, n in cases:
        py = rows.get(("python", op, n))
        for c in clients:
            r = rows.get((c, op, n))
            if c == "python" or not r or not py:
                continue
            print("%-8s %5d  %-14s %15.1fx %17.3fx" % (
                op, n, c,
                float(r["ops_per_s"]) / float(py["ops_per_s"]),
                float(r["cpu_us_per_request"]) / float(py["cpu_us_per_request"])))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
