//! Starting activity processes. On Linux, gameday forks a small spawner
//! process first thing in `main`, while it is still small and has one
//! thread ([`start`]); every activity, Python bridge and control bridge is
//! then started by it, with `posix_spawn` (cheap whatever gameday's size,
//! where a fork copies gameday's page tables), in a process group of its
//! own. The spawner is the subreaper of all it starts and dies with
//! gameday, killing every process below it: nothing an activity started
//! outlives gameday, however gameday ends.
//!
//! Without a spawner (gameday used as a library, other platforms, or the
//! spawner could not start — then with a warning) children are started
//! directly, as before: the child gets the parent-death signal and gameday
//! becomes the subreaper.
#[cfg(target_os = "linux")]
mod client;
#[cfg(target_os = "linux")]
mod server;
pub mod wire;

use super::proc_tree::Reaper;
use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStringExt;
use std::process::{ExitStatus, Stdio};
use tokio::net::unix::pipe;

/// What one of a child's standard streams is connected to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Io {
    Null,
    Piped,
}

/// Start the spawner, unless the command certainly runs no activity. Call
/// it first thing in `main`: it forks.
pub fn start_for(command: Option<&std::ffi::OsStr>) {
    const NO_ACTIVITIES: [&str; 11] =
        ["validate", "report", "export", "sessions", "init", "backlog", "watch", "help", "--help", "-h", "--version"];
    if command.and_then(|c| c.to_str()).is_some_and(|c| NO_ACTIVITIES.contains(&c) || c == "-V") {
        return;
    }
    #[cfg(target_os = "linux")]
    client::start();
}

/// The warning to show once when the spawner could not start or died, so
/// children are started directly; `None` otherwise, and after the first call.
pub fn take_warning() -> Option<String> {
    static WARNED: std::sync::Once = std::sync::Once::new();
    let reason = direct_reason()?;
    let mut out = None;
    WARNED.call_once(|| {
        out = Some(format!(
            "the process spawner is not available ({reason}); processes are started directly, so one that leaves \
             its parent may outlive gameday if gameday is killed"
        ));
    });
    out
}

/// Why children are started directly although a spawner was wanted.
fn direct_reason() -> Option<String> {
    #[cfg(target_os = "linux")]
    match client::get() {
        Some(Err(reason)) => return Some(reason.to_string()),
        Some(Ok(c)) if !c.alive() => return Some("it has ended".into()),
        _ => {}
    }
    None
}

/// A started child. Its standard streams that were asked for as
/// [`Io::Piped`] are here, non-blocking, for the runtime.
pub struct Child {
    pid: u32,
    pub stdin: Option<pipe::Sender>,
    pub stdout: Option<pipe::Receiver>,
    pub stderr: Option<pipe::Receiver>,
    reaper: Reaper,
    inner: Inner,
}

enum Inner {
    Direct(tokio::process::Child),
    #[cfg(target_os = "linux")]
    Spawned {
        client: &'static client::Client,
        exit: tokio::sync::oneshot::Receiver<i32>,
        status: Option<ExitStatus>,
    },
}

impl Child {
    /// Its pid, which is also its process group.
    pub fn id(&self) -> u32 {
        self.pid
    }

    /// Who adopts its orphaned descendants.
    pub fn reaper(&self) -> Reaper {
        self.reaper
    }

    /// Wait for it to end (cancel-safe: it may be awaited again).
    pub async fn wait(&mut self) -> std::io::Result<ExitStatus> {
        match &mut self.inner {
            Inner::Direct(c) => c.wait().await,
            #[cfg(target_os = "linux")]
            Inner::Spawned { exit, status, .. } => {
                if let Some(s) = status {
                    return Ok(*s);
                }
                use std::os::unix::process::ExitStatusExt;
                let raw =
                    exit.await.map_err(|_| std::io::Error::other("the process spawner ended before the process"))?;
                let s = ExitStatus::from_raw(raw);
                *status = Some(s);
                Ok(s)
            }
        }
    }

    /// Send it SIGKILL (not its family: see `proc_tree`).
    pub fn start_kill(&mut self) {
        match &mut self.inner {
            Inner::Direct(c) => {
                let _ = c.start_kill();
            }
            #[cfg(target_os = "linux")]
            Inner::Spawned { client, status: None, .. } => client.kill(self.pid as i32, libc::SIGKILL),
            #[cfg(target_os = "linux")]
            Inner::Spawned { .. } => {}
        }
    }
}

impl Drop for Child {
    /// As `kill_on_drop`: a child whose activity was abandoned is killed.
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if matches!(self.inner, Inner::Spawned { status: None, .. }) {
            self.start_kill();
        }
    }
}

/// Our ends and the child's ends of its three standard streams.
struct Streams {
    stdin: Option<std::io::PipeWriter>,
    stdout: Option<std::io::PipeReader>,
    stderr: Option<std::io::PipeReader>,
    theirs: [OwnedFd; 3],
}

fn streams(stdio: [Io; 3]) -> std::io::Result<Streams> {
    let null_in = || std::fs::File::open("/dev/null").map(OwnedFd::from);
    let null_out = || std::fs::OpenOptions::new().write(true).open("/dev/null").map(OwnedFd::from);
    let (stdin, their_in) = match stdio[0] {
        Io::Null => (None, null_in()?),
        Io::Piped => {
            let (r, w) = std::io::pipe()?;
            (Some(w), OwnedFd::from(r))
        }
    };
    let output = |io: Io| -> std::io::Result<(Option<std::io::PipeReader>, OwnedFd)> {
        match io {
            Io::Null => Ok((None, null_out()?)),
            Io::Piped => {
                let (r, w) = std::io::pipe()?;
                Ok((Some(r), OwnedFd::from(w)))
            }
        }
    };
    let (stdout, their_out) = output(stdio[1])?;
    let (stderr, their_err) = output(stdio[2])?;
    Ok(Streams { stdin, stdout, stderr, theirs: [their_in, their_out, their_err] })
}

/// Start `cmd` (program, arguments, environment changes and directory are
/// used) in a process group of its own with these streams. Must be called
/// within the runtime.
pub fn spawn(cmd: std::process::Command, stdio: [Io; 3]) -> std::io::Result<Child> {
    let s = streams(stdio)?;
    #[cfg(target_os = "linux")]
    if let Some(Ok(client)) = client::get()
        && client.alive()
    {
        match client.spawn(&request(&cmd).encode(), &s.theirs) {
            Ok((pid, exit)) => {
                drop(s.theirs);
                let reaper = Reaper::Spawner { pid: client.pid, subreaper: client.subreaper() };
                let inner = Inner::Spawned { client, exit, status: None };
                return ours(u32::try_from(pid).unwrap_or(0), s.stdin, s.stdout, s.stderr, reaper, inner);
            }
            Err(client::SpawnError::Os(e)) => return Err(e),
            // Started directly below, with a warning (take_warning).
            Err(client::SpawnError::Gone) => {}
        }
    }
    direct(cmd, s)
}

fn ours(
    pid: u32,
    stdin: Option<std::io::PipeWriter>,
    stdout: Option<std::io::PipeReader>,
    stderr: Option<std::io::PipeReader>,
    reaper: Reaper,
    inner: Inner,
) -> std::io::Result<Child> {
    Ok(Child {
        pid,
        stdin: stdin.map(|w| pipe::Sender::from_owned_fd(w.into())).transpose()?,
        stdout: stdout.map(|r| pipe::Receiver::from_owned_fd(r.into())).transpose()?,
        stderr: stderr.map(|r| pipe::Receiver::from_owned_fd(r.into())).transpose()?,
        reaper,
        inner,
    })
}

/// The request for `cmd`: gameday's environment with the command's changes
/// and gameday's directory unless the command names one (both may have
/// changed since the spawner was forked).
fn request(cmd: &std::process::Command) -> wire::Spawn {
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    for (k, v) in cmd.get_envs() {
        env.retain(|(name, _)| name != k);
        if let Some(v) = v {
            env.push((k.to_os_string(), v.to_os_string()));
        }
    }
    let cwd = cmd
        .get_current_dir()
        .map(|d| d.as_os_str().to_os_string())
        .or_else(|| std::env::current_dir().ok().map(OsString::from))
        .unwrap_or_default();
    wire::Spawn {
        program: cmd.get_program().to_os_string(),
        args: cmd.get_args().map(|a| a.to_os_string()).collect(),
        env: env
            .into_iter()
            .map(|(k, v)| {
                let mut kv = k.into_vec();
                kv.push(b'=');
                kv.extend(v.into_vec());
                OsString::from_vec(kv)
            })
            .collect(),
        cwd,
    }
}

/// Today's path without a spawner: gameday starts the child itself.
fn direct(cmd: std::process::Command, s: Streams) -> std::io::Result<Child> {
    let [their_in, their_out, their_err] = s.theirs;
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.stdin(Stdio::from(their_in))
        .stdout(Stdio::from(their_out))
        .stderr(Stdio::from(their_err))
        .process_group(0)
        .kill_on_drop(true);
    super::process::die_with_parent(&mut cmd);
    super::proc_tree::become_subreaper();
    let child = cmd.spawn()?;
    // Our copies of the child's ends go with `cmd`, so its output ends when it does.
    drop(cmd);
    let pid = child.id().unwrap_or(0);
    ours(pid, s.stdin, s.stdout, s.stderr, Reaper::Gameday, Inner::Direct(child))
}
