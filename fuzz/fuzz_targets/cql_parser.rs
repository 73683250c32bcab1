//! The test cluster's CQL parser on arbitrary text: a statement or a
//! positioned syntax error, never a panic or a stack overflow.
#![no_main]

use cql_testcluster::cql::parse_statement;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse_statement(&text) {
        Ok(statement) => {
            // Markers are numbered 0..n in text order with no gap: a gap
            // means the collector missed one that the parser numbered.
            for (i, marker) in statement.bind_markers().iter().enumerate() {
                assert_eq!(marker.index, i, "bind marker numbering");
            }
        }
        Err(error) => {
            assert!(error.line >= 1, "lines count from 1: {error}");
        }
    }
});
