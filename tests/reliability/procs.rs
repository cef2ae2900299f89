//! Process facts for the reliability tests: which processes carry a marker
//! in their environment (every descendant inherits it, even one that left
//! the process group with `setsid`), and a process's peak resident memory.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// Pids whose environment holds `GDM=<marker>`. Zombies have no readable
/// environment and count as gone.
pub fn pids_with(marker: &str) -> Vec<i32> {
    let want = format!("GDM={marker}");
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        if let Ok(env) = std::fs::read(entry.path().join("environ"))
            && env.split(|b| *b == 0).any(|v| v == want.as_bytes())
        {
            out.push(pid);
        }
    }
    out
}

/// Wait up to `within` for every marked process to be gone; returns the
/// ones still alive then.
pub fn wait_until_gone(marker: &str, within: Duration) -> Vec<i32> {
    let deadline = Instant::now() + within;
    loop {
        let left = pids_with(marker);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kill every marked process (cleanup after a failing assertion).
pub fn kill_marked(marker: &str) {
    for pid in pids_with(marker) {
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// Kills whatever carries the marker when dropped, so a failing test
/// leaves nothing running.
pub struct MarkerGuard(pub String);

impl Drop for MarkerGuard {
    fn drop(&mut self) {
        kill_marked(&self.0);
    }
}

/// `VmHWM` (peak resident set) of a live process, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// A shell command line that exports the marker first.
pub fn marked(marker: &str, script: &str) -> String {
    format!("export GDM={marker}; {script}")
}
