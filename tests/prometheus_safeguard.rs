//! A safeguard backed by a real Prometheus (Debian's package, scraping the
//! demo service) trips when the demo's error-rate fault is injected: the run
//! STOPs on its own, within one check period plus 200 ms of the check that
//! saw the violation; the halt actions run; the rollbacks are played; all of
//! it is recorded.
mod prom;

use chrono::{DateTime, Utc};
use gameday::demo::DemoOptions;
use prom::Prometheus;
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::Duration;

const ERROR_RATIO: &str = "(sum(rate(demo_http_requests_total{path=\"/api/orders\",status=\"500\"}[5s])) or vector(0)) \
                           / sum(rate(demo_http_requests_total{path=\"/api/orders\"}[5s]))";

fn at(ev: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(ev["at"].as_str().unwrap()).unwrap().with_timezone(&Utc)
}

#[test]
fn a_prometheus_safeguard_stops_the_run() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let demo = rt.block_on(gameday::demo::start_with(DemoOptions { port: None, traffic_per_s: 20 })).unwrap();
    let base = format!("http://{}", demo.addr);
    let prom = Prometheus::start(&demo.addr.to_string());
    prom.wait_until("a measurable error ratio (0 while healthy)", Duration::from_secs(30), |p| {
        p.value(ERROR_RATIO).is_some_and(|v| v == 0.0)
    });
    let dir = tempfile::tempdir().unwrap();
    let experiment = json!({
        "title": "Errors trip the safeguard", "description": "d",
        "configuration": {"base_url": base, "prom": prom.url},
        "safeguards": [{
            "type": "probe", "name": "error-ratio-under-5-percent", "every": "1s",
            "tolerance": {"type": "range", "range": [0, 0.05]},
            "provider": {"type": "prometheus", "url": "${prom}", "query": ERROR_RATIO, "timeout": 5}
        }],
        "on_stop": [
            {"type": "action", "name": "halt-clear-faults",
             "provider": {"type": "http", "method": "DELETE", "url": "${base_url}/admin/faults", "timeout": 5}},
            {"type": "action", "name": "halt-announce",
             "provider": {"type": "process", "path": "echo", "arguments": ["halted"]}}
        ],
        "method": [
            {"type": "action", "name": "inject-errors",
             "provider": {"type": "http", "method": "POST", "url": "${base_url}/admin/faults/errors",
                          "arguments": {"rate": 0.5, "duration": 120}, "timeout": 5}},
            {"type": "action", "name": "wait-for-trouble",
             "provider": {"type": "process", "path": "sleep", "arguments": ["60"]}}
        ],
        "rollbacks": [
            {"type": "action", "name": "clear-faults",
             "provider": {"type": "http", "method": "DELETE", "url": "${base_url}/admin/faults", "timeout": 5}}
        ]
    });
    let exp = dir.path().join("exp.json");
    std::fs::write(&exp, serde_json::to_vec_pretty(&experiment).unwrap()).unwrap();
    let journal_path = dir.path().join("journal.json");
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["run", "--headless", "--rollback-strategy", "always", "--journal-path"])
        .arg(&journal_path)
        .arg(&exp)
        .env("GAMEDAY_DATA_DIR", dir.path().join("data"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "an interrupted run exits 1:\n{stderr}");

    let journal: Value = serde_json::from_slice(&std::fs::read(&journal_path).unwrap()).unwrap();
    assert_eq!(journal["status"], "interrupted", "{stderr}");
    let waited =
        journal["run"].as_array().unwrap().iter().find(|e| e["activity"]["name"] == "wait-for-trouble").unwrap();
    assert!(waited.get("status").is_none(), "the running step was cut short: {waited}");
    assert!(waited["duration"].as_f64().unwrap() < 40.0, "the STOP came long before the step's end");
    assert_eq!(journal["rollbacks"][0]["status"], "succeeded");

    let session = std::fs::read_dir(dir.path().join("data/sessions")).unwrap().flatten().next().unwrap().path();
    let events: Vec<Value> = std::fs::read_to_string(session.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let checks: Vec<&Value> = events.iter().filter(|e| e["kind"] == "safeguard_check").collect();
    let miss = checks.iter().position(|c| c["met"] == false).expect("a check saw the violation");
    assert!(miss > 0, "the safeguard was green before the fault");
    let stop = events.iter().find(|e| e["kind"] == "stop").expect("a stop event");
    assert_eq!(stop["source"], "safeguard");
    assert!(stop["reason"].as_str().unwrap().contains("error-ratio-under-5-percent"));
    // From the check that saw the violation to the STOP: well under 200 ms;
    // and checks come every period (1 s) plus the query time, so the
    // violation is seen within one period plus 200 ms of becoming visible.
    let to_stop = (at(stop) - at(checks[miss])).num_milliseconds();
    assert!(to_stop <= 200, "STOP came {to_stop} ms after the failing check");
    for w in checks[..=miss].windows(2) {
        let gap = (at(w[1]) - at(w[0])).num_milliseconds();
        assert!(gap <= 1200, "checks {gap} ms apart (period 1 s)");
    }
    eprintln!("failing check → STOP: {to_stop} ms");
    for name in ["halt-clear-faults", "halt-announce"] {
        let started = events.iter().find(|e| e["kind"] == "activity_started" && e["activity"]["name"] == name);
        let started = started.unwrap_or_else(|| panic!("halt action {name} did not run"));
        assert_eq!(started["phase"], "stopping");
        let run = &started["run"];
        let done = events.iter().find(|e| e["kind"] == "activity_finished" && &e["run"] == run).unwrap();
        assert_eq!(done["status"], "succeeded", "{done}");
    }
    // Halt actions come before the rollbacks.
    let pos = |pred: &dyn Fn(&Value) -> bool| events.iter().position(pred).unwrap();
    assert!(
        pos(&|e| e["kind"] == "activity_started" && e["phase"] == "stopping")
            < pos(&|e| e["kind"] == "activity_started" && e["phase"] == "rollbacks")
    );
    drop(prom);
    rt.block_on(demo.shutdown()).ok();
}
