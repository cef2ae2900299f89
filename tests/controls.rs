//! Chaos Toolkit controls through the Python bridge (`gameday::engine::controls`).
//!
//! The module is driven here exactly as the engine drives it (the hook order
//! of the reference's §9, `after` also after an interruption), with the
//! control modules of `tests/controls/`. The honest proof is the comparison:
//! the same experiment and the same recording control module run under the
//! real `chaos run`, and both call sequences must be identical, arguments,
//! injected keywords and states included.
use gameday::engine::controls::{Controls, Level, Warn};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEFAULT_CTK_VENV: &str = "/root/.cache/gameday-ctk-venv";

fn venv() -> PathBuf {
    let v = std::env::var_os("GAMEDAY_CTK_VENV").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(DEFAULT_CTK_VENV));
    assert!(
        v.join("bin/chaos").is_file() && v.join("bin/python").is_file(),
        "the Chaos Toolkit venv is missing at {} (set GAMEDAY_CTK_VENV): these tests need its chaos and python",
        v.display()
    );
    v
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/controls")
}

/// One test's sandbox: a log file the recorder writes to, and a `python`
/// wrapper that gives the bridge the fixtures' PYTHONPATH and that log.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("python");
        let script = format!(
            "#!/bin/sh\nPYTHONPATH='{}' GD_CONTROL_LOG='{}' exec '{}' \"$@\"\n",
            fixtures().display(),
            dir.path().join("gameday.log").display(),
            venv().join("bin/python").display()
        );
        std::fs::write(&python, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self { dir }
    }

    fn python(&self) -> String {
        self.dir.path().join("python").display().to_string()
    }

    fn gameday_log(&self) -> Vec<Value> {
        read_log(&self.dir.path().join("gameday.log"))
    }

    /// Run the real `chaos run` on `experiment`; returns (exit code, output, recorded hooks).
    fn chaos(&self, experiment: &Value) -> (Option<i32>, String, Vec<Value>) {
        let work = self.dir.path().join("chaos");
        std::fs::create_dir_all(&work).unwrap();
        let file = work.join("experiment.json");
        std::fs::write(&file, serde_json::to_vec_pretty(experiment).unwrap()).unwrap();
        let log = work.join("chaos.log");
        let out = Command::new(venv().join("bin/chaos"))
            .args(["--no-version-check", "--no-log-file", "run", "--journal-path"])
            .arg(work.join("journal.json"))
            .arg(&file)
            .current_dir(&work)
            .env("HOME", &work)
            .env("PYTHONPATH", fixtures())
            .env("GD_CONTROL_LOG", &log)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text, read_log(&log))
    }
}

fn read_log(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Collects warnings.
fn collector() -> (Warn, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    (Arc::new(move |w: String| s.lock().unwrap().push(w)), seen)
}

fn obj(v: &Value, key: &str) -> Map<String, Value> {
    v.get(key).and_then(Value::as_object).cloned().unwrap_or_default()
}

fn list<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    v.get(key).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

/// One activity, as the engine wraps it: `after` runs even when `before`
/// interrupted (with a null state), as chaoslib's `with controls(...)` does.
async fn activity(c: &Controls, a: &Value, runs: &mut Vec<Value>) -> Result<(), String> {
    if let Err(e) = c.before(Level::Activity, a).await {
        let _ = c.after(Level::Activity, a, &Value::Null).await;
        return Err(e);
    }
    let run = json!({"activity": a, "output": {"status": 0}, "status": "succeeded"});
    runs.push(run.clone());
    c.after(Level::Activity, a, &run).await.map(drop)
}

async fn hypothesis(c: &Controls, exp: &Value) -> Result<(), String> {
    let ssh = &exp["steady-state-hypothesis"];
    let mut state = json!({"steady_state_met": null, "probes": []});
    let mut result = c.before(Level::Hypothesis, ssh).await.map(drop);
    if result.is_ok() {
        let mut probes = Vec::new();
        for p in list(ssh, "probes") {
            result = activity(c, p, &mut probes).await;
            if result.is_err() {
                break;
            }
        }
        state["probes"] = Value::Array(probes);
        if result.is_ok() {
            state["steady_state_met"] = json!(true);
        }
    }
    let after = c.after(Level::Hypothesis, ssh, &state).await.map(drop);
    result.and(after)
}

async fn phase(c: &Controls, exp: &Value, level: Level, key: &str) -> Result<(), String> {
    let mut runs = Vec::new();
    let mut result = c.before(level, exp).await.map(drop);
    if result.is_ok() {
        for a in list(exp, key) {
            result = activity(c, a, &mut runs).await;
            if result.is_err() {
                break;
            }
        }
    }
    let after = c.after(level, exp, &Value::Array(runs)).await.map(drop);
    result.and(after)
}

/// Drive a whole run the way the engine does (everything succeeds unless a
/// control interrupts). Returns the final status and the interruption message.
async fn drive(exp: &Value, python: &str, warn: Warn) -> (String, Option<String>, Controls) {
    let c = Controls::start(exp, &obj(exp, "configuration"), &obj(exp, "secrets"), python, warn).await;
    let main = async {
        c.before(Level::Experiment, exp).await?;
        hypothesis(&c, exp).await?;
        phase(&c, exp, Level::Method, "method").await?;
        hypothesis(&c, exp).await
    };
    let interrupted = main.await.err();
    let status = if interrupted.is_some() { "interrupted" } else { "completed" };
    if interrupted.is_none() {
        // Default rollback strategy: not played once interrupted.
        let _ = phase(&c, exp, Level::Rollback, "rollbacks").await;
    }
    c.after(Level::Experiment, exp, &json!({"status": status})).await.unwrap();
    (status.to_string(), interrupted, c)
}

fn process(name: &str, kind: &str) -> Value {
    json!({"type": kind, "name": name, "provider": {"type": "process", "path": "true"}})
}

fn recorder(name: &str, arguments: Value) -> Value {
    json!({"name": name, "provider": {"type": "python", "module": "gd_recorder", "arguments": arguments}})
}

/// SSH with one probe, two method actions, one rollback, one top-level control.
fn order_experiment(top_arguments: Value) -> Value {
    let mut probe = process("p", "probe");
    probe["tolerance"] = json!(0);
    json!({
        "title": "controls order",
        "description": "hook order",
        "configuration": {"user": "alice"},
        "secrets": {"s": {"tok": "xyz"}},
        "extensions": [{"name": "ext", "k": 1}],
        "controls": [recorder("rec", top_arguments)],
        "steady-state-hypothesis": {"title": "ssh", "probes": [probe]},
        "method": [process("act", "action"), process("act2", "action")],
        "rollbacks": [process("rb", "action")],
    })
}

async fn compare_with_chaos(exp: &Value) -> (Vec<Value>, Vec<String>, String, Option<String>) {
    let sb = Sandbox::new();
    let (warn, warnings) = collector();
    let (status, interrupted, c) = drive(exp, &sb.python(), warn).await;
    c.cleanup().await;
    let ours = sb.gameday_log();
    let (_, output, theirs) = sb.chaos(exp);
    assert!(!theirs.is_empty(), "chaos recorded nothing:\n{output}");
    assert_eq!(ours.len(), theirs.len(), "hook counts differ\nours: {ours:#?}\nchaos: {theirs:#?}");
    for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(o, t, "hook #{i} differs from chaos run");
    }
    let warnings = warnings.lock().unwrap().clone();
    (ours, warnings, status, interrupted)
}

fn functions(log: &[Value]) -> Vec<String> {
    log.iter()
        .map(|e| {
            let f = e["f"].as_str().unwrap().trim_end_matches("_control").to_string();
            match e.get("context").and_then(Value::as_str) {
                Some(n) if f.ends_with("activity") => format!("{f}({n})"),
                _ => f,
            }
        })
        .collect()
}

#[tokio::test]
async fn hook_order_matches_chaos_run() {
    let exp = order_experiment(json!({"tag": "top", "who": "${user}"}));
    let (log, warnings, status, _) = compare_with_chaos(&exp).await;
    assert_eq!(status, "completed");
    assert!(warnings.is_empty(), "{warnings:?}");
    // The checked order of the reference (§9), spelled out.
    let expected = [
        "validate",
        "configure",
        "before_experiment",
        "before_hypothesis",
        "before_activity(p)",
        "after_activity(p)",
        "after_hypothesis",
        "before_method",
        "before_activity(act)",
        "after_activity(act)",
        "before_activity(act2)",
        "after_activity(act2)",
        "after_method",
        "before_hypothesis",
        "before_activity(p)",
        "after_activity(p)",
        "after_hypothesis",
        "before_rollback",
        "before_activity(rb)",
        "after_activity(rb)",
        "after_rollback",
        "after_experiment",
        "cleanup",
    ];
    assert_eq!(functions(&log), expected);
    // configure_control gets the raw arguments; hooks get them substituted.
    assert_eq!(log[1]["arguments"], json!({"tag": "top", "who": "${user}"}));
    assert_eq!(log[2]["arguments"], json!({"tag": "top", "who": "alice"}));
    assert_eq!(log[2]["secrets"], json!({"s": {"tok": "xyz"}}));
    assert_eq!(log[2]["extensions"], json!([{"name": "ext", "k": 1}]));
}

#[tokio::test]
async fn scope_automatic_and_ref_follow_chaoslib_merge_rules() {
    let mut exp = order_experiment(json!({"tag": "top"}));
    exp["controls"] = json!([
        recorder("top", json!({"tag": "top"})),
        {"name": "manual", "automatic": false,
         "provider": {"type": "python", "module": "gd_recorder", "arguments": {"tag": "manual"}}},
    ]);
    let mut hyp = recorder("hyp", json!({"tag": "hyp"}));
    hyp["scope"] = json!("after");
    exp["steady-state-hypothesis"]["controls"] = json!([hyp]);
    let mut referencing = recorder("m", json!({"tag": "refentry"}));
    referencing["ref"] = json!("manual");
    exp["method"][0]["controls"] = json!([referencing]);
    let mut after_only = recorder("loc2", json!({"tag": "loc2"}));
    after_only["scope"] = json!("after");
    exp["method"][1]["controls"] = json!([recorder("loc", json!({"tag": "loc"})), after_only]);
    let mut act3 = process("act3", "action");
    act3["controls"] = json!([recorder("top", json!({"tag": "top-local"}))]);
    exp["method"].as_array_mut().unwrap().push(act3);
    let mut before_only = recorder("rbc", json!({"tag": "rbc"}));
    before_only["scope"] = json!("before");
    exp["rollbacks"][0]["controls"] = json!([before_only]);

    let (log, _, status, _) = compare_with_chaos(&exp).await;
    assert_eq!(status, "completed");
    let tags: Vec<String> = log
        .iter()
        .filter(|e| e["f"] == "before_activity_control" && e["context"] == "act2")
        .map(|e| e["arguments"]["tag"].as_str().unwrap().to_string())
        .collect();
    // One copy of the top-level control per local non-ref control; `loc2` is after-only.
    assert_eq!(tags, ["top", "top", "loc"]);
    // A non-automatic control applies at the experiment level and through `ref` only.
    let manual: Vec<String> = log
        .iter()
        .filter(|e| e["arguments"]["tag"] == "manual")
        .map(|e| functions(std::slice::from_ref(e))[0].clone())
        .collect();
    assert_eq!(
        manual,
        ["configure", "before_experiment", "before_activity(act)", "after_activity(act)", "after_experiment"]
    );
}

#[tokio::test]
async fn interrupt_in_before_activity_stops_the_run_like_chaos() {
    let exp = order_experiment(json!({"interrupt_on": "act2"}));
    let (log, _, status, interrupted) = compare_with_chaos(&exp).await;
    assert_eq!(status, "interrupted");
    assert_eq!(interrupted.as_deref(), Some("stopped before 'act2'"));
    let tail: Vec<String> = functions(&log).into_iter().skip_while(|f| f != "before_activity(act2)").collect();
    assert_eq!(tail, ["before_activity(act2)", "after_activity(act2)", "after_method", "after_experiment", "cleanup"]);
    let after_act2 = log.iter().find(|e| e["f"] == "after_activity_control" && e["context"] == "act2").unwrap();
    assert_eq!(after_act2["state"], Value::Null);
}

fn one_control(module: &str, arguments: Value) -> Value {
    json!({
        "title": "t", "description": "d",
        "controls": [{"name": "c", "provider": {"type": "python", "module": module, "arguments": arguments}}],
        "method": [process("act", "action")],
    })
}

#[tokio::test]
async fn interrupt_by_class_name_or_subclass() {
    let sb = Sandbox::new();
    let act = process("act", "action");
    for (how, msg) in [("own", "own class says stop"), ("subclass", "subclass says stop")] {
        let exp = one_control("gd_own_interrupt", json!({"how": how}));
        let (warn, warnings) = collector();
        let c = Controls::start(&exp, &Map::new(), &Map::new(), &sb.python(), warn).await;
        assert!(!c.is_empty());
        assert_eq!(c.before(Level::Activity, &act).await.map(drop), Err(msg.to_string()));
        // Ordinary exceptions are swallowed and reported.
        assert_eq!(c.after(Level::Activity, &act, &Value::Null).await.map(drop), Ok(()));
        c.cleanup().await;
        let w = warnings.lock().unwrap().clone();
        assert!(w.iter().any(|w| w.contains("after_activity_control") && w.contains("ValueError")), "{w:?}");
    }
}

#[tokio::test]
async fn missing_module_warns_like_chaos_and_the_run_carries_on() {
    let mut exp = order_experiment(json!({"tag": "top"}));
    exp["controls"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"name": "absent", "provider": {"type": "python", "module": "gd_no_such_module"}}));
    let sb = Sandbox::new();
    let (warn, warnings) = collector();
    let (status, _, c) = drive(&exp, &sb.python(), warn).await;
    c.cleanup().await;
    assert_eq!(status, "completed");
    let expected = "Could not find Python module 'gd_no_such_module' in control 'absent'. \
                    Did you install the Python module? The experiment will carry on running nonetheless.";
    assert_eq!(warnings.lock().unwrap().clone(), [expected]);
    let (code, output, theirs) = sb.chaos(&exp);
    assert_eq!(code, Some(0));
    assert!(output.contains(expected), "chaos printed:\n{output}");
    assert_eq!(sb.gameday_log(), theirs);
}

#[tokio::test]
async fn only_missing_modules_means_no_process() {
    let sb = Sandbox::new();
    let exp = one_control("gd_no_such_module", json!({}));
    let (warn, warnings) = collector();
    let c = Controls::start(&exp, &Map::new(), &Map::new(), &sb.python(), warn).await;
    assert!(c.is_empty());
    assert_eq!(warnings.lock().unwrap().len(), 1);
    let none = json!({"title": "t", "method": []});
    let (warn, _) = collector();
    assert!(Controls::start(&none, &Map::new(), &Map::new(), "/nonexistent/python", warn).await.is_empty());
}

#[tokio::test]
async fn a_printing_control_cannot_corrupt_the_protocol() {
    let sb = Sandbox::new();
    let mut exp = one_control("gd_noisy", json!({}));
    exp["controls"].as_array_mut().unwrap().push(recorder("rec", json!({"tag": "rec"})));
    let act = process("act", "action");
    let (warn, warnings) = collector();
    let c = Controls::start(&exp, &Map::new(), &Map::new(), &sb.python(), warn).await;
    // The fake `{"interrupt": …}` line printed by the control must not be read as a reply.
    assert_eq!(c.before(Level::Activity, &act).await.map(drop), Ok(()));
    assert_eq!(c.after(Level::Activity, &act, &json!({"status": "succeeded"})).await.map(drop), Ok(()));
    c.cleanup().await;
    // After cleanup, hooks are no-ops.
    assert_eq!(c.before(Level::Activity, &act).await.map(drop), Ok(()));
    c.cleanup().await;
    let f = functions(&sb.gameday_log());
    assert_eq!(f, ["validate", "configure", "before_activity(act)", "after_activity(act)", "cleanup"]);
    let w = warnings.lock().unwrap().clone();
    for line in ["hello from a control", "raw bytes on fd 1", "stdin gave 0 characters"] {
        assert!(w.contains(&format!("control output: {line}")), "missing {line:?} in {w:?}");
    }
}

#[tokio::test]
async fn a_module_that_raises_on_import_is_skipped() {
    let sb = Sandbox::new();
    let mut exp = one_control("gd_boom", json!({}));
    exp["controls"].as_array_mut().unwrap().push(recorder("rec", json!({})));
    let (warn, warnings) = collector();
    let (status, _, c) = drive(&exp, &sb.python(), warn).await;
    c.cleanup().await;
    assert_eq!(status, "completed");
    let w = warnings.lock().unwrap().clone();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("gd_boom") && w[0].contains("RuntimeError: this module refuses to load"), "{w:?}");
    assert!(functions(&sb.gameday_log()).contains(&"before_activity(act)".to_string()));
    // A known difference: chaos run itself crashes on such a module.
    let (code, output, _) = sb.chaos(&exp);
    assert_ne!(code, Some(0));
    assert!(output.contains("RuntimeError: this module refuses to load"), "{output}");
}

#[tokio::test]
async fn a_hung_or_dead_interpreter_costs_only_the_controls() {
    let sb = Sandbox::new();
    let exp = one_control("gd_misbehave", json!({"how": "hang"}));
    let (warn, warnings) = collector();
    let c =
        Controls::start_with_timeout(&exp, &Map::new(), &Map::new(), &sb.python(), warn, Duration::from_secs(1)).await;
    let clock = Instant::now();
    assert_eq!(c.before(Level::Method, &exp).await.map(drop), Ok(()));
    assert!(clock.elapsed() < Duration::from_secs(10));
    assert_eq!(c.after(Level::Method, &exp, &json!([])).await.map(drop), Ok(()));
    c.cleanup().await;
    let w = warnings.lock().unwrap().clone();
    assert!(w.iter().any(|w| w.contains("did not answer within 1s during before_method_control")), "{w:?}");

    let exp = one_control("gd_misbehave", json!({"how": "die"}));
    let (warn, warnings) = collector();
    let c = Controls::start(&exp, &Map::new(), &Map::new(), &sb.python(), warn).await;
    assert_eq!(c.before(Level::Method, &exp).await.map(drop), Ok(()));
    assert_eq!(c.before(Level::Activity, &process("a", "action")).await.map(drop), Ok(()));
    c.cleanup().await;
    let w = warnings.lock().unwrap().clone();
    assert_eq!(w.iter().filter(|w| w.contains("ended unexpectedly")).count(), 1, "{w:?}");
}

#[tokio::test]
async fn a_missing_interpreter_is_a_warning() {
    let exp = one_control("gd_recorder", json!({}));
    let (warn, warnings) = collector();
    let c = Controls::start(&exp, &Map::new(), &Map::new(), "/nonexistent/python3", warn).await;
    assert!(c.is_empty());
    assert_eq!(c.before(Level::Experiment, &exp).await.map(drop), Ok(()));
    c.cleanup().await;
    assert!(warnings.lock().unwrap()[0].contains("cannot start the Python interpreter"));
}

#[tokio::test]
async fn validate_control_refusal_is_reported_like_chaos() {
    let sb = Sandbox::new();
    let exp = one_control("gd_invalid", json!({}));
    let (warn, _) = collector();
    let c = Controls::start(&exp, &Map::new(), &Map::new(), &sb.python(), warn).await;
    let msg = "control 'c' needs a 'channel' argument";
    assert_eq!(c.invalid(), Some(msg));
    c.cleanup().await;
    let (code, output, _) = sb.chaos(&exp);
    assert_eq!(code, Some(1));
    assert!(output.contains(&format!("ERROR] {msg}")), "{output}");
    let ok = one_control("gd_recorder", json!({}));
    let (warn, _) = collector();
    let c = Controls::start(&ok, &Map::new(), &Map::new(), &sb.python(), warn).await;
    assert_eq!(c.invalid(), None);
    c.cleanup().await;
}

/// `after_experiment_control` gets the journal as chaos passes it (its
/// `duration`, `run`, `rollbacks`…), not just the status: reporting and
/// metrics controls (chaostoolkit-prometheus reads `duration`) depend on it.
/// Through the real binary, against the real `chaos run`.
#[test]
fn after_experiment_control_receives_the_whole_journal() {
    let sb = Sandbox::new();
    let exp = json!({
        "title": "state keys", "description": "d",
        "controls": [{"name": "keys", "provider": {"type": "python", "module": "gd_state_keys"}}],
        "method": [process("act", "action")],
        "rollbacks": [process("rb", "action")],
    });
    let (code, text, chaos_log) = sb.chaos(&exp);
    assert_eq!(code, Some(0), "{text}");
    let file = sb.dir.path().join("gameday-exp.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&exp).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("run")
        .arg(&file)
        .args(["--headless", "--python", &sb.python(), "--journal-path"])
        .arg(sb.dir.path().join("gameday-journal.json"))
        .env("GAMEDAY_DATA_DIR", sb.dir.path().join("data"))
        .current_dir(sb.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ours = sb.gameday_log();
    assert_eq!(chaos_log.len(), 1, "{chaos_log:?}");
    assert_eq!(ours, chaos_log, "gameday (left) and chaos (right) differ");
    assert_eq!(ours[0]["duration"], "float");
}

/// Run the gameday binary headless on `exp` with the sandbox's python and
/// extra arguments before and after `run`; returns (exit code, output).
fn gameday_run(sb: &Sandbox, exp: &Value, top: &[&str], extra: &[&str]) -> (Option<i32>, String) {
    let file = sb.dir.path().join("gameday-exp.json");
    std::fs::write(&file, serde_json::to_vec_pretty(exp).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(top)
        .arg("run")
        .arg(&file)
        .args(["--headless", "--python", &sb.python(), "--journal-path"])
        .arg(sb.dir.path().join("gameday-journal.json"))
        .args(extra)
        .env("GAMEDAY_DATA_DIR", sb.dir.path().join("data"))
        .env("HOME", sb.dir.path())
        .current_dir(sb.dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

/// Global controls from the settings file (`--settings`) and from
/// `--control-file`, next to a top-level and an activity-level control:
/// every hook, in order, with the same arguments, as the real `chaos run`
/// calls them (globals first, dropped at the method and rollback levels
/// under top-level controls, configured before the experiment's, cleaned
/// up after them). Through the real binary.
#[test]
fn global_controls_from_settings_and_control_file_follow_chaos() {
    let sb = Sandbox::new();
    let settings = sb.dir.path().join("settings.yaml");
    std::fs::write(
        &settings,
        "controls:\n  from-settings:\n    provider:\n      type: python\n      module: gd_recorder\n      arguments: {tag: settings}\n",
    )
    .unwrap();
    let control_file = sb.dir.path().join("controls.json");
    let file_controls = json!({"from-file": {"provider": {"type": "python", "module": "gd_recorder", "arguments": {"tag": "file", "who": "${user}"}}}});
    std::fs::write(&control_file, serde_json::to_vec(&file_controls).unwrap()).unwrap();
    let mut exp = order_experiment(json!({"tag": "top"}));
    exp["method"][0]["controls"] = json!([recorder("local", json!({"tag": "local"}))]);
    let (settings_arg, file_arg) = (settings.display().to_string(), control_file.display().to_string());

    let work = sb.dir.path().join("chaos");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("experiment.json"), serde_json::to_vec_pretty(&exp).unwrap()).unwrap();
    let chaos_log = work.join("chaos.log");
    let out = Command::new(venv().join("bin/chaos"))
        .args(["--no-version-check", "--no-log-file", "--settings", &settings_arg, "run"])
        .args(["--control-file", &file_arg, "experiment.json"])
        .current_dir(&work)
        .env("HOME", &work)
        .env("PYTHONPATH", fixtures())
        .env("GD_CONTROL_LOG", &chaos_log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs = read_log(&chaos_log);

    let (code, text) = gameday_run(&sb, &exp, &["--settings", &settings_arg], &["--control-file", &file_arg]);
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains("not supported"), "{text}");
    let ours = sb.gameday_log();
    let tags = |log: &[Value]| -> Vec<String> {
        log.iter().map(|e| format!("{} {}", e["f"].as_str().unwrap_or(""), e["arguments"]["tag"])).collect()
    };
    assert_eq!(tags(&ours), tags(&theirs), "hook sequences differ (gameday left, chaos right)");
    assert_eq!(ours, theirs, "hook arguments differ (gameday left, chaos right)");
    // The global controls really took part: configured first, and in every experiment-level hook.
    assert_eq!(functions(&theirs[..4]), ["validate", "validate", "configure", "configure"]);
    assert_eq!(theirs[2]["arguments"]["tag"], "settings");
    assert_eq!(theirs[3]["arguments"], json!({"tag": "file", "who": "${user}"}));
    assert!(tags(&ours).contains(&"before_activity_control \"file\"".to_string()));
}

/// What a control changes in the configuration it is given is what later
/// activities are substituted with, as under chaos (one shared dict): a key
/// added by `configure_control`, and one changed by `before_activity_control`
/// for the very activity about to run. Both journals' outputs must agree.
#[test]
fn configuration_changed_by_a_control_is_used_by_later_activities() {
    let sb = Sandbox::new();
    let echo = |name: &str, args: &str| json!({"type": "action", "name": name, "provider": {"type": "process", "path": "echo", "arguments": args}});
    let exp = json!({
        "title": "feedback", "description": "d",
        "configuration": {"word": "original"},
        "controls": [{"name": "fb", "provider": {"type": "python", "module": "gd_feedback"}}],
        "method": [echo("first", "${word} ${from_configure}"), echo("second", "${word}")],
    });
    let (code, text, _) = sb.chaos(&exp);
    assert_eq!(code, Some(0), "{text}");
    let stdout = |journal: &Path| -> Vec<Value> {
        let j: Value = serde_json::from_slice(&std::fs::read(journal).unwrap()).unwrap();
        j["run"].as_array().unwrap().iter().map(|r| r["output"]["stdout"].clone()).collect()
    };
    let theirs = stdout(&sb.dir.path().join("chaos/journal.json"));
    assert_eq!(theirs, [json!("original configured\n"), json!("changed\n")], "the real chaos");
    let (code, text) = gameday_run(&sb, &exp, &[], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(stdout(&sb.dir.path().join("gameday-journal.json")), theirs, "{text}");
}

/// Run `exp` with the real `chaos run` and with gameday; both journals.
fn both_journals(sb: &Sandbox, exp: &Value) -> (Value, Value) {
    let (code, text, _) = sb.chaos(exp);
    assert_eq!(code, Some(0), "{text}");
    let theirs: Value =
        serde_json::from_slice(&std::fs::read(sb.dir.path().join("chaos/journal.json")).unwrap()).unwrap();
    let (code, text) = gameday_run(sb, exp, &[], &[]);
    assert_eq!(code, Some(0), "{text}");
    let ours: Value =
        serde_json::from_slice(&std::fs::read(sb.dir.path().join("gameday-journal.json")).unwrap()).unwrap();
    (ours, theirs)
}

/// A run entry as far as both tools must agree: name, the keys a control
/// added, the repeat's `iteration_index`, what it printed.
fn entry_summary(e: &Value) -> Value {
    if !e.is_object() {
        return e.clone();
    }
    let a = &e["activity"];
    json!({
        "name": a["name"], "marked": a["marked"], "seen_after": a["seen_after"],
        "iteration_index": a["iteration_index"], "stdout": e["output"]["stdout"],
        "status": e["status"], "checked_by": e["checked_by"],
    })
}

fn entries_summary(v: &Value) -> Vec<Value> {
    v.as_array().map(|l| l.iter().map(entry_summary).collect()).unwrap_or_default()
}

/// What a control changes in what chaos hands it is in gameday's run and
/// journal as in chaos's: the activity it changes before it runs (a key,
/// and the very argument that runs), a key it sets on the run entry, an
/// item it appends to the method's and the rollbacks' entries, a key on the
/// steady-state result and on the journal. Against the real `chaos run`.
#[test]
fn what_a_control_changes_is_fed_back_as_in_chaos() {
    let sb = Sandbox::new();
    let echo = |name: &str, args: &str| json!({"type": "action", "name": name, "provider": {"type": "process", "path": "echo", "arguments": args}});
    let mut probe = echo("probe", "steady");
    probe["type"] = json!("probe");
    probe["tolerance"] = json!(0);
    let exp = json!({
        "title": "marks", "description": "d",
        "controls": [{"name": "marks", "provider": {"type": "python", "module": "gd_marks"}}],
        "steady-state-hypothesis": {"title": "ssh", "probes": [probe]},
        "method": [echo("plain", "as written"), echo("rewritten", "as written")],
        "rollbacks": [echo("undo", "undone")],
    });
    let (ours, theirs) = both_journals(&sb, &exp);
    for key in ["run", "rollbacks"] {
        assert_eq!(entries_summary(&ours[key]), entries_summary(&theirs[key]), "{key}: gameday (left), chaos (right)");
    }
    for phase in ["before", "after"] {
        let (o, t) = (&ours["steady_states"][phase], &theirs["steady_states"][phase]);
        assert_eq!(o["hypothesis_mark"], t["hypothesis_mark"], "{phase}");
        assert_eq!(entries_summary(&o["probes"]), entries_summary(&t["probes"]), "{phase}");
    }
    assert_eq!(ours["marked_journal"], theirs["marked_journal"]);
    // The facts themselves, so that agreeing on nothing cannot pass.
    assert_eq!(theirs["run"][1]["output"]["stdout"], "changed by the control\n");
    assert_eq!(theirs["run"][2], "after-method");
    assert_eq!(theirs["rollbacks"][1], json!({"rolled": 1}));
    assert_eq!(theirs["run"][0]["checked_by"], "gd_marks");
    assert_eq!(theirs["marked_journal"], "completed");
}

/// chaosaddons' repeat control (the real package) inserts copies of the
/// activity into the running experiment's lists; gameday runs them where
/// they were put, as chaos does: the method's action three times, and the
/// steady-state probe twice before the method and (the control inserting
/// again when the original runs again) three times after it. The journals'
/// entries, their `iteration_index` and the journal's experiment agree.
#[test]
fn the_repeat_control_repeats_as_under_chaos() {
    let sb = Sandbox::new();
    let repeat = |n: u64| {
        json!([{"name": "again", "provider": {
        "type": "python", "module": "chaosaddons.controls.repeat", "arguments": {"repeat_count": n}}}])
    };
    let echo = |name: &str, args: &str| json!({"type": "action", "name": name, "provider": {"type": "process", "path": "echo", "arguments": args}});
    let mut probe = echo("steady", "ok");
    probe["type"] = json!("probe");
    probe["tolerance"] = json!(0);
    probe["controls"] = repeat(2);
    let mut say = echo("say", "hello");
    say["controls"] = repeat(3);
    let exp = json!({
        "title": "repeat", "description": "d",
        "steady-state-hypothesis": {"title": "ssh", "probes": [probe]},
        "method": [say, echo("next", "after")],
        "rollbacks": [echo("undo", "undone")],
    });
    let (ours, theirs) = both_journals(&sb, &exp);
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{} {}", e["activity"]["name"], e["activity"]["iteration_index"]))
            .collect()
    };
    assert_eq!(names(&theirs["run"]), ["\"say\" null", "\"say\" 1", "\"say\" 2", "\"next\" null"], "the real chaos");
    for key in ["run", "rollbacks"] {
        assert_eq!(names(&ours[key]), names(&theirs[key]), "{key}: gameday (left), chaos (right)");
    }
    for phase in ["before", "after"] {
        let (o, t) = (&ours["steady_states"][phase]["probes"], &theirs["steady_states"][phase]["probes"]);
        assert_eq!(names(o), names(t), "{phase}: gameday (left), chaos (right)");
    }
    assert_eq!(theirs["steady_states"]["after"]["probes"].as_array().unwrap().len(), 3, "the real chaos");
    let listed = |v: &Value| -> Vec<String> {
        v["experiment"]["method"].as_array().unwrap().iter().map(|a| a["name"].to_string()).collect()
    };
    assert_eq!(listed(&ours), listed(&theirs), "the journal's experiment");
}
