//! JSON path in the dialect of Python's `jsonpath2` (0.4.5), which Chaos
//! Toolkit uses for `jsonpath` tolerances: `=` for equality, double-quoted
//! names only, `and`/`or`/`not`, callable subscripts such as `length()`, and
//! filters that test the current value itself (so `$.items[?(@.id = 2)]`
//! matches nothing while `$.items[*][?(@.id = 2)]` matches the item).
//!
//! `tests/jsonpath_compat.rs` checks this module against the real jsonpath2.
//! Known, deliberate differences: jsonpath2 fails with `RecursionError` on
//! paths nested about 980 grammar rules deep, where we stop at a fixed
//! [`parser::MAX_RULE_DEPTH`]; and we give up after a fixed amount of work
//! ([`eval::WORK_BUDGET`]) where Python would just keep running.
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
        match stream.err {
            Some(e) => Err(e.to_string()),
            None => Ok(stream.items.into_iter().map(|v| v.into_owned()).collect()),
        }
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
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
        for n in 80..110 {
            let p = format!("${}{}", "[?(@.a".repeat(n), ")]".repeat(n));
            eprintln!("{n} {:?}", parse(&p).map(|_| ()));
        }
        // 108 nested filters is the most the depth limit lets through.
        let deep = format!("${}{}", "[?(@.a".repeat(108), ")]".repeat(108));
        assert_eq!(m(&deep, &doc), vec![doc.clone()]);
        assert!(parse(&format!("${}{}", "[?(@.a".repeat(109), ")]".repeat(109))).is_err());
        let long = format!("${}", ".a".repeat(120));
        assert_eq!(m(&long, &doc), vec![json!(1)]);
        let descend = format!("${}", "..a".repeat(100));
        assert!(!parse(&descend).unwrap().matches(&doc).is_empty());
    }

    #[test]
    fn tmp_calibrate() {
        let gens: Vec<(&str, Box<dyn Fn(usize) -> String>)> = vec![
            ("segs", Box::new(|n| format!("${}", ".a".repeat(n)))),
            ("brk", Box::new(|n| format!("${}", "[\"a\"]".repeat(n)))),
            ("desc", Box::new(|n| format!("${}", "..a".repeat(n)))),
            ("filt", Box::new(|n| format!("${}{}", "[?(@".repeat(n), ")]".repeat(n)))),
            ("filta", Box::new(|n| format!("${}{}", "[?(@.a".repeat(n), ")]".repeat(n)))),
            ("paren", Box::new(|n| format!("$[?({}@{})]", "(".repeat(n), ")".repeat(n)))),
            ("not", Box::new(|n| format!("$[?({}@)]", "not ".repeat(n)))),
            ("arr", Box::new(|n| format!("$[?(@ = {}{})]", "[".repeat(n), "]".repeat(n)))),
            ("obj", Box::new(|n| format!("$[?(@ = {}1{})]", "{\"a\":".repeat(n), "}".repeat(n)))),
            ("and", Box::new(|n| format!("$[?(@{})]", " and @".repeat(n)))),
            ("call", Box::new(|n| format!("${}", ".length()".repeat(n)))),
            ("nodesub", Box::new(|n| format!("${}{}", "[@".repeat(n), "]".repeat(n)))),
        ];
        for (name, g) in gens {
            let mut n = 1;
            while parse(&g(n + 1)).is_ok() { n += 1; }
            eprintln!("CAL {name} {n}");
        }
    }
}
