//! Chaos Toolkit's exit signals at the console: a python step that does what
//! `chaoslib.exit.exit_gracefully()` does (SIGUSR1 to its own process, here
//! the bridge, which passes it on to gameday) STOPs the run; the reason is on
//! the screen and in the STOP event, and the rollbacks are offered. (Headless
//! runs, SIGUSR2, signals from outside and chaosaddons' safeguards control are
//! compared with the real `chaos run` in `tests/compat`, cases `exit-*`,
//! `interrupt-usr*` and `addons-safeguard-*`.)
mod e2e;

use e2e::procs;
use e2e::sandbox::{self, Sandbox, events, kind};
use e2e::tmux::Tmux;
use e2e::wait;
use serde_json::json;
use std::time::Duration;

#[test]
fn a_graceful_exit_from_a_python_step_is_a_stop_at_the_console() {
    let sb = Sandbox::new();
    let exp = sb.experiment(
        "experiment.json",
        &json!({
            "version": "1.0.0", "title": "Exit signal", "description": "d",
            "method": [
                {"type": "action", "name": "driver-gives-up",
                 "provider": {"type": "python", "module": "gdcompat", "func": "leave", "arguments": {"graceful": true}}},
                {"type": "action", "name": "never-runs",
                 "provider": {"type": "process", "path": "echo", "arguments": ["after"]}}
            ],
            "rollbacks": [{"type": "action", "name": "undo", "provider": {"type": "process", "path": "echo", "arguments": ["undone"]}}],
        }),
    );
    let pymod = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/pymod").display().to_string();
    let tmux = Tmux::start("exit-usr1", &sb.run_script(&exp, &[("PYTHONPATH", &pymod)], ""));
    let session = sb.wait_session_dir();
    tmux.wait_decision("action", "driver-gives-up");
    tmux.keys(&["Enter"]);
    let stop = sandbox::wait_event_within(&session, "the STOP", Duration::from_secs(10), |e| kind(e) == "stop");
    assert_eq!(stop["source"], "sigusr1", "{stop}");
    assert!(stop["reason"].as_str().is_some_and(|r| r.contains("graceful exit")), "{stop}");
    let screen = tmux.wait_decision("action", "undo");
    assert!(screen.contains("SIGUSR1") || screen.contains("sigusr1"), "the reason is not shown:\n{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["INTERRUPTED"]);
    let shell = tmux.pane_pid();
    let pid = wait::until("the console", wait::DEFAULT, || procs::child_named(shell, "gameday"), String::new);
    tmux.keys(&["q"]);
    sandbox::wait_console_gone(pid, &session, Duration::from_secs(15));
    let evs = events(&session);
    assert!(!evs.iter().any(|e| kind(e) == "activity_started" && e["activity"]["name"] == "never-runs"));
    assert!(evs.iter().any(|e| kind(e) == "activity_started" && e["activity"]["name"] == "undo"));
}
