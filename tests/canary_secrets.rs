//! A canary secret used in http headers, URLs and process arguments — inline
//! and from the environment — appears in no output of a session: not on
//! stderr or stdout, not in events.jsonl, journal.json (in the session and at
//! --journal-path), the frozen experiment copy, report.md or report.html. The
//! loopback server echoes what it receives, so the secrets do come back in the
//! activities' outputs and must be masked there.
mod common;

use common::server::TestServer;
use serde_json::json;
use std::process::Command;

const INLINE: &str = "canary-inline-7f3a9c";
const FROM_ENV: &str = "canary-env-41d2b8";

fn all_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_output_of_a_session_shows_a_secret() {
    let server = TestServer::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let experiment = json!({
        "title": "Canary", "description": "secrets everywhere",
        "configuration": {"base_url": server.base_url()},
        "secrets": {"api": {"token": INLINE, "other": {"type": "env", "key": "GD_CANARY"}}},
        "steady-state-hypothesis": {"title": "echo works", "probes": [
            {"type": "probe", "name": "header", "tolerance": 200,
             "provider": {"type": "http", "url": "${base_url}/echo", "headers": {"Authorization": "Bearer ${token}"}}}]},
        "method": [
            {"type": "action", "name": "url", "provider": {"type": "http", "url": "${base_url}/echo?key=${token}&k2=${other}"}},
            {"type": "action", "name": "post", "provider": {"type": "http", "method": "POST", "url": "${base_url}/echo",
             "headers": {"Content-Type": "application/json", "X-Token": "${other}"}, "arguments": {"secret": "${token}"}}},
            {"type": "action", "name": "argv", "provider": {"type": "process", "path": "echo", "arguments": ["--token", "${token}", "${other}"]}},
            {"type": "action", "name": "shell", "provider": {"type": "process", "path": "sh", "arguments": "-c 'echo $0 >&2' ${other}"}}
        ]
    });
    let exp = dir.path().join("exp.json");
    std::fs::write(&exp, serde_json::to_vec_pretty(&experiment).unwrap()).unwrap();
    let journal = dir.path().join("out-journal.json");
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["run", "--headless", "--journal-path"])
        .arg(&journal)
        .arg(&exp)
        .env("GAMEDAY_DATA_DIR", dir.path().join("data"))
        .env("GD_CANARY", FROM_ENV)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The secrets really reached the server (so masking had something to do).
    let log = server.request_log().join("\n");
    assert!(log.contains(INLINE) && log.contains(FROM_ENV), "the server never saw the secrets:\n{log}");
    for (what, text) in [("stderr", stderr.to_string()), ("stdout", String::from_utf8_lossy(&out.stdout).to_string())] {
        assert!(!text.contains(INLINE) && !text.contains(FROM_ENV), "{what} shows a secret:\n{text}");
    }
    let mut files = vec![journal.clone()];
    all_files(&dir.path().join("data"), &mut files);
    let names: Vec<String> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    for needed in ["events.jsonl", "journal.json", "experiment.json", "report.md", "report.html"] {
        assert!(names.iter().any(|n| n == needed), "{needed} was not written: {names:?}");
    }
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        assert!(!text.contains(INLINE), "{} shows the inline secret", f.display());
        assert!(!text.contains(FROM_ENV), "{} shows the env secret", f.display());
    }
    // And the masked values are there instead (outputs were kept, not dropped).
    let journal_text = std::fs::read_to_string(&journal).unwrap();
    assert!(journal_text.contains("***"), "no masked value in the journal");
    // The same, through `gameday report` in every format.
    let session = files.iter().find(|p| p.ends_with("events.jsonl")).unwrap().parent().unwrap().to_path_buf();
    for format in ["md", "html", "json"] {
        let r = Command::new(env!("CARGO_BIN_EXE_gameday"))
            .args(["report", "--format", format])
            .arg(&session)
            .output()
            .unwrap();
        assert!(r.status.success(), "report --format {format}: {}", String::from_utf8_lossy(&r.stderr));
        let text = String::from_utf8_lossy(&r.stdout);
        assert!(!text.contains(INLINE) && !text.contains(FROM_ENV), "report --format {format} shows a secret");
    }
}
