//! Differential test: every experiment of `tests/compat/` is run by the real
//! `chaos run` and by `gameday run --headless`, each against its own fresh
//! loopback server, and the journals and exit codes must agree.
//!
//! Each case is a sidecar `tests/compat/<case>.args.json`:
//! ```json
//! {"experiment": "x.json",            // default: <case>.json / .yaml / .yml
//!  "args": ["--dry", "probes"],        // extra `run` flags; {compat} = corpus dir
//!  "env": {"K": "V"},                  // extra environment ({venv}: the reference venv)
//!  "setup_files": {"name": "content"}, // created in the fresh working directory
//!  "signal": "SIGINT", "signal_after_ms": 500,
//!  "signal_after_request": "GET /echo", // delay counts from this server request
//!  "during": "exact|first-last|nonempty",
//!  "expect": {"exit": 0, "status": "completed", "deviated": false,
//!             "before_met": true|false|null, "after_met": ..., "run": 3, "rollbacks": 1}}
//! ```
//! The `expect` block is checked against `chaos` first, so the corpus itself is
//! verified against the real tool. Both tools always get
//! `--var base_url=http://127.0.0.1:PORT --var closed_url=http://127.0.0.1:CLOSED`.
//!
//! Environment knobs: `GAMEDAY_DIFF_CHAOS_ONLY=1` checks only the chaos
//! expectations (no gameday run); `GAMEDAY_DIFF_CASES=a,b` runs only the cases
//! whose name contains one of the given strings; `GAMEDAY_DIFF_JOBS` (default 2)
//! sets how many cases run at a time; `GAMEDAY_DIFF_KEEP_JOURNALS=DIR` keeps
//! every journal as `DIR/<case>.<tool>.journal.json` for inspection.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::journal_summary::{self, DuringMode, Placeholders};
use common::server::{TestServer, closed_port};
use common::tools::{self, RunOutcome, RunSpec, Tool};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Longest a single tool run may take before it is killed.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// Keys allowed in a sidecar's `expect` block.
const EXPECT_KEYS: &[&str] = &["exit", "status", "deviated", "before_met", "after_met", "run", "rollbacks"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sidecar {
    #[serde(default)]
    experiment: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    setup_files: BTreeMap<String, String>,
    #[serde(default)]
    signal: Option<String>,
    #[serde(default)]
    signal_after_ms: Option<u64>,
    /// Prefix of a server request (`"METHOD /path"`) that starts the signal delay.
    #[serde(default)]
    signal_after_request: Option<String>,
    #[serde(default)]
    during: Option<String>,
    /// Secret values: chaos records them, gameday masks them as `***`, so
    /// they are masked on the chaos side before comparing (and a gameday
    /// journal that shows one is a mismatch).
    #[serde(default)]
    secrets: Vec<String>,
    expect: Map<String, Value>,
}

/// One loaded case.
struct Case {
    name: String,
    experiment: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    setup_files: BTreeMap<String, String>,
    signal: Option<(i32, Duration)>,
    signal_after_request: Option<String>,
    during: DuringMode,
    secrets: Vec<String>,
    expect: Map<String, Value>,
}

fn compat_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("compat")
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).map(|v| !v.is_empty() && v != "0").unwrap_or(false)
}

/// Loads every sidecar; a malformed one is a test failure, not a skip.
fn load_cases(dir: &Path) -> Vec<Case> {
    let mut sidecars: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/compat is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".args.json")))
        .collect();
    sidecars.sort();
    let compat = dir.to_string_lossy().into_owned();
    let pymod = dir.join("pymod").to_string_lossy().into_owned();
    let pythonpath = match std::env::var("PYTHONPATH") {
        Ok(existing) if !existing.is_empty() => format!("{pymod}:{existing}"),
        _ => pymod,
    };
    sidecars
        .iter()
        .map(|path| {
            let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let name = file_name.trim_end_matches(".args.json").to_string();
            let text = std::fs::read_to_string(path).expect("sidecar is readable");
            let sidecar: Sidecar =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: invalid sidecar: {e}", path.display()));
            for key in sidecar.expect.keys() {
                assert!(EXPECT_KEYS.contains(&key.as_str()), "{}: unknown expect key {key:?}", path.display());
            }
            for key in ["exit", "status", "deviated"] {
                assert!(sidecar.expect.contains_key(key), "{}: expect needs {key:?}", path.display());
            }
            let experiment = match &sidecar.experiment {
                Some(file) => dir.join(file),
                None => ["json", "yaml", "yml"]
                    .iter()
                    .map(|ext| dir.join(format!("{name}.{ext}")))
                    .find(|p| p.is_file())
                    .unwrap_or_else(|| panic!("{}: no experiment file for case", path.display())),
            };
            assert!(experiment.is_file(), "{}: {} does not exist", path.display(), experiment.display());
            let signal = sidecar.signal.as_deref().map(|s| {
                let signo = tools::signal_number(s).unwrap_or_else(|| panic!("{}: unknown signal {s}", path.display()));
                let delay = sidecar.signal_after_ms.unwrap_or(1000);
                (signo, Duration::from_millis(delay))
            });
            let during = match sidecar.during.as_deref() {
                None => DuringMode::Exact,
                Some(text) => {
                    DuringMode::parse(text).unwrap_or_else(|| panic!("{}: bad during mode {text}", path.display()))
                }
            };
            let mut env = vec![("PYTHONPATH".to_string(), pythonpath.clone())];
            // `{venv}`: the reference venv, e.g. for a gameday run that needs
            // the same Python packages as chaos (chaosaddons).
            let venv = tools::ctk_venv().display().to_string();
            env.extend(sidecar.env.iter().map(|(k, v)| (k.clone(), v.replace("{venv}", &venv))));
            Case {
                name,
                experiment,
                args: sidecar.args.iter().map(|a| a.replace("{compat}", &compat)).collect(),
                env,
                setup_files: sidecar.setup_files,
                signal,
                signal_after_request: sidecar.signal_after_request,
                during,
                secrets: sidecar.secrets,
                expect: sidecar.expect,
            }
        })
        .collect()
}

/// One tool's run of one case, with its server and working directory gone.
struct ToolRun {
    outcome: RunOutcome,
    summary: Value,
    seconds: f64,
}

fn run_case_with(tool: Tool, case: &Case) -> ToolRun {
    let server = TestServer::start().expect("test server starts");
    let closed = closed_port().expect("a free port");
    let closed_url = format!("http://127.0.0.1:{closed}");
    let workdir = tempfile::Builder::new().prefix(&format!("gd-diff-{}-", tool.label())).tempdir().expect("temp dir");
    for (file, content) in &case.setup_files {
        std::fs::write(workdir.path().join(file), content).expect("setup file");
    }
    let mut args = vec![
        "--var".to_string(),
        format!("base_url={}", server.base_url()),
        "--var".to_string(),
        format!("closed_url={closed_url}"),
    ];
    args.extend(case.args.iter().cloned());
    let gate = |prefix: &str| server.request_log().iter().any(|r| r.starts_with(prefix));
    let gate_for_case = case.signal_after_request.as_deref().map(|prefix| move || gate(prefix));
    let spec = RunSpec {
        experiment: &case.experiment,
        args: &args,
        env: &case.env,
        cwd: workdir.path(),
        signal: case.signal,
        signal_gate: gate_for_case.as_ref().map(|g| g as &dyn Fn() -> bool),
        timeout: RUN_TIMEOUT,
    };
    let started = Instant::now();
    let outcome = tools::run_tool(tool, &spec);
    let seconds = started.elapsed().as_secs_f64();
    let mut placeholders = Placeholders::new();
    placeholders.add(server.base_url(), "{base_url}");
    placeholders.add(closed_url, "{closed_url}");
    if tool == Tool::Chaos {
        for s in &case.secrets {
            placeholders.add(s.clone(), "***");
        }
    }
    if let Ok(real) = workdir.path().canonicalize() {
        placeholders.add(real.to_string_lossy(), "{cwd}");
    }
    placeholders.add(workdir.path().to_string_lossy(), "{cwd}");
    if let (Ok(keep), Some(journal)) = (std::env::var("GAMEDAY_DIFF_KEEP_JOURNALS"), outcome.journal.as_ref()) {
        let file = Path::new(&keep).join(format!("{}.{}.journal.json", case.name, tool.label()));
        let text = serde_json::to_string_pretty(journal).unwrap_or_default();
        let _ = std::fs::create_dir_all(&keep).and_then(|_| std::fs::write(file, text));
    }
    let summary = journal_summary::summarize(outcome.exit_code, outcome.journal.as_ref(), case.during, &placeholders);
    ToolRun { outcome, summary, seconds }
}

/// Checks chaos's result against the sidecar's `expect` block.
fn check_expectations(case: &Case, chaos: &ToolRun) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(journal) = chaos.outcome.journal.as_ref() else {
        problems.push(format!(
            "chaos wrote no journal ({}); stderr:\n{}",
            chaos.outcome.journal_error.as_deref().unwrap_or("?"),
            chaos.outcome.stderr_tail(15)
        ));
        return problems;
    };
    let met =
        |state: &Value| -> Value { if state.is_null() { Value::Null } else { state["steady_state_met"].clone() } };
    let len = |v: &Value| Value::from(v.as_array().map_or(0, Vec::len));
    for (key, want) in &case.expect {
        let got = match key.as_str() {
            "exit" => Value::from(chaos.outcome.exit_code),
            "status" => journal["status"].clone(),
            "deviated" => journal["deviated"].clone(),
            "before_met" => met(&journal["steady_states"]["before"]),
            "after_met" => met(&journal["steady_states"]["after"]),
            "run" => len(&journal["run"]),
            "rollbacks" => len(&journal["rollbacks"]),
            _ => continue,
        };
        if &got != want {
            problems.push(format!("corpus expectation {key}: sidecar says {want}, chaos gave {got}"));
        }
    }
    problems
}

/// What one case produced.
struct CaseResult {
    /// Empty when everything matched.
    problems: Vec<String>,
    /// Wall time of each tool, for the progress line.
    timing: String,
}

/// Runs one case with chaos (and gameday unless `chaos_only`).
fn run_case(case: &Case, chaos_only: bool) -> CaseResult {
    let chaos = run_case_with(Tool::Chaos, case);
    let mut problems = check_expectations(case, &chaos);
    let mut timing = format!("chaos {:.2}s", chaos.seconds);
    if chaos.outcome.timed_out {
        problems.push("chaos timed out".into());
    }
    if !chaos_only {
        let gameday = run_case_with(Tool::Gameday, case);
        timing.push_str(&format!(", gameday {:.2}s", gameday.seconds));
        if gameday.outcome.timed_out {
            problems.push("gameday timed out (killed)".into());
        }
        let diffs = journal_summary::diff(&chaos.summary, &gameday.summary);
        if !diffs.is_empty() {
            problems.extend(diffs);
            if gameday.outcome.journal.is_none() {
                problems.push(format!(
                    "gameday: {}; command: {}\n      stderr tail:\n{}",
                    gameday.outcome.journal_error.as_deref().unwrap_or("?"),
                    gameday.outcome.command_line,
                    indent(&gameday.outcome.stderr_tail(15), "        ")
                ));
            }
        }
    }
    if !problems.is_empty() {
        problems.push(format!("chaos command: {}", chaos.outcome.command_line));
    }
    CaseResult { problems, timing }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().map(|l| format!("{prefix}{l}")).collect::<Vec<_>>().join("\n")
}

/// Every experiment file in the corpus must be used by at least one case.
fn unused_experiments(dir: &Path, cases: &[Case]) -> Vec<String> {
    let used: Vec<&PathBuf> = cases.iter().map(|c| &c.experiment).collect();
    let mut unused = Vec::new();
    for entry in std::fs::read_dir(dir).expect("tests/compat is readable").flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let is_experiment = !name.ends_with(".args.json")
            && (name.ends_with(".json") || name.ends_with(".yaml") || name.ends_with(".yml"));
        if is_experiment && !used.contains(&&path) {
            unused.push(name.to_string());
        }
    }
    unused.sort();
    unused
}

#[test]
fn journals_match_chaos_toolkit() {
    // Fail loudly (not skip) when the oracle is missing.
    let _ = tools::chaos_bin();
    let dir = compat_dir();
    let mut cases = load_cases(&dir);
    assert!(cases.len() >= 30, "the corpus needs at least 30 cases");
    let unused = unused_experiments(&dir, &cases);
    assert!(unused.is_empty(), "experiments not used by any case: {unused:?}");
    if let Ok(filter) = std::env::var("GAMEDAY_DIFF_CASES") {
        let wanted: Vec<&str> = filter.split(',').filter(|s| !s.is_empty()).collect();
        cases.retain(|c| wanted.iter().any(|w| c.name.contains(w)));
        assert!(!cases.is_empty(), "GAMEDAY_DIFF_CASES matched no case");
    }
    let chaos_only = env_flag("GAMEDAY_DIFF_CHAOS_ONLY");
    let jobs =
        std::env::var("GAMEDAY_DIFF_JOBS").ok().and_then(|v| v.parse::<usize>().ok()).filter(|n| *n > 0).unwrap_or(2);

    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<CaseResult>>> = cases.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    let result = run_case(case, chaos_only);
                    let verdict = if result.problems.is_empty() { "ok" } else { "MISMATCH" };
                    eprintln!("[{}] {} ({})", verdict, case.name, result.timing);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });

    let mut failing = Vec::new();
    let mut report = String::new();
    for (case, slot) in cases.iter().zip(&results) {
        let problems = match slot.lock().ok().and_then(|mut s| s.take()) {
            Some(result) => result.problems,
            None => vec!["case did not finish (worker panicked)".into()],
        };
        if problems.is_empty() {
            continue;
        }
        failing.push(case.name.clone());
        report.push_str(&format!(
            "\n=== {} ({})\n",
            case.name,
            case.experiment.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        ));
        for problem in problems {
            report.push_str(&format!("  - {problem}\n"));
        }
    }
    let mode = if chaos_only { "chaos expectations only" } else { "chaos vs gameday" };
    assert!(failing.is_empty(), "{} of {} cases failed ({mode}): {failing:?}\n{report}", failing.len(), cases.len());
}
