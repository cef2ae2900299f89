//! Python semantics for the values a filter compares: document values
//! (`serde_json::Value`) and literals written in the path, which can be
//! integers of any size. jsonpath2 compares with plain Python operators, so
//! `true = 1`, `1 = 1.0` and `[1, 2] = [1.0, 2]` all hold, while `<`, `<=`,
//! `>`, `>=` are false unless both sides are numbers (bools count as numbers).
use super::ast::{Lit, PyInt};
use serde_json::Value;
use std::cmp::Ordering;

/// A value seen from Python: either from the document or a path literal.
#[derive(Debug, Clone, Copy)]
pub(crate) enum View<'x> {
    Doc(&'x Value),
    Lit(&'x Lit),
}

/// A Python number (`bool` included, as it is an `int` subclass).
#[derive(Debug, Clone, Copy)]
enum Num<'x> {
    Int(i128),
    /// Magnitude beyond `i128`.
    Big {
        negative: bool,
        digits: &'x str,
    },
    Float(f64),
}

impl<'x> View<'x> {
    fn num(self) -> Option<Num<'x>> {
        match self {
            View::Doc(Value::Bool(b)) | View::Lit(Lit::Bool(b)) => Some(Num::Int(i128::from(*b))),
            View::Doc(Value::Number(n)) => {
                if let Some(i) = n.as_i64() {
                    Some(Num::Int(i128::from(i)))
                } else if let Some(u) = n.as_u64() {
                    Some(Num::Int(i128::from(u)))
                } else {
                    n.as_f64().map(Num::Float)
                }
            }
            View::Lit(Lit::Int(PyInt::Small(i))) => Some(Num::Int(*i)),
            View::Lit(Lit::Int(PyInt::Big { negative, digits })) => Some(Num::Big { negative: *negative, digits }),
            View::Lit(Lit::Float(f)) => Some(Num::Float(*f)),
            _ => None,
        }
    }

    /// Python `isinstance(v, int)` (true for bools): the value clamped for
    /// index arithmetic.
    pub(crate) fn as_index(self) -> Option<i128> {
        match self {
            View::Doc(Value::Bool(b)) | View::Lit(Lit::Bool(b)) => Some(i128::from(*b)),
            View::Doc(Value::Number(n)) if !n.is_f64() => {
                n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from))
            }
            View::Lit(Lit::Int(i)) => Some(i.clamped()),
            _ => None,
        }
    }

    /// The string, if the value is one.
    pub(crate) fn as_str(self) -> Option<&'x str> {
        match self {
            View::Doc(Value::String(s)) | View::Lit(Lit::Str(s)) => Some(s),
            _ => None,
        }
    }
}

/// Python `a == b`.
pub(crate) fn eq(a: View<'_>, b: View<'_>) -> bool {
    if let (Some(x), Some(y)) = (a.num(), b.num()) {
        return cmp_num(x, y) == Some(Ordering::Equal);
    }
    if is_null(a) || is_null(b) {
        return is_null(a) && is_null(b);
    }
    if let (Some(x), Some(y)) = (a.as_str(), b.as_str()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (list(a), list(b)) {
        return x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| eq(*p, *q));
    }
    dict_eq(a, b)
}

fn is_null(v: View<'_>) -> bool {
    matches!(v, View::Doc(Value::Null) | View::Lit(Lit::Null))
}

/// The elements, if the value is a list.
fn list(v: View<'_>) -> Option<Vec<View<'_>>> {
    match v {
        View::Doc(Value::Array(items)) => Some(items.iter().map(View::Doc).collect()),
        View::Lit(Lit::List(items)) => Some(items.iter().map(View::Lit).collect()),
        _ => None,
    }
}

/// Number of members and member lookup, if the value is a dict.
fn dict_len(v: View<'_>) -> Option<usize> {
    match v {
        View::Doc(Value::Object(m)) => Some(m.len()),
        View::Lit(Lit::Dict(m)) => Some(m.len()),
        _ => None,
    }
}

fn dict_get<'x>(v: View<'x>, key: &str) -> Option<View<'x>> {
    match v {
        View::Doc(Value::Object(m)) => m.get(key).map(View::Doc),
        View::Lit(Lit::Dict(m)) => m.get(key).map(View::Lit),
        _ => None,
    }
}

/// Python dict equality: same size, and every key of `a` maps to an equal
/// value in `b` (order is irrelevant).
fn dict_eq(a: View<'_>, b: View<'_>) -> bool {
    let (Some(la), Some(lb)) = (dict_len(a), dict_len(b)) else {
        return false;
    };
    if la != lb {
        return false;
    }
    let same = |k: &str, v: View<'_>| dict_get(b, k).is_some_and(|w| eq(v, w));
    match a {
        View::Doc(Value::Object(m)) => m.iter().all(|(k, v)| same(k, View::Doc(v))),
        View::Lit(Lit::Dict(m)) => m.iter().all(|(k, v)| same(k, View::Lit(v))),
        _ => false,
    }
}

/// jsonpath2's `<`, `<=`, `>`, `>=`: a numeric comparison when both sides
/// are `int`/`float` (bools included), otherwise `None` (the test is false).
pub(crate) fn order(a: View<'_>, b: View<'_>) -> Option<Ordering> {
    cmp_num(a.num()?, b.num()?)
}

/// Python `bool(v)` for a literal.
pub(crate) fn truthy(v: &Lit) -> bool {
    match v {
        Lit::Null => false,
        Lit::Bool(b) => *b,
        Lit::Int(PyInt::Small(i)) => *i != 0,
        Lit::Int(PyInt::Big { .. }) => true,
        Lit::Float(f) => *f != 0.0,
        Lit::Str(s) => !s.is_empty(),
        Lit::List(l) => !l.is_empty(),
        Lit::Dict(d) => !d.is_empty(),
    }
}

/// Exact comparison of two Python numbers (int/float mixes compare by
/// mathematical value, as Python does). `None` only for NaN.
fn cmp_num(a: Num<'_>, b: Num<'_>) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
        (Num::Int(x), Num::Float(y)) => int_vs_float(x, y),
        (Num::Float(x), Num::Int(y)) => int_vs_float(y, x).map(Ordering::reverse),
        (Num::Big { negative, .. }, Num::Int(_)) => Some(sign_order(negative)),
        (Num::Int(_), Num::Big { negative, .. }) => Some(sign_order(negative).reverse()),
        (Num::Big { negative, digits }, Num::Float(f)) => big_vs_float(negative, digits, f),
        (Num::Float(f), Num::Big { negative, digits }) => big_vs_float(negative, digits, f).map(Ordering::reverse),
        (Num::Big { negative: na, digits: da }, Num::Big { negative: nb, digits: db }) => Some(match (na, nb) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => cmp_magnitude(da, db),
            (true, true) => cmp_magnitude(da, db).reverse(),
        }),
    }
}

/// How a number too big for `i128` compares with any smaller one.
fn sign_order(negative: bool) -> Ordering {
    if negative { Ordering::Less } else { Ordering::Greater }
}

/// 2^127 as a float: every `i128` is below it.
const TWO_POW_127: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;

fn int_vs_float(i: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= TWO_POW_127 {
        return Some(Ordering::Less);
    }
    if f < -TWO_POW_127 {
        return Some(Ordering::Greater);
    }
    let floor = f.floor();
    // In range and integral, so the conversion is exact.
    let whole = floor as i128;
    Some(match i.cmp(&whole) {
        Ordering::Equal if f > floor => Ordering::Less,
        other => other,
    })
}

fn big_vs_float(negative: bool, digits: &str, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f.is_infinite() {
        return Some(if f > 0.0 { Ordering::Less } else { Ordering::Greater });
    }
    if f.abs() < TWO_POW_127 || (f < 0.0) != negative {
        return Some(sign_order(negative));
    }
    // Same sign and |f| >= 2^127, where every float is an integer: compare
    // the exact decimal expansion of the float.
    let exact = format!("{:.0}", f.abs());
    let magnitude = cmp_magnitude(digits, &exact);
    Some(if negative { magnitude.reverse() } else { magnitude })
}

/// Compares two unsigned decimal integers without leading zeros.
fn cmp_magnitude(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lit_int(s: &str) -> Lit {
        Lit::Int(PyInt::parse(s))
    }

    #[test]
    fn bools_are_ints_and_ints_equal_floats() {
        assert!(eq(View::Doc(&json!(true)), View::Doc(&json!(1))));
        assert!(eq(View::Doc(&json!(1.0)), View::Doc(&json!(1))));
        assert!(!eq(View::Doc(&json!("1")), View::Doc(&json!(1))));
        assert!(eq(View::Doc(&json!([1, {"a": true}])), View::Doc(&json!([1.0, {"a": 1}]))));
        assert!(!eq(View::Doc(&json!({"a": 1})), View::Doc(&json!({"a": 1, "b": 2}))));
    }

    #[test]
    fn ordering_only_between_numbers() {
        assert_eq!(order(View::Doc(&json!(false)), View::Doc(&json!(0.5))), Some(Ordering::Less));
        assert_eq!(order(View::Doc(&json!("a")), View::Doc(&json!("b"))), None);
        assert_eq!(order(View::Doc(&json!(null)), View::Doc(&json!(0))), None);
    }

    #[test]
    fn huge_integers_compare_exactly() {
        let big = lit_int("10000000000000000000000000000000000000000");
        // 1e40 as a float is 10000000000000000303786028427003666890752.
        assert_eq!(format!("{:.0}", 1e40_f64), "10000000000000000303786028427003666890752");
        assert_eq!(order(View::Lit(&big), View::Doc(&json!(1e40))), Some(Ordering::Less));
        let exact = lit_int("10000000000000000303786028427003666890752");
        assert!(eq(View::Lit(&exact), View::Doc(&json!(1e40))));
        let neg = lit_int("-10000000000000000000000000000000000000000");
        assert_eq!(order(View::Lit(&neg), View::Doc(&json!(-1))), Some(Ordering::Less));
        assert_eq!(order(View::Lit(&neg), View::Lit(&big)), Some(Ordering::Less));
        let i = i128::from(u64::MAX);
        assert_eq!(int_vs_float(i, 18_446_744_073_709_551_616.0), Some(Ordering::Less));
        assert_eq!(int_vs_float(3, 2.5), Some(Ordering::Greater));
        assert_eq!(int_vs_float(2, 2.5), Some(Ordering::Less));
        assert_eq!(int_vs_float(-3, -2.5), Some(Ordering::Less));
    }

    #[test]
    fn literal_truthiness_follows_python() {
        assert!(!truthy(&Lit::Float(-0.0)));
        assert!(truthy(&Lit::Float(-0.1)));
        assert!(!truthy(&Lit::Str(String::new())));
        assert!(truthy(&lit_int("-1")));
    }
}
