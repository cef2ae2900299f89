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

/// The id of the readiness item that says a blackout window is in force.
pub const BLACKOUT_ID: &str = "blackout";

/// The item for a blackout window in force: never ok, so only an override
/// (with its reason, recorded) starts the run.
pub fn blackout_item(message: &str) -> Item {
    Item {
        id: BLACKOUT_ID.into(),
        label: "Outside blackout windows".into(),
        kind: ItemKind::Plan,
        ok: false,
        detail: message.to_string(),
    }
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

/// A preflight item a person ticked before the run (in `gameday plan`,
/// kept in the playbook's day file), so the gate starts with it ticked.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorTick {
    /// Position in the playbook's `preflight:` list.
    pub index: usize,
    /// The item's text when it was ticked: a tick for text that has since
    /// changed is not carried over (the playbook changed under it).
    pub text: String,
    pub by: Option<String>,
    pub at: Option<String>,
}

/// Tick the items ticked before the run; returns the items ticked, so the
/// caller can record who ticked them.
pub fn apply_prior_ticks<'a>(items: &'a mut [Item], ticks: &[PriorTick]) -> Vec<&'a Item> {
    let mut done = Vec::new();
    for item in items.iter_mut() {
        let Some(t) = ticks.iter().find(|t| item.id == format!("preflight-{}", t.index)) else { continue };
        if item.kind != ItemKind::Tick || item.label != t.text || item.ok {
            continue;
        }
        item.ok = true;
        item.detail = match (&t.by, &t.at) {
            (Some(by), Some(at)) => format!("ticked in the plan by {by} at {at}"),
            (Some(by), None) => format!("ticked in the plan by {by}"),
            _ => "ticked in the plan".into(),
        };
        done.push(&*item);
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prior_ticks_apply_to_matching_text_items_only() {
        let doc = json!({"gameday": 1, "preflight": ["Bob is out of reach", "Room booked",
            {"name": "up", "type": "probe", "provider": {"type": "http", "url": "http://x"}}]});
        let mut items = plan_items(&doc);
        let tick = |index: usize, text: &str| PriorTick { index, text: text.into(), by: Some("kim".into()), at: None };
        // Item 1's text changed since it was ticked; item 2 is a check, never ticked by hand.
        let ticks = [tick(0, "Bob is out of reach"), tick(1, "Room booked until noon"), tick(2, "up")];
        let done: Vec<String> = apply_prior_ticks(&mut items, &ticks).iter().map(|i| i.id.clone()).collect();
        assert_eq!(done, ["preflight-0"]);
        let by_id = |id: &str| items.iter().find(|i| i.id == id).unwrap();
        assert!(by_id("preflight-0").ok);
        assert_eq!(by_id("preflight-0").detail, "ticked in the plan by kim");
        assert!(!by_id("preflight-1").ok);
        assert!(!by_id("preflight-2").ok);
    }
}
