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
    let mut agree = 0;
    let mut total = 0;
    let mut unexplained = Vec::new();
    for case in &cases {
        let name = case.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
        if only.as_deref().is_some_and(|o| !o.split(',').any(|p| name.contains(p))) {
            continue;
        }
        total += 1;
        let mut outcomes = Vec::new();
        for tool in [Tool::Chaos, Tool::Gameday] {
            let cwd = scratch.path().join(format!("{name}-{}", tool.label()));
            std::fs::create_dir_all(&cwd).expect("cwd");
            let spec = RunSpec {
                experiment: case,
                args: &[],
                env: &env,
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
            .map(|o| summarize(o.exit_code, o.journal.as_ref(), DuringMode::NonEmpty, &placeholders))
            .collect();
        let differences = if outcomes.iter().all(|o| o.timed_out) { Vec::new() } else { diff(&sums[0], &sums[1]) };
        if differences.is_empty() {
            agree += 1;
            eprintln!("[ok] {name}");
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
                eprintln!("  - gameday said: {}", outcomes[1].stderr_tail(4));
                unexplained.push(name);
            }
        }
    }
    eprintln!("peer fixtures: {agree} of {total} agree with chaos run (deliberate differences counted as agreeing)");
    assert!(unexplained.is_empty(), "{} of {total} differ: {unexplained:?}", unexplained.len());
}
