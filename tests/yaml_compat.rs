//! YAML scalars read the way Chaos Toolkit reads them: every sample below is
//! parsed by our loader and by PyYAML's `yaml.safe_load` from the pinned
//! Chaos Toolkit venv (the oracle), and the two JSON values must be equal.
//!
//! The samples are the YAML 1.1 corners where YAML libraries disagree:
//! booleans spelt `yes`/`on`/`y`, octal and hexadecimal integers, sexagesimal
//! numbers, underscores, exponents without a dot, dates, null spellings,
//! quoting, tags, anchors, block scalars and keys. PyYAML's dates are
//! compared as text (`json.dumps(default=str)`), which is what gameday keeps.
//! A null key (`~: x`) is refused on purpose with a located error (see
//! tests/load_errors.rs), so it is not among the samples.

mod common;

use serde_json::Value;
use std::process::Command;

/// One scalar per line, as the value of `key`.
const SAMPLES: &[&str] = &[
    "true",
    "True",
    "TRUE",
    "false",
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "on",
    "On",
    "off",
    "OFF",
    "y",
    "Y",
    "n",
    "N",
    "~",
    "null",
    "Null",
    "NULL",
    "''",
    "\"\"",
    "0",
    "-0",
    "+12",
    "12",
    "0755",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "1:20",
    "190:20:30",
    "1e3",
    "1.0e+3",
    "1.5",
    ".5",
    "-.5",
    "3.",
    "'123'",
    "\"yes\"",
    "2001-12-14",
    "12:30",
    "hello",
    "http://localhost:8080/health",
    "'a: b'",
    "y # a comment",
    "[y, n, 1e3, '1e3', 12:30, \"on\"]",
    "{y: n, on: 1}",
    "!!str 12",
    "!!int \"12\"",
    "&a y",
    "&a !!str 12",
    "!!str &a 12",
    "|\n  y\n",
    ">-\n  0o17\n",
    "\n  - on\n  - 0o17\n  - - 1:20\n",
];

/// Whole documents: aliases, merge keys and nesting.
const DOCUMENTS: &[&str] = &[
    "base: &b {timeout: 1e3, verify: n}\nuse: *b\n",
    "base: &b {x: 1:20}\nmerged:\n  <<: *b\n  y: off\n",
    "{1: a, 1.5: b, 0x10: d, 'on': e, y: f}\n",
    "title: t\nmethod:\n- type: action\n  arguments: {answer: y, mode: 0o644, when: 12:30}\n",
];

fn ours(doc: &str) -> Result<Value, String> {
    gameday::load::parse_document("sample.yaml", doc.as_bytes(), gameday::load::Format::Yaml).map_err(|e| e.to_string())
}

/// PyYAML's reading of each document, one JSON line per document (or
/// `{"error": ...}` when PyYAML refuses it).
fn pyyaml(docs: &[String]) -> Vec<Value> {
    let python = common::tools::ctk_venv().join("bin").join("python");
    assert!(python.is_file(), "the Chaos Toolkit venv is missing: {} (run ./scripts/test)", python.display());
    let script = r#"
import json, sys, yaml
for doc in json.load(sys.stdin):
    try:
        print(json.dumps(yaml.safe_load(doc), default=str))
    except Exception as e:
        print(json.dumps({"error": type(e).__name__}))
"#;
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start python");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(serde_json::to_string(docs).expect("json").as_bytes()).expect("write");
    }
    let out = child.wait_with_output().expect("python output");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

#[test]
fn yaml_scalars_read_as_pyyaml_reads_them() {
    let mut docs: Vec<String> = SAMPLES.iter().map(|s| format!("key: {s}\n")).collect();
    docs.extend(DOCUMENTS.iter().map(|d| d.to_string()));
    let oracle = pyyaml(&docs);
    assert_eq!(oracle.len(), docs.len());
    let mut differences = Vec::new();
    for (doc, expected) in docs.iter().zip(&oracle) {
        let got = ours(doc);
        let same = match (&got, expected.get("error")) {
            (Err(_), Some(_)) => true,
            (Ok(v), None) => numbers_equal(v, expected),
            _ => false,
        };
        if !same {
            differences.push(format!("{:?}: pyyaml {expected} / gameday {got:?}", doc.trim_end()));
        }
    }
    assert!(differences.is_empty(), "YAML scalars read differently:\n{}", differences.join("\n"));
}

/// JSON equality where 1000 and 1000.0 differ (PyYAML keeps int and float
/// apart, and so must we: `tolerance: 200` is not `tolerance: 200.0` for
/// Chaos Toolkit's type checks).
fn numbers_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.is_f64() == y.is_f64() && x.as_f64().zip(y.as_f64()).is_some_and(|(p, q)| p == q)
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| numbers_equal(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| numbers_equal(v, w)),
        _ => a == b,
    }
}
