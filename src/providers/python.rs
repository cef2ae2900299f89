//! The `python` provider: runs `module.func` in a real Python interpreter —
//! the run's long-lived worker (see [`super::python_worker`]) — so the Chaos
//! Toolkit driver ecosystem a user has installed keeps working, with its
//! module state. Arguments, configuration and secrets are passed as Chaos
//! Toolkit passes them.
use super::python_worker::Msg;
use super::{Context, ProviderError, Stream};
use crate::engine::pyvalue::py_truthy;
use crate::engine::substitute::substitute;
use serde_json::{Map, Value, json};

/// The request handed to the worker.
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

/// Run a python activity in the run's Python worker.
///
/// `background` says whether chaos would run it beside the method (in a
/// thread) rather than in its main thread: an exit signal raised by a call in
/// the main thread interrupts that very call, as chaos's signal handler does.
pub async fn run(provider: &Value, background: bool, ctx: &Context<'_>) -> Result<Value, ProviderError> {
    let mut request = bridge_request(provider, &ctx.scope);
    if let Some(obj) = request.as_object_mut() {
        obj.insert("foreground".into(), json!(!background));
    }
    let worker = super::python_worker::get(ctx.python, ctx.live).await?;
    ctx.live.spawned(worker.pgid());
    let mut replies = worker.call(request).await?;
    let live = ctx.live;
    let mut printed = Printed::default();
    let outcome = loop {
        tokio::select! {
            msg = replies.recv() => match msg {
                Some(Msg::Output(stream, text)) => {
                    live.output(stream, &text);
                    printed.add(stream, &text);
                }
                Some(Msg::Done(result, signals)) => {
                    // chaoslib's exit_gracefully()/exit_ungracefully() in
                    // this call: the run ends as chaos ends it, before the
                    // result is used.
                    for signum in signals {
                        live.exit_signal(signum == libc::SIGUSR1);
                    }
                    break Ok(result);
                }
                Some(Msg::Gone(why)) => break Err(ProviderError::Crashed(why)),
                None => break Err(ProviderError::Crashed("the Python worker ended".into())),
            },
            _ = ctx.cancel.cancelled() => {
                // Python cannot stop a call from outside: the worker goes,
                // with whatever it started; the next activity gets a new one.
                worker.stop().await;
                live.warn("the Python worker was stopped with this activity; the next python activity starts a new one");
                break Err(ProviderError::Interrupted);
            }
        }
    };
    let result = outcome.and_then(|outcome| {
        if outcome.get("interrupted").is_some() {
            // It signalled the run to end from chaos's main thread: the
            // signal handler cut it short, so it has no result.
            return Err(ProviderError::Interrupted);
        }
        if let Some(out) = outcome.get("output") {
            return Ok(out.clone());
        }
        if let Some(msg) = outcome.get("failed").and_then(Value::as_str) {
            // The traceback, as chaos logs it, goes with what was printed.
            if let Some(tb) = outcome.get("traceback").and_then(Value::as_array) {
                let text: String = tb.iter().filter_map(Value::as_str).collect();
                live.output(Stream::Stderr, &text);
                printed.add(Stream::Stderr, &text);
            }
            return Err(ProviderError::Failed(msg.to_string()));
        }
        let msg = outcome.get("crash").and_then(Value::as_str).unwrap_or("unknown error");
        Err(ProviderError::Crashed(msg.to_string()))
    });
    live.printed(&printed.stdout, &printed.stderr);
    result
}

/// What one call printed, kept up to the output cap per stream.
#[derive(Default)]
struct Printed {
    stdout: String,
    stderr: String,
}

impl Printed {
    fn add(&mut self, stream: Stream, text: &str) {
        let buf = if stream == Stream::Stderr { &mut self.stderr } else { &mut self.stdout };
        let room = super::OUTPUT_CAP.saturating_sub(buf.len());
        if room == 0 {
            return;
        }
        if text.len() <= room {
            buf.push_str(text);
        } else {
            let cut = (0..=room).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
            buf.push_str(&text[..cut]);
            buf.push_str(super::TRUNCATED_MARK);
        }
    }
}
