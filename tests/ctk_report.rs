//! A journal written by gameday must be readable by Chaos Toolkit's own
//! reporting tool (`chaos report`, from chaostoolkit-reporting, which needs
//! pandoc even for Markdown). Runs in the pinned reference venv.
use std::path::{Path, PathBuf};
use std::process::Command;

fn venv() -> PathBuf {
    let v = std::env::var_os("GAMEDAY_CTK_REPORT_VENV").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/gameday-ctk-report-venv")
    });
    assert!(
        v.join("bin/chaos").is_file(),
        "the Chaos Toolkit venv with chaostoolkit-reporting is missing at {} — run ./scripts/test, which creates it",
        v.display()
    );
    v
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

/// Run gameday headless and return the journal path.
fn gameday_journal(dir: &Path, exp: &Path, extra: &[&str]) -> PathBuf {
    let journal = dir.join(format!("{}.journal.json", exp.file_stem().unwrap().to_string_lossy()));
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["run", "--headless", "--journal-path"])
        .arg(&journal)
        .args(extra)
        .arg(exp)
        .env("GAMEDAY_DATA_DIR", dir.join("data"))
        .output()
        .unwrap();
    assert!(journal.is_file(), "no journal written: {}", String::from_utf8_lossy(&out.stderr));
    journal
}

fn chaos_report(dir: &Path, journal: &Path) {
    let v = venv();
    let report = dir.join(format!("{}.md", journal.file_stem().unwrap().to_string_lossy()));
    let mut path = std::env::var("PATH").unwrap_or_default();
    path = format!("{}:{path}", v.join("bin").display());
    let out = Command::new(v.join("bin/chaos"))
        .args(["--no-version-check", "--no-log-file", "report", "--export-format=markdown"])
        .arg(journal)
        .arg(&report)
        .env("PATH", path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chaos report failed on {}:\n{stderr}", journal.display());
    assert!(!stderr.contains("Traceback"), "chaos report crashed:\n{stderr}");
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(md.contains("Report"), "the report looks empty:\n{md}");
}

#[test]
fn gameday_journals_pass_through_chaos_report() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let completed = write(
        d,
        "completed.json",
        r#"{"title": "Report me", "description": "d", "tags": ["t"],
            "configuration": {"greeting": "hi"},
            "steady-state-hypothesis": {"title": "ok", "probes": [
              {"type": "probe", "name": "true", "tolerance": 0, "provider": {"type": "process", "path": "true"}}]},
            "method": [
              {"type": "action", "name": "echo", "provider": {"type": "process", "path": "echo", "arguments": ["${greeting}"]}},
              {"type": "action", "name": "slow", "provider": {"type": "process", "path": "sleep", "arguments": ["2"], "timeout": 0.2}},
              {"type": "probe", "name": "refused", "provider": {"type": "http", "url": "http://127.0.0.1:9/x", "timeout": 1}}],
            "rollbacks": [{"type": "action", "name": "rb", "provider": {"type": "process", "path": "true"}}]}"#,
    );
    let deviated = write(
        d,
        "deviated.json",
        r#"{"title": "Deviates", "description": "d",
            "steady-state-hypothesis": {"title": "flag", "probes": [
              {"type": "probe", "name": "flag-exists", "tolerance": 0,
               "provider": {"type": "process", "path": "test", "arguments": ["-e", "flag"]}}]},
            "method": [{"type": "action", "name": "remove", "provider": {"type": "process", "path": "rm", "arguments": ["-f", "flag"]}}]}"#,
    );
    std::fs::write(std::env::current_dir().unwrap().join("flag"), "").ok();
    for (exp, extra) in [(&completed, vec![]), (&deviated, vec![]), (&completed, vec!["--dry", "activities"])] {
        let j = gameday_journal(d, exp, &extra);
        chaos_report(d, &j);
    }
}
