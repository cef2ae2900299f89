//! Golden reports: the fixed session `tests/report/session-fixed` (written by
//! `tests/report/make_fixture.py`, fixed times) must render exactly to the
//! committed `tests/report/golden/report.{md,html,json}` (and the participant
//! version to `report-participant.md`).
//!
//! After an intended change to the reports, rewrite the golden files with
//!     GAMEDAY_UPDATE_GOLDEN=1 cargo test --test report_golden
//! and review the diff before committing it.
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/report")
}

fn render(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("report")
        .arg(root().join("session-fixed"))
        .args(args)
        // The fixture declares an env secret; its value must not matter.
        .env_remove("ORDERS_PASSWORD")
        .output()
        .expect("run gameday report");
    assert!(out.status.success(), "gameday report {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 report")
}

fn check(name: &str, actual: &str) {
    let path: PathBuf = root().join("golden").join(name);
    if std::env::var_os("GAMEDAY_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with GAMEDAY_UPDATE_GOLDEN=1 to create it)", path.display()));
    if expected != actual {
        let first = expected.lines().zip(actual.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{} differs from the rendered report at line {}:\n  golden: {:?}\n  actual: {:?}\n\
             (GAMEDAY_UPDATE_GOLDEN=1 rewrites the golden files)",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

#[test]
fn markdown_matches_golden() {
    check("report.md", &render(&[]));
}

#[test]
fn html_matches_golden() {
    check("report.html", &render(&["--format", "html"]));
}

#[test]
fn json_matches_golden() {
    let text = render(&["--format", "json"]);
    check("report.json", &text);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Still a Chaos Toolkit journal, with the gameday section alongside.
    assert_eq!(v["status"], "interrupted");
    assert_eq!(v["gameday"]["schema"], "gameday-report/1");
    assert_eq!(v["gameday"]["stops"][0]["reason"], "customers in staging tests saw 12% errors");
    assert_eq!(v["gameday"]["durations"]["to_recover"], 317.9);
    assert_eq!(v["run"].as_array().unwrap().len(), 4);
}

#[test]
fn participant_version_matches_golden_and_hides_the_method() {
    let md = render(&["--participant"]);
    check("report-participant.md", &md);
    for secret_of_the_game in ["inject-300ms-latency", "kill-primary-db", "netem", "chaosdb", "too risky"] {
        assert!(!md.contains(secret_of_the_game), "participant report reveals {secret_of_the_game:?}");
    }
    assert!(md.contains("hidden for participants"));
    // The timeline of observations stays.
    assert!(md.contains("The on-call could not find the runbook"));
    let json = render(&["--format", "json", "--participant"]);
    for s in ["inject-300ms-latency", "kill-primary-db", "netem", "chaosdb"] {
        assert!(!json.contains(s), "participant JSON reveals {s:?}");
    }
}

#[test]
fn content_reads_right() {
    let md = render(&[]);
    // Verdict with who stopped and why (the reason came as a later note).
    assert!(md.contains("Stopped by Sam (via key) at T+00:05:00: customers in staging tests saw 12% errors"));
    // Escaping: markup and pipes from a note cannot break the page or a table.
    assert!(md.contains("&lt;script&gt;") && !md.contains("<script>"));
    assert!(md.contains("\\| into the chat"));
    // The skip and its reason, the failed step's exception.
    assert!(md.contains("| kill-primary-db | skip | Alex | too risky with the product owner watching |"));
    assert!(md.contains("Exception: chaoslib.exceptions.ActivityFailed: failed to connect"));
    // Secrets: the declaration stays masked.
    let json = render(&["--format", "json"]);
    assert!(json.contains("\"token\": \"***\""));
    let html = render(&["--format", "html"]);
    assert!(html.contains("&lt;script&gt;alert(1)") && !html.contains("<script"));
}

#[test]
fn bad_inputs_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(root().join("session-fixed/events.jsonl")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines[2] = "{\"seq\": 3, \"this is not\": an event}";
    let bad = dir.path().join("events.jsonl");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    // A bad line is skipped (not a refusal), with a warning naming it.
    let out = Command::new(env!("CARGO_BIN_EXE_gameday")).arg("report").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:3: unreadable line skipped", bad.display())), "{err}");

    let missing = Path::new("/nonexistent/session");
    let out = Command::new(env!("CARGO_BIN_EXE_gameday")).arg("report").arg(missing).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/session: no such file"));

    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["report", "--format", "pdf"])
        .arg(root().join("session-fixed"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
