//! Steady-state tolerance checks, dispatched on the tolerance's JSON type
//! exactly as Chaos Toolkit's `within_tolerance` does.
use super::pyvalue::{py_cmp, py_eq, py_in, py_str};
use super::substitute::{Scope, substitute};
use serde_json::Value;
use std::cmp::Ordering;

/// The verdict of a check that could be made, or why it could not.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Met,
    NotMet,
}

impl From<bool> for Verdict {
    fn from(b: bool) -> Self {
        if b { Verdict::Met } else { Verdict::NotMet }
    }
}

/// A check Chaos Toolkit would crash on (e.g. a regex against a dict without
/// `target`). We stop with a clear message instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("tolerance could not be evaluated: {0}")]
pub struct ToleranceError(pub String);

/// What to do with a `{"type": "probe"}` tolerance: run the probe with the
/// value injected and report whether its result was truthy.
pub trait ProbeTolerance {
    fn run(&self, probe: &Value) -> Result<bool, ToleranceError>;
}

fn target<'a>(tolerance: &Value, value: &'a Value) -> &'a Value {
    match tolerance.get("target").and_then(Value::as_str) {
        Some(t) if !t.is_empty() => value.get(t).unwrap_or(value),
        _ => value,
    }
}

fn decimal(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                return None;
            }
            t.replace('_', "").parse::<f64>().ok()
        }
        _ => None,
    }
}

/// Evaluate `tolerance` against a probe's `output`.
pub fn within_tolerance(
    tolerance: &Value,
    value: &Value,
    scope: &Scope,
    probes: &dyn ProbeTolerance,
) -> Result<Verdict, ToleranceError> {
    match tolerance {
        Value::Bool(_) | Value::String(_) => Ok(py_eq(value, tolerance).into()),
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            if let Some(status) = value.as_object().and_then(|m| m.get("status")) {
                return Ok(py_eq(status, tolerance).into());
            }
            Ok(py_eq(value, tolerance).into())
        }
        Value::Array(items) => {
            if let Some(status) = value.as_object().and_then(|m| m.get("status")) {
                return Ok(py_in(status, items).into());
            }
            if items.len() == 2 {
                let lo = py_cmp(&items[0], value);
                let hi = py_cmp(value, &items[1]);
                return match (lo, hi) {
                    (Some(a), Some(b)) => Ok((a != Ordering::Greater && b != Ordering::Greater).into()),
                    _ => Err(ToleranceError(format!(
                        "cannot compare {} with the range {}",
                        py_str(value),
                        py_str(tolerance)
                    ))),
                };
            }
            Ok(py_in(value, items).into())
        }
        Value::Object(t) => match t.get("type").and_then(Value::as_str) {
            Some("probe") => {
                let mut probe = tolerance.clone();
                let args = probe
                    .get_mut("provider")
                    .and_then(|p| p.get_mut("arguments"))
                    .and_then(Value::as_object_mut)
                    .ok_or_else(|| ToleranceError("a probe tolerance needs `provider.arguments`".into()))?;
                args.insert("value".into(), value.clone());
                Ok(probes.run(&probe)?.into())
            }
            Some("regex") => {
                let pattern = substitute(t.get("pattern").unwrap_or(&Value::Null), scope);
                let Value::String(pattern) = pattern else {
                    return Err(ToleranceError("regex pattern must be a string".into()));
                };
                // Python `re` spellings are rewritten the same way validation does.
                let rx = regex::Regex::new(&crate::load::validate::pyregex::to_rust(&pattern))
                    .map_err(|e| ToleranceError(format!("invalid pattern {pattern}: {e}")))?;
                match target(tolerance, value) {
                    Value::String(s) => Ok(rx.is_match(s).into()),
                    other => Err(ToleranceError(format!(
                        "a regex needs text to search, got {} (set `target`)",
                        py_str(other)
                    ))),
                }
            }
            Some("jsonpath") => jsonpath(t, value, scope),
            Some("range") => {
                let v = match decimal(target(tolerance, value)) {
                    Some(v) => v,
                    None => return Ok(Verdict::NotMet),
                };
                let bounds = t.get("range").and_then(Value::as_array);
                let (Some(lo), Some(hi)) =
                    (bounds.and_then(|b| b.first()).and_then(decimal), bounds.and_then(|b| b.get(1)).and_then(decimal))
                else {
                    return Err(ToleranceError("range needs two numbers".into()));
                };
                Ok((lo <= v && v <= hi).into())
            }
            // Chaos Toolkit returns None (falsy) for unknown dict tolerances.
            _ => Ok(Verdict::NotMet),
        },
        // Floats and null are rejected by validation; unvalidated runs see
        // Python's fall-through `pass`, which is falsy.
        _ => Ok(Verdict::NotMet),
    }
}

fn jsonpath(t: &serde_json::Map<String, Value>, value: &Value, scope: &Scope) -> Result<Verdict, ToleranceError> {
    let path = substitute(t.get("path").unwrap_or(&Value::Null), scope);
    let path = path.as_str().ok_or_else(|| ToleranceError("jsonpath `path` must be a string".into()))?;
    let compiled =
        super::jsonpath::parse(path).map_err(|e| ToleranceError(format!("JSON path {path} is invalid: {e}")))?;
    let tol = Value::Object(t.clone());
    let mut doc = target(&tol, value).clone();
    if let Value::String(s) = &doc
        && let Ok(parsed) = serde_json::from_str::<Value>(s)
    {
        doc = parsed;
    }
    let values = compiled.try_matches(&doc).map_err(|e| ToleranceError(format!("JSON path {path}: {e}")))?;
    let mut result = !values.is_empty();
    if let Some(count) = t.get("count").filter(|c| !c.is_null()) {
        result = py_eq(&Value::from(values.len()), count);
    }
    if let Some(expect) = t.get("expect") {
        let expect = substitute(expect, scope);
        let expected = match expect {
            Value::Array(items) => items,
            other => vec![other],
        };
        result = values.len() == expected.len() && values.iter().zip(&expected).all(|(a, b)| py_eq(a, b));
    }
    Ok(result.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

    struct NoProbes;
    impl ProbeTolerance for NoProbes {
        fn run(&self, _: &Value) -> Result<bool, ToleranceError> {
            Ok(false)
        }
    }

    fn check(tol: Value, value: Value) -> Verdict {
        let empty = Map::new();
        within_tolerance(&tol, &value, &Scope::new(&empty, &empty), &NoProbes).unwrap_or(Verdict::NotMet)
    }

    #[test]
    fn reference_table() {
        let http = json!({"status": 250, "headers": {}, "body": "hello 42"});
        assert_eq!(check(json!(true), json!({"status": 0})), Verdict::NotMet);
        assert_eq!(check(json!(true), json!(1)), Verdict::Met);
        assert_eq!(check(json!(200), json!({"status": 200})), Verdict::Met);
        assert_eq!(check(json!("0"), json!(0)), Verdict::NotMet);
        assert_eq!(check(json!([200, 299]), http.clone()), Verdict::NotMet);
        assert_eq!(check(json!([1, 10]), json!(5)), Verdict::Met);
        assert_eq!(check(json!([200]), json!({"status": 200})), Verdict::Met);
        assert_eq!(
            check(json!({"type": "regex", "pattern": "[0-9]{2}", "target": "body"}), http.clone()),
            Verdict::Met
        );
        assert_eq!(check(json!({"type": "range", "range": [200, 299], "target": "status"}), http), Verdict::Met);
        assert_eq!(
            check(json!({"type": "range", "range": [1, 10], "target": "stdout"}), json!({"stdout": "5\n"})),
            Verdict::Met
        );
    }
}
