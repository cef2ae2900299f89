//! The readiness gate before the first step of a Game Day playbook:
//! approvals complete, a safety monitor named, the environment confirmed,
//! preflight items ticked by a person and automated checks green. Anything
//! missing needs an explicit, recorded override.
use super::pyvalue::{py_str, py_truthy};
use super::substitute::Scope;
use super::tolerance::{ProbeTolerance, ToleranceError, Verdict, within_tolerance};
use crate::providers::{self, ProviderError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

/// How an item gets settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Known from the playbook (approvals, safety monitor).
    Plan,
    /// A person ticks it in the console.
    Tick,
    /// An activity whose tolerance is checked automatically.
    Check,
    /// The environment; in production its name must be typed to confirm.
    Environment,
}

/// One line of the readiness list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub label: String,
    pub kind: ItemKind,
    pub ok: bool,
    pub detail: String,
}

/// Is this document a Game Day playbook (rather than a plain experiment)?
pub fn is_playbook(doc: &Value) -> bool {
    doc.get("gameday").is_some()
}

/// The environment and whether it is production.
pub fn environment(doc: &Value) -> (Option<String>, bool) {
    let w = doc.get("where");
    let env = w.and_then(|w| w.get("environment")).and_then(Value::as_str).map(str::to_string);
    let prod = w.and_then(|w| w.get("production")).is_some_and(py_truthy);
    (env, prod)
}

/// Items known from the plan itself, and the ones people tick.
pub fn plan_items(doc: &Value) -> Vec<Item> {
    let mut out = Vec::new();
    let approvals = doc.get("approvals").and_then(Value::as_array).cloned().unwrap_or_default();
    let pending: Vec<String> = approvals
        .iter()
        .filter(|a| !a.get("approved").is_some_and(py_truthy))
        .map(|a| a.get("name").map(py_str).unwrap_or_else(|| "(unnamed)".into()))
        .collect();
    out.push(Item {
        id: "approvals".into(),
        label: "Approvals complete".into(),
        kind: ItemKind::Plan,
        ok: !approvals.is_empty() && pending.is_empty(),
        detail: if approvals.is_empty() {
            "no approvals recorded in the plan".into()
        } else if pending.is_empty() {
            format!("{} of {} approved", approvals.len(), approvals.len())
        } else {
            format!("waiting for: {}", pending.join(", "))
        },
    });
    let monitor = doc.get("roles").and_then(|r| r.get("safety_monitor")).map(py_str).filter(|s| !s.trim().is_empty());
    out.push(Item {
        id: "safety-monitor".into(),
        label: "Safety monitor named".into(),
        kind: ItemKind::Plan,
        ok: monitor.is_some(),
        detail: monitor.unwrap_or_else(|| "nobody is named in roles.safety_monitor".into()),
    });
    let (env, prod) = environment(doc);
    out.push(Item {
        id: "environment".into(),
        label: "Environment confirmed".into(),
        kind: ItemKind::Environment,
        ok: env.is_some() && !prod,
        detail: match (&env, prod) {
            (Some(e), true) => format!("PRODUCTION: type '{e}' to confirm"),
            (Some(e), false) => format!("{e} (not production)"),
            (None, _) => "no environment named in where.environment".into(),
        },
    });
    for (i, p) in doc.get("preflight").and_then(Value::as_array).into_iter().flatten().enumerate() {
        match p {
            Value::String(text) => out.push(Item {
                id: format!("preflight-{i}"),
                label: text.clone(),
                kind: ItemKind::Tick,
                ok: false,
                detail: "to be ticked".into(),
            }),
            Value::Object(_) => out.push(Item {
                id: format!("preflight-{i}"),
                label: p.get("name").map(py_str).unwrap_or_else(|| format!("check {}", i + 1)),
                kind: ItemKind::Check,
                ok: false,
                detail: "not checked yet".into(),
            }),
            _ => {}
        }
    }
    out
}

struct NoProbe;
impl ProbeTolerance for NoProbe {
    fn run(&self, _: &Value) -> Result<bool, ToleranceError> {
        Err(ToleranceError("probe tolerances are not supported in preflight checks".into()))
    }
}

/// Run the automated preflight checks, filling in their items.
pub async fn run_checks(
    doc: &Value,
    items: &mut [Item],
    configuration: &Map<String, Value>,
    secrets: &Map<String, Value>,
    python: &str,
    cancel: &CancellationToken,
) {
    let checks = doc.get("preflight").and_then(Value::as_array).cloned().unwrap_or_default();
    for (i, p) in checks.iter().enumerate() {
        if !p.is_object() {
            continue;
        }
        let id = format!("preflight-{i}");
        let Some(item) = items.iter_mut().find(|it| it.id == id) else { continue };
        let scope = Scope::new(configuration, secrets);
        let ctx = providers::Context { scope, cancel: cancel.clone(), live: &providers::Silent, python };
        let (ok, detail) = match providers::run(p, &ctx).await {
            Ok(v) => match p.get("tolerance") {
                Some(t) => {
                    let t = if t.is_string() { super::substitute::substitute(t, &scope) } else { t.clone() };
                    match within_tolerance(&t, &v, &scope, &NoProbe) {
                        Ok(Verdict::Met) => (true, format!("ok: {}", super::safety::concise(&v))),
                        Ok(Verdict::NotMet) => {
                            (false, format!("outside its tolerance: {}", super::safety::concise(&v)))
                        }
                        Err(e) => (false, e.to_string()),
                    }
                }
                None => (true, "ran (no tolerance to check)".into()),
            },
            Err(ProviderError::Interrupted) => (false, "interrupted".into()),
            Err(e) => (false, e.to_string()),
        };
        item.ok = ok;
        item.detail = detail;
    }
}

/// What is still missing, in words.
pub fn missing(items: &[Item]) -> Vec<String> {
    items.iter().filter(|i| !i.ok).map(|i| format!("{}: {}", i.label, i.detail)).collect()
}
