//! The `process` provider: a string `arguments` runs through `/bin/sh -c`
//! (as Chaos Toolkit does), a list runs as argv. The child gets its own
//! process group so that a timeout or STOP kills it and everything it
//! spawned; descendants that leave the group (`setsid`) are tracked and
//! killed too (see [`super::proc_tree`]).
use super::spawner::Io;
use super::{Context, LiveSink, OUTPUT_CAP, ProviderError, Stream, TRUNCATED_MARK};
use crate::engine::pyvalue::py_str;
use crate::engine::substitute::substitute;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// The command that will run, for display and for execution.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandLine {
    Shell(String),
    Argv(Vec<String>),
}

impl CommandLine {
    /// How it reads on screen.
    pub fn display(&self) -> String {
        match self {
            CommandLine::Shell(s) => s.clone(),
            CommandLine::Argv(v) => v
                .iter()
                .map(|a| {
                    if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$\\".contains(c)) {
                        format!("'{}'", a.replace('\'', r"'\''"))
                    } else {
                        a.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// Build the command line from the provider block (arguments substituted).
pub fn command_line(provider: &Value, scope: &crate::engine::substitute::Scope) -> Result<CommandLine, ProviderError> {
    let raw_path = provider.get("path").and_then(Value::as_str).unwrap_or("");
    let path = super::which::which(raw_path, true)
        .map(|p| p.display().to_string())
        .ok_or_else(|| ProviderError::Crashed(format!("path '{raw_path}' cannot be found")))?;
    let mut args = provider.get("arguments").cloned().unwrap_or(Value::Array(vec![]));
    if !scope.is_empty() && super::super::engine::pyvalue::py_truthy(&args) {
        args = substitute(&args, scope);
    }
    Ok(match args {
        Value::String(s) => CommandLine::Shell(format!("{path} {s}")),
        Value::Object(map) => {
            let flat: Vec<Value> = map.into_iter().flat_map(|(k, v)| [Value::String(k), v]).collect();
            CommandLine::Argv(argv(path, &flat))
        }
        Value::Array(items) => CommandLine::Argv(argv(path, &items)),
        Value::Null => CommandLine::Argv(vec![path]),
        other => CommandLine::Argv(vec![path, py_str(&other)]),
    })
}

fn argv(path: String, items: &[Value]) -> Vec<String> {
    std::iter::once(path).chain(items.iter().filter(|v| !v.is_null() && v.as_str() != Some("")).map(py_str)).collect()
}

/// At most a week; one of zero or less never gets here (`providers::run`
/// fails the activity first, as Chaos Toolkit does).
fn timeout_of(provider: &Value) -> Option<Duration> {
    provider.get("timeout").and_then(Value::as_f64).map(crate::model::duration::seconds_clamped)
}

/// For a child gameday starts itself (no spawner, see [`super::spawner`]):
/// ask Linux to kill it if gameday dies (even by SIGKILL); only the child
/// itself, not what it started. A resumed session kills the rest of the
/// group from the recorded group id.
pub fn die_with_parent(cmd: &mut Command) {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}

/// Kill a whole process group and every descendant of its members, even
/// one that left the group (bounded; see [`super::proc_tree::kill_family`]).
/// Errors mean it is already gone.
pub fn kill_group(pgid: u32) {
    if let Ok(pid) = i32::try_from(pgid) {
        super::proc_tree::kill_family(pid, &Default::default());
    }
}

/// How often the family of a running activity is looked at: often at
/// first (a short-lived parent may orphan a `setsid` child quickly), then
/// rarely (a scan reads every `/proc/<pid>/stat`).
fn track_interval(elapsed: Duration) -> Duration {
    if elapsed < Duration::from_secs(2) { Duration::from_millis(50) } else { Duration::from_millis(500) }
}

/// Whatever happened, nothing of an activity's family outlives it. The kill
/// may take a few rounds (sleeping between them): off the workers, unless
/// there is certainly nothing left to kill.
pub(super) async fn end_family(family: super::proc_tree::Family) {
    if !family.nothing_left() {
        let _ = tokio::task::spawn_blocking(move || family.kill()).await;
    }
}

/// Keep noting the family's members while the activity runs; never ends.
pub(super) async fn track(family: &mut super::proc_tree::Family) -> std::convert::Infallible {
    let began = std::time::Instant::now();
    loop {
        tokio::time::sleep(track_interval(began.elapsed())).await;
        family.observe();
    }
}

/// Read a child's stream to its end: every chunk shown live, at most
/// [`OUTPUT_CAP`] bytes kept (then [`TRUNCATED_MARK`]), so a chatty activity
/// costs bounded memory. A UTF-8 character cut by a read is shown whole
/// with the next read, not as two replacement characters.
pub(super) async fn pump<R: AsyncRead + Unpin>(mut r: R, stream: Stream, live: &dyn LiveSink) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut truncated = false;
    let mut cut_char: Vec<u8> = Vec::new();
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => {
                if !cut_char.is_empty() {
                    live.output(stream, &String::from_utf8_lossy(&cut_char));
                }
                break;
            }
            Ok(n) => {
                cut_char.extend_from_slice(&buf[..n]);
                let whole = whole_chars_len(&cut_char);
                live.output(stream, &String::from_utf8_lossy(&cut_char[..whole]));
                cut_char.drain(..whole);
                if out.len() + n <= OUTPUT_CAP {
                    out.extend_from_slice(&buf[..n]);
                } else if !truncated {
                    let room = OUTPUT_CAP.saturating_sub(out.len());
                    out.extend_from_slice(&buf[..room]);
                    out.extend_from_slice(TRUNCATED_MARK.as_bytes());
                    truncated = true;
                }
            }
        }
    }
    out
}

/// How much of `bytes` ends on a character boundary: all of it, unless it
/// ends inside a UTF-8 sequence that more bytes may complete.
fn whole_chars_len(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        // `error_len() == None`: the end is an incomplete sequence.
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => {
            // Invalid bytes earlier: only an incomplete tail (at most 3 bytes) is held.
            let tail_start = bytes.len().saturating_sub(3);
            (tail_start..bytes.len())
                .find(|&i| bytes[i] >= 0xC0 && std::str::from_utf8(&bytes[i..]).is_err_and(|e| e.error_len().is_none()))
                .unwrap_or(bytes.len())
        }
    }
}

fn decode(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        // Chaos Toolkit guesses the charset; Latin-1 never fails and keeps
        // every byte, which is the most useful fallback for logs.
        Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
    }
}

/// Run a process activity.
pub async fn run(provider: &Value, has_tolerance: bool, ctx: &Context<'_>) -> Result<Value, ProviderError> {
    let cmdline = command_line(provider, &ctx.scope)?;
    let cmd = match &cmdline {
        CommandLine::Shell(s) => {
            let mut c = std::process::Command::new("/bin/sh");
            c.arg("-c").arg(s);
            c
        }
        CommandLine::Argv(v) => {
            let mut c = std::process::Command::new(&v[0]);
            c.args(&v[1..]);
            c
        }
    };
    // stdin is never the terminal: the console owns it.
    let spawned = super::spawner::spawn(cmd, [Io::Null, Io::Piped, Io::Piped]);
    if let Some(warning) = super::spawner::take_warning() {
        ctx.live.warn(&warning);
    }
    let mut child =
        spawned.map_err(|e| ProviderError::Failed(format!("could not start {}: {e}", cmdline.display())))?;
    let pgid = child.id();
    ctx.live.spawned(pgid);
    let mut family = super::proc_tree::Family::new(pgid, child.reaper());
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let live = ctx.live;
    let child_ref = &mut child;
    let io = async {
        let out = async {
            match stdout {
                Some(s) => pump(s, Stream::Stdout, live).await,
                None => Vec::new(),
            }
        };
        let err = async {
            match stderr {
                Some(s) => pump(s, Stream::Stderr, live).await,
                None => Vec::new(),
            }
        };
        let (o, e) = tokio::join!(out, err);
        let status = child_ref.wait().await;
        (o, e, status)
    };
    let timeout = timeout_of(provider);
    let sleep = async {
        match timeout {
            Some(t) => tokio::time::sleep(t).await,
            None => std::future::pending().await,
        }
    };
    let outcome = tokio::select! {
        r = io => Ok(r),
        _ = sleep => Err(ProviderError::Failed("process activity took too long to complete".into())),
        _ = ctx.cancel.cancelled() => Err(ProviderError::Interrupted),
        never = track(&mut family) => match never {},
    };
    end_family(family).await;
    if outcome.is_err() {
        // Reap the child now rather than whenever the runtime gets to it, so
        // no zombie of ours lingers in the group.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), child.wait()).await;
    }
    let (stdout, stderr, status) = outcome?;
    let status = status.map_err(|e| ProviderError::Failed(format!("waiting for the process failed: {e}")))?;
    let code = status.code().unwrap_or_else(|| {
        use std::os::unix::process::ExitStatusExt;
        -status.signal().unwrap_or(0)
    });
    if !has_tolerance && code > 0 {
        ctx.live.warn("This process returned a non-zero exit code. This may indicate some error and not what you expected. Please have a look at the logs.");
    }
    Ok(json!({"status": code, "stdout": decode(stdout), "stderr": decode(stderr)}))
}
