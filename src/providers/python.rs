//! The `python` provider: runs `module.func` in a real Python interpreter
//! through a small embedded bridge, so the Chaos Toolkit driver ecosystem a
//! user has installed keeps working. Arguments, configuration and secrets are
//! passed as Chaos Toolkit passes them.
use super::spawner::Io;
use super::{Context, ProviderError, Stream};
use crate::engine::pyvalue::py_truthy;
use crate::engine::substitute::substitute;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BRIDGE: &str = include_str!("python_bridge.py");

/// The request handed to the bridge.
pub fn bridge_request(provider: &Value, scope: &crate::engine::substitute::Scope) -> Value {
    let mut arguments = provider.get("arguments").cloned().unwrap_or(Value::Object(Map::new()));
    if !scope.is_empty() && py_truthy(&arguments) {
        arguments = substitute(&arguments, scope);
    }
    let mut secrets = Map::new();
    if let Some(Value::Array(scopes)) = provider.get("secrets") {
        for s in scopes.iter().filter_map(Value::as_str) {
            if let Some(Value::Object(m)) = scope.secrets.get(s) {
                secrets.extend(m.clone());
            }
        }
    }
    json!({
        "module": provider.get("module"),
        "func": provider.get("func"),
        "arguments": arguments,
        "configuration": scope.configuration,
        "secrets": secrets,
        "declares_secrets": provider.get("secrets").is_some(),
    })
}

/// Run a python activity.
pub async fn run(provider: &Value, ctx: &Context<'_>) -> Result<Value, ProviderError> {
    let request = bridge_request(provider, &ctx.scope);
    let result_file = tempfile::NamedTempFile::new()
        .map_err(|e| ProviderError::Failed(format!("cannot create a temporary file: {e}")))?;
    let mut cmd = std::process::Command::new(ctx.python);
    cmd.arg("-c")
        .arg(BRIDGE)
        .env("GAMEDAY_BRIDGE_RESULT", result_file.path())
        // Where chaoslib's exit signals are passed on to (see the bridge).
        .env("GAMEDAY_PID", std::process::id().to_string());
    // As for process activities: whatever the driver starts, even a daemon
    // that leaves the group, is found and ended with the activity.
    let spawned = super::spawner::spawn(cmd, [Io::Piped, Io::Piped, Io::Piped]);
    if let Some(warning) = super::spawner::take_warning() {
        ctx.live.warn(&warning);
    }
    let mut child = spawned.map_err(|e| {
        ProviderError::Failed(format!(
            "cannot start the Python interpreter '{}': {e} (set --python or `python` in the config file)",
            ctx.python
        ))
    })?;
    let pgid = child.id();
    ctx.live.spawned(pgid);
    let mut family = super::proc_tree::Family::new(pgid, child.reaper());
    if let Some(mut stdin) = child.stdin.take() {
        let bytes = serde_json::to_vec(&request).unwrap_or_default();
        let _ = stdin.write_all(&bytes).await;
    }
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let live = ctx.live;
    let work = async {
        let o = async {
            let mut buf = String::new();
            if let Some(s) = stdout.as_mut() {
                let _ = s.read_to_string(&mut buf).await;
            }
            live.output(Stream::Stdout, &buf);
        };
        let e = async {
            let mut buf = String::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.read_to_string(&mut buf).await;
            }
            buf
        };
        let (_, err) = tokio::join!(o, e);
        (child.wait().await, err)
    };
    let finished = tokio::select! {
        r = work => Some(r),
        _ = ctx.cancel.cancelled() => None,
        never = super::process::track(&mut family) => match never {},
    };
    super::process::end_family(family).await;
    let Some((status, stderr_text)) = finished else { return Err(ProviderError::Interrupted) };
    let text = std::fs::read_to_string(result_file.path()).unwrap_or_default();
    let outcome: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(_) => {
            let code = status.ok().and_then(|s| s.code()).unwrap_or(-1);
            return Err(ProviderError::Crashed(format!(
                "the Python bridge ended without a result (exit {code}): {}",
                stderr_text.trim()
            )));
        }
    };
    if !stderr_text.is_empty() {
        live.output(Stream::Stderr, &stderr_text);
    }
    if let Some(out) = outcome.get("output") {
        return Ok(out.clone());
    }
    if let Some(msg) = outcome.get("failed").and_then(Value::as_str) {
        return Err(ProviderError::Failed(msg.to_string()));
    }
    let msg = outcome.get("crash").and_then(Value::as_str).unwrap_or("unknown error");
    Err(ProviderError::Crashed(msg.to_string()))
}
