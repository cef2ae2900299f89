//! Finding and killing everything an activity started, including
//! descendants that left its process group with `setsid` (a group kill
//! cannot reach those). Linux: gameday becomes a child subreaper, so an
//! orphaned descendant is reparented to gameday instead of init and stays
//! in reach; `/proc/*/stat` gives the tree. Elsewhere only the process
//! group is killed. Activities started by the spawner (`super::spawner`)
//! are adopted by it instead, and reaped there.
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// A process as seen once: its start time (clock ticks since boot) tells
/// a live process from a later one that reused its pid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Proc {
    pub pid: i32,
    pub start: u64,
}

/// One line of `/proc/<pid>/stat`, the fields we use.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stat {
    pid: i32,
    state: u8,
    ppid: i32,
    pgid: i32,
    sid: i32,
    start: u64,
}

impl Stat {
    fn proc(&self) -> Proc {
        Proc { pid: self.pid, start: self.start }
    }

    fn zombie(&self) -> bool {
        matches!(self.state, b'Z' | b'X')
    }
}

/// Parse `/proc/<pid>/stat`. The command name (field 2) may hold spaces and
/// parentheses, so fields are counted from the last `)`.
fn parse_stat(text: &str) -> Option<Stat> {
    let (head, rest) = text.rsplit_once(')')?;
    let pid = head.split_once('(')?.0.trim().parse().ok()?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); starttime is field 22.
    Some(Stat {
        pid,
        state: *f.first()?.as_bytes().first()?,
        ppid: f.get(1)?.parse().ok()?,
        pgid: f.get(2)?.parse().ok()?,
        sid: f.get(3)?.parse().ok()?,
        start: f.get(19)?.parse().ok()?,
    })
}

/// Read one `/proc/<pid>/stat` into `buf` (reused: a scan reads hundreds).
fn read_stat(path: &std::path::Path, buf: &mut String) -> Option<Stat> {
    use std::io::Read;
    buf.clear();
    std::fs::File::open(path).ok()?.read_to_string(buf).ok()?;
    parse_stat(buf)
}

/// Every process we can read now.
fn snapshot() -> Vec<Stat> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut buf = String::with_capacity(512);
    dir.flatten()
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|e| read_stat(&e.path().join("stat"), &mut buf))
        .collect()
}

/// Whether every child of process `proc_dir` (`/proc/self`, `/proc/<pid>`),
/// living or zombie, read from its `task/*/children`, is one of `roots`;
/// `None` when the kernel does not offer those files (then only a full
/// scan can tell).
fn children_all_in(proc_dir: &std::path::Path, roots: &HashSet<i32>) -> Option<bool> {
    use std::io::Read;
    let mut buf = String::new();
    for task in std::fs::read_dir(proc_dir.join("task")).ok()?.flatten() {
        buf.clear();
        std::fs::File::open(task.path().join("children")).ok()?.read_to_string(&mut buf).ok()?;
        if buf.split_ascii_whitespace().any(|pid| pid.parse().map_or(true, |pid: i32| !roots.contains(&pid))) {
            return Some(false);
        }
    }
    Some(true)
}

/// Whether process group `pgid` has no member left.
fn group_empty(pgid: i32) -> bool {
    pgid > 0 && nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), None) == Err(nix::errno::Errno::ESRCH)
}

/// The live members of the family: everyone in group `pgid`, every process
/// in `known` still alive (same pid and start time), and all their
/// descendants. Zombies are left out (they are dead already).
fn family(all: &[Stat], pgid: i32, known: &HashSet<Proc>) -> Vec<Stat> {
    let mut members: HashSet<i32> =
        all.iter().filter(|s| (pgid > 0 && s.pgid == pgid) || known.contains(&s.proc())).map(|s| s.pid).collect();
    // Close over parent → child until nothing new joins.
    loop {
        let before = members.len();
        for s in all {
            if members.contains(&s.ppid) {
                members.insert(s.pid);
            }
        }
        if members.len() == before {
            break;
        }
    }
    all.iter().filter(|s| members.contains(&s.pid)).copied().collect()
}

/// Who adopts an activity's orphaned descendants: gameday itself (children
/// it started directly, see [`become_subreaper`]) or the spawner that
/// started the activity (`super::spawner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reaper {
    #[default]
    Gameday,
    Spawner {
        pid: i32,
        subreaper: bool,
    },
}

impl Reaper {
    fn pid(self) -> i32 {
        match self {
            Reaper::Gameday => std::process::id() as i32,
            Reaper::Spawner { pid, .. } => pid,
        }
    }

    /// Whether orphans certainly go to it (it is a child subreaper).
    fn adopts_orphans(self) -> bool {
        match self {
            Reaper::Gameday => SUBREAPER.load(std::sync::atomic::Ordering::SeqCst),
            Reaper::Spawner { subreaper, .. } => subreaper,
        }
    }

    /// Whether its only children are the roots of other live families
    /// (the Python worker, a background step): then none is an orphan of
    /// family `pgid`.
    fn only_other_roots(self, pgid: i32) -> Option<bool> {
        let mut roots = LIVE_ROOTS.lock().map(|r| r.clone()).unwrap_or_default();
        roots.remove(&pgid);
        match self {
            Reaper::Gameday => children_all_in(std::path::Path::new("/proc/self"), &roots),
            Reaper::Spawner { pid, .. } => {
                children_all_in(&std::path::Path::new("/proc").join(pid.to_string()), &roots)
            }
        }
    }
}

/// The children of this process now, living or zombie (the spawner's
/// families when it is the caller).
pub fn own_children() -> HashSet<Proc> {
    let me = std::process::id() as i32;
    snapshot().iter().filter(|s| s.ppid == me).map(Stat::proc).collect()
}

/// Whether gameday is its orphaned descendants' reaper (see [`become_subreaper`]).
static SUBREAPER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Make gameday the reaper of its orphaned descendants (once; Linux only).
pub fn become_subreaper() {
    #[cfg(target_os = "linux")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: prctl with PR_SET_CHILD_SUBREAPER only sets a flag on
            // this process. Failure leaves the old behaviour (orphans go to
            // init); the tree walk still finds what is alive.
            let ok = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) } == 0;
            SUBREAPER.store(ok, std::sync::atomic::Ordering::SeqCst);
        });
    }
}

/// The processes of an activity seen so far, so that one whose parent
/// exited (and which was reparented) is still known to be part of it.
#[derive(Debug, Default)]
pub struct Family {
    pgid: i32,
    reaper: Reaper,
    seen: HashSet<Proc>,
    /// Start time of the root (the group leader), once seen.
    root_start: Option<u64>,
}

/// How many families are alive now (see [`Family::kill`]).
static LIVE_FAMILIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The roots (group leaders) of the families alive now: a reaper's child
/// that is one of them is not somebody's orphan.
static LIVE_ROOTS: std::sync::LazyLock<std::sync::Mutex<HashSet<i32>>> =
    std::sync::LazyLock::new(|| std::sync::Mutex::new(HashSet::new()));

impl Family {
    /// The family of the root process `pgid` (which leads its own group),
    /// whose orphans go to `reaper`.
    pub fn new(pgid: u32, reaper: Reaper) -> Self {
        LIVE_FAMILIES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let pgid = i32::try_from(pgid).unwrap_or(0);
        if pgid > 0
            && let Ok(mut roots) = LIVE_ROOTS.lock()
        {
            roots.insert(pgid);
        }
        // The root was just started and has had no time to fork: only its
        // start time is worth reading now (the tracking loop sees the rest).
        let root_start = if cfg!(target_os = "linux") && pgid > 0 {
            read_stat(&std::path::Path::new("/proc").join(pgid.to_string()).join("stat"), &mut String::new())
                .map(|s| s.start)
        } else {
            None
        };
        Self { pgid, reaper, seen: HashSet::new(), root_start }
    }

    /// Note who belongs to the family now.
    pub fn observe(&mut self) {
        if cfg!(target_os = "linux") && self.pgid > 0 {
            let all = snapshot();
            if self.root_start.is_none() {
                self.root_start = all.iter().find(|s| s.pid == self.pgid).map(|s| s.start);
            }
            let now: Vec<Proc> = family(&all, self.pgid, &self.seen).iter().map(Stat::proc).collect();
            self.seen.extend(now);
        }
    }

    /// Whether the family is certainly gone, known from two small reads
    /// instead of a scan of every process: the group is empty and its
    /// reaper (gameday or the spawner) has no child but the roots of other
    /// live families (so a background step or the Python worker does not
    /// force a scan on every other activity). A live
    /// descendant outside the group would have a dead parent somewhere
    /// above it, so it would now be the reaper's child (the reaper being a
    /// subreaper). This is the common case: an activity that ended on its
    /// own and left nothing behind.
    pub fn nothing_left(&self) -> bool {
        self.reaper.adopts_orphans() && group_empty(self.pgid) && self.reaper.only_other_roots(self.pgid) == Some(true)
    }

    /// Kill the whole family (see [`kill_family`]). A descendant that left
    /// the group with `setsid` and whose parents all exited before it was
    /// ever seen is an orphan adopted by gameday with no link to the root
    /// left; while this is the only family alive, every such orphan (in a
    /// session of its own, started after the root) is taken to be its.
    pub fn kill(&self) -> Killed {
        let mut known = self.seen.clone();
        if LIVE_FAMILIES.load(std::sync::atomic::Ordering::SeqCst) == 1
            && let Some(root_start) = self.root_start
        {
            known.extend(adopted_escapers(&snapshot(), root_start, self.reaper.pid()));
        }
        kill_family(self.pgid, &known)
    }
}

impl Drop for Family {
    fn drop(&mut self) {
        LIVE_FAMILIES.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut roots) = LIVE_ROOTS.lock() {
            roots.remove(&self.pgid);
        }
    }
}

/// Orphans reparented to `reaper` that lead a session of their own and
/// started no earlier than `since` — dead ones too, to be reaped. (gameday
/// and the spawner start their children in gameday's session, so none of
/// those is taken.)
fn adopted_escapers(all: &[Stat], since: u64, reaper: i32) -> Vec<Proc> {
    let my_session = nix::unistd::getsid(None).map(|p| p.as_raw()).unwrap_or(0);
    all.iter()
        .filter(|s| s.ppid == reaper && s.sid == s.pid && s.sid != my_session && s.start >= since)
        .map(Stat::proc)
        .collect()
}

/// What a kill did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Killed {
    /// Processes signalled (counted once each).
    pub processes: usize,
    /// Processes still alive when the bound ran out (should be 0).
    pub left: usize,
}

/// How long a kill keeps at it: a family that forks while it is killed
/// needs a few rounds; one that cannot be killed must not hang gameday.
const KILL_BOUND: Duration = Duration::from_secs(2);

/// Kill group `pgid`, every process in `known`, and all their descendants,
/// each one's own group too (a `setsid` child leads a new one). The family
/// is frozen first (SIGSTOP, round after round until no new member
/// appears), because a parent killed before its children are found leaves
/// them reparented with no link to the root; a stopped process cannot fork.
/// Then SIGKILL, repeated until none is left alive or [`KILL_BOUND`]
/// passes. Dead descendants that were reparented to gameday are reaped.
pub fn kill_family(pgid: i32, known: &HashSet<Proc>) -> Killed {
    use nix::sys::signal::Signal;
    if !cfg!(target_os = "linux") {
        signal_group(pgid, Signal::SIGKILL);
        return Killed::default();
    }
    let me = std::process::id() as i32;
    let deadline = Instant::now() + KILL_BOUND;
    // Processes once found stay in the set: the next round finds what they
    // forked meanwhile even if they have died and been reparented.
    let mut known = known.clone();
    let mut found: HashSet<Proc> = HashSet::new();
    loop {
        let before = found.len();
        signal_group(pgid, Signal::SIGSTOP);
        for s in family(&snapshot(), pgid, &known).iter().filter(|s| !s.zombie() && s.pid != me) {
            known.insert(s.proc());
            found.insert(s.proc());
            signal(s, pgid, Signal::SIGSTOP);
        }
        if found.len() == before || Instant::now() > deadline {
            break;
        }
    }
    let mut killed = Killed { processes: found.len(), left: 0 };
    loop {
        signal_group(pgid, Signal::SIGKILL);
        let members = family(&snapshot(), pgid, &known);
        let alive: Vec<&Stat> = members.iter().filter(|s| !s.zombie() && s.pid != me).collect();
        for s in &alive {
            known.insert(s.proc());
            if found.insert(s.proc()) {
                killed.processes += 1;
            }
            signal(s, pgid, Signal::SIGKILL);
        }
        reap(&members, me, pgid);
        killed.left = alive.len();
        if alive.is_empty() || Instant::now() > deadline {
            return killed;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Signal a whole group; errors mean it is gone.
fn signal_group(pgid: i32, sig: nix::sys::signal::Signal) {
    if pgid > 0 {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), sig);
    }
}

/// Signal one member and, when it leads another group than the activity's
/// (and not gameday's own), that group too.
fn signal(s: &Stat, pgid: i32, sig: nix::sys::signal::Signal) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(s.pid), sig);
    if s.pgid > 0 && s.pgid != pgid && s.pgid != me_group() {
        signal_group(s.pgid, sig);
    }
}

/// gameday's own process group, never to be killed.
fn me_group() -> i32 {
    nix::unistd::getpgrp().as_raw()
}

/// Reap the zombies among `members` that are gameday's children by
/// adoption. The activity's own root (the group leader, `pgid`) is left to
/// whoever spawned it, who waits for it.
fn reap(members: &[Stat], me: i32, pgid: i32) {
    use nix::sys::wait::{WaitPidFlag, waitpid};
    for s in members.iter().filter(|s| s.zombie() && s.ppid == me && s.pid != pgid) {
        let _ = waitpid(nix::unistd::Pid::from_raw(s.pid), Some(WaitPidFlag::WNOHANG));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_parentheses_and_spaces_in_the_name() {
        let line = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 0 0";
        let s = parse_stat(line).unwrap();
        assert_eq!((s.pid, s.state, s.ppid, s.pgid, s.sid, s.start), (4242, b'S', 1, 4242, 4242, 98765));
    }

    #[test]
    fn family_follows_children_of_children_and_known_processes() {
        let st = |pid, ppid, pgid| Stat { pid, state: b'S', ppid, pgid, sid: pgid, start: pid as u64 };
        // 10 leads group 10; 11 is in it; 12 left with setsid; 13 is 12's
        // child; 20 was reparented to 1 but was seen before; 30 is unrelated.
        let all = vec![st(10, 1, 10), st(11, 10, 10), st(12, 11, 12), st(13, 12, 12), st(20, 1, 20), st(30, 1, 30)];
        let known: HashSet<Proc> = [Proc { pid: 20, start: 20 }].into();
        let mut pids: Vec<i32> = family(&all, 10, &known).iter().map(|s| s.pid).collect();
        pids.sort();
        assert_eq!(pids, vec![10, 11, 12, 13, 20]);
        // A reused pid (other start time) is not the process seen before.
        let reused: HashSet<Proc> = [Proc { pid: 20, start: 999 }].into();
        assert!(!family(&all, 10, &reused).iter().any(|s| s.pid == 20));
    }
}
