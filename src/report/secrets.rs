//! Secrets never reach a report. Session events are masked by the recorder,
//! but a bare Chaos Toolkit journal keeps inline secret values in its copy
//! of the experiment, and any output may echo a secret. So: the `secrets`
//! block is masked, and every string of the finished report is scrubbed of
//! the inline values and of the current values of env secrets it declares.
use crate::session::recorder::{MASK, Masker};
use serde_json::{Map, Value};

/// Shortest value treated as a secret (shorter ones would mask ordinary words).
const MIN_SECRET_LEN: usize = 4;

/// Replace inline secret values in an experiment's `secrets` block with `***`.
pub fn mask_declarations(experiment: &mut Value) {
    if let Some(Value::Object(decl)) = experiment.get_mut("secrets") {
        mask_inline(decl);
    }
}

fn mask_inline(decl: &mut Map<String, Value>) {
    for v in decl.values_mut() {
        match v {
            // `{"type": "env", "key": …}`, vault, …: a reference, not the value.
            Value::Object(m) if m.contains_key("type") => {}
            Value::Object(m) => mask_inline(m),
            other => *other = Value::String(MASK.into()),
        }
    }
}

/// Values to scrub: inline values of the (unmasked) declarations and the
/// values env secrets have in this process's environment.
pub fn values(experiment: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(decl) = experiment.get("secrets") {
        collect(decl, &mut out);
    }
    out.retain(|s| s.chars().count() >= MIN_SECRET_LEN && s != MASK);
    out
}

/// A masker for these values; `None` when there is nothing to scrub.
pub fn masker(values: &[String]) -> Option<Masker> {
    (!values.is_empty()).then(|| Masker::new(values.to_vec()))
}

fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if m.get("type").and_then(Value::as_str) == Some("env") => {
            if let Some(val) = m.get("key").and_then(Value::as_str).and_then(|k| std::env::var(k).ok()) {
                out.push(val);
            }
        }
        Value::Object(m) if m.contains_key("type") => {}
        Value::Object(m) => m.values().for_each(|x| collect(x, out)),
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Null | Value::Bool(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inline_values_masked_and_collected() {
        let mut e = json!({"secrets": {"api": {"token": "s3cr3t-value", "env": {"type": "env", "key": "NOPE_X"}}}});
        let m = masker(&values(&e)).unwrap();
        assert_eq!(m.mask_str("Bearer s3cr3t-value"), "Bearer ***");
        mask_declarations(&mut e);
        assert_eq!(e["secrets"]["api"]["token"], "***");
        assert_eq!(e["secrets"]["api"]["env"]["key"], "NOPE_X");
    }
}
