//! Reduces a Chaos Toolkit journal to the parts that must match between
//! `chaos run` and `gameday run`, and diffs two such summaries.
//!
//! Timestamps, durations, platform and tracebacks legitimately differ; the
//! summary keeps the outcome (status, deviation, hypothesis verdicts), the
//! order, names and statuses of run entries, their outputs, and the last line
//! of each exception. Values that embed per-run details (server ports, the
//! working directory) are rewritten to placeholders first.

use serde_json::{Map, Value, json};

/// How much of `steady_states.during` is deterministic for a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DuringMode {
    /// Compare every iteration's verdict (the default; usually `[]`).
    Exact,
    /// Compare only whether there were iterations, and the first and last verdicts.
    FirstLast,
    /// Compare only whether there were iterations.
    NonEmpty,
}

impl DuringMode {
    pub fn parse(text: &str) -> Option<DuringMode> {
        match text {
            "exact" => Some(DuringMode::Exact),
            "first-last" => Some(DuringMode::FirstLast),
            "nonempty" => Some(DuringMode::NonEmpty),
            _ => None,
        }
    }
}

/// Literal strings to replace in every string of a journal before comparing.
pub struct Placeholders {
    pairs: Vec<(String, String)>,
}

impl Placeholders {
    pub fn new() -> Placeholders {
        Placeholders { pairs: Vec::new() }
    }

    /// Replace `from` with `to`; longer strings should be added first.
    pub fn add(&mut self, from: impl Into<String>, to: impl Into<String>) {
        let from = from.into();
        if !from.is_empty() {
            self.pairs.push((from, to.into()));
        }
    }

    fn apply(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => {
                let mut s = s.clone();
                for (from, to) in &self.pairs {
                    s = s.replace(from.as_str(), to.as_str());
                }
                Value::String(s)
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.apply(v)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), self.apply(v))).collect()),
            other => other.clone(),
        }
    }
}

impl Default for Placeholders {
    fn default() -> Self {
        Placeholders::new()
    }
}

/// The comparable summary of one run (exit code plus journal).
pub fn summarize(
    exit_code: Option<i32>,
    journal: Option<&Value>,
    during: DuringMode,
    placeholders: &Placeholders,
) -> Value {
    let mut out = Map::new();
    out.insert("exit_code".into(), json!(exit_code));
    let Some(journal) = journal else {
        out.insert("journal".into(), Value::Null);
        return Value::Object(out);
    };
    let journal = placeholders.apply(journal);
    out.insert("status".into(), journal["status"].clone());
    out.insert("deviated".into(), journal["deviated"].clone());
    out.insert("experiment.title".into(), journal["experiment"]["title"].clone());
    out.insert("experiment.dry".into(), journal["experiment"]["dry"].clone());
    let states = &journal["steady_states"];
    out.insert("before".into(), summarize_state(&states["before"]));
    out.insert("after".into(), summarize_state(&states["after"]));
    out.insert("during".into(), summarize_during(&states["during"], during));
    out.insert("run".into(), summarize_entries(&journal["run"]));
    out.insert("rollbacks".into(), summarize_entries(&journal["rollbacks"]));
    Value::Object(out)
}

fn summarize_state(state: &Value) -> Value {
    if state.is_null() {
        return Value::Null;
    }
    json!({
        "steady_state_met": state["steady_state_met"],
        "probes": summarize_entries(&state["probes"]),
    })
}

fn summarize_during(during: &Value, mode: DuringMode) -> Value {
    let Some(items) = during.as_array() else {
        return json!({"not_a_list": during});
    };
    let met: Vec<Value> = items.iter().map(|s| s["steady_state_met"].clone()).collect();
    match mode {
        DuringMode::Exact => json!({"met": met}),
        DuringMode::FirstLast => json!({
            "non_empty": !met.is_empty(),
            "first_met": met.first(),
            "last_met": met.last(),
        }),
        DuringMode::NonEmpty => json!({"non_empty": !met.is_empty()}),
    }
}

fn summarize_entries(entries: &Value) -> Value {
    let Some(items) = entries.as_array() else {
        return json!({"not_a_list": entries});
    };
    Value::Array(items.iter().map(summarize_entry).collect())
}

fn summarize_entry(entry: &Value) -> Value {
    let activity = &entry["activity"];
    let provider_type = activity["provider"]["type"].as_str().unwrap_or("");
    let mut out = Map::new();
    out.insert("name".into(), activity["name"].clone());
    out.insert("type".into(), activity["type"].clone());
    out.insert("status".into(), entry.get("status").cloned().unwrap_or_else(|| json!("<absent>")));
    out.insert("output".into(), summarize_output(provider_type, entry.get("output")));
    out.insert("exception".into(), summarize_exception(entry.get("exception")));
    if let Some(met) = entry.get("tolerance_met") {
        out.insert("tolerance_met".into(), met.clone());
    }
    Value::Object(out)
}

fn summarize_output(provider_type: &str, output: Option<&Value>) -> Value {
    let Some(output) = output else {
        return json!("<absent>");
    };
    match (provider_type, output) {
        ("http", Value::Object(map)) => {
            let mut headers = std::collections::BTreeMap::new();
            if let Some(Value::Object(h)) = map.get("headers") {
                for (name, value) in h {
                    let lower = name.to_ascii_lowercase();
                    if lower != "date" && lower != "server" {
                        headers.insert(lower, value.clone());
                    }
                }
            }
            json!({
                "status": map.get("status"),
                "headers": headers,
                "body": map.get("body"),
            })
        }
        ("process", Value::Object(map)) => json!({
            "status": map.get("status"),
            "stdout": map.get("stdout"),
            "stderr": map.get("stderr"),
        }),
        _ => output.clone(),
    }
}

/// The last line of the traceback list, with the connection error detail
/// (which quotes the HTTP library's own error text) cut off.
fn summarize_exception(exception: Option<&Value>) -> Value {
    let Some(exception) = exception else {
        return json!("<absent>");
    };
    let Some(last) = exception.as_array().and_then(|lines| lines.last()).and_then(Value::as_str) else {
        return json!({"not_a_list_of_strings": exception});
    };
    let last = last.trim_end_matches('\n');
    const CONNECT: &str = "chaoslib.exceptions.ActivityFailed: failed to connect to ";
    if let Some(rest) = last.strip_prefix(CONNECT) {
        let url = rest.split(": ").next().unwrap_or(rest);
        return json!(format!("{CONNECT}{url}: …"));
    }
    json!(last)
}

/// Field-by-field differences between two summaries, one line per field:
/// `path: chaos=<v> gameday=<v>`. A subtree present on one side only is one
/// line, so a missing hypothesis or run entry does not flood the report.
pub fn diff(chaos: &Value, gameday: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_at("", Some(chaos), Some(gameday), &mut out);
    out
}

fn diff_at(path: &str, chaos: Option<&Value>, gameday: Option<&Value>, out: &mut Vec<String>) {
    let join = |key: &str| {
        if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
    };
    match (chaos, gameday) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().collect();
            keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
            for key in keys {
                diff_at(&join(key), a.get(key), b.get(key), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            if a.len() != b.len() {
                out.push(format!("{path}.len: chaos={} gameday={}", a.len(), b.len()));
            }
            for i in 0..a.len().max(b.len()) {
                diff_at(&format!("{path}[{i}]"), a.get(i), b.get(i), out);
            }
        }
        (a, b) if a != b => out.push(format!("{path}: chaos={} gameday={}", show(a), show(b))),
        _ => {}
    }
}

/// Compact JSON, shortened so one line stays readable.
fn show(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "<missing>".into();
    };
    let text = value.to_string();
    const LIMIT: usize = 300;
    if text.chars().count() > LIMIT {
        let cut: String = text.chars().take(LIMIT).collect();
        format!("{cut}…")
    } else {
        text
    }
}
