#!/usr/bin/env python3
"""Generates protocol/tests/vectors/compression/: frame bodies compressed the
way Cassandra and the Python driver frame them (protocol-notes.md §7).

Made once with the venv of scripts/python-env (lz4==4.4.5,
python-snappy==0.7.3 on cramjam) and committed; rerunning it must give the
same files (the inputs are deterministic, and both compressors are
deterministic for a given library version):

    .venv/bin/python python/tools/gen_compression_vectors.py

For each NAME it writes
  NAME.bin          the uncompressed body;
  NAME.lz4          struct.pack(">I", len(body)) + lz4.block.compress(body,
                    store_size=False): a 4-byte BIG-endian length and one
                    raw LZ4 block (python-lz4's own prefix is little-endian,
                    which is why the driver swaps it; store_size=False gives
                    the same block without it);
  NAME.snappy       snappy.compress(body): one raw Snappy block (its varint
                    length, then the elements), no framing.
The .lz4 output is checked to equal cassandra.connection.lz4_compress(body)
when the driver is importable, and each file is checked to decompress back
with the plain libraries.

Bodies (the driver never compresses an empty body, so there is none):
  short_text   a 44-byte CQL statement;
  mixed_16k    16 KiB of repeated CQL text interleaved with little-endian
               counters and a LCG byte stream (partly compressible);
  random_4k    4 KiB from a 64-bit LCG (x = x*6364136223846793005 +
               1442695040888963407 mod 2**64, seed 0x5eed, top byte of
               each step): incompressible, so lz4/snappy emit literals;
  repeated_20k 20 KiB of one byte, which exercises long matches.
"""

import os
import struct
import sys

import lz4.block
import snappy

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "protocol", "tests", "vectors", "compression"
)


def lcg_bytes(n, seed):
    x = seed
    out = bytearray()
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        out.append(x >> 56)
    return bytes(out)


def mixed(n):
    text = b"SELECT keyspace_name, columnfamily_name FROM system.schema_columnfamilies; "
    noise = lcg_bytes(n, 0xC0FFEE)
    out = bytearray()
    i = 0
    while len(out) < n:
        out += text[: 20 + i % 50]
        out += struct.pack("<I", i)
        out += noise[i * 7 % n : i * 7 % n + 9]
        i += 1
    return bytes(out[:n])


BODIES = {
    "short_text": b"SELECT * FROM system.local WHERE key='local'",
    "mixed_16k": mixed(16 * 1024),
    "random_4k": lcg_bytes(4096, 0x5EED),
    "repeated_20k": b"\x07" * (20 * 1024),
}


def lz4_cassandra(body):
    return struct.pack(">I", len(body)) + lz4.block.compress(body, store_size=False)


def main():
    os.makedirs(OUT, exist_ok=True)
    try:
        from cassandra.connection import lz4_compress
    except Exception:  # the driver is optional for this script
        lz4_compress = None
    for name, body in BODIES.items():
        lz = lz4_cassandra(body)
        sn = snappy.compress(body)
        if lz4_compress is not None:
            assert lz == lz4_compress(body), name
        assert lz4.block.decompress(lz[4:], uncompressed_size=len(body)) == body
        assert snappy.decompress(sn) == body
        for ext, data in (("bin", body), ("lz4", lz), ("snappy", sn)):
            with open(os.path.join(OUT, "%s.%s" % (name, ext)), "wb") as f:
                f.write(data)
        sys.stderr.write("%-13s %6d bytes -> lz4 %6d, snappy %6d\n" % (name, len(body), len(lz), len(sn)))


if __name__ == "__main__":
    main()
