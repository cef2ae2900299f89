//! Providers: what actually performs an activity (http, process, python).
//! Each returns the activity's `output` exactly as Chaos Toolkit records it.
pub mod http;
pub mod proc_tree;
pub mod process;
pub mod prometheus;
pub mod python;
pub mod python_worker;
pub mod spawner;
pub mod which;

use crate::engine::substitute::Scope;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// Why an activity produced no output.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// Chaos Toolkit's `ActivityFailed`: recorded as a failed activity.
    #[error("{0}")]
    Failed(String),
    /// Any other error: Chaos Toolkit aborts the experiment on these.
    #[error("{0}")]
    Crashed(String),
    /// STOP or a signal cancelled the activity while it ran.
    #[error("interrupted")]
    Interrupted,
}

/// Which stream a chunk of live output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
    Info,
}

/// Where providers send live output and warnings while they run.
pub trait LiveSink: Send + Sync {
    fn output(&self, stream: Stream, chunk: &str);
    fn warn(&self, message: &str);
    /// A process group was started (recorded so a resumed session can clean it up).
    fn spawned(&self, _pgid: u32) {}
    /// What a python activity printed, once it has ended (kept in the log).
    fn printed(&self, _stdout: &str, _stderr: &str) {}
    /// The activity raised Chaos Toolkit's graceful (SIGUSR1) or ungraceful
    /// (SIGUSR2) exit signal.
    fn exit_signal(&self, _graceful: bool) {}
}

/// A sink that drops everything (dynamic configuration, tests).
pub struct Silent;
impl LiveSink for Silent {
    fn output(&self, _: Stream, _: &str) {}
    fn warn(&self, _: &str) {}
}

/// Everything a provider may need besides the activity.
pub struct Context<'a> {
    pub scope: Scope<'a>,
    pub cancel: CancellationToken,
    pub live: &'a dyn LiveSink,
    /// Python interpreter for python providers.
    pub python: &'a str,
}

/// Largest output kept from one activity; the rest is dropped and marked.
pub const OUTPUT_CAP: usize = 8 * 1024 * 1024;
/// Appended where output was cut at [`OUTPUT_CAP`].
pub const TRUNCATED_MARK: &str = "\n[gameday: output truncated]\n";

/// Chaos Toolkit's failure for a process past its timeout.
const PROCESS_TOO_LONG: &str = "process activity took too long to complete";

/// A process `timeout` of zero or less: Chaos Toolkit's `subprocess.run`
/// times out at once, before the command can do anything, so the activity
/// fails without being started (rather than racing a zero-length timer).
fn timeout_already_spent(provider: &Value) -> bool {
    provider.get("timeout").and_then(Value::as_f64).is_some_and(|t| t <= 0.0)
}

/// Run the activity's provider.
pub async fn run(activity: &Value, ctx: &Context<'_>) -> Result<Value, ProviderError> {
    let provider = activity.get("provider").unwrap_or(&Value::Null);
    let has_tolerance = activity.get("tolerance").is_some();
    match provider.get("type").and_then(Value::as_str) {
        Some("http") => http::run(provider, has_tolerance, ctx).await,
        Some("process") if timeout_already_spent(provider) => Err(ProviderError::Failed(PROCESS_TOO_LONG.into())),
        Some("process") => process::run(provider, has_tolerance, ctx).await,
        Some("python") => {
            let background = activity.get("background").is_some_and(crate::engine::pyvalue::py_truthy);
            python::run(provider, background, ctx).await
        }
        Some("prometheus") => prometheus::run(provider, ctx).await,
        Some(other) => Err(ProviderError::Crashed(format!("unknown provider type '{other}'"))),
        None => Err(ProviderError::Crashed("a provider must have a type".into())),
    }
}
