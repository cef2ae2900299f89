//! The one Python process that hosts a run's controls: JSON lines over its
//! stdin/stdout (which the bridge script moves to private descriptors), a
//! time limit per call, and no panic when the process dies — a dead or stuck
//! bridge only costs the controls, never the run.
use super::Warn;
use crate::providers::spawner::{self, Child, Io};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::pipe;
use tokio::sync::Mutex;

const SCRIPT: &str = include_str!("../../providers/control_bridge.py");

/// What a call came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Answered; the JSON reply.
    Answer(Value),
    /// The bridge is gone (died, stuck or never started): skip controls.
    Gone,
}

struct Live {
    child: Child,
    /// Forwards the interpreter's stderr; done once the pipe closes.
    output: Option<tokio::task::JoinHandle<()>>,
    stdin: pipe::Sender,
    stdout: BufReader<pipe::Receiver>,
    pgid: u32,
}

/// A running bridge. Calls are serialised: background activities may ask for
/// hooks concurrently, and Python runs one at a time anyway.
pub struct Bridge {
    live: Mutex<Option<Live>>,
    timeout: Duration,
    warn: Warn,
}

impl Bridge {
    /// Start the interpreter. `None` (with a warning) when it cannot start.
    pub fn spawn(python: &str, timeout: Duration, warn: Warn) -> Option<Self> {
        let mut cmd = std::process::Command::new(python);
        cmd.arg("-c").arg(SCRIPT);
        // Where chaoslib's exit signals are passed on to (see the bridge).
        cmd.env("GAMEDAY_PID", std::process::id().to_string());
        // Its own group (as every spawned child): a Ctrl-C meant for the run
        // must not kill the controls before their `after` hooks and cleanup
        // have run.
        let spawned = spawner::spawn(cmd, [Io::Piped, Io::Piped, Io::Piped]);
        if let Some(warning) = spawner::take_warning() {
            warn(warning);
        }
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                warn(format!(
                    "cannot start the Python interpreter '{python}' for the controls ({e}); they are skipped"
                ));
                return None;
            }
        };
        let pgid = child.id();
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            warn("the controls' Python process has no pipes; the controls are skipped".into());
            return None;
        };
        let output = child.stderr.take().map(|stderr| {
            // Whatever controls print, line by line, so the pipe never fills up.
            let w = warn.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stderr);
                let mut line = Vec::new();
                while reader.read_until(b'\n', &mut line).await.is_ok_and(|n| n > 0) {
                    let text = String::from_utf8_lossy(&line);
                    w(format!("control output: {}", text.trim_end_matches(['\n', '\r'])));
                    line.clear();
                }
            })
        });
        let live = Live { child, output, stdin, stdout: BufReader::new(stdout), pgid };
        Some(Self { live: Mutex::new(Some(live)), timeout, warn })
    }

    /// Send one request and wait for its reply, within the time limit per
    /// call. `what` names the call in warnings.
    pub async fn call(&self, request: &Value, what: &str) -> Reply {
        self.call_within(request, what, self.timeout).await
    }

    /// Like [`Bridge::call`] for start-up work (starting Python, importing
    /// modules), which gets at least [`super::DEFAULT_TIMEOUT`]: a short hook
    /// limit must not turn a slow import on a busy machine into a dead bridge.
    pub async fn call_slow(&self, request: &Value, what: &str) -> Reply {
        self.call_within(request, what, self.timeout.max(super::DEFAULT_TIMEOUT)).await
    }

    async fn call_within(&self, request: &Value, what: &str, limit: Duration) -> Reply {
        let mut guard = self.live.lock().await;
        let Some(live) = guard.as_mut() else {
            return Reply::Gone;
        };
        let mut line = match serde_json::to_vec(request) {
            Ok(b) => b,
            Err(e) => {
                (self.warn)(format!("{what}: the request could not be encoded ({e}); skipped"));
                return Reply::Answer(json!({"error": "unencodable request"}));
            }
        };
        line.push(b'\n');
        let exchange = async {
            live.stdin.write_all(&line).await?;
            live.stdin.flush().await?;
            let mut reply = String::new();
            let n = live.stdout.read_line(&mut reply).await?;
            Ok::<_, std::io::Error>((n, reply))
        };
        let problem = match tokio::time::timeout(limit, exchange).await {
            Ok(Ok((n, reply))) if n > 0 => match serde_json::from_str::<Value>(&reply) {
                Ok(v) => return Reply::Answer(v),
                Err(e) => format!("gave an unreadable answer ({e})"),
            },
            Ok(Ok(_)) => "ended unexpectedly".to_string(),
            Ok(Err(e)) => format!("could not be reached ({e})"),
            Err(_) => format!("did not answer within {}s", limit.as_secs_f64()),
        };
        if let Some(mut dead) = guard.take() {
            crate::providers::process::kill_group(dead.pgid);
            dead.child.start_kill();
            let _ = dead.child.wait().await;
        }
        (self.warn)(format!(
            "the controls' Python process {problem} during {what}; it was stopped and controls are skipped from now on"
        ));
        Reply::Gone
    }

    /// Ask the bridge to exit, then make sure it (and anything it started) is gone.
    pub async fn stop(&self) {
        let Some(mut live) = self.live.lock().await.take() else {
            return;
        };
        let _ = live.stdin.write_all(b"{\"op\": \"exit\"}\n").await;
        let _ = live.stdin.flush().await;
        drop(live.stdin);
        if tokio::time::timeout(Duration::from_secs(5), live.child.wait()).await.is_err() {
            live.child.start_kill();
            let _ = live.child.wait().await;
        }
        crate::providers::process::kill_group(live.pgid);
        if let Some(output) = live.output {
            // Let the last lines a control printed be reported before we return.
            let _ = tokio::time::timeout(Duration::from_secs(2), output).await;
        }
    }
}
