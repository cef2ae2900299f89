//! gameday's side of the spawner: forking it at start, sending requests,
//! and one reader thread that hands each reply to whoever waits for it.
use super::wire::{self, Reply};
use nix::sys::socket::{AddressFamily, ControlMessage, MsgFlags, SockFlag, SockType, sendmsg, socketpair};
use std::collections::HashMap;
use std::io::IoSlice;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError, mpsc};
use tokio::sync::oneshot;

/// A started child: its pid and where its exit status will arrive.
pub type Started = (i32, oneshot::Receiver<i32>);

/// Why a request got no child.
pub enum SpawnError {
    /// The spawner is not there any more: start the child another way.
    Gone,
    /// The spawner could not start it (the program is missing, …).
    Os(std::io::Error),
}

pub struct Client {
    sock: OwnedFd,
    pub pid: i32,
    subreaper: AtomicBool,
    dead: AtomicBool,
    /// One request's packets at a time (a spawn may take several).
    sending: Mutex<()>,
    next_id: AtomicU64,
    pending: Mutex<HashMap<u64, mpsc::SyncSender<Result<Started, i32>>>>,
    exits: Mutex<HashMap<i32, oneshot::Sender<i32>>>,
    reader: std::sync::Once,
}

/// How long a spawn request may wait for the spawner's answer (normally
/// well under a millisecond).
const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);

/// `Err` when starting the spawner failed (the reason, for a warning).
static CLIENT: OnceLock<Result<Client, String>> = OnceLock::new();

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Fork the spawner. Must run while gameday has a single thread.
pub fn start() {
    let _ = CLIENT.set(fork_spawner());
}

fn fork_spawner() -> Result<Client, String> {
    let (ours, theirs) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC)
        .map_err(|e| e.to_string())?;
    let parent = std::process::id() as i32;
    // SAFETY: called from main before any thread exists, so the child is a
    // consistent copy (no lock held by another thread) and may go on
    // running Rust code; it never returns from `serve`.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => {
            drop(ours);
            super::server::serve(theirs, parent)
        }
        Ok(nix::unistd::ForkResult::Parent { child }) => Ok(Client {
            sock: ours,
            pid: child.as_raw(),
            subreaper: AtomicBool::new(false),
            dead: AtomicBool::new(false),
            sending: Mutex::new(()),
            next_id: AtomicU64::new(1),
            pending: Mutex::new(HashMap::new()),
            exits: Mutex::new(HashMap::new()),
            reader: std::sync::Once::new(),
        }),
        Err(e) => Err(e.to_string()),
    }
}

/// The running spawner; `Err` with the reason it failed to start, `None`
/// when none was started (gameday used as a library, other platforms).
pub fn get() -> Option<Result<&'static Client, &'static str>> {
    CLIENT.get().map(|c| c.as_ref().map_err(String::as_str))
}

impl Client {
    pub fn subreaper(&self) -> bool {
        self.subreaper.load(Ordering::SeqCst)
    }

    pub fn alive(&self) -> bool {
        !self.dead.load(Ordering::SeqCst)
    }

    /// Start the child described by `body` with these stdin, stdout and
    /// stderr; waits for the spawner's answer (about as long as a
    /// posix_spawn).
    pub fn spawn(&'static self, body: &[u8], fds: &[OwnedFd; 3]) -> Result<Started, SpawnError> {
        self.ensure_reader();
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = mpsc::sync_channel(1);
        lock(&self.pending).insert(id, tx);
        // The reader marks the spawner dead before it drops the waiters, so
        // a request registered after that is not left waiting forever.
        if !self.alive() {
            lock(&self.pending).remove(&id);
            return Err(SpawnError::Gone);
        }
        let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
        let sent = {
            let _one_at_a_time = lock(&self.sending);
            wire::spawn_packets(id, body).iter().enumerate().try_for_each(|(i, packet)| {
                let rights = [ControlMessage::ScmRights(&raw)];
                self.send(packet, if i == 0 { &rights[..] } else { &[] })
            })
        };
        if sent.is_err() {
            lock(&self.pending).remove(&id);
            self.dead.store(true, Ordering::SeqCst);
            return Err(SpawnError::Gone);
        }
        // Bounded, so a spawner stopped by someone cannot hang gameday; it
        // is not taken as gone then: the child may yet start, and starting
        // it a second time (an action!) would be worse than failing this one.
        match rx.recv_timeout(ANSWER_WITHIN) {
            Ok(Ok(started)) => Ok(started),
            Ok(Err(errno)) => Err(SpawnError::Os(std::io::Error::from_raw_os_error(errno))),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                lock(&self.pending).remove(&id);
                Err(SpawnError::Os(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "the process spawner (pid {}) did not answer within {} s",
                        self.pid,
                        ANSWER_WITHIN.as_secs()
                    ),
                )))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(SpawnError::Gone),
        }
    }

    /// Signal a child the spawner started, unless it has been reaped.
    pub fn kill(&self, pid: i32, signal: i32) {
        let _one_at_a_time = lock(&self.sending);
        let _ = self.send(&wire::kill_packet(pid, signal), &[]);
    }

    fn send(&self, packet: &[u8], cmsgs: &[ControlMessage]) -> nix::Result<()> {
        loop {
            match sendmsg::<()>(self.sock.as_raw_fd(), &[IoSlice::new(packet)], cmsgs, MsgFlags::MSG_NOSIGNAL, None) {
                Err(nix::errno::Errno::EINTR) => continue,
                other => return other.map(|_| ()),
            }
        }
    }

    fn ensure_reader(&'static self) {
        self.reader.call_once(|| {
            let started = std::thread::Builder::new().name("spawner-replies".into()).spawn(move || self.read_replies());
            if started.is_err() {
                self.dead.store(true, Ordering::SeqCst);
            }
        });
    }

    fn read_replies(&self) {
        let mut buf = [0u8; 64];
        loop {
            match nix::sys::socket::recv(self.sock.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                Ok(0) => break,
                Ok(n) => {
                    if let Some(reply) = Reply::decode(&buf[..n]) {
                        self.dispatch(reply);
                    }
                }
                Err(nix::errno::Errno::EINTR) => {}
                Err(_) => break,
            }
        }
        self.dead.store(true, Ordering::SeqCst);
        lock(&self.pending).clear();
        lock(&self.exits).clear();
    }

    fn dispatch(&self, reply: Reply) {
        match reply {
            Reply::Hello { subreaper, .. } => self.subreaper.store(subreaper, Ordering::SeqCst),
            Reply::Spawned { id, pid } => {
                // Registered before the waiter hears of the pid, so an exit
                // (which the spawner sends later) always finds its receiver.
                let (tx, rx) = oneshot::channel();
                lock(&self.exits).insert(pid, tx);
                let waiter = lock(&self.pending).remove(&id);
                match waiter {
                    Some(waiter) => {
                        let _ = waiter.send(Ok((pid, rx)));
                    }
                    // Its request gave up waiting (and failed): nobody
                    // would watch this child.
                    None => self.kill(pid, libc::SIGKILL),
                }
            }
            Reply::Failed { id, errno } => {
                if let Some(waiter) = lock(&self.pending).remove(&id) {
                    let _ = waiter.send(Err(errno));
                }
            }
            Reply::Exited { pid, status } => {
                if let Some(tx) = lock(&self.exits).remove(&pid) {
                    let _ = tx.send(status);
                }
            }
        }
    }
}
