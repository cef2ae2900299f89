//! Python activities run in one long-lived worker per run: what they print
//! or log reaches the terminal and the event log; STOP ends the worker with
//! the activity that was running, and the next python activity gets a new
//! one (module state starts again, and the log says why). Module state
//! across activities and the driver ecosystem are compared with the real
//! `chaos run` in `tests/compat` (`python-module-state`, `addons-safeguard-*`).
mod e2e;

use e2e::sandbox::{self, Sandbox, events, kind};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};

fn pymod() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/pymod").display().to_string()
}

fn py(name: &str, func: &str, arguments: Value) -> Value {
    json!({"type": "probe", "name": name, "provider": {"type": "python", "module": "gdcompat", "func": func, "arguments": arguments}})
}

fn gameday(sb: &Sandbox, exp: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gameday"));
    c.arg("run")
        .arg(exp)
        .args(["--headless", "--journal-path"])
        .arg(sb.path().join("journal-out.json"))
        .env("GAMEDAY_DATA_DIR", sb.path().join("data"))
        .env("PYTHONPATH", pymod())
        .current_dir(sb.path());
    c
}

#[test]
fn what_a_python_activity_prints_or_logs_is_shown_and_recorded() {
    let sb = Sandbox::new();
    let exp = sb.experiment(
        "experiment.json",
        &json!({"title": "t", "description": "d", "method": [py("talker", "chatty", json!({"word": "ahoy"}))]}),
    );
    let out = gameday(&sb, &exp).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("ahoy from print"), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stderr.contains("ahoy from the logger"), "{stderr}");
    let session = sb.wait_session_dir();
    let printed = events(&session)
        .into_iter()
        .find(|e| kind(e) == "activity_printed")
        .unwrap_or_else(|| panic!("nothing printed was recorded:\n{}", sandbox::dump_events(&session)));
    assert!(printed["stdout"].as_str().is_some_and(|s| s.contains("ahoy from print")), "{printed}");
    assert!(printed["stderr"].as_str().is_some_and(|s| s.contains("INFO] ahoy from the logger")), "{printed}");
}

#[test]
fn stop_ends_the_worker_with_its_activity_and_the_next_one_gets_a_new_worker() {
    let sb = Sandbox::new();
    let exp = sb.experiment(
        "experiment.json",
        &json!({
            "title": "t", "description": "d",
            "method": [py("counted", "count", json!({})), py("sleeper", "slow", json!({"seconds": 60}))],
            "rollbacks": [py("counted-again", "count", json!({}))],
        }),
    );
    let child = gameday(&sb, &exp).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("start");
    let session = sb.wait_session_dir();
    sandbox::wait_event(&session, "the sleeper", |e| {
        kind(e) == "activity_started" && e["activity"]["name"] == "sleeper"
    });
    gameday::session::requests::send(
        &session,
        &gameday::session::requests::Request::Stop { who: "tester".into(), reason: None },
    )
    .expect("STOP");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let evs = events(&session);
    assert!(
        evs.iter()
            .any(|e| kind(e) == "warning"
                && e["message"].as_str().is_some_and(|m| m.contains("Python worker was stopped"))),
        "{}",
        sandbox::dump_events(&session)
    );
    let j: Value =
        serde_json::from_slice(&std::fs::read(sb.path().join("journal-out.json")).expect("journal")).expect("json");
    // First worker: the method's count is 0. The rollback runs in a new one.
    assert_eq!(sandbox::entry(&j["run"], "counted")["output"], 0, "{j:#}");
    assert_eq!(sandbox::entry(&j["rollbacks"], "counted-again")["output"], 0, "{j:#}");
}

#[test]
fn the_worker_is_started_once_for_many_activities() {
    let sb = Sandbox::new();
    let method: Vec<Value> = (0..20).map(|i| py(&format!("c{i}"), "count", json!({}))).collect();
    let exp = sb.experiment("experiment.json", &json!({"title": "t", "description": "d", "method": method}));
    let out = gameday(&sb, &exp).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let j: Value =
        serde_json::from_slice(&std::fs::read(sb.path().join("journal-out.json")).expect("journal")).expect("json");
    let outputs: Vec<Value> = j["run"].as_array().expect("run").iter().map(|r| r["output"].clone()).collect();
    assert_eq!(outputs, (0..20).map(|i| json!(i)).collect::<Vec<_>>());
    let session = sb.wait_session_dir();
    let groups: std::collections::HashSet<u64> =
        events(&session).iter().filter(|e| kind(e) == "process_started").filter_map(|e| e["pgid"].as_u64()).collect();
    assert_eq!(groups.len(), 1, "one worker process group for every activity: {groups:?}");
}
