//! A headless run of a playbook reads its day file (`<stem>.day.yaml`, from
//! `gameday plan`) as the console does: the day's approval reaches the
//! session's experiment, the items ticked while planning are recorded as
//! ticked by whoever ticked them, and the override a headless run records
//! names only what is still missing.
use serde_json::Value;
use std::process::Command;

const PLAYBOOK: &str = "\
gameday: 1
title: Headless gate
description: A drill run without the console.
style: informed-in-advance
roles:
  facilitator: Ada
  safety_monitor: Sam
where:
  environment: staging-eu
approvals:
  - name: Bob
    role: service owner
    approved: false
preflight:
  - Everyone knows where STOP is
  - The dashboards are open
method:
  - type: action
    name: say-hello
    provider:
      type: process
      path: echo
      arguments: [hello]
";

const DAY_FILE: &str = "\
playbook: gate.yaml
approvals:
  - name: Bob
    approved: true
    at: \"2026-12-06T07:00:00+00:00\"
    by: kim
preflight:
  - item: 0
    text: Everyone knows where STOP is
    ticked: true
    by: kim
    at: \"2026-12-06T07:01:00+00:00\"
";

fn events(session: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(session.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn run(dir: &std::path::Path) -> std::path::PathBuf {
    let sessions = dir.join("sessions");
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["run", "--headless", "--no-report", "--journal-path"])
        .arg(dir.join("journal.json"))
        .arg("--session-dir")
        .arg(&sessions)
        .arg(dir.join("gate.yaml"))
        .env("GAMEDAY_DATA_DIR", dir.join("data"))
        .env("GAMEDAY_CONFIG", dir.join("none.yaml"))
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let found: Vec<_> = std::fs::read_dir(&sessions).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap()
}

/// The override's reason: what the headless run found missing at the gate.
fn override_reason(events: &[Value]) -> String {
    events
        .iter()
        .find(|e| e["kind"] == "decision" && e["decision"] == "override")
        .and_then(|e| e["reason"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_day_file_counts_at_a_headless_gate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gate.yaml"), PLAYBOOK).unwrap();

    // Without a day file: the approval and both items are missing.
    let before = events(&run(dir.path()));
    let reason = override_reason(&before);
    assert!(reason.contains("Everyone knows where STOP is"), "{reason}");
    assert!(reason.contains("The dashboards are open"), "{reason}");

    std::fs::write(dir.path().join("gate.day.yaml"), DAY_FILE).unwrap();
    std::fs::remove_dir_all(dir.path().join("sessions")).unwrap();
    let session = run(dir.path());
    let after = events(&session);
    let ticked: Vec<&Value> = after.iter().filter(|e| e["kind"] == "readiness_ticked").collect();
    assert_eq!(ticked.len(), 1, "{ticked:?}");
    assert_eq!(ticked[0]["label"], "Everyone knows where STOP is");
    assert_eq!(ticked[0]["who"], "kim");
    let reason = override_reason(&after);
    assert!(!reason.contains("Everyone knows where STOP is"), "ticked in the plan: {reason}");
    assert!(reason.contains("The dashboards are open"), "{reason}");
    let started = after.iter().find(|e| e["kind"] == "session_started").unwrap();
    let experiment = &started["experiment"];
    assert_eq!(experiment["approvals"][0]["approved"], true, "the day's approval reaches the session");
}
