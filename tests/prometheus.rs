//! The `prometheus` provider against a real Prometheus (Debian's package)
//! scraping the real demo service, driven through the real binary
//! (`gameday run --headless`): outputs, tolerances, a deviation caused by an
//! injected fault, and the failure messages. STOP and timeouts are checked
//! on the provider directly. Every wait is bounded.
mod prom;

use gameday::engine::substitute::Scope;
use gameday::providers::{self, Context, ProviderError, Silent};
use prom::Lab;
use serde_json::{Map, Value, json};
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const REQUEST_RATE: &str = "sum(rate(demo_http_requests_total[10s]))";
/// The share of orders answered 500; `or vector(0)` makes it 0, not "no
/// samples", before any error has been counted.
const ERROR_RATIO: &str = "(sum(rate(demo_http_requests_total{status=\"500\"}[10s])) or vector(0)) \
                           / sum(rate(demo_http_requests_total{path=\"/api/orders\"}[10s]))";
/// Longest a gameday run may take here.
const RUN_LIMIT: Duration = Duration::from_secs(90);

fn lab() -> Lab {
    let lab = Lab::start();
    lab.prom.wait_until("a request rate above 0", Duration::from_secs(30), |p| {
        p.value(REQUEST_RATE).is_some_and(|v| v > 0.0)
    });
    lab
}

fn probe(name: &str, url: &str, query: &str, tolerance: Option<Value>) -> Value {
    let mut p = json!({
        "type": "probe",
        "name": name,
        "provider": {"type": "prometheus", "url": url, "query": query, "timeout": 20}
    });
    if let Some(t) = tolerance {
        p["tolerance"] = t;
    }
    p
}

/// Run an experiment with `gameday run --headless`; (exit code, journal, stderr).
fn run(dir: &Path, name: &str, experiment: &Value) -> (i32, Value, String) {
    let exp = dir.join(format!("{name}.json"));
    std::fs::write(&exp, serde_json::to_vec_pretty(experiment).unwrap()).unwrap();
    let journal = dir.join(format!("{name}.journal.json"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["run", "--headless", "--journal-path"])
        .arg(&journal)
        .arg(&exp)
        .env("GAMEDAY_DATA_DIR", dir.join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr_pipe.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gameday run of {name} took more than {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = reader.join().unwrap();
    let text =
        std::fs::read_to_string(&journal).unwrap_or_else(|e| panic!("no journal for {name} ({e}); stderr:\n{stderr}"));
    (status.code().unwrap_or(-1), serde_json::from_str(&text).unwrap(), stderr)
}

fn exception_text(entry: &Value) -> String {
    entry["exception"].as_array().map(|l| l.iter().filter_map(Value::as_str).collect::<String>()).unwrap_or_default()
}

#[test]
fn probes_against_a_real_prometheus() {
    let lab = lab();
    let url = lab.prom.url.clone();

    // Passing: numbers that tolerances judge, a list, a string; `${}` in the URL.
    let passing = json!({
        "title": "traffic flows",
        "description": "prometheus probes that pass",
        "configuration": {"prometheus_url": url},
        "steady-state-hypothesis": {
            "title": "the demo is up and busy",
            "probes": [
                probe("request-rate", "${prometheus_url}", REQUEST_RATE,
                      Some(json!({"type": "range", "range": [0.1, 100000]}))),
                probe("target-up", "${prometheus_url}", "up{job=\"demo\"}", Some(json!(1))),
            ]
        },
        "method": [
            probe("all-series", "${prometheus_url}", "demo_http_requests_total", None),
            probe("a-string", "${prometheus_url}", "\"hello\"", None),
        ]
    });
    let (code, j, stderr) = run(lab.dir.path(), "passing", &passing);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert_eq!(j["status"], "completed", "{j:#}");
    assert_eq!(j["deviated"], false);
    let before = &j["steady_states"]["before"];
    assert_eq!(before["steady_state_met"], true, "{before:#}");
    let rate = &before["probes"][0];
    assert!(rate["output"].as_f64().is_some_and(|v| v > 0.0), "{rate:#}");
    assert_eq!(rate["tolerance_met"], true);
    let up = &before["probes"][1];
    assert_eq!(up["output"], json!(1), "up is a whole number: {up:#}");
    assert!(up["output"].is_i64());
    let series = j["run"][0]["output"].as_array().unwrap_or_else(|| panic!("{:#}", j["run"][0]));
    assert!(!series.is_empty());
    for s in series {
        assert!(s["metric"]["__name__"] == "demo_http_requests_total" && s["value"].is_number(), "{s}");
    }
    assert!(series.iter().any(|s| s["metric"]["path"] == "/api/orders" && s["metric"]["status"] == "200"));
    assert_eq!(j["run"][1]["output"], "hello");

    // Failures, each with its message; the method goes on after each.
    let dead = format!("http://127.0.0.1:{}", prom::free_port());
    let failing = json!({
        "title": "bad probes",
        "description": "prometheus probes that fail",
        "method": [
            probe("bad-promql", &url, "sum(", None),
            probe("no-samples", &url, "no_such_metric_anywhere", None),
            probe("not-a-number", &url, "0/0", None),
            probe("unreachable", &dead, "up", None),
            probe("not-prometheus", &lab.demo.base_url(), "up", None),
        ]
    });
    let (_, j, stderr) = run(lab.dir.path(), "failing", &failing);
    let runs = j["run"].as_array().unwrap_or_else(|| panic!("{j:#}\n{stderr}"));
    assert_eq!(runs.len(), 5, "{j:#}");
    let expect = [
        "Prometheus rejected the query (bad_data): invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis",
        "the query returned no samples",
        "the query returned NaN (not a number)",
        &format!("cannot reach Prometheus at {dead}: "),
        &format!("Prometheus at {} answered HTTP 404", lab.demo.base_url()),
    ];
    for (entry, msg) in runs.iter().zip(expect) {
        assert_eq!(entry["status"], "failed", "{entry:#}");
        let exc = exception_text(entry);
        assert!(exc.contains(msg), "expected {msg:?} in the exception of {}:\n{exc}", entry["activity"]["name"]);
    }

    // A deviation: the error ratio is fine, the errors fault is injected
    // through the demo's admin API, and the ratio is then out of range.
    lab.prom.wait_until("an error ratio of 0 before the fault", Duration::from_secs(20), |p| {
        p.value(ERROR_RATIO) == Some(0.0)
    });
    let tolerance = json!({"type": "range", "range": [0, 0.01]});
    let deviating = json!({
        "title": "errors show in Prometheus",
        "description": "the error ratio leaves its range after the errors fault",
        "steady-state-hypothesis": {
            "title": "almost no errors",
            "probes": [probe("error-ratio", &url, ERROR_RATIO, Some(tolerance))]
        },
        "method": [{
            "type": "action",
            "name": "inject-errors",
            "provider": {
                "type": "http",
                "method": "POST",
                "url": format!("{}/admin/faults/errors?rate=0.5&duration=30", lab.demo.base_url()),
                "timeout": 5
            },
            "pauses": {"after": 6}
        }]
    });
    let (_, j, stderr) = run(lab.dir.path(), "deviating", &deviating);
    assert_eq!(j["steady_states"]["before"]["steady_state_met"], true, "{j:#}\n{stderr}");
    assert_eq!(j["run"][0]["status"], "succeeded", "{:#}", j["run"][0]);
    let after = &j["steady_states"]["after"];
    assert_eq!(after["steady_state_met"], false, "{after:#}");
    let ratio = &after["probes"][0];
    assert!(ratio["output"].as_f64().is_some_and(|v| v > 0.05), "{ratio:#}");
    assert_eq!(ratio["tolerance_met"], false);
    assert_eq!(j["deviated"], true);
    drop(lab);
}

/// A TCP server that accepts and never answers.
fn silent_server() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    (l, url)
}

async fn call(provider: Value, cancel: CancellationToken) -> Result<Value, ProviderError> {
    let empty = Map::new();
    let ctx = Context { scope: Scope::new(&empty, &empty), cancel, live: &Silent, python: "python3" };
    providers::run(&json!({"type": "probe", "name": "p", "provider": provider}), &ctx).await
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let (_listener, url) = silent_server();
    let start = Instant::now();
    let r = call(json!({"type": "prometheus", "url": url, "query": "up", "timeout": 0.5}), CancellationToken::new());
    let r = tokio::time::timeout(Duration::from_secs(10), r).await.expect("the timeout did not fire");
    assert_eq!(r, Err(ProviderError::Failed("activity took too long to complete".into())));
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
}

#[tokio::test]
async fn stop_cancels_a_running_query() {
    let (_listener, url) = silent_server();
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        trigger.cancel();
    });
    let start = Instant::now();
    let r = call(json!({"type": "prometheus", "url": url, "query": "up"}), cancel);
    let r = tokio::time::timeout(Duration::from_secs(10), r).await.expect("STOP did not cancel the query");
    assert_eq!(r, Err(ProviderError::Interrupted));
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
}

#[tokio::test]
async fn a_bad_timeout_or_url_fails_clearly() {
    let r = call(json!({"type": "prometheus", "url": "http://127.0.0.1:9", "query": "up", "timeout": "soon"}), {
        CancellationToken::new()
    })
    .await;
    assert_eq!(r, Err(ProviderError::Failed("the timeout must be a positive number of seconds, not 'soon'".into())));
    let r = call(json!({"type": "prometheus", "url": "not a url", "query": "up"}), CancellationToken::new()).await;
    match r {
        Err(ProviderError::Failed(m)) => assert!(m.starts_with("'not a url' is not a valid Prometheus URL"), "{m}"),
        other => panic!("{other:?}"),
    }
}
