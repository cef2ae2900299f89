//! Our jsonpath2 dialect against the real jsonpath2 from the Chaos Toolkit
//! venv: the same parse success or failure, and the same matches in the
//! same order (or the same failure while matching) for every case.
//!
//! Needs the venv (`GAMEDAY_CTK_VENV`, default
//! /root/.cache/gameday-ctk-venv); the tests fail when it is missing.
use gameday::engine::jsonpath::parse;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Reads `[{"path", "doc"}, …]` on stdin and prints, for each case,
/// `{"parsed": false}`, `{"parsed": true, "matches": […]}` or
/// `{"parsed": true, "eval_error": "…"}`.
const ORACLE: &str = r#"
import sys, json
from jsonpath2.path import Path
out = []
for case in json.load(sys.stdin):
    try:
        p = Path.parse_str(case["path"])
    except BaseException as e:
        out.append({"parsed": False, "error": type(e).__name__})
        continue
    try:
        out.append({"parsed": True, "matches": [m.current_value for m in p.match(case["doc"])]})
    except BaseException as e:
        out.append({"parsed": True, "eval_error": type(e).__name__ + ": " + str(e)})
json.dump(out, sys.stdout)
"#;

fn venv_python() -> PathBuf {
    let venv = std::env::var("GAMEDAY_CTK_VENV").unwrap_or_else(|_| "/root/.cache/gameday-ctk-venv".to_string());
    let python = PathBuf::from(venv).join("bin/python");
    assert!(
        python.exists(),
        "the Chaos Toolkit venv is required for this test: {} is missing (set GAMEDAY_CTK_VENV)",
        python.display()
    );
    python
}

/// Runs every case through jsonpath2 in one Python process.
fn oracle(cases: &[(String, Value)]) -> Vec<Value> {
    let input: Vec<Value> = cases.iter().map(|(p, d)| json!({"path": p, "doc": d})).collect();
    let mut child = Command::new(venv_python())
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start python");
    let body = serde_json::to_vec(&input).unwrap();
    child.stdin.take().unwrap().write_all(&body).unwrap();
    let out = child.wait_with_output().expect("python output");
    assert!(out.status.success(), "oracle failed: {out:?}");
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).expect("oracle json");
    assert_eq!(results.len(), cases.len());
    results
}

/// What our implementation says, in the oracle's shape.
fn ours(path: &str, doc: &Value) -> Value {
    match parse(path) {
        Err(_) => json!({"parsed": false}),
        Ok(p) => match p.try_matches(doc) {
            Ok(m) => json!({"parsed": true, "matches": m}),
            Err(e) => json!({"parsed": true, "eval_error": e}),
        },
    }
}

/// Compares every case; reports all differences at once. Returns how many
/// cases jsonpath2 refused and how many matched something.
fn check(cases: &[(String, Value)]) -> (usize, usize) {
    let expected = oracle(cases);
    let mut failures = Vec::new();
    for ((path, doc), want) in cases.iter().zip(&expected) {
        let got = ours(path, doc);
        let same = match (want.get("parsed"), got.get("parsed")) {
            (Some(Value::Bool(false)), Some(Value::Bool(false))) => true,
            (Some(Value::Bool(true)), Some(Value::Bool(true))) => {
                match (want.get("matches"), got.get("matches")) {
                    // Same values in the same order (serde_json's map
                    // equality ignores key order, the text does not).
                    (Some(w), Some(g)) => serde_json::to_string(w).unwrap() == serde_json::to_string(g).unwrap(),
                    (None, None) => true,
                    _ => false,
                }
            }
            _ => false,
        };
        if !same {
            let shown: String = path.chars().take(120).collect();
            failures.push(format!("{shown:?}\n   doc: {doc}\n   jsonpath2: {want}\n   ours: {got}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
    let refused = expected.iter().filter(|w| w["parsed"] == json!(false)).count();
    let matched = expected.iter().filter(|w| w["matches"].as_array().is_some_and(|m| !m.is_empty())).count();
    (refused, matched)
}

fn store() -> Value {
    json!({
        "items": [{"id": 1, "name": "a", "tags": ["x", "y"]},
                  {"id": 2, "name": "b", "price": 10.5},
                  {"id": "2", "name": "c", "price": 3}],
        "n": 3,
        "status": 200,
        "ok": true,
        "nothing": null,
        "empty": {},
        "text": "héllo wörld",
        "nested": {"a": {"b": {"c": 1}}, "b": [{"c": 2}, {"c": [3, {"c": 4}]}]},
        "nums": [0, 1, 2, 3, 4, 5, 6],
        "mixed": [1, true, 1.0, "1", 0, false, null, [1], {"v": 1}],
        "unicode": {"café": 1, "日本": {"語": 2}, "a b": 3, "a\\\"b": 4, "\\u0041": 5, "A": 6},
        "keys": {"and": 1, "true": 2, "or_not": 3, "_x9": 4}
    })
}

fn cases_table() -> Vec<(String, Value)> {
    let s = store();
    let http = json!({"status": 200, "headers": {"content-type": "application/json"},
                      "body": {"items": [{"id": 1}, {"id": 2}], "n": 3}});
    let mut cases: Vec<(String, Value)> = Vec::new();
    let mut add = |paths: &[&str], doc: &Value| {
        for p in paths {
            cases.push((p.to_string(), doc.clone()));
        }
    };
    // Reference §6 examples.
    let body = json!({"items": [{"id": 1}, {"id": 2}], "n": 3});
    add(
        &[
            "$.items[*].id",
            "$.n",
            "$.items[?(@.id = 2)]",
            "$.items[*][?(@.id = 2)]",
            "$.items.*[?(@.id = 2)]",
            "$['n']",
            "$[\"n\"]",
        ],
        &body,
    );
    add(&["$.body.items[*].id", "$.status", "$.headers[\"content-type\"]"], &http);
    // Names, wildcards, indices, unions.
    add(
        &[
            "$",
            "$.n",
            "$ . n",
            "  $.n  ",
            "$.missing",
            "$.items[0].name",
            "$.items[-1].name",
            "$.items[-4]",
            "$.items[3]",
            "$.items[0,2].id",
            "$.items[2,0,0].id",
            "$[\"items\"][1][\"name\"]",
            "$[\"n\",\"status\",\"zzz\"]",
            "$.items[*]",
            "$.items.*",
            "$.*",
            "$.empty.*",
            "$.text[0]",
            "$.text.*",
            "$.n.*",
            "$.nums[0:3]",
            "$.nums[:2]",
            "$.nums[5:]",
            "$.nums[:]",
            "$.nums[::]",
            "$.nums[::2]",
            "$.nums[1::3]",
            "$.nums[-2:]",
            "$.nums[-100:2]",
            "$.nums[2:-2]",
            "$.nums[:-100]",
            "$.nums[100:]",
            "$.nums[5:1:-1]",
            "$.nums[::-1]",
            "$.nums[6:0:-2]",
            "$.nums[2:-10:-1]",
            "$.nums[:-100:-1]",
            "$.nums[100:-100:-3]",
            "$.nums[-3:-1:1]",
            "$.nums[0:2,5,-1]",
            "$.nums[::0]",
            "$.n[::0]",
            "$.nums[99999999999999999999999999999999]",
            "$.nums[-99999999999999999999999999999999:2]",
        ],
        &s,
    );
    // Recursive descent order.
    add(
        &[
            "$..c",
            "$.nested..c",
            "$.nested..*",
            "$..[0]",
            "$.nested..[\"c\",\"b\"]",
            "$..id",
            "$.nested..c[1]",
            "$..c..c",
            "$..[?(@.c = 2)]",
            "$.nested.b..[*]",
        ],
        &s,
    );
    // Filters: current node, objects vs arrays, mixed-type comparisons.
    add(
        &[
            "$.items[?(@.id = 2)]",
            "$.items[*][?(@.id = 2)]",
            "$.items[*][?(@.id = \"2\")]",
            "$.items[*][?(@.id != 2)]",
            "$.items[*][?(@.id < 2)]",
            "$.items[*][?(@.id >= 1)]",
            "$.items[*][?(@.id > \"1\")]",
            "$.items[*][?(@.price)]",
            "$.items[*][?(not @.price)]",
            "$.items[*][?(@.price > 5)].name",
            "$.items[*][?(@.price <= 3.0)].name",
            "$.items[*][?(@.id = 2 and @.price > 5)].name",
            "$.items[*][?(@.id = 1 or @.id = \"2\")].name",
            "$.items[*][?(@.id = 1 and @.name = \"x\" or @.name = \"a\")].name",
            "$.items[*][?((@.id = 1 and @.name = \"x\") or @.name = \"a\")].name",
            "$.items[*][?(not (@.id = 1))].name",
            "$.items[*][?(not not @.price)].name",
            "$.items[*][?(@.tags[*] = \"y\")].id",
            "$.items[*][?(@.tags = [\"x\", \"y\"])].id",
            "$.items[*][?(@.name = $.items[0].name)].id",
            "$[?(@.n = 3)].status",
            "$[?(@.n = 3.0)].status",
            "$[?(@.ok = 1)].status",
            "$[?(@.ok = true)].status",
            "$[?(@.nothing = null)].status",
            "$[?(@.nothing)].status",
            "$[?(@.empty)].status",
            "$[?(@.empty = {})].status",
            "$.mixed[*][?(@ = 1)]",
            "$.mixed[*][?(@ = true)]",
            "$.mixed[*][?(@ != 1)]",
            "$.mixed[*][?(@ < 1)]",
            "$.mixed[*][?(@ >= false)]",
            "$.mixed[*][?(@ = \"1\")]",
            "$.mixed[*][?(@ = [1.0])]",
            "$.mixed[*][?(@ = {\"v\": true})]",
            "$.mixed[*][?(@ = null)]",
            "$.mixed[?(@[0] = 1)]",
            "$.mixed[?(@[*] = 0)]",
            "$[?(@.nums[*] = @.n)]",
            "$[?(@.n = @.nums[*])]",
            "$[?(@.nums[*] > 5)].n",
            "$[?(1)].n",
            "$[?(0)].n",
            "$[?(\"\")].n",
            "$[?(\"a\")].n",
            "$[?([])].n",
            "$[?(null)].n",
            "$[?(-0.0)].n",
            "$[?(1 = 1.0)].n",
            "$[?(1 < \"2\")].n",
            "$.nums[?(@ > 1)]",
            "$.nums[*][?(@ > 99999999999999999999999999999999999999999)]",
            "$.nums[*][?(@ < 1e400)]",
            "$.nums[?(@[::0])]",
            "$.nums[?(@[0,::0])]",
        ],
        &s,
    );
    // Node subscripts and functions.
    add(
        &[
            "$.nums[$.n]",
            "$.nums[@.length()]",
            "$.items[*][$.items[0].name]",
            "$.nums[$.ok]",
            "$.nums.length()",
            "$.text.length()",
            "$.empty.length()",
            "$.n.length()",
            "$.items[length()]",
            "$.unicode.keys()",
            "$.nums.keys()",
            "$.items[0].values()",
            "$.nums.values()",
            "$.items[1].entries()",
            "$.nums[0,1].entries()",
            "$.text.charAt(1)",
            "$.text.charAt(-1)",
            "$.text.charAt(100)",
            "$.text.charAt(true)",
            "$.text.charAt(\"1\")",
            "$.text.substring(6)",
            "$.text.substring(-5, -1)",
            "$.text.substring(4, 2)",
            "$.text.substring($.n, 5)",
            "$.text.substring(@.length())",
            "$.text.length(1)",
            "$.text.nope()",
            "$..length()",
            "$.items[*][?(@.name.length() = 1)].id",
            "$.items[*][?(@.tags.length() > 1)].id",
            "$.nums.keys()[2]",
        ],
        &s,
    );
    // Unicode and escapes.
    add(
        &[
            "$.unicode[\"café\"]",
            "$.unicode.café",
            "$.unicode[\"日本\"][\"語\"]",
            "$.unicode[\"a b\"]",
            "$.unicode[\"a\\\"b\"]",
            "$.unicode[\"\\u0041\"]",
            "$.unicode[\"\\x\"]",
            "$.unicode[?(@.語 = 2)]",
            "$.unicode[?(@[\"語\"] = 2)]",
            "$.keys.and",
            "$.keys[\"and\"]",
            "$.keys.true",
            "$.keys.or_not",
            "$.keys._x9",
        ],
        &s,
    );
    // Documents that are not objects.
    for doc in [json!(5), json!("abc"), json!(null), json!([]), json!([1, [2, {"a": true}]]), json!(true)] {
        add(
            &["$", "$.*", "$[0]", "$[-1:]", "$..*", "$[?(@ = 5)]", "$[?(@)]", "$.length()", "$..a", "$[*][?(@ = 1)]"],
            &doc,
        );
    }
    // Syntax the dialect refuses (or accepts surprisingly).
    add(
        &[
            "",
            "@",
            "n",
            "$.",
            "$..",
            "$...n",
            "$[]",
            "$[,]",
            "$[n]",
            "$['n']",
            "$[?(@.n == 3)]",
            "$[?(@.n === 3)]",
            "$[?@.n = 3]",
            "$[?()]",
            "$[1.5]",
            "$[1e2]",
            "$[01]",
            "$[-0]",
            "$[- 1]",
            "$[1:2:3:4]",
            "$[\"a\" \"b\"]",
            "$.a-b",
            "$.n +",
            "$.n[0",
            "$.n]",
            "$[?(@.n = 01)]",
            "$[?(@.n = 3.)]",
            "$[?(@.n = .5)]",
            "$[?(@.n = -)]",
            "$[?(@.n = 'a')]",
            "$[?(@.n = True)]",
            "$[?(@.n = {\"a\" 1})]",
            "$[?(@.n = {1: 1})]",
            "$[?(@.n = [1,])]",
            "$[?(@.n &&  1)]",
            "$[?(@.n = \"\t\")]",
            "$\n.n",
            "$.n\u{a0}",
        ],
        &s,
    );
    cases
}

#[test]
fn matches_jsonpath2_on_the_case_table() {
    let cases = cases_table();
    assert!(cases.len() >= 60);
    let (refused, matched) = check(&cases);
    // The table exercises both sides: refusals and real matches.
    assert!(refused >= 40, "only {refused} refusals");
    assert!(matched >= 120, "only {matched} cases with matches");
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Random paths made of the grammar's own pieces: most are invalid, many are
/// valid in unusual ways; all must get the same verdict as jsonpath2.
#[test]
fn matches_jsonpath2_on_random_token_soup() {
    let pieces = [
        "$",
        "@",
        ".",
        "..",
        "[",
        "]",
        "*",
        "?(",
        "(",
        ")",
        "=",
        "!=",
        "<",
        ">=",
        ",",
        ":",
        "-1",
        "0",
        "1",
        "2",
        "1.5",
        "\"id\"",
        "\"a\"",
        "id",
        "a",
        "b",
        "and",
        "or",
        "not",
        "true",
        "null",
        "length()",
        "keys()",
        "[0]",
        "[*]",
        ".a",
        ".id",
        "[?(@.id = 1)]",
        " ",
    ];
    let doc = json!({"a": [{"id": 1, "b": [1, 2]}, {"id": 2, "a": {"id": 1}}], "b": "ab",
                     "id": 1, "0": 5});
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut cases = Vec::new();
    for _ in 0..300 {
        let len = 1 + rng.next() % 8;
        let mut p = String::from("$");
        for _ in 0..len {
            p.push_str(rng.pick(&pieces));
        }
        cases.push((p, doc.clone()));
    }
    let (refused, _) = check(&cases);
    assert!(refused > 100, "{refused} refused");
}

/// Random paths built from the grammar (so most are valid), some of them
/// then damaged by one random edit.
#[test]
fn matches_jsonpath2_on_random_grammar_paths() {
    let doc = json!({"a": [{"id": 1, "b": [1, 2, "2"]}, {"id": "2", "a": {"id": 1.0}},
                           {"id": true, "b": []}],
                     "b": "ab\u{e9}", "id": 1, "0": 5, "n": [3, 1, 2, 0, -1]});
    let steps = [
        ".a",
        ".b",
        ".id",
        ".n",
        ".*",
        "[*]",
        "[0]",
        "[-1]",
        "[1,0]",
        "[\"a\",\"id\"]",
        "[1:]",
        "[::-1]",
        "[3:0:-1]",
        "[-2:]",
        "[::2]",
        "..id",
        "..*",
        "..[0]",
        "..b",
        ".length()",
        ".keys()",
        ".values()",
        ".entries()",
        "[$.id]",
        "[@.length()]",
        ".charAt(1)",
        ".substring(1)",
    ];
    let operands = [
        "@",
        "@.id",
        "@.b",
        "@.b[*]",
        "@[*]",
        "@.a.id",
        "$.id",
        "$.n[*]",
        "1",
        "2",
        "\"2\"",
        "1.0",
        "true",
        "false",
        "null",
        "[1, 2]",
        "{\"id\": 1}",
        "-1",
        "@.length()",
    ];
    let ops = [" = ", " != ", " < ", " <= ", " > ", " >= "];
    let edits = ["", "[", "]", ".", "..", "=", "(", ")", "'", "==", "1.5", " and ", ","];
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut cases = Vec::new();
    for _ in 0..600 {
        let mut p = String::from("$");
        for _ in 0..(1 + rng.next() % 4) {
            if rng.next().is_multiple_of(4) {
                let mut expr = String::new();
                for k in 0..(1 + rng.next() % 3) {
                    if k > 0 {
                        expr.push_str(rng.pick(&[" and ", " or "]));
                    }
                    if rng.next().is_multiple_of(5) {
                        expr.push_str("not ");
                    }
                    expr.push_str(rng.pick(&operands));
                    if !rng.next().is_multiple_of(3) {
                        expr.push_str(rng.pick(&ops));
                        expr.push_str(rng.pick(&operands));
                    }
                }
                p.push_str(&format!("[?({expr})]"));
            } else {
                p.push_str(rng.pick(&steps));
            }
        }
        if rng.next().is_multiple_of(4) {
            let chars: Vec<char> = p.chars().collect();
            let at = (rng.next() % chars.len() as u64) as usize;
            let mut damaged: String = chars[..at].iter().collect();
            damaged.push_str(rng.pick(&edits));
            damaged.extend(&chars[(at + (rng.next() % 2) as usize).min(chars.len())..]);
            p = damaged;
        }
        cases.push((p, doc.clone()));
    }
    let (refused, matched) = check(&cases);
    assert!(refused > 50 && matched > 80, "{refused} refused, {matched} matched");
}

/// Nesting that jsonpath2 handles and nesting where it gives up.
#[test]
fn matches_jsonpath2_on_deep_nesting() {
    let doc = json!({"a": {"a": {"a": 1}}});
    let cases: Vec<(String, Value)> = [
        format!("${}", ".a".repeat(50)),
        format!("${}", ".a".repeat(2000)),
        format!("${}", "[\"a\"]".repeat(3)),
        format!("${}{}", "[?(@".repeat(20), ")]".repeat(20)),
        format!("${}{}", "[?(@".repeat(300), ")]".repeat(300)),
        format!("$[?({}@.a{})]", "(".repeat(100), ")".repeat(100)),
        format!("$[?({}@.a{})]", "(".repeat(400), ")".repeat(400)),
        format!("$[?({}@.a)]", "not ".repeat(101)),
        format!("$[?({}@.a)]", "not ".repeat(1500)),
        format!("$[?(@.a = {}1{})]", "[".repeat(100), "]".repeat(100)),
        format!("$[?(@.a = {}1{})]", "[".repeat(800), "]".repeat(800)),
        format!("$[{}]", vec!["0"; 3000].join(",")),
        format!("$[\"{}\"]", "a".repeat(100_000)),
        "$".to_string() + &"[".repeat(5000),
    ]
    .into_iter()
    .map(|p| (p, doc.clone()))
    .collect();
    let (refused, _) = check(&cases);
    assert_eq!(refused, 6, "the too-deep cases and the unclosed brackets");
}

/// Garbage must never panic: random bytes, deep brackets, long strings.
#[test]
fn garbage_never_panics() {
    let doc = json!({"a": [1, {"b": "c"}], "d": {"e": null}});
    let mut rng = Rng(42);
    let mut inputs: Vec<String> = Vec::new();
    for _ in 0..3000 {
        let len = (rng.next() % 40) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| (rng.next() % 256) as u8).collect();
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
        let alphabet = b"$@.[]*?()=!<>,:\"-0123456789aeE \\{}'";
        let ascii: String =
            (0..len).map(|_| char::from(alphabet[(rng.next() % alphabet.len() as u64) as usize])).collect();
        inputs.push(format!("${ascii}"));
    }
    for n in [10, 100, 1000, 10_000, 100_000] {
        inputs.push("$".to_string() + &"[".repeat(n));
        inputs.push("$".to_string() + &"[?(".repeat(n));
        inputs.push("$".to_string() + &"[?(@".repeat(n) + &")]".repeat(n));
        inputs.push(format!("$[?({}@)]", "(".repeat(n)));
        inputs.push(format!("$[?({}@)]", "not ".repeat(n)));
        inputs.push(format!("$[?(@ = {}{})]", "[".repeat(n), "]".repeat(n)));
        inputs.push(format!("$[?(@ = {}1{})]", "{\"a\":".repeat(n), "}".repeat(n)));
        inputs.push(format!("${}", "..a".repeat(n)));
        inputs.push(format!("$[\"{}\"]", "x".repeat(n * 10)));
        inputs.push(format!("$[{}]", "9".repeat(n)));
        inputs.push(format!("$[-{}:{}:-{}]", "9".repeat(n), "9".repeat(n), "9".repeat(n)));
        inputs.push(format!("$[?(@ = {}.5e-{})]", "9".repeat(n), "9".repeat(n)));
        inputs.push(format!("$.a.substring({}, -{})", "9".repeat(n), "9".repeat(n)));
        inputs.push("\"".repeat(n));
    }
    for input in &inputs {
        if let Ok(p) = parse(input) {
            let _ = p.try_matches(&doc);
        }
    }
}
