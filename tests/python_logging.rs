//! What a python activity logs reaches the output as under `chaos run`:
//! chaostoolkit's logger is shown, a library's own logger (urllib3's
//! "Retrying …", which chaosk8s and chaosaws calls trigger) is not.
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

fn venv() -> PathBuf {
    let v = std::env::var_os("GAMEDAY_CTK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/gameday-ctk-venv"));
    assert!(v.join("bin/chaos").is_file(), "no chaos venv at {} (scripts/test creates it)", v.display());
    v
}

#[test]
fn library_loggers_stay_quiet_as_under_chaos() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/logging_fixture");
    let exp = json!({"title": "logs", "description": "d", "method": [{
        "type": "action", "name": "noisy", "provider": {"type": "python", "module": "gd_logs", "func": "noisy"}}]});
    let file = dir.path().join("e.json");
    std::fs::write(&file, serde_json::to_vec(&exp).unwrap()).unwrap();
    let chaos = Command::new(venv().join("bin/chaos"))
        .args(["--no-version-check", "--no-log-file", "run", "--journal-path"])
        .arg(dir.path().join("cj.json"))
        .arg(&file)
        .env("PYTHONPATH", &fixtures)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let theirs = String::from_utf8_lossy(&chaos.stdout).into_owned() + &String::from_utf8_lossy(&chaos.stderr);
    assert!(theirs.contains("from-the-chaostoolkit-logger"), "{theirs}");
    assert!(!theirs.contains("from-urllib3"), "{theirs}");
    let data = dir.path().join("data");
    let ours = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("run")
        .arg(&file)
        .args(["--headless", "--python"])
        .arg(venv().join("bin/python"))
        .arg("--journal-path")
        .arg(dir.path().join("gj.json"))
        .env("PYTHONPATH", &fixtures)
        .env("GAMEDAY_DATA_DIR", &data)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&ours.stdout).into_owned() + &String::from_utf8_lossy(&ours.stderr);
    assert!(ours.status.success(), "{text}");
    let mut events = String::new();
    for s in std::fs::read_dir(data.join("sessions")).unwrap() {
        events += &std::fs::read_to_string(s.unwrap().path().join("events.jsonl")).unwrap_or_default();
    }
    assert!(events.contains("from-the-chaostoolkit-logger"), "{events}");
    assert!(!events.contains("from-urllib3") && !text.contains("from-urllib3"), "{text}\n{events}");
}
