//! One writer per session: while a console (or a headless run) drives a
//! session, `gameday resume` of it is refused with a message naming the
//! holder, the running step is left alone, and `events.jsonl` keeps one
//! writer's unique `seq` numbers. Once the writer is dead (even by SIGKILL)
//! the session can be resumed at once: the kernel dropped the lock.
mod e2e;

use e2e::procs;
use e2e::sandbox::{self, Sandbox, events, kind};
use e2e::tmux::Tmux;
use e2e::wait;
use serde_json::json;
use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

fn gameday(sb: &Sandbox, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(args)
        .env("GAMEDAY_DATA_DIR", sb.path().join("data"))
        .env("GAMEDAY_CONFIG", sb.path().join("config.yaml"))
        .current_dir(sb.path())
        .output()
        .expect("run gameday")
}

/// A step that runs long the first time and is quick when offered again.
fn doc(flag: &Path) -> serde_json::Value {
    let flag = sandbox::sh_quote(&flag.display().to_string());
    let script = format!("if [ -e {flag} ]; then echo again; else touch {flag}; echo started; sleep 30; fi");
    json!({
        "version": "1.0.0", "title": "One writer", "description": "d",
        "method": [{"type": "action", "name": "long-step",
                    "provider": {"type": "process", "path": "sh", "arguments": ["-c", script]}}],
    })
}

fn assert_unique_seqs(session: &Path) {
    let evs = events(session);
    let mut seen = HashSet::new();
    for e in &evs {
        let seq = e["seq"].as_u64().expect("seq");
        assert!(seen.insert(seq), "seq {seq} written twice:\n{}", sandbox::dump_events(session));
    }
}

fn assert_refused(out: &Output, holder_pid: u32) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("being written by another gameday"), "{stderr}");
    assert!(stderr.contains(&format!("pid {holder_pid}")), "the holder is not named: {stderr}");
    assert!(stderr.contains("gameday watch"), "no way forward offered: {stderr}");
    assert!(stderr.contains("since "), "{stderr}");
}

#[test]
fn resume_of_a_live_console_session_is_refused_and_leaves_its_step_running() {
    let sb = Sandbox::new();
    let exp = sb.experiment("experiment.json", &doc(&sb.path().join("ran-once")));
    let script = sb.run_script(&exp, &[], "");
    let tmux = Tmux::start("onewriter", &script);
    let session = sb.wait_session_dir();
    tmux.wait_decision("action", "long-step");
    tmux.keys(&["Enter"]);
    let started = sandbox::wait_event(&session, "the step's process", |e| kind(e) == "process_started");
    let pgid = started["pgid"].as_u64().and_then(|p| u32::try_from(p).ok()).expect("pgid");
    let shell = tmux.pane_pid();
    let console = wait::until("the console", wait::DEFAULT, || procs::child_named(shell, "gameday"), String::new);

    // By name (the path) and by default (the newest unfinished session).
    let by_path = gameday(&sb, &["resume", "--headless", &session.display().to_string()]);
    assert_refused(&by_path, console);
    let by_default = gameday(&sb, &["resume", "--headless"]);
    assert_refused(&by_default, console);

    std::thread::sleep(Duration::from_millis(300));
    assert!(!procs::group_members(pgid).is_empty(), "the first console's step was killed");
    let evs = events(&session);
    assert!(
        !evs.iter().any(|e| kind(e) == "activity_finished"
            || kind(e) == "warning" && e["message"].as_str().is_some_and(|m| m.contains("resumed"))),
        "the refused resume wrote into the session:\n{}",
        sandbox::dump_events(&session)
    );
    assert_unique_seqs(&session);

    // Dead writer: the lock is gone with it, and resume takes over.
    procs::signal(console, libc::SIGKILL);
    wait::until("the console to die", wait::DEFAULT, || (!procs::alive(console)).then_some(()), String::new);
    // SAFETY: kill(2) of the step's process group, which this test started.
    unsafe { libc::kill(-(pgid as i32), libc::SIGKILL) };
    let resumed = gameday(&sb, &["resume", "--headless", &session.display().to_string()]);
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(!stderr.contains("being written by another gameday"), "{stderr}");
    assert!(events(&session).iter().any(|e| kind(e) == "session_ended"), "{stderr}");
    assert_unique_seqs(&session);
}
