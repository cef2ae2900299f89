//! `max_retries` retries a connection the server drops after reading the
//! request (chaoslib's own `test_run_http_probe_can_retry`: requests retries
//! such read errors for idempotent methods), checked against the real
//! `chaos run` on the same loopback server. A POST is not retried, by either.
mod common;

use common::tools;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A server whose first connection is dropped once the request is read; the
/// rest get `200 OK`. Returns its URL and how many connections it saw.
fn flaky_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/health", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(mut s) = stream else { continue };
            let n = count.fetch_add(1, Ordering::SeqCst);
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            if n == 0 {
                continue; // dropped: the client sees the connection close
            }
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        }
    });
    (url, seen)
}

fn experiment(url: &str, method: &str) -> Value {
    json!({
        "title": "retry", "description": "d",
        "method": [{"type": "probe", "name": "health",
                    "provider": {"type": "http", "url": url, "method": method, "max_retries": 2, "timeout": 5}}]
    })
}

/// (run entry status, output status, connections seen) for one tool.
fn run(chaos: bool, method: &str) -> (Value, Value, usize) {
    let (url, seen) = flaky_server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("e.json");
    std::fs::write(&file, serde_json::to_vec(&experiment(&url, method)).unwrap()).unwrap();
    let journal = dir.path().join("journal.json");
    let mut cmd = if chaos {
        let mut c = Command::new(tools::chaos_bin());
        c.args(["--no-version-check", "--no-log-file", "run", "--journal-path"]).arg(&journal).arg(&file);
        c
    } else {
        let mut c = Command::new(env!("CARGO_BIN_EXE_gameday"));
        c.arg("run").arg(&file).args(["--headless", "--journal-path"]).arg(&journal);
        c.env("GAMEDAY_DATA_DIR", dir.path().join("data"));
        c
    };
    let out = cmd.current_dir(dir.path()).output().unwrap();
    let j: Value = serde_json::from_slice(&std::fs::read(&journal).unwrap_or_default())
        .unwrap_or_else(|e| panic!("no journal ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let entry = &j["run"][0];
    (entry["status"].clone(), entry["output"]["status"].clone(), seen.load(Ordering::SeqCst))
}

#[test]
fn a_dropped_connection_is_retried_for_a_get_as_chaos_does() {
    let chaos = run(true, "GET");
    assert_eq!(chaos, (json!("succeeded"), json!(200), 2), "the reference changed");
    assert_eq!(run(false, "GET"), chaos);
}

#[test]
fn a_post_whose_connection_dropped_is_not_retried_by_either() {
    let chaos = run(true, "POST");
    let ours = run(false, "POST");
    assert_eq!(chaos.2, 1, "chaos retried a POST: {chaos:?}");
    assert_eq!((ours.0.clone(), ours.2), (chaos.0.clone(), chaos.2), "ours {ours:?}, chaos {chaos:?}");
}
