//! Reports of real runs: sessions written by `gameday run --headless` and
//! journals written by the real `chaos run` (the Chaos Toolkit venv from
//! `GAMEDAY_CTK_VENV`; the test fails loudly when it is missing), each alone
//! and aggregated. The experiment uses canary secrets (inline and env) in an
//! HTTP header, a URL and process arguments: no report format may contain a
//! canary value.
mod common;

use common::server::TestServer;
use common::tools::{RunSpec, Tool, run_tool};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const INLINE_CANARY: &str = "CANARY-inline-5d1f0a9e";
const ENV_CANARY: &str = "CANARY-env-b7c3e28d";
const ENV_KEY: &str = "GAMEDAY_REPORT_CANARY";

/// With `deviate`, the method breaks `/health` (and the rollback repairs it),
/// so the steady state after the method deviates.
fn experiment(base: &str, title: &str, deviate: bool) -> Value {
    let secrets = json!(["canary"]);
    let mut e = json!({
        "title": title,
        "description": "A report test with canary secrets",
        "hypothesis": "The echo service answers",
        "secrets": {"canary": {"token": INLINE_CANARY, "envtoken": {"type": "env", "key": ENV_KEY}}},
        "steady-state-hypothesis": {
            "title": "health is 200",
            "probes": [{"type": "probe", "name": "health", "tolerance": 200,
                "provider": {"type": "http", "url": format!("{base}/health"), "timeout": 5}}]
        },
        "method": [
            {"type": "probe", "name": "echo-with-secrets",
             "provider": {"type": "http", "url": format!("{base}/echo?key=${{envtoken}}"), "secrets": secrets,
                          "headers": {"Authorization": "Bearer ${token}", "X-Env": "${envtoken}"}, "timeout": 5}},
            {"type": "action", "name": "echo-secrets-in-args",
             "provider": {"type": "process", "path": "echo", "secrets": secrets,
                          "arguments": ["--token", "${token}", "--env", "${envtoken}"]}}
        ],
        "rollbacks": [
            {"type": "action", "name": "echo-in-a-string",
             "provider": {"type": "process", "path": "echo", "secrets": secrets, "arguments": "${token} ${envtoken}"}}
        ]
    });
    if deviate {
        let post = |name: &str, path: &str| {
            json!({"type": "action", "name": name,
                   "provider": {"type": "http", "method": "POST", "url": format!("{base}{path}"), "timeout": 5}})
        };
        e["method"].as_array_mut().unwrap().push(post("break-health", "/break"));
        e["rollbacks"].as_array_mut().unwrap().push(post("repair-health", "/repair"));
    }
    e
}

/// Run `tool` on `exp` in `dir`; returns the session dir (gameday) or the journal (chaos).
fn run(tool: Tool, exp: &Value, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("experiment.json");
    std::fs::write(&file, serde_json::to_string_pretty(exp).unwrap()).unwrap();
    let sessions = dir.join("sessions");
    let args: Vec<String> = match tool {
        Tool::Gameday => vec!["--session-dir".into(), sessions.display().to_string()],
        Tool::Chaos => vec![],
    };
    let env = [(ENV_KEY.to_string(), ENV_CANARY.to_string())];
    let out = run_tool(
        tool,
        &RunSpec {
            experiment: &file,
            args: &args,
            env: &env,
            cwd: dir,
            signal: None,
            signal_gate: None,
            timeout: Duration::from_secs(60),
        },
    );
    assert!(out.journal.is_some(), "{} wrote no journal: {}", tool.label(), out.stderr_tail(20));
    // The canaries really were used: the run's own journal output echoes them.
    let raw = std::fs::read_to_string(dir.join("journal.json")).unwrap();
    match tool {
        Tool::Chaos => assert!(raw.contains(ENV_CANARY), "chaos did not use the env secret; the test proves nothing"),
        Tool::Gameday => {}
    }
    match tool {
        Tool::Chaos => dir.join("journal.json"),
        Tool::Gameday => {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&sessions).unwrap().map(|e| e.unwrap().path()).collect();
            assert_eq!(found.len(), 1, "expected one session in {}", sessions.display());
            found.pop().unwrap()
        }
    }
}

fn report(inputs: &[&Path], args: &[&str], with_env: bool) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gameday"));
    c.arg("report").args(inputs).args(args);
    if with_env {
        c.env(ENV_KEY, ENV_CANARY);
    } else {
        c.env_remove(ENV_KEY);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "gameday report {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn assert_clean(what: &str, text: &str) {
    for canary in [INLINE_CANARY, ENV_CANARY] {
        assert!(!text.contains(canary), "{what} leaks the canary {canary}");
    }
}

const FORMATS: [&str; 3] = ["md", "html", "json"];

#[test]
fn canary_secrets_never_reach_a_report() {
    let server = TestServer::start().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(&server.base_url(), "Canary run", false);
    let session = run(Tool::Gameday, &exp, &tmp.path().join("gameday"));
    // The session's own files are the recorder's business; the reports are ours.
    for f in FORMATS {
        let text = report(&[&session], &["--format", f], false);
        assert_clean(&format!("the {f} report of a gameday session"), &text);
        assert!(text.contains("echo-secrets-in-args"), "the {f} report lacks the method");
        let text = report(&[&session], &["--format", f, "--participant"], false);
        assert_clean(&format!("the participant {f} report"), &text);
    }
    // A journal written by the real chaos holds the inline secret in its copy of
    // the experiment and both secrets in its outputs.
    let journal = run(Tool::Chaos, &exp, &tmp.path().join("chaos"));
    let raw = std::fs::read_to_string(&journal).unwrap();
    assert!(raw.contains(INLINE_CANARY), "chaos journal without the inline secret: the test proves nothing");
    for f in FORMATS {
        let text = report(&[&journal], &["--format", f], true);
        assert_clean(&format!("the {f} report of a chaos journal"), &text);
        let text = report(&[&journal, &session], &["--format", f], true);
        assert_clean(&format!("the {f} aggregate"), &text);
    }
}

#[test]
fn aggregate_of_chaos_journals_and_gameday_sessions() {
    let server = TestServer::start().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let met = experiment(&server.base_url(), "Echo holds", false);
    let deviated = experiment(&server.base_url(), "Echo holds", true);
    let j1 = run(Tool::Chaos, &met, &tmp.path().join("c1"));
    let j2 = run(Tool::Chaos, &deviated, &tmp.path().join("c2"));
    let s1 = run(Tool::Gameday, &met, &tmp.path().join("g1"));
    let fixed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/report/session-fixed");

    let inputs: Vec<&Path> = vec![&j1, &j2, &s1, &fixed];
    let json: Value = serde_json::from_str(&report(&inputs, &["--format", "json"], true)).unwrap();
    assert_eq!(json["schema"], "gameday-report/1");
    assert_eq!(json["kind"], "aggregate");
    let runs = json["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    // Oldest first: the fixed session (2026-03-14) is older than today's runs
    // only if today is later; sort order is by start time either way.
    let starts: Vec<&str> = json["reports"].as_array().unwrap().iter().map(|r| r["start"].as_str().unwrap()).collect();
    assert_eq!(starts.len(), 4);
    let by_title = |t: &str| runs.iter().filter(|r| r["title"] == t).collect::<Vec<_>>();
    let echo = by_title("Echo holds");
    assert_eq!(echo.len(), 3);
    // Same hypothesis statement → one trend line with three runs, one deviated.
    let trends = json["trends"].as_array().unwrap();
    let t = trends.iter().find(|t| t["hypothesis"] == "The echo service answers").unwrap();
    assert_eq!(t["runs"], 3);
    assert_eq!(t["deviated"], 1);
    assert_eq!(t["met"], 2);
    // The fixed session brings its action item, decisions and weaknesses.
    let orders = &by_title("Orders API under latency")[0];
    assert_eq!(orders["weaknesses"], 1);
    assert_eq!(orders["decisions"], 6);
    assert_eq!(orders["time_to_recover"], 317.9);
    assert_eq!(json["actions"][0]["owner"], "Kim");
    // Every report still carries its Chaos Toolkit journal.
    assert!(json["reports"].as_array().unwrap().iter().all(|r| r["experiment"].is_object()));

    let md = report(&inputs, &[], true);
    assert!(md.contains("# Game Day reports: 4 runs"));
    assert!(md.contains("| Add a latency alert on /api/orders p99 | Kim | 2026-04-01 |"));
    assert!(md.contains("met → deviated") || md.contains("deviated → met") || md.contains("met → met → deviated"));
    let html = report(&inputs, &["--format", "html"], true);
    assert!(html.contains("<h2>Trends per hypothesis</h2>"));
}
