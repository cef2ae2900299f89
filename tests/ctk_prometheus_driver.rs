//! chaostoolkit-prometheus, the real driver (pinned in `scripts/test`'s
//! venv), under the real `chaos run` and `gameday run --headless`, side by
//! side:
//!
//! * its query probe (`chaosprometheus.probes.query`) in a steady-state
//!   hypothesis with jsonpath tolerances, against the real Prometheus
//!   (Debian's) scraping the real demo service: a hypothesis that holds, one
//!   that a fault injected through the demo's admin API breaks after the
//!   method, and a Prometheus that cannot be reached;
//! * its metrics control (`chaosprometheus.metrics`): `configure_control`
//!   builds the metrics, `before_experiment_control` pushes "in progress" to
//!   a Pushgateway, `after_experiment_control` reads the journal (status,
//!   deviated, duration) and pushes the outcome. A real Pushgateway (Debian's
//!   `prometheus-pushgateway`) on loopback receives both tools' pushes; what
//!   it holds mid-run and afterwards is compared.
//!
//! Every expectation is checked on chaos first, then gameday must agree.
//! Nothing is skipped: a missing tool fails with what installs it.
mod common;
mod prom;

use common::journal_summary::{self, DuringMode, Placeholders};
use common::server::closed_port;
use common::tools::{self, RunOutcome, RunSpec, Tool};
use prom::Lab;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Longest one tool run may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(90);
/// The share of orders answered 500 (0 before any error), as in tests/prometheus.rs.
const ERROR_RATIO: &str = "(sum(rate(demo_http_requests_total{status=\"500\"}[10s])) or vector(0)) \
                           / sum(rate(demo_http_requests_total{path=\"/api/orders\"}[10s]))";

/// The reference venv, with the driver importable in it.
fn venv() -> PathBuf {
    let chaos = tools::chaos_bin();
    let venv = chaos.parent().and_then(Path::parent).unwrap().to_path_buf();
    let out = Command::new(venv.join("bin/python"))
        .args(["-c", "import chaosprometheus.probes, chaosprometheus.metrics, chaosprometheus; print(chaosprometheus.__version__)"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}/bin/python: {e}", venv.display()));
    assert!(
        out.status.success(),
        "chaostoolkit-prometheus is not importable in {} (./scripts/test installs it with the venv's pins):\n{}",
        venv.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    venv
}

/// Run `experiment` with `tool` in a fresh directory under `dir`.
fn run(tool: Tool, dir: &Path, case: &str, experiment: &Value) -> RunOutcome {
    let cwd = dir.join(format!("{case}-{}", tool.label()));
    std::fs::create_dir_all(&cwd).unwrap();
    let file = cwd.join("experiment.json");
    std::fs::write(&file, serde_json::to_vec_pretty(experiment).unwrap()).unwrap();
    let python = venv().join("bin/python").display().to_string();
    let env = vec![("GAMEDAY_PYTHON".to_string(), python)];
    let out = tools::run_tool(
        tool,
        &RunSpec {
            experiment: &file,
            args: &[],
            env: &env,
            cwd: &cwd,
            signal: None,
            signal_gate: None,
            timeout: RUN_TIMEOUT,
        },
    );
    assert!(!out.timed_out, "{} timed out on {case}: {}\n{}", tool.label(), out.command_line, out.stderr_tail(40));
    assert!(
        out.journal.is_some(),
        "{} wrote no journal for {case} ({:?}): {}\nstdout:\n{}\nstderr:\n{}",
        tool.label(),
        out.journal_error,
        out.command_line,
        out.stdout,
        out.stderr_tail(40)
    );
    // The driver never raised anything the tool did not catch.
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains("KeyError"), "{} on {case} printed a KeyError:\n{text}", tool.label());
    }
    out
}

/// Strings become "<string>", numbers "<number>": the same structure with
/// the values (timestamps, rates, trace ids) left out.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(shape).collect()),
        Value::String(_) => json!("<string>"),
        Value::Number(_) => json!("<number>"),
        other => other.clone(),
    }
}

/// The journal with every python and http output reduced to its shape and
/// object addresses (`at 0x7f…`) in exception texts blanked.
fn normalized(journal: &Value) -> Value {
    let address = regex::Regex::new(r" at 0x[0-9a-f]+").unwrap();
    let mut j = journal.clone();
    let fix = |entry: &mut Value| {
        if let Some(output) = entry.get("output").cloned() {
            entry["output"] = shape(&output);
        }
        if let Some(lines) = entry.get_mut("exception").and_then(Value::as_array_mut) {
            for line in lines {
                if let Some(s) = line.as_str() {
                    *line = json!(address.replace_all(s, " at 0x…"));
                }
            }
        }
    };
    for state in ["before", "after"] {
        if let Some(probes) = j["steady_states"][state]["probes"].as_array_mut() {
            probes.iter_mut().for_each(fix);
        }
    }
    for phase in ["run", "rollbacks"] {
        if let Some(entries) = j[phase].as_array_mut() {
            entries.iter_mut().for_each(fix);
        }
    }
    j
}

/// Exit code, status, deviated, every entry's status, tolerance and output
/// shape, and the last exception line: chaos's and gameday's must match.
fn assert_agree(case: &str, chaos: &RunOutcome, gameday: &RunOutcome) {
    assert_agree_but(case, chaos, gameday, |_| {});
}

/// [`assert_agree`] on the journals as `prune` leaves them.
fn assert_agree_but(case: &str, chaos: &RunOutcome, gameday: &RunOutcome, prune: impl Fn(&mut Value)) {
    let pruned = |out: &RunOutcome| {
        out.journal.clone().map(|mut j| {
            prune(&mut j);
            j
        })
    };
    let (chaos_journal, gameday_journal) = (pruned(chaos), pruned(gameday));
    let p = Placeholders::new();
    let c = journal_summary::summarize(
        chaos.exit_code,
        chaos_journal.as_ref().map(normalized).as_ref(),
        DuringMode::Exact,
        &p,
    );
    let g = journal_summary::summarize(
        gameday.exit_code,
        gameday_journal.as_ref().map(normalized).as_ref(),
        DuringMode::Exact,
        &p,
    );
    let diff = journal_summary::diff(&c, &g);
    assert!(
        diff.is_empty(),
        "{case}: gameday disagrees with chaos:\n{}\n\nchaos summary: {c:#}\n\ngameday: {}\nstderr:\n{}",
        diff.join("\n"),
        gameday.command_line,
        gameday.stderr_tail(40)
    );
}

fn expect(case: &str, out: &RunOutcome, exit: i32, status: &str, deviated: bool) {
    let j = out.journal.as_ref().unwrap();
    assert_eq!(
        (out.exit_code, j["status"].as_str(), j["deviated"].as_bool()),
        (Some(exit), Some(status), Some(deviated)),
        "{case} under {}: {}\n{}",
        out.command_line,
        out.stderr_tail(40),
        serde_json::to_string_pretty(j).unwrap()
    );
}

/// A chaosprometheus query probe, the value of the first sample checked by a
/// jsonpath tolerance.
fn query_probe(name: &str, query: &str, expect: &str) -> Value {
    json!({
        "type": "probe",
        "name": name,
        "tolerance": {"type": "jsonpath", "path": "$.data.result[0].value[1]", "expect": expect},
        "provider": {
            "type": "python",
            "module": "chaosprometheus.probes",
            "func": "query",
            "arguments": {"query": query, "timeout": 10}
        }
    })
}

fn lab() -> Lab {
    let lab = Lab::start();
    lab.prom.wait_until("an error ratio of 0", Duration::from_secs(30), |p| p.value(ERROR_RATIO) == Some(0.0));
    lab
}

/// The sample of a query probe's output (chaos's and gameday's must carry
/// the same labels and the same value for `up`).
fn first_sample(out: &RunOutcome, state: &str, probe: usize) -> Value {
    let entry = &out.journal.as_ref().unwrap()["steady_states"][state]["probes"][probe];
    let output = &entry["output"];
    assert_eq!(output["status"], "success", "{}: {entry:#}", out.command_line);
    assert_eq!(output["data"]["resultType"], "vector", "{}: {entry:#}", out.command_line);
    output["data"]["result"][0].clone()
}

#[test]
fn query_probe_in_the_hypothesis_agrees_with_chaos() {
    venv();
    let lab = lab();
    let config = json!({"prometheus_base_url": lab.prom.url});

    // 1. The hypothesis holds before and after.
    let passing = json!({
        "title": "the demo is scraped and busy",
        "description": "chaosprometheus query probes that pass",
        "configuration": config,
        "steady-state-hypothesis": {
            "title": "up and serving",
            "probes": [
                query_probe("demo-up", "up{job=\"demo\"}", "1"),
                query_probe("orders-flow", "sum(rate(demo_http_requests_total[10s])) > bool 0", "1"),
            ]
        },
        "method": [{
            "type": "probe",
            "name": "all-series",
            "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query",
                         "arguments": {"query": "up"}}
        }]
    });
    let c = run(Tool::Chaos, lab.dir.path(), "passing", &passing);
    expect("passing", &c, 0, "completed", false);
    let g = run(Tool::Gameday, lab.dir.path(), "passing", &passing);
    assert_agree("passing", &c, &g);
    let (cs, gs) = (first_sample(&c, "before", 0), first_sample(&g, "before", 0));
    assert_eq!(cs["metric"], gs["metric"], "the same series");
    assert_eq!((cs["value"][1].as_str(), gs["value"][1].as_str()), (Some("1"), Some("1")));
    assert!(gs["value"][0].is_number(), "the sample time stays a number: {gs}");

    // 2. The errors fault breaks the hypothesis after the method: deviated.
    let low_errors = format!("({ERROR_RATIO}) < bool 0.01");
    let deviating = json!({
        "title": "errors show in Prometheus",
        "description": "the error ratio leaves its bound after the errors fault",
        "configuration": config,
        "steady-state-hypothesis": {
            "title": "almost no errors",
            "probes": [query_probe("low-errors", &low_errors, "1")]
        },
        "method": [{
            "type": "action",
            "name": "inject-errors",
            "provider": {
                "type": "http",
                "method": "POST",
                "url": format!("{}/admin/faults/errors?rate=0.5&duration=8", lab.demo.base_url()),
                "timeout": 5
            },
            "pauses": {"after": 6}
        }]
    });
    let mut outcomes = Vec::new();
    for tool in [Tool::Chaos, Tool::Gameday] {
        lab.prom
            .wait_until("the error ratio back at 0", Duration::from_secs(60), |p| p.value(ERROR_RATIO) == Some(0.0));
        let out = run(tool, lab.dir.path(), "deviating", &deviating);
        if tool == Tool::Chaos {
            expect("deviating", &out, 1, "completed", true);
        }
        outcomes.push(out);
    }
    assert_agree("deviating", &outcomes[0], &outcomes[1]);
    for out in &outcomes {
        let j = out.journal.as_ref().unwrap();
        assert_eq!(j["steady_states"]["before"]["probes"][0]["tolerance_met"], true, "{}", out.command_line);
        assert_eq!(j["steady_states"]["after"]["probes"][0]["tolerance_met"], false, "{}", out.command_line);
        assert_eq!(first_sample(out, "after", 0)["value"][1], "0", "{}", out.command_line);
    }

    // 3. Prometheus cannot be reached: the probe fails, the run fails.
    let dead = format!("http://127.0.0.1:{}", closed_port().unwrap());
    let mut unreachable = passing.clone();
    unreachable["configuration"] = json!({"prometheus_base_url": dead});
    let c = run(Tool::Chaos, lab.dir.path(), "unreachable", &unreachable);
    expect("unreachable", &c, 1, "failed", false);
    let probe = &c.journal.as_ref().unwrap()["steady_states"]["before"]["probes"][0];
    assert_eq!(probe["status"], "failed", "{probe:#}");
    let g = run(Tool::Gameday, lab.dir.path(), "unreachable", &unreachable);
    assert_agree("unreachable", &c, &g);
    drop(lab);
}

/// Debian's Pushgateway on a free loopback port, nothing persisted; killed
/// when dropped.
struct Pushgateway {
    child: Child,
    url: String,
}

impl Drop for Pushgateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Pushgateway {
    fn start(dir: &Path) -> Pushgateway {
        let binary = prom::tool("prometheus-pushgateway", "GAMEDAY_PUSHGATEWAY");
        let port = prom::free_port();
        let log = dir.join("pushgateway.log");
        let child = Command::new(binary)
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--persistence.file=")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let pg = Pushgateway { child, url: format!("http://127.0.0.1:{port}") };
        let start = std::time::Instant::now();
        while prom::http_get::get(&format!("{}/-/ready", pg.url)).is_none_or(|(s, _)| s != 200) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the Pushgateway did not get ready; its log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        pg
    }

    /// The groups it holds (`/api/v1/metrics`'s `data`).
    fn groups(&self) -> Vec<Value> {
        let (status, body) =
            prom::http_get::get(&format!("{}/api/v1/metrics", self.url)).expect("the Pushgateway answers");
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        v["data"].as_array().cloned().unwrap_or_default()
    }
}

/// The group pushed for `experiment_ref`.
fn group<'a>(groups: &'a [Value], experiment_ref: &str, context: &str) -> &'a Map<String, Value> {
    groups
        .iter()
        .find(|g| g["labels"]["chaostoolkit_experiment_ref"] == experiment_ref)
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("{context}: no group for experiment ref {experiment_ref} in {groups:#?}"))
}

/// The samples of one metric of a group.
fn samples<'a>(g: &'a Map<String, Value>, metric: &str) -> Vec<&'a Value> {
    g.get(metric).and_then(|m| m["metrics"].as_array()).map(|a| a.iter().collect()).unwrap_or_default()
}

/// What one run pushed: (experiment ref, trace id), after checking the
/// group mid-run (in progress) and after the run (the journal's outcome).
fn check_pushes(out: &RunOutcome, after: &[Value]) -> (String, String) {
    let who = &out.command_line;
    let j = out.journal.as_ref().unwrap();
    // Mid-run: the method's http probe read the Pushgateway.
    let mid = &j["run"][0];
    assert_eq!(mid["status"], "succeeded", "{who}: {mid:#}");
    let mid_groups = mid["output"]["body"]["data"].as_array().unwrap_or_else(|| panic!("{who}: {mid:#}"));
    // The group of this run is the one in progress (earlier runs' are done).
    let running: Vec<&Value> = mid_groups
        .iter()
        .filter(|g| {
            g["chaostoolkit_inprogress_experiment"]["metrics"]
                .as_array()
                .is_some_and(|m| m.iter().any(|s| s["value"] == "1"))
        })
        .collect();
    let [mid_group] = running.as_slice() else {
        panic!("{who}: one group in progress expected mid-run: {mid_groups:#?}");
    };
    let experiment_ref = mid_group["labels"]["chaostoolkit_experiment_ref"].as_str().unwrap().to_string();
    let in_progress = samples(mid_group.as_object().unwrap(), "chaostoolkit_inprogress_experiment");
    let [in_progress] = in_progress.as_slice() else { panic!("{who}: {mid_group:#}") };
    assert_eq!(in_progress["value"], "1", "{who}: before_experiment_control pushed 'in progress': {mid_group:#}");
    let labels = &in_progress["labels"];
    assert_eq!(labels["source"], "chaostoolkit");
    assert_eq!(labels["chaostoolkit_lib_version"], "1.44.0");
    assert_eq!(labels["job"], "chaostoolkit");
    let trace = labels["chaostoolkit_run_trace_id"].as_str().unwrap().to_string();
    assert!(trace.len() == 32 && trace.chars().all(|c| c.is_ascii_hexdigit()), "{who}: trace id {trace:?}");

    // Afterwards: after_experiment_control read status, deviated, duration.
    let g = group(after, &experiment_ref, who);
    assert_eq!(g["last_push_successful"], true, "{who}: {g:#?}");
    let one = |metric: &str| -> Value {
        let s = samples(g, metric);
        let [s] = s.as_slice() else { panic!("{who}: one sample of {metric} expected: {g:#?}") };
        assert_eq!(s["labels"]["chaostoolkit_run_trace_id"], trace.as_str(), "{who}: pushed by this run");
        (*s).clone()
    };
    assert_eq!(one("chaostoolkit_inprogress_experiment")["value"], "0", "{who}");
    let status = j["status"].as_str().unwrap();
    let states: Map<String, Value> = samples(g, "chaostoolkit_experiment_status")
        .iter()
        .map(|s| (s["labels"]["chaostoolkit_experiment_status"].as_str().unwrap().to_string(), s["value"].clone()))
        .collect();
    let want: Map<String, Value> = ["completed", "failed", "aborted", "interrupted"]
        .iter()
        .map(|s| (s.to_string(), json!(if *s == status { "1" } else { "0" })))
        .collect();
    assert_eq!(states, want, "{who}: the status enum says {status}");
    if j["deviated"] == true {
        assert_eq!(one("chaostoolkit_deviated_experiment_total")["value"], "1", "{who}");
    } else {
        assert!(samples(g, "chaostoolkit_deviated_experiment_total").is_empty(), "{who}: not deviated: {g:#?}");
    }
    let pushed: f64 = one("chaostoolkit_experiment_duration")["value"].as_str().unwrap().parse().unwrap();
    let journal_duration = j["duration"].as_f64().unwrap_or_else(|| panic!("{who}: duration {}", j["duration"]));
    assert!(
        (pushed - journal_duration).abs() < 1e-6,
        "{who}: the duration pushed ({pushed}) is the journal's ({journal_duration})"
    );
    let dist = one("chaostoolkit_experiment_duration_dist");
    assert_eq!(dist["count"], "1", "{who}: {dist:#}");
    (experiment_ref, trace)
}

#[test]
fn metrics_control_pushes_as_under_chaos() {
    venv();
    let dir = tempfile::tempdir().unwrap();
    let pg = Pushgateway::start(dir.path());
    let control = json!({
        "name": "prometheus-metrics",
        "provider": {"type": "python", "module": "chaosprometheus.metrics",
                     "arguments": {"pushgateway_url": pg.url, "job": "chaostoolkit"}}
    });
    let read_pushgateway = json!({
        "type": "probe",
        "name": "read-pushgateway",
        "provider": {"type": "http", "url": format!("{}/api/v1/metrics", pg.url), "timeout": 5}
    });
    // `test ! -e marker`: met while the file is absent.
    let no_marker = json!({
        "type": "probe", "name": "no-marker", "tolerance": 0,
        "provider": {"type": "process", "path": "test", "arguments": ["!", "-e", "marker"]}
    });
    let completed = json!({
        "title": "metrics of a completed run",
        "description": "chaosprometheus.metrics pushes to a Pushgateway",
        "controls": [control],
        "steady-state-hypothesis": {"title": "no marker", "probes": [no_marker]},
        "method": [read_pushgateway]
    });
    let mut deviated = completed.clone();
    deviated["title"] = json!("metrics of a deviated run");
    deviated["method"] = json!([read_pushgateway, {
        "type": "action", "name": "drop-marker",
        "provider": {"type": "process", "path": "touch", "arguments": ["marker"]}
    }]);

    for (case, experiment, exit, status, is_deviated) in
        [("completed", &completed, 0, "completed", false), ("deviated", &deviated, 1, "completed", true)]
    {
        let c = run(Tool::Chaos, dir.path(), case, experiment);
        expect(case, &c, exit, status, is_deviated);
        let (chaos_ref, chaos_trace) = check_pushes(&c, &pg.groups());
        let g = run(Tool::Gameday, dir.path(), case, experiment);
        // What the Pushgateway held mid-run (earlier runs' groups too) is
        // checked by check_pushes, run by run.
        assert_agree_but(case, &c, &g, |j| j["run"][0]["output"]["body"] = json!("<checked apart>"));
        let (gameday_ref, gameday_trace) = check_pushes(&g, &pg.groups());
        assert_ne!(chaos_trace, gameday_trace, "{case}: gameday's run pushed its own trace id");
        assert_eq!(
            gameday_ref, chaos_ref,
            "{case}: the control hashes the experiment it is handed (chaoslib's experiment_hash): gameday \
             handed it a different experiment than chaos"
        );
    }
}
