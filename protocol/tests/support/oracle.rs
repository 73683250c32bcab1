//! A client for `python/oracle/cql_oracle.py`, the JSON-lines oracle around
//! the Python driver's own codec, for differential integration tests.
//!
//! Include it from a test crate (a file directly under `protocol/tests/`)
//! with
//!
//! ```ignore
//! #[path = "support/oracle.rs"]
//! mod oracle;
//! ```
//!
//! (`tests/support/` is a directory, so Cargo does not build it as a test
//! crate of its own). The driver's wire check (`driver/tests/wire_check.rs`)
//! includes it the same way, with `#[path =
//! "../../protocol/tests/support/oracle.rs"]`; [`workspace_root`] is the
//! parent of either crate. Then:
//!
//! ```ignore
//! let mut py = oracle::Oracle::spawn();
//! let answer = py.call(serde_json::json!({"op": "murmur3", "key": "00000001"}));
//! assert_eq!(answer["token"], -4069959284402364209i64);
//! ```
//!
//! The Python interpreter is `$CQL_PYTHON` if set, else
//! `<workspace>/.venv/bin/python`, the venv that `scripts/python-env`
//! creates; without it every test that spawns the oracle panics with a
//! message saying to run that script. The request and answer schemas are
//! documented at the top of `cql_oracle.py`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::Value;

/// One running oracle process; it is killed when this is dropped.
pub struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("protocol/ has a parent")
        .to_path_buf()
}

/// The Python interpreter the oracle runs on.
pub fn python_path() -> PathBuf {
    match std::env::var_os("CQL_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => workspace_root().join(".venv").join("bin").join("python"),
    }
}

impl Oracle {
    /// Starts `python/oracle/cql_oracle.py` and checks that it answers.
    pub fn spawn() -> Oracle {
        let python = python_path();
        let script = workspace_root()
            .join("python")
            .join("oracle")
            .join("cql_oracle.py");
        if !python.exists() {
            panic!(
                "python for the oracle not found at {}: run scripts/python-env first \
                 (or set CQL_PYTHON to a python with python/requirements.txt installed)",
                python.display()
            );
        }
        let mut child = Command::new(&python)
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} {}: {e}; run scripts/python-env first",
                    python.display(),
                    script.display()
                )
            });
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut oracle = Oracle {
            child,
            stdin,
            stdout,
        };
        let pong = oracle.call(serde_json::json!({"op": "ping"}));
        assert_eq!(
            pong["ok"], true,
            "the oracle does not answer ping: {pong}; run scripts/python-env first"
        );
        oracle
    }

    /// Sends one request and returns the oracle's answer (`{"ok": ...}`).
    ///
    /// Panics if the process died or wrote something that is not JSON.
    pub fn call(&mut self, request: Value) -> Value {
        let mut line = serde_json::to_string(&request).expect("a JSON value serializes");
        line.push('\n');
        if let Err(e) = self
            .stdin
            .write_all(line.as_bytes())
            .and_then(|()| self.stdin.flush())
        {
            panic!("cannot write to the oracle ({e}); did it die? run scripts/python-env first");
        }
        let mut answer = String::new();
        match self.stdout.read_line(&mut answer) {
            Ok(0) => panic!(
                "the oracle closed its output (it died) after {request}; \
                 is the venv complete? run scripts/python-env first"
            ),
            Ok(_) => {}
            Err(e) => panic!("cannot read from the oracle: {e}"),
        }
        serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("the oracle wrote non-JSON {answer:?}: {e}"))
    }

    /// Like [`Oracle::call`], but panics unless the answer has `"ok": true`.
    pub fn call_ok(&mut self, request: Value) -> Value {
        let answer = self.call(request.clone());
        assert_eq!(
            answer["ok"], true,
            "oracle refused {request}: {}",
            answer["error"]
        );
        answer
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Lower-case hex of `bytes`, as the oracle writes it.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from a hex string; panics on bad hex.
pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd-length hex {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("valid hex"))
        .collect()
}
