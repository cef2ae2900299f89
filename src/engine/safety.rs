//! Safety around a run: safeguards (probes that keep checking a tolerance
//! every period and STOP the run on their own when one misses) and halt
//! actions (`on_stop`: run at once and in parallel when STOP is raised,
//! before the rollbacks, so one key can halt every tool in use).
use super::pyvalue::py_truthy;
use super::stop::{StopHandle, StopRequest};
use super::substitute::Scope;
use super::tolerance::{ProbeTolerance, ToleranceError, Verdict, within_tolerance};
use crate::model::duration;
use crate::providers::{self, ProviderError};
use crate::session::event::{EventBody, Phase};
use crate::session::recorder::Recorder;
use crate::timefmt::iso;
use chrono::Utc;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Longest a halt action may take when it sets no timeout of its own.
pub const HALT_DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One safeguard, as declared.
#[derive(Debug, Clone)]
pub struct Safeguard {
    pub name: String,
    pub probe: Value,
    pub every: Duration,
    /// Only warn instead of stopping.
    pub warn_only: bool,
}

/// Read `safeguards:` from a playbook. Errors name the safeguard.
pub fn safeguards(doc: &Value) -> Result<Vec<Safeguard>, String> {
    let Some(list) = doc.get("safeguards") else { return Ok(Vec::new()) };
    let Some(list) = list.as_array() else {
        return Err("`safeguards` must be a list of probes".into());
    };
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let name =
            p.get("name").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| format!("safeguard {}", i + 1));
        if p.get("tolerance").is_none() {
            return Err(format!("safeguard '{name}' needs a tolerance"));
        }
        if p.get("provider").is_none() {
            return Err(format!("safeguard '{name}' needs a provider"));
        }
        let every = match p.get("every") {
            Some(v) => duration::parse(v).map_err(|e| format!("safeguard '{name}': every: {e}"))?,
            None => Duration::from_secs(10),
        };
        if every < Duration::from_millis(100) {
            return Err(format!("safeguard '{name}': every must be at least 100ms"));
        }
        let warn_only = match p.get("on_violation").and_then(Value::as_str) {
            None | Some("stop") => false,
            Some("warn") => true,
            Some(other) => return Err(format!("safeguard '{name}': on_violation must be stop or warn, not '{other}'")),
        };
        out.push(Safeguard { name, probe: p.clone(), every, warn_only });
    }
    Ok(out)
}

struct NoProbe;
impl ProbeTolerance for NoProbe {
    fn run(&self, _: &Value) -> Result<bool, ToleranceError> {
        Err(ToleranceError("probe tolerances are not supported in safeguards".into()))
    }
}

/// A short text for a value on screen and in events.
pub fn concise(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.contains_key("status") && (m.contains_key("body") || m.contains_key("stdout")) => {
            json!({"status": m.get("status")})
        }
        Value::String(s) if s.len() > 200 => Value::String(format!("{}…", s.chars().take(200).collect::<String>())),
        other => other.clone(),
    }
}

/// Keep checking every safeguard until `done` is cancelled.
pub fn spawn_safeguards(
    list: Vec<Safeguard>,
    configuration: Map<String, Value>,
    secrets: Map<String, Value>,
    python: String,
    rec: Arc<Recorder>,
    stop: StopHandle,
    done: CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    let shared = Arc::new((configuration, secrets));
    list.into_iter()
        .map(|sg| {
            let (rec, stop, done, shared, python) =
                (Arc::clone(&rec), stop.clone(), done.clone(), Arc::clone(&shared), python.clone());
            tokio::spawn(async move {
                let mut tripped = false;
                loop {
                    let started = Instant::now();
                    let scope = Scope::new(&shared.0, &shared.1);
                    let ctx =
                        providers::Context { scope, cancel: done.clone(), live: &providers::Silent, python: &python };
                    let outcome = tokio::select! {
                        r = providers::run(&sg.probe, &ctx) => r,
                        _ = done.cancelled() => return,
                    };
                    let (met, value, error) = match outcome {
                        Ok(v) => {
                            let tol = sg.probe.get("tolerance").cloned().unwrap_or(Value::Null);
                            let tol = if tol.is_string() { super::substitute::substitute(&tol, &scope) } else { tol };
                            match within_tolerance(&tol, &v, &scope, &NoProbe) {
                                Ok(verdict) => (verdict == Verdict::Met, concise(&v), None),
                                Err(e) => (false, concise(&v), Some(e.to_string())),
                            }
                        }
                        Err(ProviderError::Interrupted) => return,
                        Err(e) => (false, Value::Null, Some(e.to_string())),
                    };
                    rec.record_or_flag(EventBody::SafeguardCheck {
                        name: sg.name.clone(),
                        met,
                        value: value.clone(),
                        error: error.clone(),
                    });
                    if !met && !tripped {
                        let why = match &error {
                            Some(e) => format!("safeguard '{}' could not be checked: {e}", sg.name),
                            None => format!("safeguard '{}' missed its tolerance (value {})", sg.name, value),
                        };
                        // Once the run is stopping, a miss must not also cut the rollbacks short.
                        if sg.warn_only || stop.count() > 0 {
                            rec.record_or_flag(EventBody::Warning { message: why });
                        } else {
                            tripped = true;
                            stop.stop(StopRequest::halt("safeguard", "safeguard", Some(&why)));
                        }
                    }
                    let wait = sg.every.saturating_sub(started.elapsed());
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = done.cancelled() => return,
                    }
                }
            })
        })
        .collect()
}

/// Run every `on_stop` action at once, in parallel, each within its own
/// timeout, recording each as an activity of the Stopping phase.
pub async fn run_halt_actions(
    actions: &[Value],
    configuration: &Map<String, Value>,
    secrets: &Map<String, Value>,
    python: &str,
    rec: &Arc<Recorder>,
    first_run: u64,
) -> u64 {
    if actions.is_empty() {
        return 0;
    }
    rec.record_or_flag(EventBody::PhaseChanged { phase: Phase::Stopping });
    let futures = actions.iter().enumerate().map(|(i, a)| {
        let run = first_run + i as u64;
        async move {
            let timeout = a
                .get("provider")
                .and_then(|p| p.get("timeout"))
                .and_then(Value::as_f64)
                .filter(|t| *t > 0.0)
                .and_then(duration::seconds)
                .unwrap_or(HALT_DEFAULT_TIMEOUT);
            let start = Utc::now();
            let clock = Instant::now();
            rec.record_or_flag(EventBody::ActivityStarted {
                run,
                phase: Phase::Stopping,
                index: i,
                activity: a.clone(),
                start: iso(&start),
            });
            let cancel = CancellationToken::new();
            let ctx = providers::Context {
                scope: Scope::new(configuration, secrets),
                cancel: cancel.clone(),
                live: &providers::Silent,
                python,
            };
            let result = tokio::select! {
                r = providers::run(a, &ctx) => r,
                _ = tokio::time::sleep(timeout) => {
                    cancel.cancel();
                    Err(ProviderError::Failed(format!("halt action took longer than {}s", timeout.as_secs_f64())))
                }
            };
            let (status, output, exception) = match result {
                Ok(v) => ("succeeded", v, None),
                Err(e) => ("failed", Value::Null, Some(vec![format!("chaoslib.exceptions.ActivityFailed: {e}\n")])),
            };
            rec.record_or_flag(EventBody::ActivityFinished {
                run,
                output,
                status: Some(status.into()),
                exception,
                end: iso(&Utc::now()),
                duration: clock.elapsed().as_secs_f64(),
                tolerance_met: None,
                gameday: None,
            });
        }
    });
    futures::future::join_all(futures).await;
    actions.len() as u64
}

/// The `on_stop` list of a playbook (activities).
pub fn halt_actions(doc: &Value) -> Vec<Value> {
    doc.get("on_stop")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter(|x| py_truthy(x)).cloned().collect())
        .unwrap_or_default()
}
