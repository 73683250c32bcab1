//! Shared fixtures for the criterion benchmarks in `benches/benches/`.

use bytes::{Bytes, BytesMut};
use cql_protocol::message::request::{Execute, QueryParameters, Request};
use cql_protocol::message::response::{Response, ResultBody, RowsBuilder, RowsMetadata};
use cql_protocol::message::{MessageCodec, RequestFrame, ResponseFrame};
use cql_protocol::value::{write_value, CqlTimestamp};
use cql_protocol::{ColumnSpec, ColumnType, Consistency, ProtocolVersion, RawValue, TableSpec};
use uuid::Uuid;

/// The five columns of the rows benchmark: int, bigint, text, uuid, timestamp.
pub fn rows_columns() -> Vec<ColumnSpec> {
    let table = TableSpec::new("bench", "events");
    vec![
        ColumnSpec::new(table.clone(), "id", ColumnType::Int),
        ColumnSpec::new(table.clone(), "seq", ColumnType::Bigint),
        ColumnSpec::new(table.clone(), "name", ColumnType::Varchar),
        ColumnSpec::new(table.clone(), "owner", ColumnType::Uuid),
        ColumnSpec::new(table, "at", ColumnType::Timestamp),
    ]
}

/// A whole RESULT Rows frame (header included) of `rows` rows of
/// [`rows_columns`], as a server would send it.
pub fn rows_frame(version: ProtocolVersion, rows: usize) -> Bytes {
    let columns = rows_columns();
    let mut builder = RowsBuilder::new(RowsMetadata {
        columns_count: columns.len(),
        paging_state: None,
        columns: Some(columns.clone()),
    });
    let mut cell = BytesMut::new();
    for i in 0..rows {
        let name = format!("event-{i:06}");
        let owner = Uuid::from_u128(0x1234_5678_9abc_def0_u128 ^ i as u128);
        let mut cells: Vec<Bytes> = Vec::with_capacity(5);
        for (value, column) in [
            (
                &(i as i32) as &dyn cql_protocol::value::SerializeValue,
                &columns[0],
            ),
            (&(i as i64 * 1_000_003), &columns[1]),
            (&name.as_str(), &columns[2]),
            (&owner, &columns[3]),
            (&CqlTimestamp(1_700_000_000_000 + i as i64), &columns[4]),
        ] {
            cell.clear();
            write_value(value, &column.ty, version, &mut cell).expect("bench value serializes");
            // Strip the [bytes] length: the builder writes its own.
            cells.push(cell.split().freeze().slice(4..));
        }
        builder
            .push_row(cells.iter().map(|c| Some(&c[..])))
            .expect("bench row fits");
    }
    let response = Response::Result(ResultBody::Rows(builder.finish()));
    let mut out = BytesMut::new();
    MessageCodec::new(version)
        .encode_response(&ResponseFrame::new(1, response), &mut out)
        .expect("bench frame encodes");
    out.freeze()
}

/// An EXECUTE of a prepared INSERT with ten bound values of mixed types.
pub fn execute_request() -> RequestFrame {
    let values: Vec<RawValue> = (0..10u8)
        .map(|i| match i % 3 {
            0 => RawValue::Value(Bytes::copy_from_slice(&i32::from(i).to_be_bytes())),
            1 => RawValue::Value(Bytes::from(format!("value number {i}").into_bytes())),
            _ => RawValue::Value(Bytes::copy_from_slice(
                Uuid::from_u128(u128::from(i)).as_bytes(),
            )),
        })
        .collect();
    let request = Request::Execute(Execute {
        id: Bytes::from_static(&[0xab; 16]),
        params: QueryParameters {
            consistency: Consistency::LocalQuorum,
            values,
            ..QueryParameters::default()
        },
    });
    RequestFrame::new(7, request)
}

/// A 16 KiB body that compresses about as well as typical result rows: text
/// keys, small integers and repeated column values.
pub fn compressible_body() -> Vec<u8> {
    let mut body = Vec::with_capacity(16 * 1024);
    let mut i = 0u32;
    while body.len() < 16 * 1024 {
        body.extend_from_slice(&4i32.to_be_bytes());
        body.extend_from_slice(&i.to_be_bytes());
        let text = format!(
            "user-{:05}@example.com",
            i.wrapping_mul(2_654_435_761) % 100_000
        );
        body.extend_from_slice(&(text.len() as i32).to_be_bytes());
        body.extend_from_slice(text.as_bytes());
        i += 1;
    }
    body.truncate(16 * 1024);
    body
}
