//! The automated part of a playbook as a plain Chaos Toolkit experiment
//! (`gameday export FILE --to chaostoolkit`).
//!
//! What happens to what Chaos Toolkit does not have:
//! * plan keys (`gameday`, `hypothesis`, `style`, roles, invite list, where,
//!   when, approvals, preflight, `notify`) are dropped;
//! * manual steps are removed from the steady state, method and rollbacks;
//!   each becomes a numbered note at the end of the `description`, and the
//!   full steps are kept in an extension named `gameday` (`manual_steps`), so
//!   nothing a person must do is lost. With `strict`, a playbook that has
//!   manual steps is refused instead;
//! * `safeguards` and `on_stop` are dropped: Chaos Toolkit would need the
//!   chaostoolkit-addons safeguards control, which we cannot assume is
//!   installed. The description says so and the extension keeps them;
//! * `at` and `timebox` on automated steps are removed (Chaos Toolkit ignores
//!   unknown keys, but the output is meant to be clean);
//! * the `prometheus` provider is gameday's own: a playbook that uses it in
//!   the steady state, method or rollbacks cannot be exported.
use super::manual::Phase;
use super::{PLAN_KEYS, phase_list};
use serde_json::{Map, Value, json};

/// Turn a resolved playbook (see [`super::resolve`]) into an experiment.
/// A plain experiment is returned as it is.
pub fn to_chaostoolkit(doc: &Value, strict: bool) -> Result<Value, String> {
    let Some(root) = doc.as_object() else {
        return Err("the document is not a mapping of keys to values".into());
    };
    if !super::is_playbook(doc) {
        return Ok(doc.clone());
    }
    let mut manual = Vec::new();
    for phase in Phase::ALL {
        for (i, step) in phase_list(root, phase).iter().enumerate() {
            if step.get("type").and_then(Value::as_str) == Some("manual") {
                manual.push((phase, i, step.clone()));
            } else if step.get("provider").and_then(|p| p.get("type")).and_then(Value::as_str) == Some("prometheus") {
                let name = step.get("name").and_then(Value::as_str).unwrap_or("?");
                return Err(format!(
                    "step '{name}' uses the prometheus provider, which is gameday's own and unknown to Chaos Toolkit; \
                     rewrite it as an http probe of the Prometheus API to export this playbook"
                ));
            }
        }
    }
    if strict && !manual.is_empty() {
        let names: Vec<&str> =
            manual.iter().map(|(_, _, s)| s.get("name").and_then(Value::as_str).unwrap_or("?")).collect();
        return Err(format!(
            "--strict: the playbook has {} manual step(s) that Chaos Toolkit cannot run: {}",
            manual.len(),
            names.join(", ")
        ));
    }
    let manual_names: Vec<String> =
        manual.iter().filter_map(|(_, _, s)| s.get("name").and_then(Value::as_str).map(str::to_string)).collect();

    let mut out = Map::new();
    for (key, value) in root {
        if PLAN_KEYS.contains(&key.as_str()) {
            continue;
        }
        let value = match key.as_str() {
            "method" | "rollbacks" => Value::Array(automated(value, &manual_names)?),
            "steady-state-hypothesis" => {
                let mut h = value.as_object().cloned().unwrap_or_default();
                if let Some(probes) = h.get("probes") {
                    let kept = automated(probes, &manual_names)?;
                    h.insert("probes".into(), Value::Array(kept));
                }
                Value::Object(h)
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }

    let safeguards = root.get("safeguards").and_then(Value::as_array).cloned().unwrap_or_default();
    let on_stop = root.get("on_stop").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut notes = Vec::new();
    if !manual.is_empty() {
        notes.push("Manual steps of the Game Day (not run by Chaos Toolkit; do them by hand):".to_string());
        for (n, (phase, _, step)) in manual.iter().enumerate() {
            notes.push(format!("{}. {}", n + 1, describe(*phase, step)));
        }
    }
    if !safeguards.is_empty() || !on_stop.is_empty() {
        notes.push(format!(
            "Dropped on export: {} safeguard(s) and {} halt action(s) (on_stop); watch the system yourself.",
            safeguards.len(),
            on_stop.len()
        ));
    }
    if !notes.is_empty() {
        let description = root.get("description").and_then(Value::as_str).unwrap_or_default();
        out.insert("description".into(), Value::String(format!("{description}\n\n{}", notes.join("\n"))));
        let mut ext = json!({"name": "gameday", "exported_from": "gameday playbook"});
        if !manual.is_empty() {
            ext["manual_steps"] = Value::Array(
                manual
                    .iter()
                    .map(|(phase, i, step)| json!({"phase": phase_name(*phase), "index": i, "step": step}))
                    .collect(),
            );
        }
        if !safeguards.is_empty() {
            ext["safeguards"] = Value::Array(safeguards);
        }
        if !on_stop.is_empty() {
            ext["on_stop"] = Value::Array(on_stop);
        }
        let mut extensions = root.get("extensions").and_then(Value::as_array).cloned().unwrap_or_default();
        extensions.push(ext);
        out.insert("extensions".into(), Value::Array(extensions));
    }
    if !out.contains_key("method") {
        out.insert("method".into(), json!([]));
    }
    Ok(Value::Object(out))
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::SteadyState => "steady-state-hypothesis",
        Phase::Method => "method",
        Phase::Rollbacks => "rollbacks",
    }
}

fn describe(phase: Phase, step: &Value) -> String {
    let get = |k: &str| step.get(k).and_then(Value::as_str).unwrap_or("").trim().to_string();
    let mut s = format!("[{}] {}: {}", phase_name(phase), get("name"), get("instructions"));
    for (key, label) in [("expect", "expect"), ("who", "who"), ("at", "at")] {
        let v = get(key);
        if !v.is_empty() {
            s.push_str(&format!(" ({label}: {v})"));
        }
    }
    if let Some(t) = step.get("timebox") {
        s.push_str(&format!(" (timebox: {})", t.as_str().map_or_else(|| t.to_string(), str::to_string)));
    }
    s
}

/// The automated steps of a list, without gameday-only keys; a `ref` to a
/// manual step cannot be kept.
fn automated(list: &Value, manual_names: &[String]) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for step in list.as_array().map_or(&[][..], Vec::as_slice) {
        if step.get("type").and_then(Value::as_str) == Some("manual") {
            continue;
        }
        if let Some(r) = step.get("ref").and_then(Value::as_str)
            && manual_names.iter().any(|n| n == r)
        {
            return Err(format!("a step refers to the manual step '{r}', which cannot be exported"));
        }
        let mut step = step.clone();
        if let Some(m) = step.as_object_mut() {
            m.remove("at");
            m.remove("timebox");
        }
        out.push(step);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_steps_become_notes() {
        let doc = json!({"gameday": 1, "title": "t", "description": "d", "style": "x",
            "safeguards": [{"type": "probe"}],
            "method": [{"type": "action", "name": "a", "at": "T+1m", "provider": {"type": "http", "url": "http://x"}},
                       {"type": "manual", "name": "m", "instructions": "look", "timebox": "2m"}]});
        let out = to_chaostoolkit(&doc, false).unwrap();
        assert!(out.get("style").is_none() && out.get("safeguards").is_none());
        assert_eq!(out["method"].as_array().unwrap().len(), 1);
        assert!(out["method"][0].get("at").is_none());
        let d = out["description"].as_str().unwrap();
        assert!(d.contains("1. [method] m: look (timebox: 2m)"), "{d}");
        assert!(d.contains("1 safeguard(s)"), "{d}");
        assert_eq!(out["extensions"][0]["manual_steps"][0]["step"]["name"], "m");
        assert!(to_chaostoolkit(&doc, true).unwrap_err().contains("--strict"));
    }
}
