//! Terms (literals, collection literals, functions, bind markers) to
//! serialized values of a column type.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use cql_protocol::version::CollectionSizeWidth;
use cql_protocol::{ColumnType, RawValue};

use super::errors::{invalid, ExecResult};
use crate::cql::{FunctionCall, Literal, Term};
use crate::storage::types::{cql_type_name, validate_value};
use crate::storage::CollectionLiteral;

/// What evaluating a term needs besides the term: the bound values and the
/// clock.
pub struct Env<'a> {
    /// The bound values, by marker index.
    pub values: &'a [RawValue],
    /// The cluster time in microseconds.
    pub now_micros: i64,
    /// The collection layout of bound values.
    pub layout: CollectionSizeWidth,
}

impl Env<'_> {
    /// The value bound to marker `index`.
    pub fn bound(&self, index: usize) -> ExecResult<Option<Bytes>> {
        match self.values.get(index) {
            Some(RawValue::Value(b)) => Ok(Some(b.clone())),
            Some(_) => Ok(None),
            None => Err(invalid(format!("No value bound for marker {index}"))),
        }
    }
}

static TIMEUUID_SEQ: AtomicU64 = AtomicU64::new(0);

/// A version-1 uuid for `unix_micros`, unique within the process.
pub fn new_timeuuid(unix_micros: i64) -> [u8; 16] {
    let seq = TIMEUUID_SEQ.fetch_add(1, Ordering::Relaxed);
    let ticks = unix_to_uuid_ticks(unix_micros * 10 + (seq % 10) as i64);
    let lsb = 0x8000_0000_0000_0000u64 | (seq & 0x3fff_ffff_ffff_ffff).wrapping_mul(0x9e37_79b9);
    timeuuid_bytes(ticks, lsb & 0xbfff_ffff_ffff_ffff)
}

fn unix_to_uuid_ticks(unix_100ns: i64) -> u64 {
    (unix_100ns as i128 + 0x01b2_1dd2_1381_4000i128) as u64
}

fn timeuuid_bytes(ticks: u64, lsb: u64) -> [u8; 16] {
    let time_low = ticks & 0xffff_ffff;
    let time_mid = (ticks >> 32) & 0xffff;
    let time_hi = (ticks >> 48) & 0x0fff;
    let msb = (time_low << 32) | (time_mid << 16) | 0x1000 | time_hi;
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&msb.to_be_bytes());
    out[8..].copy_from_slice(&lsb.to_be_bytes());
    out
}

/// `minTimeuuid(ms)`.
pub fn min_timeuuid(ms: i64) -> [u8; 16] {
    timeuuid_bytes(unix_to_uuid_ticks(ms * 10_000), 0x8080_8080_8080_8080)
}

/// `maxTimeuuid(ms)`.
pub fn max_timeuuid(ms: i64) -> [u8; 16] {
    timeuuid_bytes(
        unix_to_uuid_ticks(ms * 10_000 + 9_999),
        0x7f7f_7f7f_7f7f_7f7f,
    )
}

/// The unix time in milliseconds of a version-1 uuid.
pub fn timeuuid_millis(b: &[u8]) -> Option<i64> {
    if b.len() != 16 || b[6] >> 4 != 1 {
        return None;
    }
    let msb = u64::from_be_bytes(b[..8].try_into().ok()?);
    let ticks = ((msb & 0x0fff) << 48) | (((msb >> 16) & 0xffff) << 32) | (msb >> 32);
    Some((ticks as i64 - 0x01b2_1dd2_1381_4000) / 10_000)
}

/// Parses a timestamp string: digits (milliseconds) or a date like
/// `2013-01-01`, `2013-01-01 10:00[:00[.123]]`, with `T`, and an optional
/// zone (`Z`, `+0000`, `+00:00`). Zone-less dates are UTC.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(v) = s.parse::<i64>() {
        return Some(v);
    }
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') {
        return None;
    }
    let month = num(5, 2)?;
    if b.get(7) != Some(&b'-') {
        return None;
    }
    let day = num(8, 2)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut pos = 10;
    let (mut h, mut mi, mut sec, mut ms) = (0, 0, 0, 0);
    if matches!(b.get(pos), Some(b' ') | Some(b'T'))
        && b.get(pos + 1).is_some_and(|c| c.is_ascii_digit())
    {
        h = num(pos + 1, 2)?;
        if b.get(pos + 3) != Some(&b':') {
            return None;
        }
        mi = num(pos + 4, 2)?;
        pos += 6;
        if b.get(pos) == Some(&b':') {
            sec = num(pos + 1, 2)?;
            pos += 3;
            if b.get(pos) == Some(&b'.') {
                let start = pos + 1;
                let mut end = start;
                while b.get(end).is_some_and(|c| c.is_ascii_digit()) {
                    end += 1;
                }
                let frac = &s[start..end];
                if frac.is_empty() {
                    return None;
                }
                let f3: String = frac.chars().chain("000".chars()).take(3).collect();
                ms = f3.parse().ok()?;
                pos = end;
            }
        }
    }
    let mut offset_min = 0i64;
    let rest = s[pos..].trim_start();
    if !rest.is_empty() {
        if rest == "Z" || rest == "UTC" || rest == "GMT" {
        } else {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let hh: i64 = digits[..2].parse().ok()?;
            let mm: i64 = digits[2..].parse().ok()?;
            offset_min = sign * (hh * 60 + mm);
        }
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    Some(secs * 1000 + ms)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Two's complement big-endian bytes of a decimal integer string.
pub fn varint_bytes(text: &str) -> Option<Vec<u8>> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // Magnitude, little-endian base 256.
    let mut mag: Vec<u8> = vec![0];
    for c in digits.bytes() {
        let mut carry = u32::from(c - b'0');
        for byte in mag.iter_mut() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            mag.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    if neg {
        // Two's complement: invert and add one.
        mag.push(0);
        let mut carry = 1u16;
        for byte in mag.iter_mut() {
            let v = u16::from(!*byte) + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
    } else {
        mag.push(0);
    }
    mag.reverse();
    // Minimal encoding.
    while mag.len() > 1
        && ((mag[0] == 0 && mag[1] & 0x80 == 0) || (mag[0] == 0xff && mag[1] & 0x80 != 0))
    {
        mag.remove(0);
    }
    Some(mag)
}

/// The `decimal` serialization (scale + unscaled varint) of a number.
pub fn decimal_bytes(text: &str) -> Option<Vec<u8>> {
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (int, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    let digits = format!("{int}{frac}");
    let scale = i32::try_from(frac.len()).ok()? - exp;
    let mut out = scale.to_be_bytes().to_vec();
    out.extend(varint_bytes(&digits)?);
    Some(out)
}

fn literal_kind(l: &Literal) -> (&'static str, String) {
    match l {
        Literal::String(s) => ("STRING", s.clone()),
        Literal::Integer(s) => ("INTEGER", s.clone()),
        Literal::Float(s) => ("FLOAT", s.clone()),
        Literal::Boolean(b) => ("BOOLEAN", b.to_string()),
        Literal::Uuid(u) => ("UUID", u.to_string()),
        Literal::Blob(b) => (
            "HEX",
            format!(
                "0x{}",
                b.iter().map(|x| format!("{x:02x}")).collect::<String>()
            ),
        ),
    }
}

/// Serializes a literal for a non-collection column type.
pub fn literal_value(lit: &Literal, ty: &ColumnType, column: &str) -> ExecResult<Bytes> {
    let bad = || {
        let (kind, text) = literal_kind(lit);
        invalid(format!(
            "Invalid {kind} constant ({text}) for {column} of type {}",
            cql_type_name(ty)
        ))
    };
    let out: Vec<u8> = match (lit, ty) {
        (Literal::String(s), ColumnType::Text | ColumnType::Varchar) => s.as_bytes().to_vec(),
        (Literal::String(s), ColumnType::Ascii) => {
            if !s.is_ascii() {
                return Err(invalid(format!(
                    "Invalid ASCII character in string literal {s}"
                )));
            }
            s.as_bytes().to_vec()
        }
        (Literal::String(s), ColumnType::Timestamp) => match parse_timestamp(s) {
            Some(ms) => ms.to_be_bytes().to_vec(),
            None => {
                return Err(invalid(format!(
                    "unable to coerce '{s}' to a  formatted date (long)"
                )))
            }
        },
        (Literal::String(s), ColumnType::Uuid | ColumnType::Timeuuid) => {
            let u = uuid::Uuid::parse_str(s)
                .map_err(|_| invalid(format!("Unable to make UUID from '{s}'")))?;
            check_uuid(u.as_bytes(), ty)?;
            u.as_bytes().to_vec()
        }
        (Literal::String(s), ColumnType::Inet) => match s.parse::<IpAddr>() {
            Ok(IpAddr::V4(a)) => a.octets().to_vec(),
            Ok(IpAddr::V6(a)) => a.octets().to_vec(),
            Err(_) => return Err(invalid(format!("unable to make inet address from '{s}'"))),
        },
        (Literal::String(s), ColumnType::Custom(_)) => s.as_bytes().to_vec(),
        (Literal::Integer(s), ColumnType::Int) => {
            s.parse::<i32>().map_err(|_| bad())?.to_be_bytes().to_vec()
        }
        (Literal::Integer(s), ColumnType::Bigint | ColumnType::Counter | ColumnType::Timestamp) => {
            s.parse::<i64>().map_err(|_| bad())?.to_be_bytes().to_vec()
        }
        (Literal::Integer(s), ColumnType::Varint) => varint_bytes(s).ok_or_else(bad)?,
        (Literal::Integer(s) | Literal::Float(s), ColumnType::Decimal) => {
            decimal_bytes(s).ok_or_else(bad)?
        }
        (Literal::Integer(s) | Literal::Float(s), ColumnType::Double) => {
            s.parse::<f64>().map_err(|_| bad())?.to_be_bytes().to_vec()
        }
        (Literal::Integer(s) | Literal::Float(s), ColumnType::Float) => {
            s.parse::<f32>().map_err(|_| bad())?.to_be_bytes().to_vec()
        }
        (Literal::Boolean(b), ColumnType::Boolean) => vec![u8::from(*b)],
        (Literal::Uuid(u), ColumnType::Uuid | ColumnType::Timeuuid) => {
            check_uuid(u.as_bytes(), ty)?;
            u.as_bytes().to_vec()
        }
        (Literal::Blob(b), ColumnType::Blob | ColumnType::Custom(_)) => b.clone(),
        _ => return Err(bad()),
    };
    Ok(Bytes::from(out))
}

fn check_uuid(b: &[u8], ty: &ColumnType) -> ExecResult<()> {
    if *ty == ColumnType::Timeuuid && b[6] >> 4 != 1 {
        return Err(invalid(
            "Unsupported UUID type for timeuuid: version must be 1",
        ));
    }
    Ok(())
}

/// Evaluates a term for a column of type `ty`; `None` is null.
/// Collections come back serialized in `env.layout`.
pub fn term_value(t: &Term, ty: &ColumnType, column: &str, env: &Env) -> ExecResult<Option<Bytes>> {
    match t {
        Term::Null => Ok(None),
        Term::BindMarker(m) => {
            let v = env.bound(m.index)?;
            if let Some(b) = &v {
                if is_collection(ty) {
                    CollectionLiteral::decode(ty, b, env.layout).map_err(super::errors::storage)?;
                } else {
                    validate_value(ty, b)
                        .map_err(|e| invalid(format!("Invalid value for column {column}: {e}")))?;
                }
            }
            Ok(v)
        }
        Term::Literal(l) => {
            if is_collection(ty) {
                return Err(invalid(format!(
                    "Invalid {} constant for {column} of type {}",
                    literal_kind(l).0,
                    cql_type_name(ty)
                )));
            }
            literal_value(l, ty, column).map(Some)
        }
        Term::Cast(_, inner) => term_value(inner, ty, column, env),
        Term::FunctionCall(f) => function_value(f, ty, column, env),
        Term::List(_) | Term::Set(_) | Term::Map(_) => {
            let Some(c) = collection_value(t, ty, column, env)? else {
                return Ok(None);
            };
            Ok(Some(encode_collection(&c, env.layout)?))
        }
    }
}

/// Serializes collection elements.
pub fn encode_collection(c: &CollectionLiteral, layout: CollectionSizeWidth) -> ExecResult<Bytes> {
    let (count, items): (usize, Vec<&[u8]>) = match c {
        CollectionLiteral::List(v) | CollectionLiteral::Set(v) => {
            (v.len(), v.iter().map(|b| &b[..]).collect())
        }
        CollectionLiteral::Map(m) => (
            m.len(),
            m.iter().flat_map(|(k, v)| [&k[..], &v[..]]).collect(),
        ),
    };
    crate::storage::mutation::encode_collection(count, &items, layout)
        .map_err(super::errors::storage)
}

/// Whether `ty` is a collection type.
pub fn is_collection(ty: &ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::List(_) | ColumnType::Set(_) | ColumnType::Map(..)
    )
}

/// Evaluates a term for a collection column: `None` for null.
pub fn collection_value(
    t: &Term,
    ty: &ColumnType,
    column: &str,
    env: &Env,
) -> ExecResult<Option<CollectionLiteral>> {
    let elem = |t: &Term, ety: &ColumnType| -> ExecResult<Bytes> {
        match term_value(t, ety, column, env)? {
            Some(b) => Ok(b),
            None => Err(invalid("null is not supported inside collections")),
        }
    };
    let mismatch = || {
        invalid(format!(
            "Invalid collection literal for {column} of type {}",
            cql_type_name(ty)
        ))
    };
    Ok(Some(match (t, ty) {
        (Term::Null, _) => return Ok(None),
        (Term::BindMarker(m), _) => match env.bound(m.index)? {
            None => return Ok(None),
            Some(b) => {
                CollectionLiteral::decode(ty, &b, env.layout).map_err(super::errors::storage)?
            }
        },
        (Term::Cast(_, inner), _) => return collection_value(inner, ty, column, env),
        (Term::List(items), ColumnType::List(e)) => CollectionLiteral::List(
            items
                .iter()
                .map(|i| elem(i, e))
                .collect::<ExecResult<_>>()?,
        ),
        (Term::Set(items), ColumnType::Set(e)) => {
            let mut v: Vec<Bytes> = items
                .iter()
                .map(|i| elem(i, e))
                .collect::<ExecResult<_>>()?;
            v.sort_by(|a, b| crate::storage::types::compare_values(e, a, b));
            v.dedup();
            CollectionLiteral::Set(v)
        }
        (Term::Map(entries), ColumnType::Set(_)) if entries.is_empty() => {
            CollectionLiteral::Set(vec![])
        }
        (Term::Map(entries), ColumnType::List(_)) if entries.is_empty() => {
            CollectionLiteral::List(vec![])
        }
        (Term::Map(entries), ColumnType::Map(k, v)) => {
            let mut out: Vec<(Bytes, Bytes)> = Vec::new();
            for (kt, vt) in entries {
                let kb = elem(kt, k)?;
                let vb = elem(vt, v)?;
                out.retain(|(x, _)| x != &kb);
                out.push((kb, vb));
            }
            out.sort_by(|a, b| crate::storage::types::compare_values(k, &a.0, &b.0));
            CollectionLiteral::Map(out)
        }
        _ => return Err(mismatch()),
    }))
}

fn single_arg(f: &FunctionCall) -> ExecResult<&Term> {
    match f.args.as_slice() {
        [a] => Ok(a),
        _ => Err(invalid(format!(
            "Invalid number of arguments in call to function {}: 1 required but {} provided",
            f.name,
            f.args.len()
        ))),
    }
}

/// The native type named in `blobAsX` / `xAsBlob`.
pub fn native_type(name: &str) -> Option<ColumnType> {
    crate::cql::CqlType::native(name).map(|t| t.to_column_type())
}

fn function_value(
    f: &FunctionCall,
    ty: &ColumnType,
    column: &str,
    env: &Env,
) -> ExecResult<Option<Bytes>> {
    let name = f.name.to_ascii_lowercase();
    let b: Vec<u8> = match name.as_str() {
        "now" => {
            if !f.args.is_empty() {
                return Err(invalid(
                    "Invalid number of arguments in call to function now: 0 required",
                ));
            }
            new_timeuuid(env.now_micros).to_vec()
        }
        "mintimeuuid" | "maxtimeuuid" => {
            let Some(v) = term_value(single_arg(f)?, &ColumnType::Timestamp, column, env)? else {
                return Ok(None);
            };
            let ms =
                i64::from_be_bytes(v[..].try_into().map_err(|_| invalid("Invalid timestamp"))?);
            if name == "mintimeuuid" {
                min_timeuuid(ms).to_vec()
            } else {
                max_timeuuid(ms).to_vec()
            }
        }
        "dateof" | "unixtimestampof" => {
            let Some(v) = term_value(single_arg(f)?, &ColumnType::Timeuuid, column, env)? else {
                return Ok(None);
            };
            let ms = timeuuid_millis(&v).ok_or_else(|| invalid("Invalid timeuuid"))?;
            ms.to_be_bytes().to_vec()
        }
        "token" => {
            return Err(invalid("token() can only be used on partition key columns"));
        }
        _ => {
            if let Some(src) = name.strip_prefix("blobas") {
                let target = native_type(src).ok_or_else(|| unknown_fn(&f.name))?;
                let Some(v) = term_value(single_arg(f)?, &ColumnType::Blob, column, env)? else {
                    return Ok(None);
                };
                validate_value(&target, &v).map_err(invalid)?;
                v.to_vec()
            } else if let Some(src) = name.strip_suffix("asblob") {
                let source = native_type(src).ok_or_else(|| unknown_fn(&f.name))?;
                let Some(v) = term_value(single_arg(f)?, &source, column, env)? else {
                    return Ok(None);
                };
                v.to_vec()
            } else {
                return Err(unknown_fn(&f.name));
            }
        }
    };
    let _ = ty;
    Ok(Some(Bytes::from(b)))
}

fn unknown_fn(name: &str) -> crate::protocol::message::response::ErrorResponse {
    invalid(format!("Unknown CQL3 function {name} called"))
}

/// Evaluates an integer-valued term (LIMIT, TTL, TIMESTAMP) as an i64.
pub fn int_term(t: &Term, ty: &ColumnType, what: &str, env: &Env) -> ExecResult<Option<i64>> {
    let Some(b) = term_value(t, ty, what, env)? else {
        return Ok(None);
    };
    Ok(Some(match b.len() {
        4 => i64::from(i32::from_be_bytes(b[..].try_into().unwrap_or_default())),
        8 => i64::from_be_bytes(b[..].try_into().unwrap_or_default()),
        0 => return Ok(None),
        n => return Err(invalid(format!("Invalid {what} value of {n} bytes"))),
    }))
}
