//! Job control at the console, in a real interactive bash inside tmux.
//!
//! * Ctrl-Z while a run is active is refused, and said so: suspending would
//!   freeze STOP, the safeguards and the timeouts with the process.
//! * Stopped from outside (`kill -STOP`, which cannot be caught) and brought
//!   back with `fg`: the shell left the terminal in line mode meanwhile, and
//!   the console takes it back, so STOP works at once, without an Enter.
//! * Once the run has ended, Ctrl-Z suspends to the shell and `fg` returns to
//!   a repainted console.
mod e2e;

use e2e::procs;
use e2e::sandbox::{self, Sandbox, events, kind};
use e2e::tmux::Tmux;
use e2e::wait;
use serde_json::json;
use std::time::Duration;

fn sh(kind: &str, name: &str, script: &str) -> serde_json::Value {
    json!({"type": kind, "name": name, "provider": {"type": "process", "path": "sh", "arguments": ["-c", script]}})
}

fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next())
}

#[test]
fn ctrl_z_is_refused_during_a_run_and_stop_works_after_a_stop_and_fg() {
    let sb = Sandbox::new();
    let exp = sb.experiment(
        "experiment.json",
        &json!({
            "version": "1.0.0", "title": "Job control", "description": "d",
            "method": [sh("action", "inject-fault", "echo fault in; sleep 30")],
            "rollbacks": [sh("action", "undo-fault", "echo undone")],
        }),
    );
    // An interactive bash with job control, as a facilitator's terminal has.
    let data = sb.path().join("data").display().to_string();
    let config = sb.path().join("config.yaml").display().to_string();
    let script = sb.path().join("shell.sh");
    std::fs::write(
        &script,
        format!(
            "cd {}\nexport GAMEDAY_DATA_DIR={} GAMEDAY_CONFIG={} PS1='shell$ '\nexec bash --norc --noprofile -i\n",
            sandbox::sh_quote(&sb.path().display().to_string()),
            sandbox::sh_quote(&data),
            sandbox::sh_quote(&config)
        ),
    )
    .expect("script");
    let tmux = Tmux::start("suspend", &script);
    tmux.wait_for(&["shell$"]);
    tmux.type_text(&format!("{} run {}", env!("CARGO_BIN_EXE_gameday"), exp.display()));
    tmux.keys(&["Enter"]);
    let session = sb.wait_session_dir();
    tmux.wait_decision("action", "inject-fault");
    tmux.keys(&["Enter"]);
    sandbox::wait_event(&session, "the fault's process", |e| kind(e) == "process_started");
    let shell = tmux.pane_pid();
    let pid = wait::until("the console", wait::DEFAULT, || procs::child_named(shell, "gameday"), String::new);

    // Ctrl-Z during the run: refused, the process keeps running.
    tmux.keys(&["C-z"]);
    tmux.wait_for(&["not suspended while the run is active"]);
    std::thread::sleep(Duration::from_millis(200));
    assert_ne!(process_state(pid), Some('T'), "the console was suspended during a run");

    // Stopped from outside, then `fg` from the shell.
    procs::signal(pid, libc::SIGSTOP);
    tmux.wait_for(&["Stopped"]);
    tmux.type_text("fg");
    tmux.keys(&["Enter"]);
    wait::until(
        "the console to run again",
        wait::DEFAULT,
        || (process_state(pid) != Some('T')).then_some(()),
        String::new,
    );
    tmux.wait_for(&["RUNNING", "inject-fault"]);
    // STOP at once, with no Enter after it.
    tmux.keys(&["F12"]);
    sandbox::wait_event_within(&session, "the STOP after fg", Duration::from_secs(5), |e| {
        kind(e) == "stop" && e["source"] == "key"
    });
    assert!(tmux.alternate_on(), "the console is not on the alternate screen after fg");

    // Finish the run: skip the reason, confirm the rollback.
    tmux.wait_for(&["Why?"]);
    tmux.keys(&["Escape"]);
    tmux.wait_decision("action", "undo-fault");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["INTERRUPTED"]);

    // Nothing active any more: Ctrl-Z suspends to the shell, fg comes back.
    tmux.keys(&["C-z"]);
    wait::until(
        "the console to be suspended",
        wait::DEFAULT,
        || (process_state(pid) == Some('T')).then_some(()),
        || tmux.screen(),
    );
    tmux.wait_for(&["shell$"]);
    assert!(!tmux.alternate_on(), "suspended, the shell must have its main screen back");
    tmux.type_text("fg");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["INTERRUPTED"]);
    assert!(tmux.alternate_on());
    tmux.keys(&["q"]);
    sandbox::wait_console_gone(pid, &session, Duration::from_secs(15));
    let evs = events(&session);
    assert!(
        evs.iter().any(|e| kind(e) == "warning" && e["message"].as_str().is_some_and(|m| m.contains("Ctrl-Z ignored"))),
        "the refused suspend is not in the log:\n{}",
        sandbox::dump_events(&session)
    );
}
