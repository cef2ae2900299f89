//! A dead console is seen: after `kill -9` of the console, `gameday watch`
//! says within 5 s that the console is silent and safeguards are not
//! running (and stops its T+ clock), `--follow-lines` says the same once,
//! a resume records the silent gap as an event, the watch view says the
//! console is back, `--follow-lines` ends with the session, and the report
//! shows the gap.
mod e2e;

use e2e::procs;
use e2e::sandbox::{self, Sandbox, events, kind};
use e2e::tmux::Tmux;
use e2e::wait;
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn a_killed_console_is_reported_silent_and_the_gap_is_recorded_on_resume() {
    let sb = Sandbox::new();
    let flag = sandbox::sh_quote(&sb.path().join("ran-once").display().to_string());
    let script =
        format!("if [ -e {flag} ]; then echo again; sleep 1.5; else touch {flag}; echo fault in; sleep 60; fi");
    let exp = sb.experiment(
        "experiment.json",
        &json!({
            "version": "1.0.0", "title": "Heartbeat", "description": "d",
            "method": [{"type": "action", "name": "inject-fault",
                        "provider": {"type": "process", "path": "sh", "arguments": ["-c", script]}}],
        }),
    );
    let console = Tmux::start("hb-console", &sb.run_script(&exp, &[], ""));
    let session = sb.wait_session_dir();
    console.wait_decision("action", "inject-fault");
    console.keys(&["Enter"]);
    let started = sandbox::wait_event(&session, "the fault's process", |e| kind(e) == "process_started");
    let pgid = started["pgid"].as_u64().and_then(|p| i32::try_from(p).ok()).expect("pgid");
    let shell = console.pane_pid();
    let pid = wait::until("the console", wait::DEFAULT, || procs::child_named(shell, "gameday"), String::new);

    let dir = session.display().to_string();
    let watcher = Tmux::start("hb-watch", &sb.script("watch.sh", &["watch", &dir], &[], ""));
    watcher.wait_for(&["RUNNING"]);
    let mut lines = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["watch", &dir, "--follow-lines"])
        .env("GAMEDAY_DATA_DIR", sb.path().join("data"))
        .env("GAMEDAY_CONFIG", sb.path().join("config.yaml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("watch --follow-lines");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!watcher.screen().contains("console silent"), "silent while the console beats:\n{}", watcher.screen());

    procs::signal(pid, libc::SIGKILL);
    let killed = std::time::Instant::now();
    let screen = watcher.wait_for_within(&["console silent for", "safeguards are not running"], Duration::from_secs(5));
    assert!(killed.elapsed() <= Duration::from_secs(5), "took {:?}", killed.elapsed());
    // The clock no longer pretends the run goes on.
    let clock = |s: &str| s.lines().next().unwrap_or_default().split('│').nth(1).map(str::to_string);
    let before = clock(&screen);
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(clock(&watcher.screen()), before, "T+ kept ticking for a dead console");

    // Clean up the orphaned fault, then resume (headless) to finish.
    // SAFETY: kill(2) of the step's process group, started by this test.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
    let resumed = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["resume", "--headless", &dir])
        .env("GAMEDAY_DATA_DIR", sb.path().join("data"))
        .env("GAMEDAY_CONFIG", sb.path().join("config.yaml"))
        .current_dir(sb.path())
        .output()
        .expect("resume");
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));
    let evs = events(&session);
    let gap = evs
        .iter()
        .find(|e| {
            kind(e) == "warning" && e["message"].as_str().is_some_and(|m| m.contains("the console was silent for"))
        })
        .unwrap_or_else(|| panic!("no gap recorded:\n{}", sandbox::dump_events(&session)));
    let secs: f64 = gap["message"]
        .as_str()
        .and_then(|m| m.split("silent for ").nth(1))
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("seconds in the gap message");
    assert!((2.0..60.0).contains(&secs), "gap of {secs} s: {gap}");

    // --follow-lines said it once, and ended with the session.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while lines.try_wait().ok().flatten().is_none() {
        assert!(std::time::Instant::now() < deadline, "--follow-lines did not end with the session");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = lines.wait_with_output().expect("output");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("console silent for").count(), 1, "{err}");
    assert!(err.contains("console back"), "{err}");

    let report = std::fs::read_to_string(session.join("report.md")).expect("report.md");
    assert!(report.contains("the console was silent for"), "the report does not show the gap:\n{report}");
}
