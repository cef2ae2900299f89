//! One unreadable line in the middle of `events.jsonl` (a disk error, a
//! stray edit): every reader of the log — `gameday report`, `gameday watch
//! --follow-lines`, `gameday resume` — skips that line with one warning
//! naming its number, and the report says a line was skipped. Through the
//! real binary, on sessions made by real headless runs.
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_gameday");
const GARBAGE: &str = "{\"seq\":99,\"at\":\"2026-01-0";

/// A temporary home whose sessions go under `data/`.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::Builder::new().prefix("gameday-tolerant-").tempdir().expect("temp dir");
        std::fs::write(dir.path().join("config.yaml"), "facilitator: tester\n").expect("config");
        Home { dir }
    }

    fn gameday(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .env("GAMEDAY_DATA_DIR", self.dir.path().join("data"))
            .env("GAMEDAY_CONFIG", self.dir.path().join("config.yaml"))
            .env_remove("GAMEDAY_PYTHON")
            .output()
            .unwrap_or_else(|e| panic!("cannot run gameday {args:?}: {e}"))
    }

    /// Run `doc` headless; returns its session directory.
    fn session_of(&self, doc: &Value) -> PathBuf {
        let exp = self.dir.path().join("experiment.json");
        std::fs::write(&exp, serde_json::to_vec_pretty(doc).expect("json")).expect("write experiment");
        let out = self.gameday(&["run", "--headless", &exp.display().to_string()]);
        assert!(out.status.success(), "headless run failed: {}", String::from_utf8_lossy(&out.stderr));
        let root = self.dir.path().join("data").join("sessions");
        let mut dirs: Vec<PathBuf> =
            std::fs::read_dir(&root).expect("sessions root").filter_map(Result::ok).map(|e| e.path()).collect();
        assert_eq!(dirs.len(), 1, "{dirs:?}");
        dirs.remove(0)
    }
}

fn experiment() -> Value {
    json!({
        "version": "1.0.0",
        "title": "Tolerant readers",
        "description": "a log with a bad line in the middle",
        "method": [
            {"type": "action", "name": "first", "provider": {"type": "process", "path": "echo", "arguments": "one"}},
            {"type": "action", "name": "second", "provider": {"type": "process", "path": "echo", "arguments": "two"}},
        ],
    })
}

/// Put `GARBAGE` in as line `at` (1-based) of the session's log, keeping
/// only the first `keep` lines of what was there (all when `None`).
fn spoil(session: &Path, at: usize, keep: Option<usize>) {
    let path = session.join("events.jsonl");
    let text = std::fs::read_to_string(&path).expect("read events.jsonl");
    let mut lines: Vec<&str> = text.lines().collect();
    if let Some(k) = keep {
        lines.truncate(k);
    }
    assert!(lines.len() > at, "the log is long enough: {} lines", lines.len());
    lines.insert(at - 1, GARBAGE);
    std::fs::write(&path, lines.join("\n") + "\n").expect("write events.jsonl");
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn report_skips_a_bad_middle_line_with_a_warning_and_says_so_in_every_format() {
    let home = Home::new();
    let session = home.session_of(&experiment());
    spoil(&session, 3, None);
    let s = session.display().to_string();
    for (format, said) in [
        ("md", "1 unreadable line(s) skipped: line 3"),
        ("html", "1 unreadable line(s) skipped: line 3"),
        ("json", "\"1 unreadable line(s) skipped: line 3\""),
    ] {
        let out = home.gameday(&["report", &s, "--format", format]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(out.status.success(), "report --format {format} refused the session: {stderr}");
        let warned: Vec<&str> = stderr.lines().filter(|l| l.contains("unreadable line skipped")).collect();
        assert_eq!(warned.len(), 1, "one warning per skipped line:\n{stderr}");
        assert!(warned[0].contains("events.jsonl:3:"), "the warning names the line: {stderr}");
        assert!(stdout.contains(said), "the {format} report does not say a line was skipped:\n{stdout:.3000}");
        // Both actions are in it: nothing after the bad line was lost.
        assert!(stdout.contains("second"), "{stdout:.3000}");
    }
}

#[test]
fn watch_follow_lines_skips_a_bad_middle_line_with_one_warning_naming_it() {
    let home = Home::new();
    let session = home.session_of(&experiment());
    spoil(&session, 4, None);
    let out = home.gameday(&["watch", &session.display().to_string(), "--follow-lines"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "watch failed: {stderr}");
    let warned: Vec<&str> = stderr.lines().filter(|l| l.contains("unreadable line skipped")).collect();
    assert_eq!(warned.len(), 1, "{stderr}");
    assert!(warned[0].contains("events.jsonl:4:"), "{stderr}");
    assert!(stdout.contains("second"), "events after the bad line are shown:\n{stdout}");
}

#[test]
fn resume_skips_a_bad_middle_line_and_the_resumed_session_still_reports() {
    let home = Home::new();
    let session = home.session_of(&experiment());
    // Cut the log back to before the run's end, as a crash would, with a
    // bad line in the middle of what is left.
    let text_before = std::fs::read_to_string(session.join("events.jsonl")).expect("log");
    let finished_at =
        text_before.lines().position(|l| l.contains("\"kind\":\"run_finished\"")).expect("a run_finished line");
    spoil(&session, 3, Some(finished_at));
    let out = home.gameday(&["resume", "--headless", &session.display().to_string()]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "resume failed: {stderr}");
    let warned: Vec<&str> = stderr.lines().filter(|l| l.contains("unreadable line skipped")).collect();
    assert_eq!(warned.len(), 1, "{stderr}");
    assert!(warned[0].contains("events.jsonl:3:"), "{stderr}");
    let log = std::fs::read_to_string(session.join("events.jsonl")).expect("log");
    assert!(log.contains("\"kind\":\"session_ended\""), "the resumed run ended:\n{log}");
    let report = std::fs::read_to_string(session.join("report.md")).expect("the resumed session's report.md");
    assert!(report.contains("1 unreadable line(s) skipped: line 3"), "{report:.3000}");
}
