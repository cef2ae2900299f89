//! JSON path in the dialect of Python's `jsonpath2` (0.4.5), which Chaos
//! Toolkit uses for `jsonpath` tolerances: `=` for equality, double-quoted
//! names only, `and`/`or`/`not`, callable subscripts such as `length()`, and
//! filters that test the current value itself (so `$.items[?(@.id = 2)]`
//! matches nothing while `$.items[*][?(@.id = 2)]` matches the item).
//!
//! `tests/jsonpath_compat.rs` checks this module against the real jsonpath2.
//! Known, deliberate differences: jsonpath2 fails with `RecursionError` on
//! paths nested about 980 grammar rules deep, where we stop at a fixed depth
//! (the cut-off can differ by a level or two); and where Python would run
//! for minutes or exhaust memory (`$..*..*..*` on a deep document) we stop
//! with an error after a fixed amount of work or of output. Documents parsed
//! by serde_json cannot hold integers beyond 64 bits, which Python keeps
//! exact; that is the caller's parsing, not this module.
//!
//! Layout: `lexer` and `parser` build the `ast`; `eval` walks it with the
//! Python comparison rules of `pyvalue` and the callables of `functions`.
use serde_json::Value;

mod ast;
mod eval;
mod functions;
mod lexer;
mod parser;
mod pyvalue;

/// A parsed path.
#[derive(Debug, Clone)]
pub struct JsonPath {
    source: String,
    path: ast::Path,
}

/// Parse a path; the error explains what is wrong. jsonpath2 raises
/// (`ValueError` and friends) for exactly the same inputs.
pub fn parse(path: &str) -> Result<JsonPath, String> {
    let parsed = parser::parse_path(path)?;
    Ok(JsonPath { source: path.to_string(), path: parsed })
}

impl JsonPath {
    /// Every value the path matches, in jsonpath2's order. A path that
    /// cannot be evaluated on this document (see [`JsonPath::try_matches`])
    /// matches nothing.
    pub fn matches(&self, value: &Value) -> Vec<Value> {
        self.try_matches(value).unwrap_or_default()
    }

    /// Every value the path matches, or why evaluation stopped. jsonpath2
    /// raises while matching in one case, a slice step of zero applied to an
    /// array (`$.a[::0]`), which crashes a Chaos Toolkit run; callers that
    /// mirror that use this method. The other error is our work limit.
    pub fn try_matches(&self, value: &Value) -> Result<Vec<Value>, String> {
        let mut budget = eval::Budget::new();
        let stream = eval::evaluate(&self.path, value, value, &mut budget);
        if let Some(e) = stream.err {
            return Err(e.to_string());
        }
        // The matches are copied out of the document; refuse before copying
        // an overlapping-subtree explosion (`$..*` on a deep document).
        let mut room = OUTPUT_NODE_LIMIT;
        for item in &stream.items {
            if !take_nodes(item, &mut room) {
                return Err("the path matches too much of this document".to_string());
            }
        }
        Ok(stream.items.into_iter().map(|v| v.into_owned()).collect())
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

/// Most JSON nodes (counting every nested value) that one evaluation may
/// return in total.
const OUTPUT_NODE_LIMIT: u64 = 5_000_000;

/// Subtracts the number of nodes in `v` from `room`; false when it runs out.
fn take_nodes(v: &Value, room: &mut u64) -> bool {
    let mut stack = vec![v];
    while let Some(node) = stack.pop() {
        if *room == 0 {
            return false;
        }
        *room -= 1;
        match node {
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(path: &str, doc: &Value) -> Vec<Value> {
        parse(path).unwrap().matches(doc)
    }

    #[test]
    fn reference_examples() {
        let doc = json!({"items": [{"id": 1}, {"id": 2}], "n": 3});
        assert_eq!(m("$.items[*].id", &doc), vec![json!(1), json!(2)]);
        assert_eq!(m("$.n", &doc), vec![json!(3)]);
        assert!(m("$.items[?(@.id = 2)]", &doc).is_empty());
        assert_eq!(m("$.items[*][?(@.id = 2)]", &doc), vec![json!({"id": 2})]);
        assert_eq!(m("$.items.*[?(@.id = 2)]", &doc), vec![json!({"id": 2})]);
        assert!(parse("$['n']").is_err());
        assert_eq!(m(r#"$["n"]"#, &doc), vec![json!(3)]);
    }

    #[test]
    fn recursive_descent_visits_each_level_before_going_down() {
        let doc = json!({"a": {"b": 1}, "c": [2, {"b": 3}]});
        assert_eq!(
            m("$..*", &doc),
            vec![json!({"b": 1}), json!([2, {"b": 3}]), json!(1), json!(2), json!({"b": 3}), json!(3)]
        );
        assert_eq!(m("$..b", &doc), vec![json!(1), json!(3)]);
    }

    #[test]
    fn node_to_node_comparison_only_uses_the_first_left_value() {
        let doc = json!({"x": [1, 3], "a": 3});
        assert!(m("$[?(@.x[*] = @.a)]", &doc).is_empty());
        assert_eq!(m("$[?(@.a = @.x[*])]", &doc).len(), 1);
        assert_eq!(m("$[?(@.x[*] = 3)]", &doc).len(), 1);
    }

    #[test]
    fn zero_step_slices_fail_only_when_reached() {
        let doc = json!({"a": [1, 2]});
        let p = parse("$.a[::0]").unwrap();
        assert!(p.try_matches(&doc).is_err());
        assert!(p.matches(&doc).is_empty());
        // Not an array: jsonpath2 never builds the range.
        assert_eq!(parse("$.b[::0]").unwrap().try_matches(&doc), Ok(vec![]));
        // The filter is true after the first match, before the bad slice.
        assert_eq!(parse("$.a[?(@[0,::0])]").unwrap().try_matches(&doc), Ok(vec![json!([1, 2])]));
    }

    #[test]
    fn work_limit_stops_explosive_paths() {
        let mut doc = json!(1);
        for _ in 0..60 {
            doc = json!({ "a": doc });
        }
        let p = parse("$..*..*..*..*..*..*").unwrap();
        assert!(p.try_matches(&doc).is_err());
        assert_eq!(parse("$..*..*").unwrap().matches(&doc).len(), 1770);
    }

    #[test]
    fn deepest_accepted_nesting_evaluates_without_overflow() {
        let mut doc = json!(1);
        for _ in 0..120 {
            doc = json!({ "a": doc });
        }
        // 97 nested `[?(@.a` filters is the most the depth limit lets
        // through (jsonpath2 itself stops at 98).
        let deep = format!("${}{}", "[?(@.a".repeat(97), ")]".repeat(97));
        assert_eq!(m(&deep, &doc), vec![doc.clone()]);
        assert!(parse(&format!("${}{}", "[?(@.a".repeat(98), ")]".repeat(98))).is_err());
        let long = format!("${}", ".a".repeat(120));
        assert_eq!(m(&long, &doc), vec![json!(1)]);
        // Every way to pick 2 of the 120 nested "a" members.
        assert_eq!(m("$..a..a", &doc).len(), 7_140);
        // Picking 3 gives 280,840 overlapping subtrees: too much to copy out.
        assert!(parse("$..a..a..a").unwrap().try_matches(&doc).is_err());
        // Picking 100 of them is far beyond the work budget.
        let descend = format!("${}", "..a".repeat(100));
        assert!(parse(&descend).unwrap().try_matches(&doc).is_err());
    }
}
