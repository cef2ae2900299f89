//! The `python` provider: runs `module.func` in a real Python interpreter
//! through a small embedded bridge, so the Chaos Toolkit driver ecosystem a
//! user has installed keeps working. Arguments, configuration and secrets are
//! passed as Chaos Toolkit passes them.
use super::{Context, ProviderError, Stream};
use crate::engine::pyvalue::py_truthy;
use crate::engine::substitute::substitute;
use serde_json::{Map, Value, json};
use std::process::Stdio;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

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
    let mut cmd = Command::new(ctx.python);
    super::process::die_with_parent(&mut cmd);
    // As for process activities: whatever the driver starts, even a daemon
    // that leaves the group, is found and ended with the activity.
    super::proc_tree::become_subreaper();
    let mut child = cmd
        .arg("-c")
        .arg(BRIDGE)
        .env("GAMEDAY_BRIDGE_RESULT", result_file.path())
        .env("GAMEDAY_PID", std::process::id().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            ProviderError::Failed(format!(
                "cannot start the Python interpreter '{}': {e} (set --python or `python` in the config file)",
                ctx.python
            ))
        })?;
    let pgid = child.id().unwrap_or(0);
    ctx.live.spawned(pgid);
    let mut family = super::proc_tree::Family::new(pgid);
    if let Some(mut stdin) = child.stdin.take() {
        let bytes = serde_json::to_vec(&request).unwrap_or_default();
        let _ = stdin.write_all(&bytes).await;
    }
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let live = ctx.live;
    let work = async {
        // Streamed and capped as process output is: a driver printing
        // hundreds of megabytes must not take gameday's memory with it.
        let o = async {
            if let Some(s) = stdout.as_mut() {
                super::process::pump(s, Stream::Stdout, live).await;
            }
        };
        let e = async {
            match stderr.as_mut() {
                Some(s) => String::from_utf8_lossy(&super::process::pump_quiet(s).await).into_owned(),
                None => String::new(),
            }
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
