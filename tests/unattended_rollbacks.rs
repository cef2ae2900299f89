//! STOP's promise when nobody can decide any more: the rollbacks are played.
//!
//! Each test presses STOP while a method step runs, waits until the first
//! rollback asks for confirmation, and then takes the facilitator away in one
//! way (SIGHUP, SIGTERM, the Quit dialog's `y`, a second STOP). The rollback
//! writes a marker file: the test asserts the side effect happened, the
//! journal lists the rollback, and each cause gave exactly one STOP event.
//! The headless tests cover a safeguard trip and a STOP from a watcher, which
//! play the halt actions and then the rollbacks under the default strategy.
mod e2e;

use e2e::procs;
use e2e::sandbox::{self, Sandbox, events, journal, kind};
use e2e::tmux::Tmux;
use e2e::wait;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn sh(kind: &str, name: &str, script: &str) -> Value {
    json!({"type": kind, "name": name, "provider": {"type": "process", "path": "sh", "arguments": ["-c", script]}})
}

/// A long method step, and a rollback that leaves `marker` behind.
fn doc(marker: &Path) -> Value {
    json!({
        "version": "1.0.0",
        "title": "Unattended rollbacks",
        "description": "STOP, then nobody is left to confirm",
        "method": [sh("action", "inject-fault", "echo fault in; sleep 30")],
        "rollbacks": [sh("action", "undo-fault", &format!("echo undone > {}", sandbox::sh_quote(&marker.display().to_string())))],
    })
}

static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct Stopped {
    _sb: Sandbox,
    tmux: Tmux,
    session: PathBuf,
    marker: PathBuf,
    pid: u32,
}

/// Start the console, confirm the fault, press STOP while it runs, skip the
/// reason, and wait until the rollback asks for confirmation.
fn stopped_with_rollback_waiting(label: &str) -> Stopped {
    let sb = Sandbox::new();
    let marker = sb.path().join("rolled-back");
    let exp = sb.experiment("experiment.json", &doc(&marker));
    let script = sb.run_script(&exp, &[], "");
    let tmux = Tmux::start(label, &script);
    let session = sb.wait_session_dir();
    tmux.wait_decision("action", "inject-fault");
    tmux.keys(&["Enter"]);
    sandbox::wait_event(&session, "the fault's process", |e| kind(e) == "process_started");
    tmux.keys(&["F12"]);
    tmux.wait_for(&["Why?"]);
    tmux.keys(&["Escape"]);
    sandbox::wait_event(&session, "the rollback's question", |e| {
        kind(e) == "proposal" && e["phase"] == "rollbacks" && e["name"] == "undo-fault"
    });
    tmux.wait_decision("action", "undo-fault");
    let shell = tmux.pane_pid();
    let pid = wait::until(
        "the gameday process in the pane",
        wait::DEFAULT,
        || procs::child_named(shell, "gameday"),
        || format!("pane shell pid {shell}"),
    );
    assert!(!marker.exists(), "the rollback ran before it was confirmed");
    Stopped { _sb: sb, tmux, session, marker, pid }
}

fn wait_dead(pid: u32, session: &Path) {
    sandbox::wait_console_gone(pid, session, Duration::from_secs(20));
}

/// The rollback ran (its side effect and its journal entry), it was decided
/// by nobody at the keyboard, and the run recorded `stops` STOP events.
fn assert_rolled_back_unattended(s: &Stopped, stops: usize) {
    let dump = || sandbox::dump_events(&s.session);
    wait::until("the rollback's marker file", Duration::from_secs(10), || s.marker.exists().then_some(()), dump);
    let evs = events(&s.session);
    let decision = evs
        .iter()
        .find(|e| kind(e) == "decision" && e["phase"] == "rollbacks" && e["name"] == "undo-fault")
        .unwrap_or_else(|| panic!("no decision on the rollback:\n{}", dump()));
    assert_eq!(decision["decision"], "confirm", "{}", dump());
    assert_eq!(decision["who"], "auto", "{}", dump());
    let stop_events = evs.iter().filter(|e| kind(e) == "stop").count();
    assert_eq!(stop_events, stops, "STOP events:\n{}", dump());
    let j = journal(&s.session);
    assert_eq!(j["status"], "interrupted", "{j:#}");
    let rb = sandbox::entry(&j["rollbacks"], "undo-fault");
    assert_eq!(rb["status"], "succeeded", "{j:#}");
}

fn signal_while_rollback_waits(sig: i32, label: &str) {
    let _g = serial();
    let s = stopped_with_rollback_waiting(label);
    procs::signal(s.pid, sig);
    wait_dead(s.pid, &s.session);
    assert_rolled_back_unattended(&s, 1);
    assert!(!s.tmux.alternate_on(), "the terminal was not restored");
}

#[test]
fn sighup_while_a_rollback_waits_plays_it() {
    signal_while_rollback_waits(libc::SIGHUP, "hup-rb");
}

#[test]
fn sigterm_while_a_rollback_waits_plays_it() {
    signal_while_rollback_waits(libc::SIGTERM, "term-rb");
}

#[test]
fn quit_yes_while_a_rollback_waits_plays_it_without_asking() {
    let _g = serial();
    let s = stopped_with_rollback_waiting("quit-rb");
    s.tmux.keys(&["q"]);
    s.tmux.wait_for(&["STOP, roll back and quit"]);
    s.tmux.keys(&["y"]);
    // No Enter: the rollback must not wait for one.
    wait_dead(s.pid, &s.session);
    // Quitting while already stopping is not a second STOP.
    assert_rolled_back_unattended(&s, 1);
}

#[test]
fn a_second_stop_while_a_rollback_waits_plays_the_rollbacks_without_asking() {
    let _g = serial();
    let s = stopped_with_rollback_waiting("stop2-rb");
    s.tmux.keys(&["F12"]);
    wait::until(
        "the rollback's marker file",
        Duration::from_secs(10),
        || s.marker.exists().then_some(()),
        || sandbox::dump_events(&s.session),
    );
    // The console stays up (the person is there) and shows the run's end.
    s.tmux.wait_for(&["INTERRUPTED"]);
    assert!(procs::alive(s.pid));
    s.tmux.keys(&["q"]);
    wait_dead(s.pid, &s.session);
    assert_rolled_back_unattended(&s, 2);
}

/// A headless run of `doc`, started in the background.
fn headless(sb: &Sandbox, exp: &Path, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("run")
        .arg(exp)
        .args(["--headless", "--journal-path"])
        .arg(sb.path().join("journal-out.json"))
        .args(extra)
        .env("GAMEDAY_DATA_DIR", sb.path().join("data"))
        .env("GAMEDAY_CONFIG", sb.path().join("config.yaml"))
        .current_dir(sb.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start gameday")
}

fn wait_child(child: std::process::Child, what: &str) -> std::process::Output {
    let pid = child.id();
    let waited = std::thread::spawn(move || child.wait_with_output());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !waited.is_finished() {
        if std::time::Instant::now() > deadline {
            procs::signal(pid, libc::SIGKILL);
            panic!("{what} did not finish within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    waited.join().expect("join").expect("wait")
}

#[test]
fn a_headless_safeguard_trip_plays_the_halt_actions_then_the_rollbacks() {
    let sb = Sandbox::new();
    let marker = sb.path().join("rolled-back");
    let halted = sb.path().join("halted");
    let mut d = doc(&marker);
    d["safeguards"] = json!([{
        "type": "probe", "name": "always-unhappy", "every": "200ms",
        "tolerance": 0,
        "provider": {"type": "process", "path": "sh", "arguments": ["-c", "exit 1"]}
    }]);
    d["on_stop"] =
        json!([sh("action", "halt-all", &format!("touch {}", sandbox::sh_quote(&halted.display().to_string())))]);
    let exp = sb.experiment("experiment.json", &d);
    let out = wait_child(headless(&sb, &exp, &[]), "the headless run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(halted.exists(), "the halt action did not run:\n{stderr}");
    assert!(marker.exists(), "the rollback did not run after the safeguard tripped:\n{stderr}");
    let j: Value =
        serde_json::from_slice(&std::fs::read(sb.path().join("journal-out.json")).expect("journal")).expect("json");
    assert_eq!(j["status"], "interrupted", "{j:#}");
    assert_eq!(sandbox::entry(&j["rollbacks"], "undo-fault")["status"], "succeeded", "{j:#}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
}

#[test]
fn rollback_strategy_never_still_wins_over_a_safeguard_trip() {
    let sb = Sandbox::new();
    let marker = sb.path().join("rolled-back");
    let mut d = doc(&marker);
    d["safeguards"] = json!([{
        "type": "probe", "name": "always-unhappy", "every": "200ms", "tolerance": 0,
        "provider": {"type": "process", "path": "sh", "arguments": ["-c", "exit 1"]}
    }]);
    let exp = sb.experiment("experiment.json", &d);
    let out = wait_child(headless(&sb, &exp, &["--rollback-strategy", "never"]), "the headless run");
    assert!(!marker.exists(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_stop_from_a_watcher_stops_a_headless_run_and_plays_the_rollbacks() {
    let sb = Sandbox::new();
    let marker = sb.path().join("rolled-back");
    let exp = sb.experiment("experiment.json", &doc(&marker));
    let child = headless(&sb, &exp, &[]);
    let session = sb.wait_session_dir();
    sandbox::wait_event(&session, "the fault's process", |e| kind(e) == "process_started");
    gameday::session::requests::send(
        &session,
        &gameday::session::requests::Request::Stop {
            who: "safety-monitor".into(),
            reason: Some("error budget".into()),
        },
    )
    .expect("send the STOP");
    let out = wait_child(child, "the headless run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(marker.exists(), "the rollback did not run:\n{stderr}");
    let evs = events(&session);
    let stop = evs.iter().find(|e| kind(e) == "stop").unwrap_or_else(|| panic!("{}", sandbox::dump_events(&session)));
    assert_eq!(stop["who"], "safety-monitor");
    assert_eq!(stop["source"], "remote");
}
