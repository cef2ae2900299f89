//! Process facts from `/proc`: who is whose child, which processes are in a
//! process group, and whether a process is still alive (a zombie is dead: it
//! has exited and only waits for its parent, which may be a container's init
//! that never reaps).
use std::fs;

/// One line of `/proc/<pid>/stat`, the fields the tests need.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: u32,
    pub comm: String,
    pub state: char,
    pub ppid: u32,
    pub pgrp: u32,
}

impl Proc {
    /// Running, sleeping or stopped; not a zombie.
    pub fn alive(&self) -> bool {
        !matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// Parse `/proc/<pid>/stat`; `None` when the process is gone.
pub fn stat(pid: u32) -> Option<Proc> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may itself hold spaces or ')'.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    let mut rest = text.get(close + 1..)?.split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    let pgrp = rest.next()?.parse().ok()?;
    Some(Proc { pid, comm, state, ppid, pgrp })
}

/// Every process visible now.
pub fn all() -> Vec<Proc> {
    let Ok(dir) = fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter_map(stat)
        .collect()
}

/// Live (non-zombie) members of process group `pgid`.
pub fn group_members(pgid: u32) -> Vec<Proc> {
    all().into_iter().filter(|p| p.pgrp == pgid && p.alive()).collect()
}

/// Is `pid` alive (present and not a zombie)?
pub fn alive(pid: u32) -> bool {
    stat(pid).is_some_and(|p| p.alive())
}

/// A live child of `ppid` whose command name is `comm`.
pub fn child_named(ppid: u32, comm: &str) -> Option<u32> {
    all().into_iter().find(|p| p.ppid == ppid && p.comm == comm && p.alive()).map(|p| p.pid)
}

/// Send a signal (e.g. `libc::SIGTERM`) to one process.
pub fn signal(pid: u32, sig: i32) {
    let pid = i32::try_from(pid).expect("pid fits in i32");
    // SAFETY: kill(2) has no memory-safety preconditions.
    let rc = unsafe { libc::kill(pid, sig) };
    assert_eq!(rc, 0, "kill({pid}, {sig}) failed: {}", std::io::Error::last_os_error());
}

/// Kills what is left of a process group the test caused to be started, when
/// dropped, so a failing test leaves no stray `sleep` behind.
pub struct GroupGuard(pub u32);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if !group_members(self.0).is_empty()
            && let Ok(pgid) = i32::try_from(self.0)
        {
            // SAFETY: kill(2) has no memory-safety preconditions.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
    }
}
