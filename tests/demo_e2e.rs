//! Exactly what the README tells a newcomer: `gameday demo` (here the built
//! binary rather than `cargo run --release --`) opens the console on the
//! bundled Game Day; driven by keys from the readiness gate to the end, the
//! run finds the expected deviation, the rollback clears the faults (asked of
//! the demo service itself), and the session's files exist.
mod e2e;

use e2e::sandbox::{Sandbox, events, kind};
use e2e::tmux::Tmux;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A tiny HTTP GET against the demo service (loopback only).
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let status = buf.split_whitespace().nth(1)?.parse().ok()?;
    let body = buf.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Some((status, body))
}

#[test]
fn the_demo_runs_to_its_end_by_keyboard() {
    let sb = Sandbox::new();
    let port = free_port();
    let script = sb.script("demo.sh", &["demo", "--port", &port.to_string()], &[], "");
    let t = Tmux::start("demo", &script);

    // The readiness gate: three plan items and the automated /health check are green;
    // two preflight items are ticked by a person.
    t.wait_for(&["READINESS CHECK", "The demo service answers on /health — ok"]);
    t.keys(&["Down", "Down", "Down", "Down", "Space", "Down", "Space"]);
    t.wait_for(&["Readiness: all green"]);
    t.keys(&["Enter"]);

    // Every step: Enter runs it (or marks a manual step done). Keep pressing
    // until the run has ended, bounded in time.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut screen = t.screen();
    while !screen.contains("DEVIATED") {
        assert!(Instant::now() < deadline, "the demo did not reach its end:\n{screen}");
        if screen.contains("WAITING FOR YOU") {
            t.keys(&["Enter"]);
        }
        std::thread::sleep(Duration::from_millis(250));
        screen = t.screen();
    }
    assert!(screen.contains("Steady state (after) ✖ not met"), "the weakness is shown:\n{screen}");

    // The rollback cleared the faults: ask the service while the demo still runs.
    let (status, body) = get(port, "/admin/faults").expect("the demo service answers");
    assert_eq!(status, 200);
    let faults: Value = serde_json::from_str(&body).expect("JSON list of active faults");
    assert!(
        faults["faults"].as_object().is_some_and(|active| active.is_empty()),
        "faults still active after the rollback: {body}"
    );
    let (health, _) = get(port, "/health").expect("health answers");
    assert_eq!(health, 200);

    t.keys(&["q"]);
    t.wait_for(&["EXIT=1"]);

    let session = std::fs::read_dir(sb.sessions_root())
        .expect("a session")
        .flatten()
        .map(|e| e.path())
        .next()
        .expect("one session directory");
    let evs = events(&session);
    let run_finished = evs.iter().find(|e| kind(e) == "run_finished").expect("the run finished");
    assert_eq!(run_finished["deviated"], true);
    assert!(evs.iter().any(|e| kind(e) == "decision" && e["phase"] == "readiness" && e["decision"] == "confirm"));
    let journal: Value = serde_json::from_slice(&std::fs::read(session.join("journal.json")).expect("journal.json"))
        .expect("a JSON journal");
    assert_eq!(journal["deviated"], true);
    assert_eq!(journal["rollbacks"][0]["status"], "succeeded");
    for report in ["report.md", "report.html"] {
        assert!(session.join(report).is_file(), "{report} was not written in {}", session.display());
    }
}
