//! jsonpath2's callable subscripts (`length()`, `keys()`, `values()`,
//! `entries()`, `charAt(i)`, `substring(i[, j])`). Each yields at most one
//! value, and nothing when the current value or the arguments do not fit
//! (for example `length()` of an object, or `charAt("1")`).
use super::ast::Func;
use super::pyvalue::View;
use serde_json::Value;

/// What a call produced.
pub(crate) enum Produced {
    /// The current value itself (`values()` of an array).
    Same,
    New(Value),
}

/// Applies `func` to `cur` with already evaluated arguments.
pub(crate) fn call(func: Func, cur: &Value, args: &[View<'_>]) -> Option<Produced> {
    match func {
        Func::Length if args.is_empty() => match cur {
            Value::Array(a) => Some(Produced::New(Value::from(a.len()))),
            Value::String(s) => Some(Produced::New(Value::from(s.chars().count()))),
            _ => None,
        },
        Func::Keys if args.is_empty() => match cur {
            Value::Object(m) => Some(Produced::New(Value::Array(m.keys().map(|k| Value::String(k.clone())).collect()))),
            Value::Array(a) => Some(Produced::New(Value::Array((0..a.len()).map(Value::from).collect()))),
            _ => None,
        },
        Func::Values if args.is_empty() => match cur {
            Value::Object(m) => Some(Produced::New(Value::Array(m.values().cloned().collect()))),
            Value::Array(_) => Some(Produced::Same),
            _ => None,
        },
        Func::Entries if args.is_empty() => match cur {
            Value::Object(m) => Some(Produced::New(Value::Array(
                m.iter().map(|(k, v)| Value::Array(vec![Value::String(k.clone()), v.clone()])).collect(),
            ))),
            Value::Array(a) => Some(Produced::New(Value::Array(
                a.iter().enumerate().map(|(i, v)| Value::Array(vec![Value::from(i), v.clone()])).collect(),
            ))),
            _ => None,
        },
        Func::CharAt => {
            let s = cur.as_str()?;
            let [index] = args else { return None };
            let index = index.as_index()?;
            let chars: Vec<char> = s.chars().collect();
            let len = chars.len() as i128;
            let at = if index < 0 { index + len } else { index };
            let at = usize::try_from(at).ok()?;
            chars.get(at).map(|c| Produced::New(Value::String(c.to_string())))
        }
        Func::Substring => {
            let s = cur.as_str()?;
            let (start, end) = match args {
                [a] => (a.as_index()?, None),
                [a, b] => (a.as_index()?, Some(b.as_index()?)),
                _ => return None,
            };
            let chars: Vec<char> = s.chars().collect();
            let len = chars.len();
            let from = slice_bound(start, len);
            let to = end.map_or(len, |e| slice_bound(e, len));
            let text: String = if from < to { chars[from..to].iter().collect() } else { String::new() };
            Some(Produced::New(Value::String(text)))
        }
        _ => None,
    }
}

/// Python's normalisation of a slice bound for a sequence of length `len`.
fn slice_bound(bound: i128, len: usize) -> usize {
    let n = len as i128;
    let b = if bound < 0 { bound + n } else { bound };
    // Clamped into 0..=len, so the conversion cannot fail.
    usize::try_from(b.clamp(0, n)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::jsonpath::ast::{Lit, PyInt};
    use serde_json::json;

    fn text(p: Option<Produced>) -> Option<Value> {
        match p {
            Some(Produced::New(v)) => Some(v),
            Some(Produced::Same) => Some(json!("<same>")),
            None => None,
        }
    }

    #[test]
    fn string_functions_count_code_points() {
        let s = json!("héllo");
        let one = Lit::Int(PyInt::Small(1));
        let neg = Lit::Int(PyInt::Small(-3));
        let m1 = Lit::Int(PyInt::Small(-1));
        assert_eq!(text(call(Func::Length, &s, &[])), Some(json!(5)));
        assert_eq!(text(call(Func::CharAt, &s, &[View::Lit(&one)])), Some(json!("é")));
        assert_eq!(text(call(Func::CharAt, &s, &[View::Lit(&Lit::Bool(true))])), Some(json!("é")));
        assert_eq!(text(call(Func::Substring, &s, &[View::Lit(&neg), View::Lit(&m1)])), Some(json!("ll")));
        assert_eq!(text(call(Func::CharAt, &s, &[View::Lit(&Lit::Str("1".into()))])), None);
    }

    #[test]
    fn container_functions() {
        let o = json!({"a": 1, "b": [2]});
        assert_eq!(text(call(Func::Keys, &o, &[])), Some(json!(["a", "b"])));
        assert_eq!(text(call(Func::Entries, &o, &[])), Some(json!([["a", 1], ["b", [2]]])));
        assert_eq!(text(call(Func::Length, &o, &[])), None);
        assert_eq!(text(call(Func::Values, &json!([1]), &[])), Some(json!("<same>")));
        assert_eq!(text(call(Func::Keys, &json!([7, 8]), &[])), Some(json!([0, 1])));
    }
}
