//! Turning the JSON of Prometheus' instant-query API into an activity output
//! that tolerances can judge directly.
//!
//! | result type                | output                                        |
//! |----------------------------|-----------------------------------------------|
//! | `scalar`                   | its value, as a JSON number                   |
//! | `vector`, one sample       | that sample's value, as a JSON number         |
//! | `vector`, several samples  | `[{"metric": {...}, "value": number}, ...]`   |
//! | `vector`, no sample        | failure: "the query returned no samples"      |
//! | `string`                   | the string                                    |
//! | `matrix`                   | failure: a range vector cannot be judged      |
//!
//! Values are integers when Prometheus' text is a whole number that fits
//! exactly (so `up` gives `1`, not `1.0`), floats otherwise.
//!
//! **NaN and infinities.** JSON has no NaN or Inf, and a NaN is not a
//! measurement: an error ratio over no traffic is `0/0 = NaN`, and letting it
//! silently pass or fail a `range` would hide that. So when the answer is a
//! single value (scalar or one sample) that is NaN or ±Inf, the activity
//! *fails* with a message that says which and why it usually happens (in a
//! steady-state hypothesis that counts as "not met", the safe side). In a
//! vector of several samples, the non-finite ones keep Prometheus' own
//! spelling as text (`"NaN"`, `"+Inf"`, `"-Inf"`) so the others stay usable,
//! and a warning says how many there were.
use serde_json::{Map, Value, json};

/// What the answer meant.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The activity's output, with warnings to show.
    Output { value: Value, warnings: Vec<String> },
    /// The activity failed, with this message.
    Failed(String),
    /// Prometheus gave up on the query because of its time limit.
    TimedOut,
}

fn failed(msg: impl Into<String>) -> Outcome {
    Outcome::Failed(msg.into())
}

/// One sample value: a number, or Prometheus' text for NaN/±Inf.
enum Number {
    Finite(Value),
    NonFinite(String),
}

/// Prometheus sends values as text (`"0.5"`, `"NaN"`, `"+Inf"`).
fn number(text: &str) -> Option<Number> {
    let f: f64 = text.trim().parse().ok()?;
    if !f.is_finite() {
        return Some(Number::NonFinite(text.to_string()));
    }
    // Whole numbers below 2^53 are exact in both f64 and i64.
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        return Some(Number::Finite(json!(f as i64)));
    }
    Some(Number::Finite(json!(f)))
}

/// The value text of a `[timestamp, "value"]` pair.
fn pair_value(pair: &Value) -> Option<&str> {
    pair.as_array().filter(|p| p.len() == 2).and_then(|p| p[1].as_str())
}

fn non_finite_message(text: &str) -> String {
    if text.to_ascii_lowercase().contains("nan") {
        "the query returned NaN (not a number), which no tolerance can judge; \
         it usually comes from 0/0, e.g. a ratio computed while there was no traffic"
            .to_string()
    } else {
        format!(
            "the query returned {text} (an infinite value), which no tolerance can judge; \
             it usually comes from dividing by zero"
        )
    }
}

fn single(text: Option<&str>, what: &str, warnings: Vec<String>) -> Outcome {
    match text.and_then(number) {
        Some(Number::Finite(value)) => Outcome::Output { value, warnings },
        Some(Number::NonFinite(t)) => failed(non_finite_message(&t)),
        None => failed(format!("Prometheus sent a {what} without a readable value")),
    }
}

/// Interpret a decoded API answer (`{"status": ..., "data": ...}`).
pub fn interpret(body: &Value) -> Outcome {
    let warnings: Vec<String> = body
        .get("warnings")
        .and_then(Value::as_array)
        .map(|w| w.iter().map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string)).collect())
        .unwrap_or_default();
    match body.get("status").and_then(Value::as_str) {
        Some("success") => {}
        Some("error") => {
            let kind = body.get("errorType").and_then(Value::as_str).unwrap_or("unknown");
            if kind == "timeout" {
                return Outcome::TimedOut;
            }
            let why = body.get("error").and_then(Value::as_str).unwrap_or("no reason given");
            return failed(format!("Prometheus rejected the query ({kind}): {why}"));
        }
        _ => return failed("the answer is not from Prometheus' query API (no \"status\")"),
    }
    let data = body.get("data").unwrap_or(&Value::Null);
    let result = data.get("result").unwrap_or(&Value::Null);
    match data.get("resultType").and_then(Value::as_str) {
        Some("scalar") => single(pair_value(result), "scalar", warnings),
        Some("string") => match pair_value(result) {
            Some(s) => Outcome::Output { value: Value::String(s.to_string()), warnings },
            None => failed("Prometheus sent a string result without its text"),
        },
        Some("vector") => vector(result, warnings),
        Some("matrix") => failed(
            "the query returned a range vector (a matrix), which no tolerance can judge; \
             aggregate it over time, e.g. rate(x[1m]) or avg_over_time(x[1m])",
        ),
        Some(other) => failed(format!("Prometheus returned an unknown result type '{other}'")),
        None => failed("Prometheus' answer has no result type"),
    }
}

fn vector(result: &Value, mut warnings: Vec<String>) -> Outcome {
    let samples = result.as_array().map(Vec::as_slice).unwrap_or_default();
    match samples {
        [] => failed("the query returned no samples (is the metric scraped yet, and do its labels match?)"),
        [one] => single(one.get("value").and_then(pair_value), "sample", warnings),
        many => {
            let mut out = Vec::with_capacity(many.len());
            let mut odd = 0;
            for s in many {
                let metric = s.get("metric").cloned().unwrap_or_else(|| Value::Object(Map::new()));
                let value = match s.get("value").and_then(pair_value).and_then(number) {
                    Some(Number::Finite(v)) => v,
                    Some(Number::NonFinite(t)) => {
                        odd += 1;
                        Value::String(t)
                    }
                    None => return failed("Prometheus sent a sample without a readable value"),
                };
                out.push(json!({"metric": metric, "value": value}));
            }
            if odd > 0 {
                warnings.push(format!(
                    "{odd} of {} samples are NaN or infinite; they are kept as text (\"NaN\", \"+Inf\", \"-Inf\")",
                    many.len()
                ));
            }
            Outcome::Output { value: Value::Array(out), warnings }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: Value) -> Value {
        match interpret(&body) {
            Outcome::Output { value, .. } => value,
            other => panic!("expected an output, got {other:?}"),
        }
    }

    fn err(body: Value) -> String {
        match interpret(&body) {
            Outcome::Failed(m) => m,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    fn vector_of(values: &[&str]) -> Value {
        let result: Vec<Value> = values
            .iter()
            .enumerate()
            .map(|(i, v)| json!({"metric": {"i": i.to_string()}, "value": [1.5, v]}))
            .collect();
        json!({"status": "success", "data": {"resultType": "vector", "result": result}})
    }

    #[test]
    fn scalars_and_single_samples_are_numbers() {
        let scalar = json!({"status": "success", "data": {"resultType": "scalar", "result": [1.0, "0.25"]}});
        assert_eq!(ok(scalar), json!(0.25));
        assert_eq!(ok(vector_of(&["1"])), json!(1));
        assert!(ok(vector_of(&["1"])).is_i64());
        assert_eq!(ok(vector_of(&["1e3"])), json!(1000));
        assert_eq!(ok(vector_of(&["-2.5"])), json!(-2.5));
        assert_eq!(ok(vector_of(&["1e300"])), json!(1e300));
    }

    #[test]
    fn several_samples_keep_their_labels() {
        assert_eq!(
            ok(vector_of(&["1", "0.5"])),
            json!([{"metric": {"i": "0"}, "value": 1}, {"metric": {"i": "1"}, "value": 0.5}])
        );
    }

    #[test]
    fn strings_and_errors() {
        let s = json!({"status": "success", "data": {"resultType": "string", "result": [1.0, "hello"]}});
        assert_eq!(ok(s), json!("hello"));
        let e = json!({"status": "error", "errorType": "bad_data", "error": "parse error at char 4"});
        assert_eq!(err(e), "Prometheus rejected the query (bad_data): parse error at char 4");
        let t = json!({"status": "error", "errorType": "timeout", "error": "query timed out"});
        assert_eq!(interpret(&t), Outcome::TimedOut);
        assert!(err(json!({"hello": 1})).contains("not from Prometheus"));
        assert!(err(vector_of(&[])).starts_with("the query returned no samples"));
        let m = json!({"status": "success", "data": {"resultType": "matrix", "result": []}});
        assert!(err(m).contains("range vector"));
    }

    #[test]
    fn non_finite_single_values_fail() {
        assert!(err(vector_of(&["NaN"])).starts_with("the query returned NaN (not a number)"));
        assert!(err(vector_of(&["+Inf"])).starts_with("the query returned +Inf (an infinite value)"));
        let scalar = json!({"status": "success", "data": {"resultType": "scalar", "result": [1.0, "-Inf"]}});
        assert!(err(scalar).starts_with("the query returned -Inf"));
    }

    #[test]
    fn non_finite_samples_in_a_list_stay_text_with_a_warning() {
        match interpret(&vector_of(&["NaN", "2", "+Inf"])) {
            Outcome::Output { value, warnings } => {
                assert_eq!(value[0]["value"], json!("NaN"));
                assert_eq!(value[1]["value"], json!(2));
                assert_eq!(value[2]["value"], json!("+Inf"));
                assert_eq!(warnings.len(), 1);
                assert!(warnings[0].starts_with("2 of 3 samples are NaN or infinite"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn prometheus_warnings_are_passed_on() {
        let mut body = vector_of(&["3"]);
        body["warnings"] = json!(["PromQL info: metric might not be a counter"]);
        assert_eq!(
            interpret(&body),
            Outcome::Output { value: json!(3), warnings: vec!["PromQL info: metric might not be a counter".into()] }
        );
    }

    #[test]
    fn garbage_never_panics() {
        for body in [
            json!(null),
            json!({"status": "success"}),
            json!({"status": "success", "data": {"resultType": "vector", "result": [{"value": "x"}]}}),
            json!({"status": "success", "data": {"resultType": "vector", "result": [{}, {"value": [1]}]}}),
            json!({"status": "success", "data": {"resultType": "scalar", "result": [1, "abc"]}}),
            json!({"status": "success", "data": {"resultType": "wat"}}),
            json!({"status": "error"}),
        ] {
            assert!(matches!(interpret(&body), Outcome::Failed(_)), "{body}");
        }
    }
}
