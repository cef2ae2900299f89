//! Resume never runs with masked values. A headless run is killed in the
//! middle of its method, then resumed:
//!
//! * with the experiment file unchanged, from the file: the rollback gets
//!   the real inline secret;
//! * with the file removed (or changed), from the session's frozen copy,
//!   which parses (it used to hold `***`, a YAML alias) and holds no secret:
//!   the rollback that needs the inline secret fails without running and
//!   says which secret, the one that does not need it runs.
mod e2e;

use e2e::procs;
use e2e::sandbox::{self, Sandbox, events, kind};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const SECRET: &str = "tok-9f8e7d6c5b4a";

fn yaml(sb: &Sandbox) -> String {
    let q = |name: &str| sandbox::sh_quote(&sb.path().join(name).display().to_string());
    let (flag, with, without) = (q("ran-once"), q("with-secret"), q("without-secret"));
    format!(
        r#"version: 1.0.0
title: Resume and secrets
description: an inline secret, a kill -9 and a resume
secrets:
  svc:
    token: {SECRET}
method:
  - type: action
    name: inject-fault
    provider:
      type: process
      path: sh
      arguments: ["-c", "if [ -e {flag} ]; then echo again; else touch {flag}; sleep 60; fi"]
rollbacks:
  - type: action
    name: undo-with-token
    secrets: [svc]
    provider:
      type: process
      path: sh
      arguments: ["-c", "echo \"$0\" > {with}", "${{token}}"]
  - type: action
    name: undo-plain
    provider:
      type: process
      path: sh
      arguments: ["-c", "echo done > {without}"]
"#
    )
}

fn gameday(sb: &Sandbox, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gameday"));
    c.args(args)
        .env("GAMEDAY_DATA_DIR", sb.path().join("data"))
        .env("GAMEDAY_CONFIG", sb.path().join("config.yaml"))
        .current_dir(sb.path());
    c
}

/// Start a headless run, kill it (and its step) once the step runs.
fn killed_mid_method(sb: &Sandbox, exp: &Path) -> std::path::PathBuf {
    let mut child = gameday(sb, &["run", &exp.display().to_string(), "--headless"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let session = sb.wait_session_dir();
    let started = sandbox::wait_event(&session, "the fault's process", |e| kind(e) == "process_started");
    procs::signal(child.id(), libc::SIGKILL);
    let _ = child.wait();
    if let Some(pgid) = started["pgid"].as_i64().and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill(2) of the step's process group, started by this test.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
    }
    std::thread::sleep(Duration::from_millis(100));
    session
}

fn resume(sb: &Sandbox, session: &Path) -> Output {
    gameday(sb, &["resume", "--headless", &session.display().to_string()]).output().expect("resume")
}

fn rollback_entry(session: &Path, name: &str) -> serde_json::Value {
    let evs = events(session);
    let run = evs
        .iter()
        .rev()
        .find(|e| kind(e) == "activity_started" && e["activity"]["name"] == name)
        .map(|e| e["run"].clone())
        .unwrap_or_else(|| panic!("{name} never started:\n{}", sandbox::dump_events(session)));
    evs.iter()
        .find(|e| kind(e) == "activity_finished" && e["run"] == run)
        .cloned()
        .unwrap_or_else(|| panic!("{name} never finished:\n{}", sandbox::dump_events(session)))
}

#[test]
fn resume_with_the_file_gone_refuses_the_step_that_needs_the_inline_secret() {
    let sb = Sandbox::new();
    let exp = sb.path().join("experiment.yaml");
    std::fs::write(&exp, yaml(&sb)).expect("write");
    let session = killed_mid_method(&sb, &exp);

    let frozen = std::fs::read_to_string(session.join("experiment.json")).expect("the frozen copy");
    assert!(!frozen.contains(SECRET), "the frozen copy holds the secret:\n{frozen}");
    let parsed: serde_json::Value = serde_json::from_str(&frozen).expect("the frozen copy parses");
    assert_eq!(parsed["rollbacks"][0]["name"], "undo-with-token");

    std::fs::remove_file(&exp).expect("remove the experiment");
    let out = resume(&sb, &session);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("svc.token"), "the lost secret is not named:\n{stderr}");
    assert!(!sb.path().join("with-secret").exists(), "the step ran without its secret (with the mask?):\n{stderr}");
    let refused = rollback_entry(&session, "undo-with-token");
    assert_eq!(refused["status"], "failed", "{refused}");
    let why = refused.to_string();
    assert!(why.contains("needs the inline secret 'token'"), "{why}");
    assert_eq!(rollback_entry(&session, "undo-plain")["status"], "succeeded");
    assert!(sb.path().join("without-secret").exists(), "{stderr}");
}

#[test]
fn resume_with_the_file_changed_uses_the_frozen_copy() {
    let sb = Sandbox::new();
    let exp = sb.path().join("experiment.yaml");
    std::fs::write(&exp, yaml(&sb)).expect("write");
    let session = killed_mid_method(&sb, &exp);
    std::fs::write(&exp, yaml(&sb).replace("undo-plain", "undo-renamed")).expect("change it");
    let out = resume(&sb, &session);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("changed since the session started"), "{stderr}");
    assert_eq!(rollback_entry(&session, "undo-plain")["status"], "succeeded", "{stderr}");
    assert!(!sb.path().join("with-secret").exists(), "{stderr}");
}

#[test]
fn resume_with_the_file_unchanged_reads_it_and_has_the_secret() {
    let sb = Sandbox::new();
    let exp = sb.path().join("experiment.yaml");
    std::fs::write(&exp, yaml(&sb)).expect("write");
    let session = killed_mid_method(&sb, &exp);
    let out = resume(&sb, &session);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("frozen copy"), "{stderr}");
    let written = std::fs::read_to_string(sb.path().join("with-secret")).unwrap_or_default();
    assert_eq!(written.trim(), SECRET, "{stderr}");
    assert_eq!(rollback_entry(&session, "undo-with-token")["status"], "succeeded");
}
