//! Continuous chaos: `run --headless --junit` read back by two JUnit readers
//! from PyPI (junitparser and junit2html, in the venv scripts/test makes),
//! and blackout windows: a headless run inside one does not start (exit 3,
//! no session, the window named), outside one it runs, and the console shows
//! the window at its readiness gate and starts only after an override whose
//! reason is recorded (tmux, the real binary).
mod e2e;

use e2e::sandbox::{BIN, Sandbox, dump_events, events, kind, wait_event_within};
use e2e::tmux::Tmux;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

fn tools_python() -> PathBuf {
    let dir = std::env::var_os("GAMEDAY_TOOLS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/gameday-tools-venv"));
    let py = dir.join("bin/python");
    assert!(py.is_file(), "the tools venv is missing at {} (scripts/test creates it)", dir.display());
    py
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn gameday(dir: &Path, config: Option<&str>, args: &[&str]) -> Output {
    let cfg = dir.join("config.yaml");
    std::fs::write(&cfg, config.unwrap_or("")).unwrap();
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("GAMEDAY_DATA_DIR", dir.join("data"))
        .env("GAMEDAY_CONFIG", &cfg)
        .output()
        .expect("gameday runs")
}

/// A run that deviates: the method breaks what the steady state checks, and
/// one action fails outright (nothing listens on its port on 127.0.0.1).
fn deviating(dir: &Path) -> PathBuf {
    let doc = json!({
        "title": "Nightly cache drill", "description": "d",
        "steady-state-hypothesis": {"title": "healthy", "probes": [
            {"type": "probe", "name": "cache-healthy", "tolerance": 0,
             "provider": {"type": "process", "path": "sh", "arguments": ["-c", "test ! -e broken"]}}]},
        "method": [
            {"type": "action", "name": "break-the-cache",
             "provider": {"type": "process", "path": "sh", "arguments": ["-c", "touch broken"]}},
            {"type": "action", "name": "call-a-missing-tool",
             "provider": {"type": "http", "url": "http://127.0.0.1:1/chaos-tool", "timeout": 2}}],
        "rollbacks": [
            {"type": "action", "name": "repair",
             "provider": {"type": "process", "path": "sh", "arguments": ["-c", "rm -f broken"]}}]
    });
    let p = dir.join("drill.json");
    std::fs::write(&p, doc.to_string()).unwrap();
    p
}

#[test]
fn junit_is_read_back_by_junitparser_and_junit2html() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = deviating(tmp.path());
    let o =
        gameday(tmp.path(), None, &["run", exp.to_str().unwrap(), "--headless", "--quiet", "--junit", "results.xml"]);
    assert_eq!(o.status.code(), Some(1), "a deviated run exits 1: {}", text(&o.stderr));
    let xml = tmp.path().join("results.xml");
    assert!(xml.is_file(), "the JUnit file is written even when the run deviates");
    let script = r#"
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
out = []
for suite in xml:
    cases = []
    for case in suite:
        results = [{"kind": type(r).__name__, "message": r.message, "type": r.type} for r in case.result]
        cases.append({"classname": case.classname, "name": case.name, "time": case.time, "results": results})
    props = {p.name: p.value for p in suite.properties()}
    out.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures,
                "errors": suite.errors, "properties": props, "cases": cases})
print(json.dumps(out))
"#;
    let read = Command::new(tools_python()).args(["-c", script]).arg(&xml).output().expect("python");
    assert!(read.status.success(), "junitparser: {}", text(&read.stderr));
    let suites: Value = serde_json::from_slice(&read.stdout).unwrap();
    let suite = &suites[0];
    assert_eq!(suite["name"], "Nightly cache drill");
    assert_eq!(suite["properties"]["verdict"], "deviated");
    assert_eq!(suite["properties"]["deviated"], "true");
    let cases: Vec<(String, String, Vec<String>)> = suite["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let kinds =
                c["results"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap().to_string()).collect();
            (c["classname"].as_str().unwrap().to_string(), c["name"].as_str().unwrap().to_string(), kinds)
        })
        .collect();
    let expected: Vec<(&str, &str, Vec<&str>)> = vec![
        ("steady-state-before", "cache-healthy", vec![]),
        ("method", "break-the-cache", vec![]),
        ("method", "call-a-missing-tool", vec!["Failure"]),
        ("steady-state-after", "cache-healthy", vec!["Failure"]),
        ("rollbacks", "repair", vec![]),
        ("verdict", "verdict: deviated", vec!["Failure"]),
    ];
    let got: Vec<(&str, &str, Vec<&str>)> =
        cases.iter().map(|(c, n, k)| (c.as_str(), n.as_str(), k.iter().map(String::as_str).collect())).collect();
    assert_eq!(got, expected, "{suite}");
    assert_eq!(suite["tests"], 6);
    assert_eq!(suite["failures"], 3);
    let by_name =
        |class: &str| suite["cases"].as_array().unwrap().iter().find(|c| c["classname"] == class).unwrap().clone();
    let after = by_name("steady-state-after");
    assert!(after["results"][0]["message"].as_str().unwrap().contains("outside its tolerance"), "{after}");
    let missing = &suite["cases"][2]["results"][0];
    assert!(missing["message"].as_str().unwrap().contains("chaos-tool"), "the failure says why: {missing}");
    assert!(by_name("verdict")["results"][0]["message"].as_str().unwrap().to_lowercase().contains("deviat"));

    // A second reader: junit2html turns it into a page listing every case.
    let html = tmp.path().join("results.html");
    let j2h = tools_python().with_file_name("junit2html");
    let o = Command::new(&j2h).arg(&xml).arg(&html).output().expect("junit2html");
    assert!(o.status.success(), "junit2html: {}{}", text(&o.stdout), text(&o.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    for name in ["Nightly cache drill", "call-a-missing-tool", "break-the-cache", "verdict: deviated"] {
        assert!(page.contains(name), "junit2html's page lacks {name}");
    }

    // The same XML from the session afterwards, by `report --format junit`.
    let sessions = tmp.path().join("data/sessions");
    let session = std::fs::read_dir(&sessions).unwrap().flatten().next().unwrap().path();
    let o = gameday(tmp.path(), None, &["report", session.to_str().unwrap(), "--format", "junit"]);
    assert!(o.status.success());
    assert_eq!(text(&o.stdout), std::fs::read_to_string(&xml).unwrap());
}

const IN_FORCE: &str = "\
blackout:
  - name: Year-end freeze
    reason: no changes until the new year
    from: 2000-01-01 00:00
    to: 2999-12-31
    timezone: Europe/Berlin
";

const OVER: &str = "\
blackout:
  - name: Last year's freeze
    from: 2001-12-20
    to: 2002-01-02
    timezone: America/New_York
  - name: Night batch
    days: [mon, tue, wed, thu, fri, sat, sun]
    from: \"00:00\"
    to: \"00:01\"
    timezone: Pacific/Kiritimati
";

fn experiment(dir: &Path) -> PathBuf {
    let doc = json!({"title": "Blackout drill", "description": "d",
        "method": [{"type": "action", "name": "say-hi",
                    "provider": {"type": "process", "path": "echo", "arguments": "hi"}}]});
    let p = dir.join("exp.json");
    std::fs::write(&p, doc.to_string()).unwrap();
    p
}

fn sessions_in(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("data/sessions")).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn a_headless_run_inside_a_blackout_window_does_not_start() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path());
    let exp_s = exp.to_str().unwrap();
    // From the config file.
    let o = gameday(tmp.path(), Some(IN_FORCE), &["run", exp_s, "--headless"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("blackout window 'Year-end freeze': no changes until the new year"), "{err}");
    assert!(err.contains("config.yaml") && err.contains("Europe/Berlin") && err.contains("does not start"), "{err}");
    assert_eq!(sessions_in(tmp.path()), 0, "nothing started, so no session");
    assert!(!tmp.path().join("journal.json").exists());
    // The chaos drop-in honours it too.
    let o = gameday(tmp.path(), Some(IN_FORCE), &["chaos", "run", exp_s]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));

    // From the playbook.
    let playbook = tmp.path().join("pb.yaml");
    let pb = format!(
        "gameday: 1\ntitle: Playbook drill\ndescription: d\n{IN_FORCE}method:\n  - type: action\n    name: say-hi\n    provider: {{type: process, path: echo, arguments: hi}}\n"
    );
    std::fs::write(&playbook, pb.replace("Year-end freeze", "Playbook freeze")).unwrap();
    let o = gameday(tmp.path(), None, &["run", playbook.to_str().unwrap(), "--headless"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("'Playbook freeze'") && err.contains("the playbook"), "{err}");
    assert_eq!(sessions_in(tmp.path()), 0);
    // `gameday validate` accepts the playbook's blackout list, and names a bad one's place.
    let o = gameday(tmp.path(), None, &["validate", playbook.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    std::fs::write(&playbook, pb.replace("Europe/Berlin", "Berlin")).unwrap();
    let o = gameday(tmp.path(), None, &["validate", "--json", playbook.to_str().unwrap()]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["errors"][0]["line"], 9, "{v}");
    assert!(v[0]["errors"][0]["message"].as_str().unwrap().contains("unknown time zone 'Berlin'"), "{v}");
    // A broken config file stops the run: nobody can tell whether it may run.
    let o = gameday(
        tmp.path(),
        Some("blackout:\n  - name: x\n    days: [mon]\n    from: 10:00\n    to: \"11:00\"\n    timezone: UTC\n"),
        &["run", exp_s, "--headless"],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("config.yaml:4:11") && err.contains("in quotes"), "{err}");
}

#[test]
fn a_headless_run_outside_every_window_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path());
    // The weekly window is one minute at midnight in Kiritimati (UTC+14):
    // skip that minute rather than fail by the clock.
    let now = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(14 * 3600).unwrap());
    if now.format("%H:%M").to_string() == "00:00" {
        std::thread::sleep(Duration::from_secs(61));
    }
    let o = gameday(tmp.path(), Some(OVER), &["run", exp.to_str().unwrap(), "--headless"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(sessions_in(tmp.path()), 1);
}

#[test]
fn the_console_shows_the_window_at_the_gate_and_records_the_override() {
    let sb = Sandbox::new();
    let config = sb.path().join("config.yaml");
    let mut cfg = std::fs::read_to_string(&config).unwrap();
    cfg.push_str(IN_FORCE);
    std::fs::write(&config, cfg).unwrap();
    let exp = experiment(sb.path());
    let journal = sb.journal_out().display().to_string();
    let script = sb.script("run.sh", &["run", exp.to_str().unwrap(), "--journal-path", &journal], &[], "");
    let t = Tmux::start("blackout", &script);
    let screen = t.wait_for_within(&["BLACKOUT WINDOW IN FORCE", "READINESS CHECK"], Duration::from_secs(20));
    assert!(screen.contains("Year-end freeze"), "the window is named:\n{screen}");
    assert!(screen.contains("needs an override with a reason"), "{screen}");
    let session = sb.wait_session_dir();
    // Enter does not start: it asks why.
    t.keys(&["Enter"]);
    t.wait_for(&["Why start anyway?"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!events(&session).iter().any(|e| kind(e) == "activity_started"), "{}", dump_events(&session));
    t.type_text("agreed with the release manager");
    t.keys(&["Enter"]);
    // The one step waits for its own decision; confirm it and let the run end.
    t.wait_decision("action", "say-hi");
    t.keys(&["Enter"]);
    wait_event_within(&session, "run_finished", Duration::from_secs(15), |e| kind(e) == "run_finished");
    t.keys(&["q"]);
    t.wait_exit();
    let evs = events(&session);
    let checked = evs.iter().find(|e| kind(e) == "readiness_checked").expect("readiness_checked");
    assert_eq!(checked["items"][0]["id"], "blackout", "{checked}");
    let gate: Vec<&Value> = evs.iter().filter(|e| kind(e) == "decision" && e["phase"] == "readiness").collect();
    assert_eq!(gate.len(), 1, "{}", dump_events(&session));
    assert_eq!(gate[0]["decision"], "override");
    let reason = gate[0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(
            "agreed with the release manager (not ready: Outside blackout windows: blackout window 'Year-end freeze'"
        ),
        "{reason}"
    );
}
