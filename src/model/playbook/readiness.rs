//! The readiness gate's items: what must be true before a Game Day starts.
//!
//! Items known from the plan (approvals, safety monitor, environment) pass
//! or fail on their own; a failing one needs an explicit, recorded override
//! in the console. Preflight text items are ticked by a person; preflight
//! probes are run by the engine and checked against their tolerance.
use super::{Playbook, PreflightItem};
use serde_json::Value;

/// How an item is decided.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadinessCheck {
    /// Known from the plan. `ok: false` needs a recorded override to go on.
    Plan { ok: bool },
    /// A person ticks it.
    Tick,
    /// Run this probe and hold its output against its tolerance.
    Activity(Value),
}

/// One line of the readiness list.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadinessItem {
    /// Stable id for events and overrides: `approvals`, `facilitator`,
    /// `safety_monitor`, `environment`, `preflight/<n>`.
    pub id: String,
    /// What is checked, in a few words.
    pub label: String,
    /// The current state, or what to do about it.
    pub detail: String,
    pub check: ReadinessCheck,
}

pub(super) fn items(p: &Playbook) -> Vec<ReadinessItem> {
    let mut out = vec![approvals(p), facilitator(p), safety_monitor(p), environment(p)];
    for (i, item) in p.preflight.iter().enumerate() {
        out.push(match item {
            PreflightItem::Text(t) => ReadinessItem {
                id: format!("preflight/{i}"),
                label: t.clone(),
                detail: "ticked by a person".into(),
                check: ReadinessCheck::Tick,
            },
            PreflightItem::Activity(a) => ReadinessItem {
                id: format!("preflight/{i}"),
                label: a.get("name").and_then(Value::as_str).unwrap_or("automated check").to_string(),
                detail: "checked automatically against its tolerance".into(),
                check: ReadinessCheck::Activity(a.clone()),
            },
        });
    }
    out
}

fn approvals(p: &Playbook) -> ReadinessItem {
    let missing: Vec<&str> = p.approvals.iter().filter(|a| !a.approved).map(|a| a.name.as_str()).collect();
    let detail = if p.approvals.is_empty() {
        "no approvals are listed: who must agree to this Game Day?".to_string()
    } else if missing.is_empty() {
        format!("all {} approved", p.approvals.len())
    } else {
        format!(
            "{} of {} approved; waiting for {}",
            p.approvals.len() - missing.len(),
            p.approvals.len(),
            missing.join(", ")
        )
    };
    ReadinessItem {
        id: "approvals".into(),
        label: "Approvals complete".into(),
        detail,
        check: ReadinessCheck::Plan { ok: p.approvals_complete() },
    }
}

fn facilitator(p: &Playbook) -> ReadinessItem {
    let (ok, detail) = match &p.roles.facilitator {
        Some(name) => (true, name.clone()),
        None => (false, "nobody is named facilitator (roles.facilitator)".to_string()),
    };
    ReadinessItem {
        id: "facilitator".into(),
        label: "Facilitator named".into(),
        detail,
        check: ReadinessCheck::Plan { ok },
    }
}

fn safety_monitor(p: &Playbook) -> ReadinessItem {
    let (ok, detail) = match &p.roles.safety_monitor {
        Some(name) => (true, name.clone()),
        None => (false, "nobody is named safety monitor (roles.safety_monitor)".to_string()),
    };
    ReadinessItem {
        id: "safety_monitor".into(),
        label: "Safety monitor named".into(),
        detail,
        check: ReadinessCheck::Plan { ok },
    }
}

fn environment(p: &Playbook) -> ReadinessItem {
    let env = p.place.environment.as_deref();
    let (ok, detail) = match (env, p.place.production) {
        (_, true) => (false, format!("PRODUCTION ({}): real users can be affected", env.unwrap_or("production"))),
        (Some(e), false) => (true, format!("{e} (not production)")),
        (None, false) => (false, "the target environment is not named (where.environment)".to_string()),
    };
    ReadinessItem {
        id: "environment".into(),
        label: "Target environment".into(),
        detail,
        check: ReadinessCheck::Plan { ok },
    }
}

#[cfg(test)]
mod tests {
    use super::super::Playbook;
    use super::*;
    use serde_json::json;

    #[test]
    fn gate() {
        let doc = json!({
            "gameday": 1, "title": "t", "description": "d", "method": [],
            "roles": {"facilitator": "Alex"},
            "where": {"environment": "prod-eu", "production": true},
            "approvals": [{"name": "Bob", "approved": true}, {"name": "Jennifer"}],
            "preflight": ["Everyone knows", {"type": "probe", "name": "up", "tolerance": 200,
                "provider": {"type": "http", "url": "http://x"}}]
        });
        let items = Playbook::from_doc(&doc).unwrap().readiness_items();
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["approvals", "facilitator", "safety_monitor", "environment", "preflight/0", "preflight/1"]);
        assert_eq!(items[0].check, ReadinessCheck::Plan { ok: false });
        assert!(items[0].detail.contains("Jennifer"));
        assert_eq!(items[1].check, ReadinessCheck::Plan { ok: true });
        assert_eq!(items[2].check, ReadinessCheck::Plan { ok: false });
        assert_eq!(items[3].check, ReadinessCheck::Plan { ok: false });
        assert_eq!(items[4].check, ReadinessCheck::Tick);
        assert!(matches!(items[5].check, ReadinessCheck::Activity(_)));
    }
}
