//! The spawner itself: a copy of gameday forked before it grew (no threads,
//! no runtime, little heap), which starts every activity with
//! `posix_spawn` and outlives none of them. It is gameday's child with the
//! parent-death signal set, and the subreaper of everything it starts; when
//! gameday is gone (its socket reads end-of-file, or the parent-death
//! signal arrives) it kills every process below it and exits.
use super::wire::{self, Reply, Spawn};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg, sendmsg};
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

/// The spawner's name in `ps` and `/proc/<pid>/comm` (15 bytes at most).
const NAME: &[u8] = b"gameday-spawner\0";

/// A spawn request whose pieces are still arriving.
struct Partial {
    id: u64,
    total: usize,
    body: Vec<u8>,
    fds: Vec<OwnedFd>,
}

struct Server {
    sock: OwnedFd,
    /// Children it started and has not reaped yet.
    children: HashSet<i32>,
    partial: Option<Partial>,
}

/// Run the spawner until gameday is gone; never returns.
pub fn serve(sock: OwnedFd, parent: i32) -> ! {
    // SAFETY: these prctl calls only set flags on this process.
    let subreaper = unsafe {
        libc::prctl(libc::PR_SET_NAME, NAME.as_ptr());
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) == 0
    };
    quiet_stdio();
    let signals = match block_signals() {
        Ok(fd) => fd,
        Err(_) => exit_now(),
    };
    let mut server = Server { sock, children: HashSet::new(), partial: None };
    // gameday may have died before the parent-death signal was set.
    if nix::unistd::getppid().as_raw() == parent {
        server.send(&Reply::Hello { pid: std::process::id() as i32, subreaper });
        server.run(&signals, parent);
    }
    teardown();
    exit_now()
}

fn exit_now() -> ! {
    // SAFETY: _exit ends the process at once; this copy of gameday must not
    // run gameday's exit handlers or flush buffers it inherited.
    unsafe { libc::_exit(0) }
}

/// Standard input and output go to /dev/null: the spawner must not keep
/// gameday's terminal or pipes open (whoever reads gameday's output waits
/// for its end), and its children get their own descriptors.
fn quiet_stdio() {
    if let Ok(null) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null") {
        for target in 0..=2 {
            // SAFETY: dup2 onto the standard descriptors, which this process owns.
            unsafe { libc::dup2(null.as_raw_fd(), target) };
        }
    }
}

/// Children's exits and the parent-death signal arrive on a descriptor.
/// Terminal signals (Ctrl-C, Ctrl-\, a hang-up, Ctrl-Z) reach the whole
/// foreground group, so the spawner too: they are meant for gameday, which
/// still has rollbacks to start, so they are blocked here. Blocking rather
/// than ignoring: children get an empty signal mask from posix_spawn, but
/// would inherit an ignored signal.
fn block_signals() -> nix::Result<SignalFd> {
    let mut mask = SigSet::empty();
    for s in [Signal::SIGCHLD, Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP, Signal::SIGQUIT, Signal::SIGTSTP] {
        mask.add(s);
    }
    mask.thread_block()?;
    let mut wanted = SigSet::empty();
    wanted.add(Signal::SIGCHLD);
    wanted.add(Signal::SIGTERM);
    SignalFd::with_flags(&wanted, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
}

impl Server {
    fn run(&mut self, signals: &SignalFd, parent: i32) {
        loop {
            let (sock_ready, sig_ready) = {
                let mut fds = [
                    PollFd::new(self.sock.as_fd(), PollFlags::POLLIN),
                    PollFd::new(signals.as_fd(), PollFlags::POLLIN),
                ];
                match poll(&mut fds, PollTimeout::NONE) {
                    Ok(_) => {}
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(_) => return,
                }
                let ready = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
                (ready(&fds[0]), ready(&fds[1]))
            };
            if sig_ready {
                while let Ok(Some(_)) = signals.read_signal() {}
                self.reap();
                // A SIGTERM matters only as the parent-death signal; one
                // sent to gameday's whole group must leave gameday time
                // to play its rollbacks through us.
                if nix::unistd::getppid().as_raw() != parent {
                    return;
                }
            }
            if sock_ready && !self.receive() {
                return;
            }
        }
    }

    fn send(&self, reply: &Reply) {
        let packet = reply.encode();
        let _ = sendmsg::<()>(self.sock.as_raw_fd(), &[IoSlice::new(&packet)], &[], MsgFlags::empty(), None);
    }

    /// Collect every child that ended, its own and adopted orphans alike,
    /// and report the exits of its own.
    fn reap(&mut self) {
        loop {
            let mut status = 0;
            // SAFETY: waitpid writes only the status we pass.
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if pid <= 0 {
                return;
            }
            if self.children.remove(&pid) {
                self.send(&Reply::Exited { pid, status });
            }
        }
    }

    /// Read one packet; false when gameday is gone (end of file or error).
    fn receive(&mut self) -> bool {
        let mut buf = vec![0u8; wire::PACKET];
        let mut cmsg = nix::cmsg_space!([RawFd; 3]);
        let (len, fds) = {
            let mut iov = [IoSliceMut::new(&mut buf)];
            let msg = match recvmsg::<()>(self.sock.as_raw_fd(), &mut iov, Some(&mut cmsg), MsgFlags::MSG_CMSG_CLOEXEC)
            {
                Ok(m) => m,
                Err(nix::errno::Errno::EINTR | nix::errno::Errno::EAGAIN) => return true,
                Err(_) => return false,
            };
            let mut fds = Vec::new();
            if let Ok(cmsgs) = msg.cmsgs() {
                for c in cmsgs {
                    if let ControlMessageOwned::ScmRights(raw) = c {
                        // SAFETY: the kernel just installed these descriptors
                        // for us; nothing else owns them.
                        fds.extend(raw.into_iter().map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }));
                    }
                }
            }
            (msg.bytes, fds)
        };
        if len == 0 {
            return false;
        }
        self.packet(&buf[..len], fds);
        true
    }

    fn packet(&mut self, packet: &[u8], fds: Vec<OwnedFd>) {
        let Some((&tag, rest)) = packet.split_first() else { return };
        let mut r = wire::Reader(rest);
        match tag {
            wire::SPAWN => {
                let (Some(id), Some(total)) = (r.u64(), r.u64()) else { return };
                let total = usize::try_from(total).unwrap_or(usize::MAX);
                self.partial = Some(Partial { id, total, body: r.rest().to_vec(), fds });
            }
            wire::MORE => {
                if let Some(p) = self.partial.as_mut() {
                    p.body.extend_from_slice(r.rest());
                }
            }
            wire::KILL => {
                if let (Some(pid), Some(sig)) = (r.i32(), r.i32())
                    && self.children.contains(&pid)
                {
                    // SAFETY: kill(2) has no memory-safety preconditions; the
                    // pid is an unreaped child of ours, so it is not reused.
                    unsafe { libc::kill(pid, sig) };
                }
            }
            _ => {}
        }
        if self.partial.as_ref().is_some_and(|p| p.body.len() >= p.total)
            && let Some(p) = self.partial.take()
        {
            let id = p.id;
            let reply = match self.start(p) {
                Ok(pid) => Reply::Spawned { id, pid },
                Err(errno) => Reply::Failed { id, errno },
            };
            self.send(&reply);
        }
    }

    /// Start one child in a process group of its own; its pid or the errno.
    fn start(&mut self, p: Partial) -> Result<i32, i32> {
        let spawn = Spawn::decode(&p.body).ok_or(libc::EINVAL)?;
        let [stdin, stdout, stderr] = <[OwnedFd; 3]>::try_from(p.fds).map_err(|_| libc::EBADF)?;
        let program = resolve(&spawn.program, &spawn.env).ok_or(libc::ENOENT)?;
        let mut cmd = std::process::Command::new(program);
        cmd.args(&spawn.args).env_clear().envs(spawn.env.iter().filter_map(|kv| split_var(kv)));
        if !spawn.cwd.is_empty() {
            cmd.current_dir(&spawn.cwd);
        }
        // No pre_exec hook (that would make std fork): std spawns this with
        // posix_spawn, which also sets the process group.
        cmd.stdin(stdin).stdout(stdout).stderr(stderr).process_group(0);
        let child = cmd.spawn().map_err(|e| errno_of(&e))?;
        let pid = i32::try_from(child.id()).map_err(|_| libc::EOVERFLOW)?;
        self.children.insert(pid);
        Ok(pid)
    }
}

fn errno_of(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}

fn split_var(kv: &OsStr) -> Option<(&OsStr, &OsStr)> {
    let b = kv.as_bytes();
    let at = b.iter().position(|&c| c == b'=')?;
    Some((OsStr::from_bytes(&b[..at]), OsStr::from_bytes(&b[at + 1..])))
}

/// The program's path, looked up on the request's PATH as `execvp` would
/// (std would fork instead of posix_spawn for a bare name with a new PATH).
fn resolve(program: &OsStr, env: &[OsString]) -> Option<PathBuf> {
    if program.as_bytes().contains(&b'/') {
        return Some(PathBuf::from(program));
    }
    let path = env
        .iter()
        .filter_map(|kv| split_var(kv))
        .find(|(k, _)| *k == "PATH")
        .map(|(_, v)| v.to_os_string())
        .unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| executable(p))
}

fn executable(p: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Kill every process below the spawner (what it started, and the orphans
/// and daemons adopted as their subreaper), then collect them.
fn teardown() {
    for _ in 0..5 {
        let known = super::super::proc_tree::own_children();
        if known.is_empty() {
            break;
        }
        super::super::proc_tree::kill_family(0, &known);
    }
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes only the status we pass.
        if unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) } <= 0 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_name_is_found_on_the_requests_path() {
        let env = vec![OsString::from("HOME=/x"), OsString::from("PATH=/nonexistent:/bin:/usr/bin")];
        let sh = resolve(OsStr::new("sh"), &env).unwrap();
        assert!(sh.is_absolute() && sh.ends_with("sh"), "{sh:?}");
        assert_eq!(resolve(OsStr::new("./x"), &env), Some(PathBuf::from("./x")));
        assert_eq!(resolve(OsStr::new("no-such-program-here"), &env), None);
        assert_eq!(split_var(OsStr::new("A=b=c")), Some((OsStr::new("A"), OsStr::new("b=c"))));
    }
}
