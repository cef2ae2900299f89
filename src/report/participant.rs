//! The participant version of a report. In a dungeons-and-dragons Game Day
//! the participants must not learn which conditions were injected, so the
//! method's activities (other than manual steps, which people performed) and
//! the rollbacks that undo them lose their names, providers, outputs and
//! reasons; every mention of a hidden name elsewhere is replaced too. The
//! timeline of observations stays.
use super::HIDDEN;
use super::describe::hide;
use super::model::Report;
use serde_json::{Value, json};

/// Hide the method in a built report.
pub fn apply(r: &mut Report) {
    r.participant = true;
    let mut names: Vec<(String, String)> = Vec::new();
    for s in r.method.iter_mut().chain(r.rollbacks.iter_mut()).chain(r.halts.iter_mut()) {
        if s.kind == "manual" {
            continue;
        }
        let old = s.name.clone();
        hide(s);
        if !old.is_empty() {
            names.push((old, s.name.clone()));
        }
    }
    // Longest first, so a name that contains another is replaced whole.
    names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    let redact = |text: &str| -> String {
        let mut t = text.to_string();
        for (old, new) in &names {
            if t.contains(old.as_str()) {
                t = t.replace(old.as_str(), new);
            }
        }
        t
    };
    let hidden_anchors: Vec<String> =
        r.method.iter().chain(&r.rollbacks).chain(&r.halts).filter(|s| s.hidden).map(|s| s.anchor.clone()).collect();
    for d in &mut r.decisions {
        d.step = redact(&d.step);
        if d.anchor.as_ref().is_some_and(|a| hidden_anchors.contains(a)) {
            d.reason = d.reason.as_ref().map(|_| HIDDEN.to_string());
        }
    }
    for e in &mut r.timeline {
        let hides_reason = e.kind == "decision" && e.link.as_ref().is_some_and(|a| hidden_anchors.contains(a));
        e.text = if hides_reason { redact(cut_reason(&e.text)) } else { redact(&e.text) };
    }
    for w in &mut r.warnings {
        w.text = redact(&w.text);
    }
    for o in &mut r.observations {
        o.step = o.step.as_deref().map(redact);
    }
    if let Some(d) = &mut r.verdict.detail {
        *d = redact(d);
    }
}

fn cut_reason(text: &str) -> &str {
    text.split_once("':").map(|(a, _)| a).map(|a| &text[..a.len() + 1]).unwrap_or(text)
}

/// Hide the method in a Chaos Toolkit journal (for the JSON report).
pub fn scrub_journal(j: &mut Value) {
    if let Some(exp) = j.get_mut("experiment") {
        for key in ["method", "rollbacks"] {
            if let Some(Value::Array(list)) = exp.get_mut(key) {
                for (i, a) in list.iter_mut().enumerate() {
                    hide_activity(a, key, i + 1);
                }
            }
        }
    }
    for key in ["run", "rollbacks"] {
        if let Some(Value::Array(list)) = j.get_mut(key) {
            for (i, e) in list.iter_mut().enumerate() {
                let manual = e.get("activity").and_then(|a| a.get("type")).and_then(Value::as_str) == Some("manual");
                if manual {
                    continue;
                }
                if let Some(a) = e.get_mut("activity") {
                    hide_activity(a, if key == "run" { "method" } else { key }, i + 1);
                }
                if let Some(o) = e.get_mut("output").filter(|o| !o.is_null()) {
                    *o = json!(HIDDEN);
                }
                if let Some(x) = e.get_mut("exception") {
                    *x = json!([HIDDEN]);
                }
                if let Some(Value::Object(g)) = e.get_mut("gameday") {
                    for k in ["reason", "note"] {
                        if g.get(k).is_some_and(|v| !v.is_null()) {
                            g.insert(k.into(), json!(HIDDEN));
                        }
                    }
                }
            }
        }
    }
}

fn hide_activity(a: &mut Value, list: &str, n: usize) {
    if a.get("type").and_then(Value::as_str) == Some("manual") || !a.is_object() {
        return;
    }
    let kind = a.get("type").cloned().unwrap_or(Value::Null);
    let word = if list == "method" { "Method" } else { "Rollback" };
    *a = json!({"type": kind, "name": format!("{word} step {n}"), "provider": HIDDEN});
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_reason_keeps_the_step() {
        assert_eq!(cut_reason("alex chose skip for 'x': too risky"), "alex chose skip for 'x'");
        assert_eq!(cut_reason("no reason"), "no reason");
    }
}
