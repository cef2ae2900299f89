//! The peer's own test fixtures, run by both tools. chaostoolkit-lib's source
//! distribution (1.44.0, fetched by `scripts/test` into
//! `$GAMEDAY_CTK_LIB_SRC`) ships its test suite; every experiment its
//! `tests/fixtures/experiments.py` defines is written out as JSON
//! (`tests/peer/dump_fixtures.py`) and run with the real `chaos run` and
//! with `gameday run --headless`, with the fixtures' own Python modules on
//! the path. Exit code, status, deviation, steady states, run and rollback
//! entries must agree, or the case must be listed in [`DELIBERATE`] with the
//! reason (each of those has its own test elsewhere). The figure is printed
//! and quoted in the README.
mod common;

use common::journal_summary::{DuringMode, Placeholders, diff, summarize};
use common::tools::{self, RunSpec, Tool};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Cases where gameday differs on purpose, with why.
const DELIBERATE: &[(&str, &str)] = &[];

/// Cases that differ today and are not deliberate: what is missing, tracked
/// in the open runtime issue. They are reported, and the test fails if one
/// starts to agree (so this list only shrinks) or another case breaks.
const KNOWN: &[(&str, &str)] = &[];

fn lib_tests() -> PathBuf {
    let root = std::env::var_os("GAMEDAY_CTK_LIB_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/gameday-ctk-lib-src"));
    let tests = root.join("chaostoolkit_lib-1.44.0").join("tests");
    assert!(
        tests.join("fixtures").join("experiments.py").is_file(),
        "chaostoolkit-lib's test suite is not at {} (scripts/test fetches it: pip download --no-binary :all: --no-deps chaostoolkit-lib==1.44.0)",
        tests.display()
    );
    tests
}

fn dump(tests: &Path, out: &Path) -> Vec<PathBuf> {
    let python = tools::ctk_venv().join("bin").join("python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peer/dump_fixtures.py");
    let run = Command::new(python).arg(script).arg(tests).arg(out).output().expect("run the dumper");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .expect("dumped")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// Run one fixture with both tools: (name, differences, gameday's last words).
fn compare(case: &Path, scratch: &Path, env: &[(String, String)]) -> (String, Vec<String>, String) {
    let name = case.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
    let mut outcomes = Vec::new();
    for tool in [Tool::Chaos, Tool::Gameday] {
        let cwd = scratch.join(format!("{name}-{}", tool.label()));
        std::fs::create_dir_all(&cwd).expect("cwd");
        let spec = RunSpec {
            experiment: case,
            args: &[],
            env,
            cwd: &cwd,
            signal: None,
            signal_gate: None,
            timeout: Duration::from_secs(40),
        };
        outcomes.push(tools::run_tool(tool, &spec));
    }
    let placeholders = Placeholders::new();
    let sums: Vec<_> = outcomes
        .iter()
        .map(|o| {
            let journal = o.journal.clone().map(without_timing_counts);
            summarize(o.exit_code, journal.as_ref(), DuringMode::NonEmpty, &placeholders)
        })
        .collect();
    let differences = if outcomes.iter().all(|o| o.timed_out) { Vec::new() } else { diff(&sums[0], &sums[1]) };
    (name, differences, outcomes[1].stderr_tail(4))
}

/// `fixtures.longpythonfunc.be_long` returns how many 0.1 s sleeps fitted in
/// its time: a count that depends on the machine's load, not on the tool.
fn without_timing_counts(mut journal: serde_json::Value) -> serde_json::Value {
    for list in ["run", "rollbacks"] {
        for entry in journal.get_mut(list).and_then(serde_json::Value::as_array_mut).into_iter().flatten() {
            if entry["activity"]["provider"]["func"] == "be_long" && entry["output"].is_number() {
                entry["output"] = serde_json::json!("<a count of sleeps>");
            }
        }
    }
    journal
}

#[test]
fn the_peers_own_fixture_experiments_agree_with_chaos() {
    let tests = lib_tests();
    let scratch = tempfile::tempdir().expect("scratch");
    let cases = dump(&tests, &scratch.path().join("cases"));
    assert!(cases.len() >= 50, "only {} fixture experiments found", cases.len());
    let python = tools::ctk_venv().join("bin").join("python").display().to_string();
    let env = vec![
        ("PYTHONPATH".to_string(), tests.display().to_string()),
        ("GAMEDAY_PYTHON".to_string(), python),
        ("HOME".to_string(), scratch.path().display().to_string()),
    ];
    let only = std::env::var("GAMEDAY_PEER_CASES").ok();
    let selected: Vec<PathBuf> = cases
        .iter()
        .filter(|c| {
            let name = c.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            only.as_deref().is_none_or(|o| o.split(',').any(|p| name.contains(p)))
        })
        .cloned()
        .collect();
    // The exit-signal fixtures race a 1.5 s timer against the steps beside
    // it: they run alone, first. The others mostly wait (5 s pauses,
    // background sleeps), four at a time.
    let timed = |c: &PathBuf| c.file_stem().and_then(|s| s.to_str()).is_some_and(|n| n.contains("Exit"));
    let results = std::sync::Mutex::new(Vec::new());
    for (i, case) in selected.iter().enumerate().filter(|(_, c)| timed(c)) {
        let outcome = compare(case, scratch.path(), &env);
        results.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((i, outcome));
    }
    let queue = std::sync::Mutex::new(selected.iter().enumerate().filter(|(_, c)| !timed(c)).collect::<Vec<_>>());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                loop {
                    let Some((i, case)) = queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop() else {
                        return;
                    };
                    let outcome = compare(case, scratch.path(), &env);
                    results.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((i, outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    results.sort_by_key(|(i, _)| *i);
    let total = results.len();
    let mut agree = 0;
    let mut unexplained = Vec::new();
    for (_, (name, differences, gameday_said)) in results {
        let known = KNOWN.iter().find(|(n, _)| *n == name);
        if differences.is_empty() {
            agree += 1;
            eprintln!("[ok] {name}");
            if known.is_some() {
                unexplained.push(format!("{name} now agrees: take it off KNOWN"));
            }
            continue;
        }
        if let Some((_, why)) = known {
            eprintln!("[known] {name}: {why}");
            continue;
        }
        match DELIBERATE.iter().find(|(n, _)| *n == name) {
            Some((_, why)) => {
                agree += 1;
                eprintln!("[deliberate] {name}: {why}");
            }
            None => {
                eprintln!("[MISMATCH] {name}");
                for d in &differences {
                    eprintln!("  - {d}");
                }
                eprintln!("  - gameday said: {gameday_said}");
                unexplained.push(name);
            }
        }
    }
    eprintln!(
        "peer fixtures: {agree} of {total} agree with chaos run (deliberate differences counted as agreeing; {} known differences)",
        KNOWN.len()
    );
    assert!(unexplained.is_empty(), "{} of {total} differ: {unexplained:?}", unexplained.len());
}
