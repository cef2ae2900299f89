//! gameday as a drop-in for Chaos Toolkit's `chaos` command: the binary
//! reached through a link named `chaos` on PATH (or `gameday chaos …`) must
//! give a CI script the same exit codes, journals, log files and settings
//! handling as the real `chaos`, which every test here runs side by side.
mod common;

use common::journal_summary::{self, DuringMode, Placeholders};
use common::tools::{chaos_bin, gameday_bin};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn process(name: &str, kind: &str, path: &str) -> Value {
    json!({"type": kind, "name": name, "provider": {"type": "process", "path": path}})
}

/// An experiment whose hypothesis probe exits with `probe_exit` (tolerance 0).
fn experiment(title: &str, probe_exit: &str, action: &str) -> Value {
    let mut probe = process("probe", "probe", probe_exit);
    probe["tolerance"] = json!(0);
    json!({
        "title": title, "description": "drop-in",
        "steady-state-hypothesis": {"title": "ssh", "probes": [probe]},
        "method": [process("act", "action", action)],
        "rollbacks": [process("rb", "action", "true")],
    })
}

/// A directory on PATH holding one `chaos`: the real one or a link to gameday.
fn chaos_dir(root: &Path, real: bool) -> PathBuf {
    let dir = root.join(if real { "real-bin" } else { "gameday-bin" });
    std::fs::create_dir_all(&dir).unwrap();
    let target = if real { chaos_bin() } else { gameday_bin() };
    std::os::unix::fs::symlink(target, dir.join("chaos")).unwrap();
    dir
}

/// A fresh working directory with the experiments of `files`.
fn workdir(root: &Path, name: &str, files: &[(&str, &Value)]) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, doc) in files {
        std::fs::write(dir.join(file), serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    }
    dir
}

/// Run `script` with `sh` in `dir`, with `bin` first on PATH.
fn sh(bin: &Path, dir: &Path, script: &str) -> Output {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", dir)
        .env("GAMEDAY_DATA_DIR", dir.join(".gameday-data"))
        .output()
        .unwrap()
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn summary(code: Option<i32>, journal: &Path) -> Value {
    journal_summary::summarize(code, read_json(journal).as_ref(), DuringMode::Exact, &Placeholders::new())
}

fn both(root: &Path, files: &[(&str, &Value)], script: &str) -> [(PathBuf, Output); 2] {
    [true, false].map(|real| {
        let dir = workdir(root, if real { "chaos" } else { "gameday" }, files);
        let out = sh(&chaos_dir(root, real), &dir, script);
        (dir, out)
    })
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// A CI script written for `chaos` runs unchanged with gameday as `chaos`:
/// same exit codes and the same journals, for a completed, a deviated and a
/// failed experiment, and `validate` of a good and a broken one.
#[test]
fn a_ci_script_calling_chaos_works_unchanged_with_gameday() {
    let root = tempfile::tempdir().unwrap();
    let ok = experiment("ok", "true", "true");
    // The probe sees a marker file the method deletes: met before, not after.
    let mut deviated = experiment("deviated", "test", "rm");
    deviated["steady-state-hypothesis"]["probes"][0]["provider"]["arguments"] = json!("-f marker");
    deviated["method"][0]["provider"]["arguments"] = json!("-f marker");
    let not_met = experiment("not-met", "false", "true");
    let failing = experiment("failing", "true", "false");
    let broken = json!({"title": "broken", "method": []});
    let files = [
        ("ok.json", &ok),
        ("deviated.json", &deviated),
        ("not-met.json", &not_met),
        ("failing.json", &failing),
        ("broken.json", &broken),
    ];
    let script = "\
        chaos --no-version-check run --journal-path j-ok.json ok.json; echo \"ok=$?\" >> codes\n\
        touch marker; chaos --no-version-check run --journal-path j-dev.json deviated.json; echo \"deviated=$?\" >> codes\n\
        chaos run --journal-path j-not-met.json not-met.json; echo \"not-met=$?\" >> codes\n\
        chaos run --rollback-strategy always --journal-path j-fail.json failing.json; echo \"failing=$?\" >> codes\n\
        chaos validate ok.json; echo \"validate-ok=$?\" >> codes\n\
        chaos validate broken.json; echo \"validate-broken=$?\" >> codes\n";
    let [(cdir, cout), (gdir, gout)] = both(root.path(), &files, script);
    let codes = |d: &Path| std::fs::read_to_string(d.join("codes")).unwrap_or_default();
    assert_eq!(
        codes(&cdir),
        "ok=0\ndeviated=1\nnot-met=0\nfailing=0\nvalidate-ok=0\nvalidate-broken=1\n",
        "the real chaos:\n{}",
        text(&cout)
    );
    assert_eq!(codes(&gdir), codes(&cdir), "gameday as chaos:\n{}", text(&gout));
    for j in ["j-ok.json", "j-dev.json", "j-not-met.json", "j-fail.json"] {
        let (c, g) = (summary(None, &cdir.join(j)), summary(None, &gdir.join(j)));
        assert!(c.get("status").is_some(), "chaos wrote no {j}");
        let diff = journal_summary::diff(&c, &g);
        assert!(diff.is_empty(), "{j} differs (chaos vs gameday):\n{}", diff.join("\n"));
    }
}

/// `chaostoolkit.log` is written where chaos writes it (by default in the
/// directory it was started from, also with `--change-dir`), at the path of
/// `--log-file`, and not at all with `--no-log-file`; `--change-dir` moves
/// the run (relative experiment and journal paths) before it starts.
#[test]
fn log_file_flags_and_change_dir_behave_as_chaos() {
    let root = tempfile::tempdir().unwrap();
    let ok = experiment("ok", "true", "true");
    let script = "\
        mkdir -p sub quiet named && cp ok.json sub/ && cp ok.json quiet/ && cp ok.json named/\n\
        chaos --no-version-check --change-dir sub run --journal-path j.json ok.json; echo \"sub=$?\" >> codes\n\
        chaos --no-log-file --change-dir quiet run --journal-path j.json ok.json; echo \"quiet=$?\" >> codes\n\
        chaos --log-file named/run.log --log-file-level info --change-dir named run ok.json; echo \"named=$?\" >> codes\n";
    let [(cdir, cout), (gdir, gout)] = both(root.path(), &[("ok.json", &ok)], script);
    for (dir, out, who) in [(&cdir, &cout, "chaos"), (&gdir, &gout, "gameday")] {
        let codes = std::fs::read_to_string(dir.join("codes")).unwrap_or_default();
        assert_eq!(codes, "sub=0\nquiet=0\nnamed=0\n", "{who}:\n{}", text(out));
        assert!(dir.join("sub/j.json").is_file() && dir.join("quiet/j.json").is_file(), "{who}: journals");
        assert!(dir.join("named/journal.json").is_file(), "{who}: default journal path after --change-dir");
        let log = std::fs::read_to_string(dir.join("chaostoolkit.log")).unwrap_or_default();
        assert!(log.contains("Experiment ended with status: completed"), "{who}'s chaostoolkit.log: {log}");
        assert!(!dir.join("sub/chaostoolkit.log").exists(), "{who}: the log moved with --change-dir");
        assert!(!dir.join("quiet/chaostoolkit.log").exists(), "{who}: --no-log-file wrote a log");
        let named = std::fs::read_to_string(dir.join("named/run.log")).unwrap_or_default();
        assert!(named.contains("Experiment ended with status: completed"), "{who}'s --log-file: {named}");
        assert!(named.lines().all(|l| !l.contains(" DEBUG]")), "{who}: --log-file-level info let DEBUG through");
    }
    // Only the first run logs to chaostoolkit.log (the others are quiet or named).
    let runs = |d: &Path| {
        std::fs::read_to_string(d.join("chaostoolkit.log")).unwrap_or_default().matches("Experiment ended").count()
    };
    assert_eq!(runs(&gdir), runs(&cdir));
}

/// `--settings PATH`: its runtime strategies apply (here: never roll back)
/// and a missing settings file is no settings, for both.
#[test]
fn settings_flag_behaves_as_chaos() {
    let root = tempfile::tempdir().unwrap();
    let ok = experiment("ok", "true", "true");
    let settings = "runtime:\n  rollbacks:\n    strategy: never\n";
    let script = format!(
        "printf '{}' > s.yaml\n\
         chaos --no-log-file --settings s.yaml run --journal-path j-never.json ok.json; echo \"never=$?\" >> codes\n\
         chaos --no-log-file --settings missing.yaml run --journal-path j-none.json ok.json; echo \"none=$?\" >> codes\n",
        settings.replace('\n', "\\n")
    );
    let [(cdir, cout), (gdir, gout)] = both(root.path(), &[("ok.json", &ok)], &script);
    let codes = |d: &Path| std::fs::read_to_string(d.join("codes")).unwrap_or_default();
    assert_eq!(codes(&cdir), "never=0\nnone=0\n", "{}", text(&cout));
    assert_eq!(codes(&gdir), codes(&cdir), "{}", text(&gout));
    let rollbacks = |d: &Path, j: &str| read_json(&d.join(j)).map(|v| v["rollbacks"].clone());
    assert_eq!(rollbacks(&cdir, "j-never.json"), Some(json!([])));
    assert_eq!(rollbacks(&gdir, "j-never.json"), rollbacks(&cdir, "j-never.json"));
    for j in ["j-never.json", "j-none.json"] {
        let diff = journal_summary::diff(&summary(None, &cdir.join(j)), &summary(None, &gdir.join(j)));
        assert!(diff.is_empty(), "{j}:\n{}", diff.join("\n"));
    }
}

/// `gameday chaos run` is the same drop-in; `info core` names gameday;
/// commands the drop-in does not provide are usage errors (exit 2) that say
/// what to use instead.
#[test]
fn gameday_chaos_subcommand_info_and_unsupported_commands() {
    let root = tempfile::tempdir().unwrap();
    let dir = workdir(root.path(), "w", &[("ok.json", &experiment("ok", "true", "true"))]);
    let run = |args: &[&str]| {
        Command::new(gameday_bin())
            .args(args)
            .current_dir(&dir)
            .env("HOME", &dir)
            .env("GAMEDAY_DATA_DIR", dir.join(".data"))
            .output()
            .unwrap()
    };
    let out = run(&["chaos", "--no-log-file", "run", "--journal-path", "j.json", "ok.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(read_json(&dir.join("j.json")).map(|j| j["status"].clone()), Some(json!("completed")));
    assert!(!dir.join("chaostoolkit.log").exists());
    let info = run(&["chaos", "--no-log-file", "info", "core"]);
    assert_eq!(info.status.code(), Some(0));
    let shown = String::from_utf8_lossy(&info.stdout);
    assert!(shown.starts_with("NAME") && shown.contains("CLI") && shown.contains("gameday"), "{shown}");
    for cmd in ["init", "discover", "report", "settings"] {
        let out = run(&["chaos", "--no-log-file", cmd, "x"]);
        assert_eq!(out.status.code(), Some(2), "chaos {cmd}: {}", text(&out));
        assert!(text(&out).contains("not supported by gameday's chaos drop-in"), "{}", text(&out));
    }
    // chaos's top-level flags are accepted by gameday's own commands too.
    let out = run(&["--no-version-check", "--verbose", "--no-log-file", "validate", "ok.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
