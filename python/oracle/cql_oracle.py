#!/usr/bin/env python3
"""A JSON-lines oracle around the DataStax Python driver's own CQL codec.

Nothing here uses our Rust code: every byte comes from, or is read by, the
pure-Python ``cassandra-driver`` (3.30.1, installed by ``scripts/python-env``
without C extensions): ``cassandra.protocol`` message classes and
``ProtocolHandler.decode_message``, ``cassandra.connection``'s lz4/snappy
functions, and ``cassandra.murmur3``.

Protocol: one JSON object per line on stdin, one JSON object per line on
stdout (flushed after each). Every answer is ``{"ok": true, ...}`` or
``{"ok": false, "error": "..."}``; bad input never kills the process. Where
the driver cannot produce a combination at all, the error starts with
``"unsupported by python driver: "``. Unknown ops or fields are errors.
Hex strings are lower-case on output and case-insensitive on input.

Ops
===

``{"op": "encode_request", "version": 1|2, "message": {"type": NAME, ...}}``
    -> ``{"ok": true, "opcode": int, "body": hex}``, the body written by the
    driver's ``Message.send_body(f, version)``. Per ``type`` (a consistency
    is a ``ConsistencyLevel`` name such as ``"ONE"``, ``"LOCAL_QUORUM"``):

    STARTUP ``{"options": {str: str, ...} | [[str, str], ...]}`` (order
    kept; the list-of-pairs form is for clients whose JSON objects are
    sorted, and may not repeat a key)
        -> ``StartupMessage(cqlversion=options["CQL_VERSION"], options)``.
        The driver always writes CQL_VERSION (it assigns it into a copy of
        ``options``, so its position is where the JSON put it); a STARTUP
        without CQL_VERSION is unsupported.
    OPTIONS ``{}`` -> ``OptionsMessage()``.
    CREDENTIALS ``{"credentials": {str: str, ...} | [[str, str], ...]}``
    (v1 only; order kept; pairs as for STARTUP)
        -> ``CredentialsMessage(creds)``; the driver refuses it on v2.
    AUTH_RESPONSE ``{"token": hex | null}`` (v2 only)
        -> ``AuthResponseMessage(response=bytes)``. The driver cannot send a
        null token (``write_longstring(None)``): unsupported. On v1 the
        driver's connection never sends AUTH_RESPONSE: unsupported.
    QUERY ``{"query": str, "consistency": name, "values"?: [hex|null],
    "page_size"?: int, "paging_state"?: hex, "serial_consistency"?: name,
    "skip_metadata"?: bool}``
        -> ``QueryMessage(query, consistency_level, serial_consistency_level,
        fetch_size=page_size, paging_state)``; ``values`` are set on the
        message's ``query_params`` attribute, which ``_write_query_params``
        reads (the driver itself never sends values on QUERY, but its
        encoder supports them). Absent ``values`` = no VALUES flag;
        ``[]`` = VALUES flag with a count of 0. The driver never writes the
        SKIP_METADATA flag (it stores ``skip_meta`` but ignores it), so
        ``skip_metadata: true`` is unsupported. On v1, values are
        unsupported (v1 QUERY has none) and the driver itself refuses
        page_size, paging_state and serial_consistency.
        DRIVER QUIRK: on v1 the driver still appends a flags byte (0x00)
        after the consistency, which the v1 spec does not have (Cassandra
        1.2 ignores trailing bytes). The answer then carries
        ``"driver_quirk": "..."``; the body is what the driver sends.
        A ``page_size`` of 0 means "not set" to the driver (it tests
        truthiness), as does an empty ``paging_state``.
    PREPARE ``{"query": str}`` -> ``PrepareMessage(query)``.
    EXECUTE ``{"id": hex, "consistency": name, ...same optional fields as
    QUERY}``
        -> ``ExecuteMessage(query_id, query_params=values,
        consistency_level, serial_consistency_level, fetch_size,
        paging_state)``. On v1 the driver writes ``[values] consistency``
        (absent ``values`` = ``[]``, a count of 0); on v2 as QUERY.
    REGISTER ``{"events": [str, ...]}`` -> ``RegisterMessage(event_list)``.
    BATCH ``{"batch_type": "LOGGED"|"UNLOGGED"|"COUNTER", "statements":
    [{"query": str, "values"?: [hex|null]} | {"prepared_id": hex,
    "values"?: [hex|null]}], "consistency": name}`` (v2 only)
        -> ``BatchMessage(BatchType.X, [(prepared, query_or_id, values)],
        consistency_level)``; ``values`` default to ``[]``. The driver's
        Session refuses BATCH on v1: unsupported.

``{"op": "encode_frame", "version": 1|2, "stream": int, "message": {...},
"tracing"?: bool, "compression"?: "lz4"|"snappy"}``
    -> ``{"ok": true, "opcode": int, "frame": hex}`` (plus ``driver_quirk``
    as for ``encode_request``): the whole frame, header and body, written by
    ``ProtocolHandler.encode_message(msg, stream, version, compressor,
    allow_beta_protocol_version=False)``, ``message`` as for
    ``encode_request``, ``msg.tracing`` from ``tracing`` (flag 0x02) and
    ``compressor`` the driver's for ``compression`` (absent: none). The
    driver compresses every non-empty body it is given a compressor for
    (it tests ``len(body) > 0``): an empty body (OPTIONS) stays
    uncompressed, without the 0x01 flag. Its connection installs the
    compressor only after STARTUP, so a STARTUP frame should be asked for
    without ``compression``. ``stream`` must fit the header's signed byte
    (-128..127).

``{"op": "plain_text_auth", "username": str, "password": str}``
    -> ``{"ok": true, "token": hex}``: the initial SASL response of the
    driver's ``PlainTextAuthenticator`` (the AUTH_RESPONSE token a v2
    client sends for Cassandra's PasswordAuthenticator).

``{"op": "decode_response", "version": 1|2, "opcode": int, "flags": int,
"body": hex, "result_metadata"?: [column], "compression"?: "lz4"|"snappy"}``
    -> ``{"ok": true, "message": {...}, "trace_id": str|null,
    "unread_bytes": int|null, "strict_error": str|null}``. Decoded with
    ``ProtocolHandler.decode_message(version, {}, 0, flags, opcode, body,
    decompressor, result_metadata)``; ``decompressor`` is the driver's for
    ``compression`` (needed when flags has 0x01). ``result_metadata`` (for
    rows sent with NO_METADATA) is a list of columns
    ``{"keyspace", "table", "name", "type"}``, ``type`` a CQL type name
    such as ``"int"`` or ``"map<text, list<int>>"``.
    The driver reads leniently (a short read just returns fewer bytes, and
    trailing bytes are ignored), so the body is read a second time with the
    message class's ``recv_body`` over a strict reader: ``unread_bytes`` is
    how many bytes that pass left over, ``strict_error`` why it failed
    (a read past the end), else null.

    ``message`` always has ``"type"`` (the opcode's name) and then:

    ERROR ``{"error_class": driver class name, "summary", "code": int,
        "message": str, "info": object|hex|null}``; in ``info``,
        ``consistency`` is a name and ``write_type`` a name.
    READY ``{}``; AUTHENTICATE ``{"authenticator": str}``;
    SUPPORTED ``{"cql_versions": [str], "options": {str: [str]}}`` (options
        without CQL_VERSION, as the driver splits them);
    AUTH_CHALLENGE ``{"challenge": hex|null}``;
    AUTH_SUCCESS ``{"token": str|null}`` (the driver decodes it as UTF-8);
    EVENT ``{"event_type": str, "event_args": {...}}``, an address as
        ``"ip:port"`` (``"[ipv6]:port"``);
    RESULT ``{"kind": "void"|"rows"|"set_keyspace"|"prepared"|
        "schema_change", ...}``:
        rows: ``{"columns": [column]|null (null when NO_METADATA),
        "paging_state": hex|null, "rows": [[value, ...], ...]}``;
        set_keyspace: ``{"keyspace": str}``;
        prepared: ``{"query_id": hex, "bind_metadata": [column],
        "result_metadata": [column]|null (v1 has none; null also when
        NO_METADATA)}``;
        schema_change: ``{"event": {"target_type", "change_type",
        "keyspace", "table"?}}``.
        A column is ``{"keyspace", "table", "name", "type"}`` with the
        driver's ``cql_parameterized_type()`` (``"varchar"``,
        ``"list<int>"``, ...).

    Values: null for a null cell; bool; an integer as a JSON int when
    ``|v| <= 2**53``, else as a decimal string (bigint, counter, varint);
    float/double as Python ``repr`` (``"1.5"``, ``"nan"``, ``"inf"``);
    decimal as ``str(Decimal)``; blob as hex; text/ascii/varchar as str;
    uuid/timeuuid as str; inet as str; timestamp as integer milliseconds
    since the epoch (from the driver's datetime, rounded to the nearest ms;
    the driver cannot represent dates outside years 1..9999, which gives
    ok: false); list/set as a list (in the driver's order); map as a list of
    ``[key, value]`` pairs.

``{"op": "compress"|"decompress", "algorithm": "lz4"|"snappy", "data": hex}``
    -> ``{"ok": true, "data": hex}`` using ``cassandra.connection``'s
    ``lz4_compress``/``lz4_decompress`` (4-byte big-endian length + LZ4
    block) or its snappy pair (``snappy.compress`` and the driver's
    ``decompress`` wrapper).

``{"op": "murmur3", "key": hex}``
    -> ``{"ok": true, "murmur3": int, "token": int}``: ``murmur3`` is the
    pure-Python ``cassandra.murmur3._murmur3(key)`` (the empty key gives its
    hash, not Cassandra's minimum token), ``token`` is
    ``Murmur3Token.hash_fn``'s normalisation of it (i64::MIN -> i64::MAX).
    Tokens are JSON integers (exact 64-bit; serde_json reads them as i64).

``{"op": "ping"}`` -> ``{"ok": true, "driver_version": str}``.
"""

import binascii
import collections.abc
import datetime
import decimal
import io
import ipaddress
import json
import sys
import traceback
import uuid

import cassandra
from cassandra import ConsistencyLevel, UnsupportedOperation, WriteType
from cassandra import connection as _connection
from cassandra import cqltypes
from cassandra import murmur3 as _murmur3_mod
from cassandra import protocol as P
from cassandra.auth import PlainTextAuthenticator
from cassandra.query import BatchType

MAX_SAFE_INT = 2**53
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class OracleError(Exception):
    """A request the oracle rejects (bad input or unsupported)."""


def unsupported(why):
    return OracleError("unsupported by python driver: " + why)


# --------------------------------------------------------------------------
# Input helpers


def check_fields(obj, what, required=(), optional=()):
    if not isinstance(obj, dict):
        raise OracleError("%s must be a JSON object" % what)
    missing = [k for k in required if k not in obj]
    if missing:
        raise OracleError("%s is missing field(s): %s" % (what, ", ".join(missing)))
    allowed = set(required) | set(optional)
    unknown = sorted(k for k in obj if k not in allowed)
    if unknown:
        raise OracleError("%s has unknown field(s): %s" % (what, ", ".join(unknown)))


def from_hex(s, what):
    if not isinstance(s, str):
        raise OracleError("%s must be a hex string" % what)
    try:
        return binascii.unhexlify(s)
    except (binascii.Error, ValueError) as e:
        raise OracleError("%s is not valid hex: %s" % (what, e))


def to_hex(b):
    return None if b is None else binascii.hexlify(bytes(b)).decode("ascii")


def want_str(v, what):
    if not isinstance(v, str):
        raise OracleError("%s must be a string" % what)
    return v


def want_int(v, what):
    if not isinstance(v, int) or isinstance(v, bool):
        raise OracleError("%s must be an integer" % what)
    return v


def want_bool(v, what):
    if not isinstance(v, bool):
        raise OracleError("%s must be a boolean" % what)
    return v


def want_str_map(v, what):
    """A string map from a JSON object or an ordered list of [key, value]
    pairs (for clients that cannot keep an object's key order)."""
    if isinstance(v, list):
        out = {}
        for i, pair in enumerate(v):
            if not (isinstance(pair, list) and len(pair) == 2):
                raise OracleError("%s[%d] must be a [key, value] pair" % (what, i))
            k = want_str(pair[0], "%s[%d] key" % (what, i))
            if k in out:
                raise OracleError("%s repeats key %r" % (what, k))
            out[k] = want_str(pair[1], "%s[%r]" % (what, k))
        return out
    if not isinstance(v, dict):
        raise OracleError("%s must be an object of strings or a list of pairs" % what)
    for k, x in v.items():
        want_str(x, "%s[%r]" % (what, k))
    return dict(v)


def consistency(name, what):
    want_str(name, what)
    try:
        return ConsistencyLevel.name_to_value[name]
    except KeyError:
        raise OracleError(
            "%s: unknown consistency %r (one of %s)"
            % (what, name, ", ".join(sorted(ConsistencyLevel.name_to_value)))
        )


def values_list(v, what):
    if not isinstance(v, list):
        raise OracleError("%s must be a list of hex strings or nulls" % what)
    return [None if x is None else from_hex(x, "%s[%d]" % (what, i)) for i, x in enumerate(v)]


def version_of(req):
    v = req.get("version")
    if v not in (1, 2):
        raise OracleError("version must be 1 or 2, got %r" % (v,))
    return v


# --------------------------------------------------------------------------
# encode_request

QUERY_PARAMS = ("values", "page_size", "paging_state", "serial_consistency", "skip_metadata")


def query_params(m, version, what):
    """The optional query parameters shared by QUERY and EXECUTE."""
    values = values_list(m["values"], what + ".values") if "values" in m else None
    page_size = want_int(m["page_size"], what + ".page_size") if "page_size" in m else None
    paging_state = from_hex(m["paging_state"], what + ".paging_state") if "paging_state" in m else None
    serial = (
        consistency(m["serial_consistency"], what + ".serial_consistency")
        if "serial_consistency" in m
        else None
    )
    if m.get("skip_metadata") is not None and want_bool(m["skip_metadata"], what + ".skip_metadata"):
        raise unsupported(
            "the driver never writes the SKIP_METADATA flag (_write_query_params ignores skip_meta)"
        )
    return values, page_size, paging_state, serial


def build_request(m, version):
    kind = m.get("type")
    if not isinstance(kind, str):
        raise OracleError("message.type must be a string")
    quirk = None

    if kind == "STARTUP":
        check_fields(m, "STARTUP", required=("type", "options"))
        options = want_str_map(m["options"], "STARTUP.options")
        if "CQL_VERSION" not in options:
            raise unsupported("StartupMessage always writes CQL_VERSION; give it in options")
        msg = P.StartupMessage(cqlversion=options["CQL_VERSION"], options=options)
    elif kind == "OPTIONS":
        check_fields(m, "OPTIONS", required=("type",))
        msg = P.OptionsMessage()
    elif kind == "CREDENTIALS":
        check_fields(m, "CREDENTIALS", required=("type", "credentials"))
        msg = P.CredentialsMessage(creds=want_str_map(m["credentials"], "CREDENTIALS.credentials"))
    elif kind == "AUTH_RESPONSE":
        check_fields(m, "AUTH_RESPONSE", required=("type", "token"))
        if version < 2:
            raise unsupported("AUTH_RESPONSE is only sent with protocol v2 (v1 uses CREDENTIALS)")
        if m["token"] is None:
            raise unsupported("AuthResponseMessage cannot write a null token")
        msg = P.AuthResponseMessage(response=from_hex(m["token"], "AUTH_RESPONSE.token"))
    elif kind == "QUERY":
        check_fields(m, "QUERY", required=("type", "query", "consistency"), optional=QUERY_PARAMS)
        query = want_str(m["query"], "QUERY.query")
        cl = consistency(m["consistency"], "QUERY.consistency")
        values, page_size, paging_state, serial = query_params(m, version, "QUERY")
        if version < 2 and values is not None:
            raise unsupported("a v1 QUERY carries no values")
        msg = P.QueryMessage(
            query,
            cl,
            serial_consistency_level=serial,
            fetch_size=page_size,
            paging_state=paging_state,
        )
        # The attribute _write_query_params reads; QueryMessage's constructor
        # always sets it to None.
        msg.query_params = values
        if version == 1:
            quirk = (
                "v1 QUERY: the driver appends a flags byte after the consistency, "
                "which the v1 spec does not have"
            )
    elif kind == "PREPARE":
        check_fields(m, "PREPARE", required=("type", "query"))
        msg = P.PrepareMessage(want_str(m["query"], "PREPARE.query"))
    elif kind == "EXECUTE":
        check_fields(m, "EXECUTE", required=("type", "id", "consistency"), optional=QUERY_PARAMS)
        query_id = from_hex(m["id"], "EXECUTE.id")
        cl = consistency(m["consistency"], "EXECUTE.consistency")
        values, page_size, paging_state, serial = query_params(m, version, "EXECUTE")
        if version == 1 and values is None:
            values = []
        msg = P.ExecuteMessage(
            query_id,
            values,
            cl,
            serial_consistency_level=serial,
            fetch_size=page_size,
            paging_state=paging_state,
        )
    elif kind == "REGISTER":
        check_fields(m, "REGISTER", required=("type", "events"))
        events = m["events"]
        if not isinstance(events, list):
            raise OracleError("REGISTER.events must be a list of strings")
        for i, e in enumerate(events):
            want_str(e, "REGISTER.events[%d]" % i)
        msg = P.RegisterMessage(event_list=list(events))
    elif kind == "BATCH":
        check_fields(m, "BATCH", required=("type", "batch_type", "statements", "consistency"))
        if version < 2:
            raise unsupported("BATCH needs protocol v2 (the driver's Session refuses it on v1)")
        bt = m["batch_type"]
        if bt not in ("LOGGED", "UNLOGGED", "COUNTER"):
            raise OracleError("BATCH.batch_type must be LOGGED, UNLOGGED or COUNTER")
        stmts = m["statements"]
        if not isinstance(stmts, list):
            raise OracleError("BATCH.statements must be a list")
        queries = []
        for i, s in enumerate(stmts):
            what = "BATCH.statements[%d]" % i
            if isinstance(s, dict) and "prepared_id" in s:
                check_fields(s, what, required=("prepared_id",), optional=("values",))
                target = (True, from_hex(s["prepared_id"], what + ".prepared_id"))
            else:
                check_fields(s, what, required=("query",), optional=("values",))
                target = (False, want_str(s["query"], what + ".query"))
            vals = values_list(s["values"], what + ".values") if "values" in s else []
            queries.append((target[0], target[1], vals))
        msg = P.BatchMessage(
            getattr(BatchType, bt), queries, consistency(m["consistency"], "BATCH.consistency")
        )
    else:
        raise OracleError("unknown request message type %r" % (kind,))
    return msg, quirk


def op_encode_request(req):
    check_fields(req, "encode_request", required=("op", "version", "message"))
    version = version_of(req)
    if not isinstance(req["message"], dict):
        raise OracleError("message must be a JSON object")
    msg, quirk = build_request(req["message"], version)
    f = io.BytesIO()
    try:
        msg.send_body(f, version)
    except UnsupportedOperation as e:
        raise unsupported(str(e))
    out = {"ok": True, "opcode": msg.opcode, "body": to_hex(f.getvalue())}
    if quirk:
        out["driver_quirk"] = quirk
    return out


def op_encode_frame(req):
    check_fields(
        req,
        "encode_frame",
        required=("op", "version", "stream", "message"),
        optional=("tracing", "compression"),
    )
    version = version_of(req)
    stream = want_int(req["stream"], "stream")
    if not -128 <= stream <= 127:
        raise OracleError("stream %d does not fit a v1/v2 header" % stream)
    if not isinstance(req["message"], dict):
        raise OracleError("message must be a JSON object")
    msg, quirk = build_request(req["message"], version)
    msg.tracing = want_bool(req.get("tracing", False), "tracing")
    compressor = None
    if req.get("compression") is not None:
        compressor = compression_pair(req["compression"])[0]
    try:
        frame = P.ProtocolHandler.encode_message(msg, stream, version, compressor, False)
    except UnsupportedOperation as e:
        raise unsupported(str(e))
    out = {"ok": True, "opcode": msg.opcode, "frame": to_hex(frame)}
    if quirk:
        out["driver_quirk"] = quirk
    return out


def op_plain_text_auth(req):
    check_fields(req, "plain_text_auth", required=("op", "username", "password"))
    auth = PlainTextAuthenticator(
        want_str(req["username"], "username"), want_str(req["password"], "password")
    )
    # What the connection sets from the AUTHENTICATE message.
    auth.server_authenticator_class = "org.apache.cassandra.auth.PasswordAuthenticator"
    return {"ok": True, "token": to_hex(auth.initial_response())}


# --------------------------------------------------------------------------
# decode_response


def split_type_args(s):
    """Splits "a, map<b, c>" at top-level commas."""
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def parse_cql_type(s):
    s = s.strip()
    if "<" in s:
        if not s.endswith(">"):
            raise OracleError("bad CQL type %r" % s)
        name = s[: s.index("<")].strip()
        args = [parse_cql_type(a) for a in split_type_args(s[s.index("<") + 1 : -1])]
    else:
        name, args = s, []
    cls = cqltypes._cqltypes.get(name)
    if cls is None:
        raise OracleError("unknown CQL type %r" % name)
    if args:
        cls = cls.apply_parameters(args)
    return cls


def parse_result_metadata(cols):
    if cols is None:
        return None
    if not isinstance(cols, list):
        raise OracleError("result_metadata must be a list of columns")
    out = []
    for i, c in enumerate(cols):
        what = "result_metadata[%d]" % i
        check_fields(c, what, required=("name", "type"), optional=("keyspace", "table"))
        out.append(
            (
                c.get("keyspace", ""),
                c.get("table", ""),
                want_str(c["name"], what + ".name"),
                parse_cql_type(want_str(c["type"], what + ".type")),
            )
        )
    return out


EPOCH = datetime.datetime(1970, 1, 1)


def datetime_ms(dt):
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    d = dt - EPOCH
    us = (d.days * 86400 + d.seconds) * 1000000 + d.microseconds
    q, r = divmod(us, 1000)
    return q + 1 if r >= 500 else q


def jvalue(v):
    """A decoded CQL value as JSON (see the module docs)."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v if -MAX_SAFE_INT <= v <= MAX_SAFE_INT else str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return to_hex(v)
    if isinstance(v, str):
        return v
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, datetime.datetime):
        return datetime_ms(v)
    if isinstance(v, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(v)
    if isinstance(v, collections.abc.Mapping):
        return [[jvalue(k), jvalue(x)] for k, x in v.items()]
    if isinstance(v, (list, tuple, set, frozenset)) or isinstance(v, collections.abc.Iterable):
        return [jvalue(x) for x in v]
    # date, time, duration (v4 types) and anything else: its str form.
    return str(v)


def jcolumn(c):
    ks, table, name, typ = c[0], c[1], c[2], c[3]
    return {"keyspace": ks, "table": table, "name": name, "type": typ.cql_parameterized_type()}


def jaddress(addr):
    host, port = addr
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)


def jinfo(info):
    if info is None:
        return None
    if isinstance(info, (bytes, bytearray)):
        return to_hex(info)
    if isinstance(info, dict):
        out = {}
        for k, v in info.items():
            if k == "consistency" and isinstance(v, int):
                out[k] = ConsistencyLevel.value_to_name.get(v, v)
            elif k == "write_type" and isinstance(v, int):
                out[k] = WriteType.value_to_name.get(v, v)
            elif isinstance(v, dict):
                out[k] = [[str(a), jvalue(b)] for a, b in v.items()]
            else:
                out[k] = jvalue(v)
        return out
    return jvalue(info)


def jevent_args(args):
    out = {}
    for k, v in args.items():
        out[k] = jaddress(v) if k == "address" else jvalue(v)
    return out


RESULT_KINDS = {
    P.RESULT_KIND_VOID: "void",
    P.RESULT_KIND_ROWS: "rows",
    P.RESULT_KIND_SET_KEYSPACE: "set_keyspace",
    P.RESULT_KIND_PREPARED: "prepared",
    P.RESULT_KIND_SCHEMA_CHANGE: "schema_change",
}


def jmessage(msg):
    out = {"type": msg.name}
    if isinstance(msg, P.ErrorMessage):
        out.update(
            error_class=type(msg).__name__,
            summary=msg.summary,
            code=msg.code,
            message=msg.message,
            info=jinfo(msg.info),
        )
    elif isinstance(msg, P.ReadyMessage):
        pass
    elif isinstance(msg, P.AuthenticateMessage):
        out["authenticator"] = msg.authenticator
    elif isinstance(msg, P.SupportedMessage):
        out["cql_versions"] = list(msg.cql_versions)
        out["options"] = {k: list(v) for k, v in msg.options.items()}
    elif isinstance(msg, P.AuthChallengeMessage):
        out["challenge"] = to_hex(msg.challenge)
    elif isinstance(msg, P.AuthSuccessMessage):
        out["token"] = msg.token
    elif isinstance(msg, P.EventMessage):
        out["event_type"] = msg.event_type
        out["event_args"] = jevent_args(msg.event_args)
    elif isinstance(msg, P.ResultMessage):
        kind = RESULT_KINDS.get(msg.kind, msg.kind)
        out["kind"] = kind
        if kind == "rows":
            out["columns"] = (
                None if msg.column_metadata is None else [jcolumn(c) for c in msg.column_metadata]
            )
            out["paging_state"] = to_hex(msg.paging_state)
            out["rows"] = [[jvalue(v) for v in row] for row in msg.parsed_rows]
        elif kind == "set_keyspace":
            out["keyspace"] = msg.new_keyspace
        elif kind == "prepared":
            out["query_id"] = to_hex(msg.query_id)
            out["bind_metadata"] = [jcolumn(c) for c in msg.bind_metadata]
            out["result_metadata"] = (
                None if msg.column_metadata is None else [jcolumn(c) for c in msg.column_metadata]
            )
        elif kind == "schema_change":
            out["event"] = {k: jvalue(v) for k, v in msg.schema_change_event.items()}
    else:
        raise OracleError("no JSON form for %s" % type(msg).__name__)
    return out


class StrictReader(io.BytesIO):
    """A BytesIO whose read(n) fails instead of returning fewer bytes."""

    def read(self, n=-1):
        if n is None or n < 0:
            return super().read(n)
        data = super().read(n)
        if len(data) != n:
            raise EOFError(
                "read of %d bytes at offset %d, only %d left" % (n, self.tell() - len(data), len(data))
            )
        return data


def strict_pass(version, opcode, body, result_metadata):
    """Re-reads the (decompressed, trace-stripped) body strictly."""
    msg_class = P.ProtocolHandler.message_types_by_opcode[opcode]
    f = StrictReader(body)
    try:
        msg_class.recv_body(f, version, {}, result_metadata, None)
    except Exception as e:  # noqa: BLE001 - reported, not raised
        return None, "%s: %s" % (type(e).__name__, e)
    return len(body) - f.tell(), None


def op_decode_response(req):
    check_fields(
        req,
        "decode_response",
        required=("op", "version", "opcode", "flags", "body"),
        optional=("result_metadata", "compression"),
    )
    version = version_of(req)
    opcode = want_int(req["opcode"], "opcode")
    flags = want_int(req["flags"], "flags")
    body = from_hex(req["body"], "body")
    result_metadata = parse_result_metadata(req.get("result_metadata"))
    decompressor = None
    if req.get("compression") is not None:
        decompressor = compression_pair(req["compression"])[1]
    if opcode not in P.ProtocolHandler.message_types_by_opcode:
        raise OracleError("unknown opcode 0x%02x" % opcode)

    msg = P.ProtocolHandler.decode_message(
        version, {}, 0, flags, opcode, body, decompressor, result_metadata
    )

    # The same preprocessing as decode_message, for the strict pass.
    raw = decompressor(body) if (flags & P.COMPRESSED_FLAG and decompressor) else body
    if flags & P.TRACING_FLAG:
        raw = raw[16:]
    unread, strict_error = strict_pass(version, opcode, raw, result_metadata)
    return {
        "ok": True,
        "message": jmessage(msg),
        "trace_id": None if msg.trace_id is None else str(msg.trace_id),
        "unread_bytes": unread,
        "strict_error": strict_error,
    }


# --------------------------------------------------------------------------
# compression and murmur3


def compression_pair(name):
    if name not in ("lz4", "snappy"):
        raise OracleError("algorithm must be lz4 or snappy, got %r" % (name,))
    pair = _connection.locally_supported_compressions.get(name)
    if pair is None:
        raise OracleError("the driver has no %s support installed" % name)
    return pair


def op_compress(req, decompress):
    what = req["op"]
    check_fields(req, what, required=("op", "algorithm", "data"))
    compress_fn, decompress_fn = compression_pair(req["algorithm"])
    data = from_hex(req["data"], "data")
    out = (decompress_fn if decompress else compress_fn)(data)
    return {"ok": True, "data": to_hex(out)}


def op_murmur3(req):
    check_fields(req, "murmur3", required=("op", "key"))
    key = from_hex(req["key"], "key")
    h = int(_murmur3_mod._murmur3(key))
    token = INT64_MAX if h == INT64_MIN else h
    return {"ok": True, "murmur3": h, "token": token}


# --------------------------------------------------------------------------
# main loop


def handle(req):
    if not isinstance(req, dict):
        raise OracleError("a request must be a JSON object")
    op = req.get("op")
    if op == "encode_request":
        return op_encode_request(req)
    if op == "encode_frame":
        return op_encode_frame(req)
    if op == "plain_text_auth":
        return op_plain_text_auth(req)
    if op == "decode_response":
        return op_decode_response(req)
    if op == "compress":
        return op_compress(req, decompress=False)
    if op == "decompress":
        return op_compress(req, decompress=True)
    if op == "murmur3":
        return op_murmur3(req)
    if op == "ping":
        check_fields(req, "ping", required=("op",))
        return {"ok": True, "driver_version": cassandra.__version__}
    raise OracleError("unknown op %r" % (op,))


def answer(line):
    try:
        req = json.loads(line)
    except ValueError as e:
        return {"ok": False, "error": "invalid JSON: %s" % e}
    try:
        return handle(req)
    except OracleError as e:
        return {"ok": False, "error": str(e)}
    except Exception as e:  # noqa: BLE001 - the driver's own failures
        return {
            "ok": False,
            "error": "%s: %s" % (type(e).__name__, e),
            "traceback": traceback.format_exc(limit=4),
        }


def main():
    # The driver logs warnings (unknown flags, server warnings) to stderr
    # only; stdout carries nothing but answers.
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(answer(line)) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
