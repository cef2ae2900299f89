//! The fuzzed entry points, one function per target, each taking raw bytes.
//!
//! Shared (by `#[path]`) between the cargo-fuzz targets in `fuzz/` and the
//! dependency-free smoke harness `tests/fuzz_smoke.rs`, so a crashing input
//! found by either is replayed by the other exactly. Each function panics
//! only when the code under test panics or breaks one of the invariants
//! asserted here.
#![allow(dead_code)]

use gameday::engine::jsonpath;
use gameday::engine::substitute::{Scope, substitute, substitute_str};
use gameday::engine::tolerance::{ProbeTolerance, ToleranceError, within_tolerance};
use gameday::load::{Format, ValidateOptions, parse_document, validate};
use gameday::model::duration;
use gameday::providers::http;
use gameday::session::store::repair;
use gameday::session::{Durability, EventBody, EventLog, read_events};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The target names, as used for `fuzz/fuzz_targets/<name>.rs` and
/// `tests/fuzz_regressions/<name>/`.
pub const TARGETS: [&str; 6] = ["load_validate", "substitute", "tolerance", "event_log", "jsonpath", "durations"];

/// Run the target called `name` on `data`.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "load_validate" => load_validate(data),
        "substitute" => substitute_target(data),
        "tolerance" => tolerance(data),
        "event_log" => event_log(data),
        "jsonpath" => jsonpath_target(data),
        "durations" => durations(data),
        other => panic!("unknown fuzz target {other}"),
    }
}

/// Split at the first newline: (head, rest).
fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// Bytes as JSON if they parse, else as a JSON string (lossy UTF-8).
fn json_or_string(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// Experiment and playbook loading plus validation. The first byte picks
/// the format (even: JSON, odd: YAML). Python is never started: the options
/// name an interpreter that does not exist, which validation must report,
/// not panic on.
pub fn load_validate(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else { return };
    let format = if first % 2 == 0 { Format::Json } else { Format::Yaml };
    let Ok(doc) = parse_document("fuzz-input", rest, format) else { return };
    let opts = ValidateOptions { python: Some("/nonexistent/gameday-fuzz-python".into()), ..Default::default() };
    let _ = validate(&doc, &opts);
}

/// `${name}` substitution. First line: a template string. Other lines:
/// `name=value` configuration entries or `scope.name=value` secrets (value
/// JSON if it parses). The whole input, if it is JSON, is substituted too.
pub fn substitute_target(data: &[u8]) {
    let (template, rest) = split_line(data);
    let mut configuration = Map::new();
    let mut secrets = Map::new();
    for line in rest.split(|&b| b == b'\n') {
        let Some(eq) = line.iter().position(|&b| b == b'=') else { continue };
        let name = String::from_utf8_lossy(&line[..eq]).into_owned();
        let value = json_or_string(&line[eq + 1..]);
        match name.split_once('.') {
            Some((scope, key)) => {
                let entry = secrets.entry(scope.to_string()).or_insert_with(|| Value::Object(Map::new()));
                if let Some(m) = entry.as_object_mut() {
                    m.insert(key.to_string(), value);
                }
            }
            None => {
                configuration.insert(name, value);
            }
        }
    }
    let scope = Scope::new(&configuration, &secrets);
    let _ = substitute_str(&String::from_utf8_lossy(template), &scope);
    let _ = substitute(&json_or_string(template), &scope);
    if let Ok(v) = serde_json::from_slice::<Value>(data) {
        let _ = substitute(&v, &scope);
    }
}

/// A probe tolerance that answers from the probe itself, without running
/// anything: truthy when the probe document has a `"pass"` key.
struct FakeProbes;

impl ProbeTolerance for FakeProbes {
    fn run(&self, probe: &Value) -> Result<bool, ToleranceError> {
        if probe.get("fail").is_some() {
            return Err(ToleranceError("fuzz probe failed".into()));
        }
        Ok(probe.get("pass").is_some())
    }
}

/// Tolerance evaluation on an arbitrary (tolerance, value) JSON pair: the
/// first line is the tolerance, the rest the value; either falls back to a
/// JSON string when it does not parse.
pub fn tolerance(data: &[u8]) {
    let (tol, value) = split_line(data);
    let tol = json_or_string(tol);
    let value = json_or_string(value);
    let mut configuration = Map::new();
    configuration.insert("x".into(), Value::from(1));
    let secrets = Map::new();
    let scope = Scope::new(&configuration, &secrets);
    let _ = within_tolerance(&tol, &value, &scope, &FakeProbes);
}

/// A private scratch file for the event-log target (one per thread).
fn scratch() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::Builder::new().prefix("gameday-fuzz-").tempdir().expect("temp dir"));
    dir.path().join(format!("events-{:?}.jsonl", std::thread::current().id()))
}

/// The event-log reader on arbitrary bytes, then the crash-recovery path:
/// repairing a torn tail keeps every event and leaves no torn tail, and a
/// log reopened after the repair appends a readable event right after them.
pub fn event_log(data: &[u8]) {
    let path = scratch();
    std::fs::write(&path, data).expect("write scratch log");
    let first = read_events(&path).expect("read scratch log");
    assert!(first.good_len <= data.len() as u64, "good_len {} beyond the file ({})", first.good_len, data.len());
    repair(&path, &first).expect("repair");
    let second = read_events(&path).expect("reread");
    assert!(second.torn_tail.is_none(), "a repaired log still has a torn tail");
    assert_eq!(second.events, first.events, "repair changed the events");
    let mut log = EventLog::reopen(&path, &second.events, Durability::Checkpoints).expect("reopen");
    let appended = log.append(EventBody::Warning { message: "after repair".into() }).expect("append");
    drop(log);
    let third = read_events(&path).expect("read after append");
    assert!(third.torn_tail.is_none(), "an append after repair left a torn tail");
    assert_eq!(third.events.len(), second.events.len() + 1, "the appended event is not read back");
    let last = third.events.last().expect("one event at least");
    // Compared without `t`: a float's JSON round trip may move its last bit.
    assert_eq!((last.seq, &last.body), (appended.seq, &appended.body), "the appended event reads back different");
    let _ = std::fs::remove_file(&path);
}

/// JSONPath: the first line is the path, the rest the document (JSON, or a
/// small default document when it does not parse).
pub fn jsonpath_target(data: &[u8]) {
    let (path, doc) = split_line(data);
    let path = String::from_utf8_lossy(path);
    let doc: Value = serde_json::from_slice(doc).unwrap_or_else(
        |_| serde_json::json!({"a": [1, 2, {"b": "c", "d": [true, null, 3.5]}], "e": {"f": {"g": "h"}}, "": 0}),
    );
    if let Ok(p) = jsonpath::parse(&path) {
        let _ = p.try_matches(&doc);
        let _ = p.matches(&doc);
        assert_eq!(p.as_str(), path, "the parsed path forgets its source");
    }
}

/// Where a number of seconds can sit in a playbook (pointer-like paths
/// into [`duration_playbook`]); each gets the fuzzed value in turn.
const DURATION_FIELDS: [&[&str]; 10] = [
    &["when", "duration"],
    &["method", "0", "at"],
    &["safeguards", "0", "every"],
    &["method", "0", "timebox"],
    &["method", "1", "timeout"],
    &["method", "1", "pauses", "before"],
    &["method", "1", "provider", "timeout"],
    &["method", "2", "provider", "timeout"],
    &["on_stop", "0", "provider", "timeout"],
    &["steady-state-hypothesis", "probes", "0", "provider", "timeout"],
];

/// A valid playbook with every kind of duration and timeout.
fn duration_playbook() -> Value {
    let process = |name: &str| {
        serde_json::json!({"type": "action", "name": name,
            "provider": {"type": "process", "path": "true", "timeout": 5}})
    };
    serde_json::json!({
        "gameday": 1, "title": "t", "description": "d",
        "when": {"duration": "2h"},
        "safeguards": [{"type": "probe", "name": "s", "tolerance": 0, "every": "10s",
            "provider": {"type": "process", "path": "true"}}],
        "on_stop": [process("halt")],
        "steady-state-hypothesis": {"title": "h", "probes": [{"type": "probe", "name": "p", "tolerance": 0,
            "provider": {"type": "process", "path": "true", "timeout": 5}}]},
        "method": [
            {"type": "manual", "name": "m", "instructions": "do", "timebox": "5m"},
            process("a"),
            {"type": "probe", "name": "h", "provider": {"type": "http", "url": "http://127.0.0.1:9/", "timeout": [1, 2]}}
        ]
    })
}

/// `doc` with the value at `path` replaced (missing mappings are made).
fn planted(mut doc: Value, path: &[&str], value: &Value) -> Value {
    let mut at = &mut doc;
    for key in path {
        if at.is_null() {
            *at = Value::Object(Map::new());
        }
        at = match at {
            Value::Array(items) => match key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(v) => v,
                None => return doc,
            },
            Value::Object(map) => map.entry(key.to_string()).or_insert(Value::Null),
            _ => return doc,
        };
    }
    *at = value.clone();
    doc
}

/// True when `v` (a number, or a pair of them) holds more than a week.
fn beyond_a_week(v: &Value) -> bool {
    let week = duration::LONGEST.as_secs_f64();
    match v {
        Value::Array(items) => items.iter().any(beyond_a_week),
        other => other.as_f64().is_some_and(|s| s > week),
    }
}

/// Numbers of seconds. The first line is a value (JSON if it parses, else
/// text): it goes through the duration parser, then into each duration and
/// timeout of a valid playbook, which is validated; a playbook validation
/// accepts must not hold more than a week there. Every HTTP timeout form is
/// turned into a request deadline (the run path, where `${name}` values
/// arrive unchecked). The first eight bytes, as an `f64`, go through the
/// run path's conversions, so NaN, infinities and huge values are covered.
pub fn durations(data: &[u8]) {
    let (head, _) = split_line(data);
    let value = json_or_string(head);
    let parsed = duration::parse(&value);
    if let Ok(d) = parsed {
        assert!(d <= duration::LONGEST, "the parser accepted {d:?} from {value}");
    }
    if let Some(bits) = data.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
        let f = f64::from_le_bytes(bits);
        let _ = duration::seconds(f);
        assert!(duration::seconds_clamped(f) <= duration::LONGEST);
        let _ = duration::human_secs(f);
    }
    let empty = Map::new();
    let scope = Scope::new(&empty, &empty);
    for timeout in [value.clone(), Value::Array(vec![value.clone(), value.clone()])] {
        let provider = serde_json::json!({"type": "http", "url": "http://127.0.0.1:9/", "timeout": timeout});
        let _ = http::deadline(&http::request(&provider, &scope));
    }
    let opts = ValidateOptions { python: Some("/nonexistent/gameday-fuzz-python".into()), ..Default::default() };
    let base = duration_playbook();
    assert!(validate(&base, &opts).is_ok(), "the duration playbook itself must be valid");
    for path in DURATION_FIELDS {
        let doc = planted(base.clone(), path, &value);
        if validate(&doc, &opts).is_ok() {
            assert!(!beyond_a_week(&value), "validation accepted {value} at {}", path.join("/"));
        }
    }
}
