//! A headless run writes the session's report.md and report.html with its
//! journal; `--no-report` leaves them out (and `gameday report` can still
//! make them afterwards from the session).
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(dir: &Path, extra: &[&str]) -> PathBuf {
    let exp = dir.join("exp.json");
    std::fs::write(
        &exp,
        r#"{"title": "one", "description": "d",
            "method": [{"type": "action", "name": "echo",
                        "provider": {"type": "process", "path": "echo", "arguments": ["hi"]}}]}"#,
    )
    .unwrap();
    let sessions = dir.join("sessions");
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["run", "--headless", "--journal-path"])
        .arg(dir.join("journal.json"))
        .arg("--session-dir")
        .arg(&sessions)
        .args(extra)
        .arg(&exp)
        .env("GAMEDAY_DATA_DIR", dir.join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let found: Vec<PathBuf> = std::fs::read_dir(&sessions).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(found.len(), 1, "one session directory: {found:?}");
    found.into_iter().next().unwrap()
}

#[test]
fn a_headless_run_writes_its_reports() {
    let dir = tempfile::tempdir().unwrap();
    let session = run(dir.path(), &[]);
    let md = std::fs::read_to_string(session.join("report.md")).unwrap();
    assert!(md.contains("one"), "{md}");
    assert!(session.join("report.html").is_file());
    assert!(session.join("journal.json").is_file());
}

#[test]
fn no_report_writes_the_journal_only_and_the_report_can_follow() {
    let dir = tempfile::tempdir().unwrap();
    let session = run(dir.path(), &["--no-report"]);
    assert!(session.join("journal.json").is_file());
    assert!(dir.path().join("journal.json").is_file());
    assert!(!session.join("report.md").exists() && !session.join("report.html").exists());
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("report")
        .arg(&session)
        .env("GAMEDAY_DATA_DIR", dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("echo"), "the report tells of the run's step: {md}");
}
