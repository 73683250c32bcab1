"""Checks the oracle itself against hand-written bytes from the v1/v2 specs
(/work/shared/reference/native_protocol_v2.spec) and protocol-notes.md,
through its JSON-lines interface, so that the differential tests compare
our Rust code with something that is itself checked against the spec.

Run: .venv/bin/python -m pytest python/oracle
"""

import json
import os
import struct
import subprocess
import sys

import pytest

ORACLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cql_oracle.py")


@pytest.fixture(scope="module")
def oracle():
    proc = subprocess.Popen(
        [sys.executable, ORACLE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def call(req):
        proc.stdin.write((req if isinstance(req, str) else json.dumps(req)) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        assert line, "oracle died"
        return json.loads(line)

    yield call
    proc.stdin.close()
    proc.wait(timeout=10)


# ---- spec notation helpers, written from the spec, independent of the driver


def short(n):
    return struct.pack(">H", n)


def int_(n):
    return struct.pack(">i", n)


def string(s):
    b = s.encode()
    return short(len(b)) + b


def long_string(s):
    b = s.encode()
    return int_(len(b)) + b


def bytes_(b):
    return int_(-1) if b is None else int_(len(b)) + b


ONE, QUORUM, SERIAL = 0x0001, 0x0004, 0x0008


def encode(oracle, version, message):
    r = oracle({"op": "encode_request", "version": version, "message": message})
    assert r["ok"], r
    return r["opcode"], bytes.fromhex(r["body"])


def decode(oracle, opcode, body, version=2, flags=0, **extra):
    r = oracle(
        dict(op="decode_response", version=version, opcode=opcode, flags=flags, body=body.hex(), **extra)
    )
    assert r["ok"], r
    return r


# ---- requests (v2 spec §4.1)


def test_query_plain(oracle):
    # §4.1.4: <query><consistency><flags>
    opcode, body = encode(oracle, 2, {"type": "QUERY", "query": "SELECT * FROM t", "consistency": "ONE"})
    assert opcode == 0x07
    assert body == long_string("SELECT * FROM t") + short(ONE) + b"\x00"


def test_query_all_v2_params(oracle):
    opcode, body = encode(
        oracle,
        2,
        {
            "type": "QUERY",
            "query": "SELECT * FROM t WHERE k = ?",
            "consistency": "QUORUM",
            "values": ["0000002a", None],
            "page_size": 100,
            "paging_state": "cafe",
            "serial_consistency": "SERIAL",
        },
    )
    # flags: Values 0x01 | Page_size 0x04 | With_paging_state 0x08 | serial 0x10
    expected = (
        long_string("SELECT * FROM t WHERE k = ?")
        + short(QUORUM)
        + bytes([0x01 | 0x04 | 0x08 | 0x10])
        + short(2)
        + bytes_(b"\x00\x00\x00\x2a")
        + bytes_(None)
        + int_(100)
        + bytes_(b"\xca\xfe")
        + short(SERIAL)
    )
    assert body == expected


def test_query_v1_quirk_is_reported(oracle):
    r = oracle({"op": "encode_request", "version": 1, "message": {"type": "QUERY", "query": "q", "consistency": "ONE"}})
    assert r["ok"] and "driver_quirk" in r
    # v1 spec §4.1.4 is <query><consistency>; the driver adds a 0x00 flags byte.
    assert bytes.fromhex(r["body"]) == long_string("q") + short(ONE) + b"\x00"


def test_startup_keeps_order(oracle):
    opcode, body = encode(
        oracle, 2, {"type": "STARTUP", "options": {"CQL_VERSION": "3.0.0", "COMPRESSION": "snappy"}}
    )
    assert opcode == 0x01
    assert body == short(2) + string("CQL_VERSION") + string("3.0.0") + string("COMPRESSION") + string("snappy")


def test_execute_v1_and_v2(oracle):
    # v1 §4.1.6: <id><n><value_1>...<value_n><consistency>
    _, body = encode(oracle, 1, {"type": "EXECUTE", "id": "abcd", "consistency": "ONE", "values": ["01"]})
    assert body == short(2) + b"\xab\xcd" + short(1) + bytes_(b"\x01") + short(ONE)
    # v2 §4.1.6: <id><query_parameters>
    _, body = encode(oracle, 2, {"type": "EXECUTE", "id": "abcd", "consistency": "ONE", "values": ["01"]})
    assert body == short(2) + b"\xab\xcd" + short(ONE) + b"\x01" + short(1) + bytes_(b"\x01")


def test_batch(oracle):
    # v2 §4.1.7: <type><n><query_1>...<query_n><consistency>
    opcode, body = encode(
        oracle,
        2,
        {
            "type": "BATCH",
            "batch_type": "UNLOGGED",
            "statements": [{"query": "INSERT", "values": ["02"]}, {"prepared_id": "0a0b"}],
            "consistency": "ONE",
        },
    )
    assert opcode == 0x0D
    assert body == (
        b"\x01" + short(2)
        + b"\x00" + long_string("INSERT") + short(1) + bytes_(b"\x02")
        + b"\x01" + short(2) + b"\x0a\x0b" + short(0)
        + short(ONE)
    )


def test_register_prepare_options_auth(oracle):
    assert encode(oracle, 2, {"type": "REGISTER", "events": ["STATUS_CHANGE"]}) == (
        0x0B,
        short(1) + string("STATUS_CHANGE"),
    )
    assert encode(oracle, 2, {"type": "PREPARE", "query": "SELECT ?"}) == (0x09, long_string("SELECT ?"))
    assert encode(oracle, 2, {"type": "OPTIONS"}) == (0x05, b"")
    assert encode(oracle, 2, {"type": "AUTH_RESPONSE", "token": "00750070"}) == (0x0F, int_(4) + b"\x00u\x00p")
    assert encode(oracle, 1, {"type": "CREDENTIALS", "credentials": {"username": "u"}}) == (
        0x04,
        short(1) + string("username") + string("u"),
    )


def test_unsupported_and_bad_requests(oracle):
    cases = [
        {"op": "encode_request", "version": 2, "message": {"type": "CREDENTIALS", "credentials": {}}},
        {"op": "encode_request", "version": 1, "message": {"type": "BATCH", "batch_type": "LOGGED", "statements": [], "consistency": "ONE"}},
        {"op": "encode_request", "version": 2, "message": {"type": "QUERY", "query": "q", "consistency": "ONE", "skip_metadata": True}},
        {"op": "encode_request", "version": 2, "message": {"type": "AUTH_RESPONSE", "token": None}},
    ]
    for c in cases:
        r = oracle(c)
        assert not r["ok"] and r["error"].startswith("unsupported by python driver"), r
    for bad in [
        "not json",
        "[]",
        {"op": "nope"},
        {"op": "encode_request", "version": 3, "message": {"type": "OPTIONS"}},
        {"op": "encode_request", "version": 2, "message": {"type": "QUERY", "query": "q", "consistency": "WHATEVER"}},
        {"op": "encode_request", "version": 2, "message": {"type": "OPTIONS", "extra": 1}},
        {"op": "decode_response", "version": 2, "opcode": 0x08, "flags": 0, "body": "zz"},
        {"op": "decode_response", "version": 2, "opcode": 0x08, "flags": 0, "body": "00"},
    ]:
        r = oracle(bad)
        assert r["ok"] is False and r["error"], r
    assert oracle({"op": "ping"})["ok"]


# ---- responses (v2 spec §4.2, §8)


def test_error_unavailable(oracle):
    # §8 0x1000: <cl><required><alive>
    body = int_(0x1000) + string("Cannot achieve consistency") + short(QUORUM) + int_(3) + int_(1)
    r = decode(oracle, 0x00, body)
    assert r["unread_bytes"] == 0 and r["strict_error"] is None
    assert r["message"] == {
        "type": "ERROR",
        "error_class": "UnavailableErrorMessage",
        "summary": "Unavailable exception",
        "code": 0x1000,
        "message": "Cannot achieve consistency",
        "info": {"consistency": "QUORUM", "required_replicas": 3, "alive_replicas": 1},
    }


def test_error_write_timeout_and_syntax(oracle):
    body = int_(0x1100) + string("timeout") + short(ONE) + int_(0) + int_(1) + string("BATCH_LOG")
    m = decode(oracle, 0x00, body)["message"]
    assert m["info"] == {
        "consistency": "ONE",
        "received_responses": 0,
        "required_responses": 1,
        "write_type": "BATCH_LOG",
    }
    m = decode(oracle, 0x00, int_(0x2000) + string("line 1:0 no viable alternative"))["message"]
    assert (m["error_class"], m["code"], m["info"]) == ("SyntaxException", 0x2000, None)
    m = decode(oracle, 0x00, int_(0x2500) + string("unprepared") + short(2) + b"\x01\x02")["message"]
    assert m["info"] == "0102"


def test_strict_pass_sees_truncation_and_trailing_bytes(oracle):
    r = decode(oracle, 0x00, int_(0x2000) + string("x") + b"\x99")
    assert r["unread_bytes"] == 1
    # A [string] claiming 5 bytes with 1 present: the driver is lenient,
    # the strict pass is not.
    r = decode(oracle, 0x03, short(5) + b"a")
    assert r["strict_error"] and r["unread_bytes"] is None


def test_ready_supported_authenticate(oracle):
    assert decode(oracle, 0x02, b"")["message"] == {"type": "READY"}
    body = short(2) + string("CQL_VERSION") + short(1) + string("3.0.5") + string("COMPRESSION") + short(2) + string("snappy") + string("lz4")
    assert decode(oracle, 0x06, body)["message"] == {
        "type": "SUPPORTED",
        "cql_versions": ["3.0.5"],
        "options": {"COMPRESSION": ["snappy", "lz4"]},
    }
    assert decode(oracle, 0x03, string("org.apache.cassandra.auth.PasswordAuthenticator"))["message"] == {
        "type": "AUTHENTICATE",
        "authenticator": "org.apache.cassandra.auth.PasswordAuthenticator",
    }


def test_rows_result(oracle):
    # §4.2.5.2: <metadata><rows_count><rows_content>, Global_tables_spec.
    metadata = (
        int_(0x0001 | 0x0002)  # global spec + has more pages
        + int_(4)
        + bytes_(b"\x00\x01")  # paging state
        + string("ks") + string("t")
        + string("k") + short(0x0009)  # int
        + string("v") + short(0x0020) + short(0x000D)  # list<varchar>
        + string("b") + short(0x0002)  # bigint
        + string("ts") + short(0x000B)  # timestamp
    )
    # v2 collections: [short] n, then [short] length + bytes each.
    lst = short(2) + short(1) + b"a" + short(2) + b"bc"
    row1 = bytes_(int_(-7)) + bytes_(lst) + bytes_(struct.pack(">q", 2**62)) + bytes_(struct.pack(">q", 1400000000123))
    row2 = bytes_(None) + bytes_(short(0)) + bytes_(struct.pack(">q", -1)) + bytes_(None)
    body = int_(2) + metadata + int_(2) + row1 + row2
    r = decode(oracle, 0x08, body)
    assert r["unread_bytes"] == 0
    m = r["message"]
    assert m["kind"] == "rows" and m["paging_state"] == "0001"
    assert m["columns"] == [
        {"keyspace": "ks", "table": "t", "name": "k", "type": "int"},
        {"keyspace": "ks", "table": "t", "name": "v", "type": "list<varchar>"},
        {"keyspace": "ks", "table": "t", "name": "b", "type": "bigint"},
        {"keyspace": "ks", "table": "t", "name": "ts", "type": "timestamp"},
    ]
    assert m["rows"] == [[-7, ["a", "bc"], str(2**62), 1400000000123], [None, [], -1, None]]


def test_rows_without_metadata(oracle):
    body = int_(2) + int_(0x0004) + int_(1) + int_(1) + bytes_(int_(5))
    r = decode(oracle, 0x08, body, result_metadata=[{"name": "k", "type": "int"}])
    assert r["message"]["columns"] is None and r["message"]["rows"] == [[5]]


def test_other_results_and_event(oracle):
    assert decode(oracle, 0x08, int_(1))["message"] == {"type": "RESULT", "kind": "void"}
    assert decode(oracle, 0x08, int_(3) + string("ks"))["message"]["keyspace"] == "ks"
    m = decode(oracle, 0x08, int_(5) + string("CREATED") + string("ks") + string("t"))["message"]
    assert m["event"] == {"target_type": "TABLE", "change_type": "CREATED", "keyspace": "ks", "table": "t"}
    # v2 prepared: <id><metadata><result_metadata>
    body = (
        int_(4) + short(2) + b"\xbe\xef"
        + int_(1) + int_(1) + string("ks") + string("t") + string("k") + short(0x0009)
        + int_(4) + int_(0)
    )
    m = decode(oracle, 0x08, body)["message"]
    assert m["query_id"] == "beef"
    assert m["bind_metadata"] == [{"keyspace": "ks", "table": "t", "name": "k", "type": "int"}]
    # §4.2.6 EVENT TOPOLOGY_CHANGE with an [inet]
    body = string("TOPOLOGY_CHANGE") + string("NEW_NODE") + b"\x04\x7f\x00\x00\x01" + int_(9042)
    m = decode(oracle, 0x0C, body)["message"]
    assert m == {"type": "EVENT", "event_type": "TOPOLOGY_CHANGE", "event_args": {"change_type": "NEW_NODE", "address": "127.0.0.1:9042"}}


def test_tracing_flag(oracle):
    trace = bytes(range(16))
    r = decode(oracle, 0x08, trace + int_(1), flags=0x02)
    assert r["trace_id"] == "00010203-0405-0607-0809-0a0b0c0d0e0f"


# ---- compression (notes §7) and murmur3 (notes §12)


def test_lz4_frame_layout(oracle):
    data = (b"abcdefgh" * 100).hex()
    r = oracle({"op": "compress", "algorithm": "lz4", "data": data})
    assert r["ok"] and bytes.fromhex(r["data"])[:4] == struct.pack(">I", 800)
    back = oracle({"op": "decompress", "algorithm": "lz4", "data": r["data"]})
    assert back["data"] == data
    r = oracle({"op": "compress", "algorithm": "snappy", "data": data})
    assert bytes.fromhex(r["data"])[:2] == b"\xa0\x06"  # varint 800
    assert oracle({"op": "decompress", "algorithm": "snappy", "data": r["data"]})["data"] == data


@pytest.mark.parametrize(
    "key,token",
    [
        ("00000001", -4069959284402364209),
        ("ffffffff", 7297452126230313552),
        ("ffffff", -9154616442117352147),
        ("808182838485868788898a8b8c8d8e", 63099782945186636),
        (bytes(range(17)).hex(), 6662781046685680142),
        ("000400000001000001610" + "0", 6516349416904725244),
    ],
)
def test_murmur3_vectors(oracle, key, token):
    r = oracle({"op": "murmur3", "key": key})
    assert r["ok"] and r["token"] == token


# ---- whole frames (v2 spec §2) and the SASL PLAIN token


def test_encode_frame_header_and_body(oracle):
    r = oracle({"op": "encode_frame", "version": 2, "stream": 5, "message": {"type": "OPTIONS"}})
    assert r["ok"] and r["opcode"] == 0x05
    # <version><flags><stream><opcode><length>
    assert bytes.fromhex(r["frame"]) == b"\x02\x00\x05\x05" + int_(0)
    r = oracle(
        {
            "op": "encode_frame",
            "version": 1,
            "stream": 127,
            "tracing": True,
            "message": {"type": "PREPARE", "query": "SELECT ?"},
        }
    )
    body = long_string("SELECT ?")
    assert bytes.fromhex(r["frame"]) == b"\x01\x02\x7f\x09" + int_(len(body)) + body
    # The v1 QUERY quirk shows in the whole frame too.
    r = oracle({"op": "encode_frame", "version": 1, "stream": 0, "message": {"type": "QUERY", "query": "q", "consistency": "ONE"}})
    body = long_string("q") + short(ONE) + b"\x00"
    assert "driver_quirk" in r and bytes.fromhex(r["frame"]) == b"\x01\x00\x00\x07" + int_(len(body)) + body
    for bad in (128, -129):
        r = oracle({"op": "encode_frame", "version": 2, "stream": bad, "message": {"type": "OPTIONS"}})
        assert r["ok"] is False, r


def test_encode_frame_compression(oracle):
    msg = {"type": "PREPARE", "query": "SELECT * FROM t WHERE k = ?" * 10}
    r = oracle({"op": "encode_frame", "version": 2, "stream": 1, "compression": "lz4", "message": msg})
    frame = bytes.fromhex(r["frame"])
    assert frame[:4] == b"\x02\x01\x01\x09" and struct.unpack(">I", frame[4:8])[0] == len(frame) - 8
    back = oracle({"op": "decompress", "algorithm": "lz4", "data": frame[8:].hex()})
    assert bytes.fromhex(back["data"]) == long_string(msg["query"])
    # An empty body is not compressed, and has no compression flag.
    for algorithm in ("lz4", "snappy"):
        r = oracle({"op": "encode_frame", "version": 2, "stream": 3, "compression": algorithm, "message": {"type": "OPTIONS"}})
        assert bytes.fromhex(r["frame"]) == b"\x02\x00\x03\x05" + int_(0)


def test_string_maps_as_ordered_pairs(oracle):
    _, body = encode(
        oracle, 2, {"type": "STARTUP", "options": [["CQL_VERSION", "3.0.0"], ["COMPRESSION", "lz4"]]}
    )
    assert body == short(2) + string("CQL_VERSION") + string("3.0.0") + string("COMPRESSION") + string("lz4")
    _, body = encode(oracle, 1, {"type": "CREDENTIALS", "credentials": [["username", "u"], ["password", "p"]]})
    assert body == short(2) + string("username") + string("u") + string("password") + string("p")
    for bad in ([["a", "1"], ["a", "2"]], [["a"]], [["a", 1]]):
        r = oracle({"op": "encode_request", "version": 1, "message": {"type": "CREDENTIALS", "credentials": bad}})
        assert r["ok"] is False, r


def test_plain_text_auth_token(oracle):
    r = oracle({"op": "plain_text_auth", "username": "app", "password": "s3cret"})
    assert r["ok"] and bytes.fromhex(r["token"]) == b"\x00app\x00s3cret"
