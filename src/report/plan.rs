//! The Game Day plan, read from the playbook keys kept in the experiment copy
//! (`hypothesis`, `style`, `objectives`, `roles`, `invite`, `where`, `when`,
//! `approvals`, `preflight`). Every key is optional and may be written loosely
//! (a string where a list is expected, …): render what exists.
use super::model::{Approval, Invitee, Pair, Plan};
use super::text::plain;
use serde_json::Value;

/// Read the plan from an experiment document.
pub fn plan(exp: &Value) -> Plan {
    let mut p = Plan::default();
    match exp.get("hypothesis") {
        Some(Value::Object(h)) => {
            p.hypothesis = h.get("statement").map(plain).filter(|s| !s.is_empty());
            p.backlog = h.get("backlog").map(plain).filter(|s| !s.is_empty());
            p.ilities = list(h.get("ilities"));
        }
        Some(v) => p.hypothesis = Some(plain(v)).filter(|s| !s.is_empty()),
        None => {}
    }
    p.style = exp.get("style").map(plain).filter(|s| !s.is_empty());
    p.objectives = list(exp.get("objectives"));
    p.roles = pairs(exp.get("roles"));
    p.invite = exp
        .get("invite")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|i| match i {
                    Value::Object(_) => {
                        Invitee { name: field(i, "name"), role: field(i, "role"), reason: field(i, "reason") }
                    }
                    other => Invitee { name: plain(other), role: String::new(), reason: String::new() },
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(w) = exp.get("where") {
        p.blast_radius = w.get("blast_radius").map(plain).filter(|s| !s.is_empty());
        p.production = w.get("production").and_then(Value::as_bool);
        p.where_ = pairs(Some(w)).into_iter().filter(|x| x.key != "blast radius").collect();
    }
    if let Some(w) = exp.get("when") {
        p.planned_duration = w.get("duration").map(plain).filter(|s| !s.is_empty());
        p.when = pairs(Some(w));
    }
    p.approvals = exp
        .get("approvals")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| Approval {
                    name: field(x, "name"),
                    role: field(x, "role"),
                    approved: match x.get("approved") {
                        Some(Value::Bool(true)) => "yes".into(),
                        Some(Value::Bool(false)) => "no".into(),
                        Some(v) => plain(v),
                        None => String::new(),
                    },
                    at: field(x, "at"),
                    note: field(x, "note"),
                })
                .collect()
        })
        .unwrap_or_default();
    p.preflight = exp
        .get("preflight")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| match x {
                    Value::Object(m) => m
                        .get("name")
                        .or_else(|| m.get("text"))
                        .or_else(|| m.get("item"))
                        .map(plain)
                        .unwrap_or_else(|| plain(x)),
                    other => plain(other),
                })
                .collect()
        })
        .unwrap_or_default();
    p.tags = list(exp.get("tags"));
    p.contributions = pairs(exp.get("contributions"));
    p.steady_state_title = exp.get("steady-state-hypothesis").and_then(|h| h.get("title")).map(plain);
    p
}

fn field(v: &Value, k: &str) -> String {
    v.get(k).map(plain).unwrap_or_default()
}

fn list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().map(plain).filter(|s| !s.is_empty()).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![plain(other)],
    }
}

fn pairs(v: Option<&Value>) -> Vec<Pair> {
    match v {
        Some(Value::Object(m)) => m.iter().map(|(k, x)| Pair { key: k.replace('_', " "), value: plain(x) }).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| match x {
                Value::Object(m) if m.len() == 1 => {
                    let (k, v) = m.iter().next().map(|(k, v)| (k.clone(), plain(v))).unwrap_or_default();
                    Pair { key: k.replace('_', " "), value: v }
                }
                other => Pair { key: String::new(), value: plain(other) },
            })
            .collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![Pair { key: String::new(), value: plain(other) }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_what_exists() {
        let p = plan(&json!({
            "hypothesis": {"statement": "it holds", "ilities": ["availability"]},
            "style": "dungeons-and-dragons",
            "where": {"environment": "staging", "production": false, "blast_radius": "one pod"},
            "approvals": [{"name": "Kim", "role": "owner", "approved": true}],
            "preflight": ["a", {"name": "b", "type": "probe"}]
        }));
        assert_eq!(p.hypothesis.as_deref(), Some("it holds"));
        assert_eq!(p.blast_radius.as_deref(), Some("one pod"));
        assert_eq!(p.where_.len(), 2);
        assert_eq!(p.approvals[0].approved, "yes");
        assert_eq!(p.preflight, vec!["a", "b"]);
        assert!(plan(&json!({"title": "x"})).is_empty());
    }
}
