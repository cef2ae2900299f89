//! Command-line mistakes are usage errors with exit code 2, as `chaos run`
//! gives them (click), not run failures (1): a CI script that tells the two
//! apart works the same with gameday. Checked against the real `chaos`.
mod common;

use common::tools;
use std::process::Command;

fn experiment(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("e.json");
    std::fs::write(
        &p,
        r#"{"title": "t", "description": "d", "method": [{"type": "action", "name": "a", "provider": {"type": "process", "path": "echo", "arguments": ["x"]}}]}"#,
    )
    .unwrap();
    p
}

#[test]
fn bad_vars_and_missing_var_files_exit_2_as_with_chaos() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path());
    for flags in [
        vec!["--var", "no-equals-sign"],
        vec!["--var", "n:int=not-a-number"],
        vec!["--var-file", "/nonexistent/vars.yaml"],
    ] {
        let chaos = Command::new(tools::chaos_bin())
            .args(["--no-version-check", "--no-log-file", "run"])
            .args(&flags)
            .arg(&exp)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let ours = Command::new(env!("CARGO_BIN_EXE_gameday"))
            .arg("run")
            .arg(&exp)
            .arg("--headless")
            .args(&flags)
            .env("GAMEDAY_DATA_DIR", dir.path().join("data"))
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(chaos.status.code(), Some(2), "{flags:?}: {}", String::from_utf8_lossy(&chaos.stderr));
        assert_eq!(ours.status.code(), chaos.status.code(), "{flags:?}: {}", String::from_utf8_lossy(&ours.stderr));
        let err = String::from_utf8_lossy(&ours.stderr);
        assert!(err.contains(flags[0]), "the flag is not named: {err}");
        assert!(!dir.path().join("data").join("sessions").exists(), "a session was started for a usage error");
    }
}

/// Controls given as a mapping: `chaos run --no-validation` crashes with a
/// traceback and writes no journal; gameday refuses the file with a clear
/// message and the same exit code (deliberately, instead of ignoring them).
#[test]
fn controls_as_a_mapping_are_refused_even_without_validation() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("e.json");
    std::fs::write(
        &exp,
        r#"{"title": "t", "description": "d",
            "controls": {"name": "x", "provider": {"type": "python", "module": "os"}},
            "method": [{"type": "action", "name": "a", "provider": {"type": "process", "path": "echo", "arguments": ["x"]}}]}"#,
    )
    .unwrap();
    let chaos = Command::new(tools::chaos_bin())
        .args(["--no-version-check", "--no-log-file", "run", "--no-validation", "--journal-path", "cj.json"])
        .arg(&exp)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(chaos.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&chaos.stderr).contains("Traceback"), "the reference changed");
    let ours = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("run")
        .arg(&exp)
        .args(["--headless", "--no-validation", "--journal-path", "gj.json"])
        .env("GAMEDAY_DATA_DIR", dir.path().join("data"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&ours.stderr);
    assert_eq!(ours.status.code(), Some(1), "{err}");
    assert!(err.contains("the controls of the experiment must be a list, not a mapping"), "{err}");
    assert!(!dir.path().join("gj.json").exists() && !dir.path().join("cj.json").exists());
}
