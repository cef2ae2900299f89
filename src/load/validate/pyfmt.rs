//! How Python would see a JSON value: its truthiness and its `str()`.
//! Chaos Toolkit's checks are written as `if not x` and its messages are
//! built with `format()`, so matching them needs both.
use serde_json::Value;

// Python's `bool(x)`, `str(x)` and `repr(x)` of the object `json.load`
// would have produced: the engine's, so that messages and runs agree.
pub use crate::engine::pyvalue::{py_repr, py_str, py_truthy as truthy};

/// `str(x)` cut to `max` characters, for values quoted in our own messages.
pub fn short(v: &Value, max: usize) -> String {
    let s = py_str(v);
    if s.chars().count() <= max {
        s
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn str_matches_python() {
        assert_eq!(py_str(&json!(null)), "None");
        assert_eq!(py_str(&json!(true)), "True");
        assert_eq!(py_str(&json!(3)), "3");
        assert_eq!(py_str(&json!(1.0)), "1.0");
        assert_eq!(py_str(&json!(0.5)), "0.5");
        assert_eq!(py_str(&json!(1e16)), "1e+16");
        assert_eq!(py_str(&json!(1.5e-7)), "1.5e-07");
        assert_eq!(py_str(&json!("x")), "x");
        assert_eq!(py_str(&json!([1, "a", null])), "[1, 'a', None]");
        assert_eq!(py_str(&json!({"a": [true]})), "{'a': [True]}");
        assert_eq!(py_str(&json!(["it's"])), "[\"it's\"]");
    }

    #[test]
    fn truthiness_matches_python() {
        for v in [json!(null), json!(false), json!(0), json!(0.0), json!(""), json!([]), json!({})] {
            assert!(!truthy(&v), "{v}");
        }
        for v in [json!(true), json!(1), json!(-0.5), json!(" "), json!([0]), json!({"a": 0})] {
            assert!(truthy(&v), "{v}");
        }
    }
}
