//! One writer per session. Whoever appends to a session's event log (`run`,
//! `resume`) holds an exclusive `flock` on `writer.lock` in its directory for
//! as long as it writes. The kernel drops the lock when the process dies,
//! however it dies, so a crashed console never leaves a stale lock behind and
//! `resume` of a dead session just works. The file also says who holds it,
//! so a refused second writer can name the holder.
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::path::Path;

/// File name inside the session directory.
pub const LOCK: &str = "writer.lock";

/// Who holds a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    pub user: String,
    /// When the lock was taken (RFC 3339).
    pub since: String,
    /// `run`, `resume`, …
    pub command: String,
}

impl Holder {
    fn me(command: &str) -> Self {
        Self {
            pid: std::process::id(),
            host: nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_default(),
            user: std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_default(),
            since: crate::timefmt::iso(&chrono::Utc::now()),
            command: command.to_string(),
        }
    }
}

/// Held while this process writes the session; dropping it (or dying) frees it.
#[derive(Debug)]
pub struct SessionLock {
    _file: File,
}

/// Why the session could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another live process writes it (what its lock file says, if readable).
    Held(Option<Holder>),
    Io(io::Error),
}

impl LockError {
    /// The message shown to the person, with what to do instead.
    pub fn explain(&self, session: &Path) -> String {
        match self {
            LockError::Held(Some(h)) => format!(
                "session {} is being written by another gameday (`gameday {}`, pid {} on {}, user {}, since {}); \
                 only one console can drive a session. Follow it with `gameday watch {}`, or stop that one first",
                session.display(),
                h.command,
                h.pid,
                if h.host.is_empty() { "this host" } else { &h.host },
                if h.user.is_empty() { "unknown" } else { &h.user },
                h.since,
                session.display()
            ),
            LockError::Held(None) => format!(
                "session {} is being written by another gameday; only one console can drive a session. \
                 Follow it with `gameday watch {}`",
                session.display(),
                session.display()
            ),
            LockError::Io(e) => format!("cannot lock session {}: {e}", session.display()),
        }
    }
}

/// Take the session's writer lock, or say who has it.
pub fn acquire(session: &Path, command: &str) -> Result<SessionLock, LockError> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(session.join(LOCK))
        .map_err(LockError::Io)?;
    // SAFETY: flock on a descriptor we own; no memory is involved.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            return Err(LockError::Held(read_holder(&mut file)));
        }
        return Err(LockError::Io(err));
    }
    let me = serde_json::to_vec(&Holder::me(command)).map_err(|e| LockError::Io(io::Error::other(e)))?;
    file.set_len(0).map_err(LockError::Io)?;
    file.seek(SeekFrom::Start(0)).map_err(LockError::Io)?;
    file.write_all(&me).map_err(LockError::Io)?;
    // The holder's name is a courtesy for the refused; the lock itself is
    // the kernel's, so no fsync is needed here.
    Ok(SessionLock { _file: file })
}

/// Locks this process holds until it exits: a gameday process drives one
/// session, and holding the lock to the very end (past the journal and the
/// reports) is what keeps a second writer out.
static HELD: std::sync::Mutex<Vec<SessionLock>> = std::sync::Mutex::new(Vec::new());

/// Take the session's writer lock for the rest of this process's life.
pub fn hold(session: &Path, command: &str) -> Result<(), LockError> {
    let lock = acquire(session, command)?;
    HELD.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(lock);
    // The writer beats for as long as it holds the session.
    super::heartbeat::start(session);
    Ok(())
}

/// Who holds the lock now, if anyone does (for `watch` and `sessions`).
pub fn holder(session: &Path) -> Option<Holder> {
    let mut file = File::open(session.join(LOCK)).ok()?;
    // SAFETY: as above.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) };
    if rc == 0 {
        // We could take it: nobody writes. (Closing the file releases it.)
        return None;
    }
    read_holder(&mut file)
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(64 * 1024).read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_and_named_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), "run").unwrap();
        // flock locks belong to open file descriptions, so a second open in
        // the same process conflicts as another process would.
        match acquire(dir.path(), "resume") {
            Err(LockError::Held(Some(h))) => {
                assert_eq!(h.pid, std::process::id());
                assert_eq!(h.command, "run");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(holder(dir.path()).map(|h| h.command), Some("run".into()));
        drop(first);
        assert!(holder(dir.path()).is_none());
        let again = acquire(dir.path(), "resume").unwrap();
        drop(again);
    }
}
