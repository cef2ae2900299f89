//! A python activity printing 300 MB keeps gameday's memory bounded: its
//! output is read as a process activity's is (kept up to the cap, the cut
//! marked, shown live in pieces). The peak resident size (VmHWM) of the
//! headless `gameday run` is read from /proc while it runs.
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

const MEGABYTES: u64 = 300;
const BOUND_KB: u64 = 100 * 1024;

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_python_activity_printing_300_mb_stays_under_100_mb_resident() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spew.py"),
        "import sys\n\ndef spew(mb):\n    chunk = 'x' * (1024 * 1024)\n    for _ in range(mb):\n        sys.stdout.write(chunk)\n    sys.stdout.flush()\n    return mb\n",
    )
    .unwrap();
    let exp = dir.path().join("exp.json");
    let doc = serde_json::json!({"title": "big python output", "description": "d", "method": [
        {"type": "action", "name": "spew", "provider": {"type": "python", "module": "spew", "func": "spew", "arguments": {"mb": MEGABYTES}}}]});
    std::fs::write(&exp, serde_json::to_vec(&doc).unwrap()).unwrap();
    let journal = dir.path().join("journal.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["run", "--headless", "--no-report", "--journal-path"])
        .arg(&journal)
        .arg(&exp)
        .env("GAMEDAY_DATA_DIR", dir.path().join("data"))
        .env("PYTHONPATH", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(pid) {
            peak = peak.max(kb);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "{stderr}");
    // The activity really ran to its end (the result came back).
    let journal = std::fs::read_to_string(&journal).unwrap();
    assert!(journal.contains("\"output\": 300"), "the activity did not finish: {journal}");
    eprintln!("gameday peak resident (VmHWM) with {MEGABYTES} MB of python output: {} KiB", peak);
    assert!(peak > 0, "VmHWM was never read");
    assert!(peak < BOUND_KB, "gameday peaked at {peak} KiB resident, over {BOUND_KB} KiB");
}
