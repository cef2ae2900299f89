//! How PyYAML's `safe_load` types a plain scalar (its implicit resolvers for
//! bool, int, float and null, in YAML 1.1), so that an experiment means the
//! same to gameday as to Chaos Toolkit. Timestamps stay text: JSON has no
//! date type, and an experiment that relies on one is not portable anyway.
use regex::Regex;
use serde_json::{Number, Value};
use std::sync::LazyLock;

static BOOL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"));
static INT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
    )
});
static FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?",
        r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ))
});
static NULL: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:~|null|Null|NULL|)$"));

/// The patterns are constants; a typo in one is a bug caught by every test.
fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern {pattern}: {e}"))
}

/// PyYAML's value for the plain scalar `raw`, or `None` when it has no JSON
/// form (a non-finite float, an integer beyond 64 bits): the caller keeps
/// its own reading then.
pub(super) fn resolve(raw: &str) -> Option<Value> {
    if BOOL.is_match(raw) {
        return Some(Value::Bool(
            matches!(raw.as_bytes()[0], b'y' | b'Y' | b't' | b'T') || raw.eq_ignore_ascii_case("on"),
        ));
    }
    if NULL.is_match(raw) {
        return Some(Value::Null);
    }
    if INT.is_match(raw) {
        return int(raw).map(Value::Number);
    }
    if FLOAT.is_match(raw) {
        return float(raw).and_then(Number::from_f64).map(Value::Number);
    }
    Some(Value::String(raw.to_string()))
}

/// Split a sign off: (negative, rest).
fn sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

fn int(raw: &str) -> Option<Number> {
    let cleaned = raw.replace('_', "");
    let (negative, digits) = sign(&cleaned);
    let magnitude: i128 = if digits == "0" {
        0
    } else if let Some(bin) = digits.strip_prefix("0b") {
        i128::from_str_radix(bin, 2).ok()?
    } else if let Some(hex) = digits.strip_prefix("0x") {
        i128::from_str_radix(hex, 16).ok()?
    } else if digits.starts_with('0') {
        i128::from_str_radix(digits, 8).ok()?
    } else if digits.contains(':') {
        sexagesimal(digits)?
    } else {
        digits.parse().ok()?
    };
    let value = if negative { -magnitude } else { magnitude };
    if let Ok(n) = i64::try_from(value) { Some(n.into()) } else { u64::try_from(value).ok().map(Number::from) }
}

/// `190:20:30` is 190×3600 + 20×60 + 30 in YAML 1.1.
fn sexagesimal(digits: &str) -> Option<i128> {
    digits.split(':').try_fold(0i128, |acc, part| acc.checked_mul(60)?.checked_add(part.parse::<i128>().ok()?))
}

fn float(raw: &str) -> Option<f64> {
    let cleaned = raw.replace('_', "").to_ascii_lowercase();
    let (negative, body) = sign(&cleaned);
    let magnitude = if body == ".inf" {
        f64::INFINITY
    } else if body == ".nan" {
        f64::NAN
    } else if body.contains(':') {
        let mut parts = body.split(':').peekable();
        let mut acc = 0.0;
        while let Some(part) = parts.next() {
            let part: f64 = part.parse().ok()?;
            acc = if parts.peek().is_some() { (acc + part) * 60.0 } else { acc + part };
        }
        acc
    } else {
        body.parse().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::resolve;
    use serde_json::json;

    #[test]
    fn yaml_1_1_spellings() {
        let cases = [
            ("yes", json!(true)),
            ("Off", json!(false)),
            ("y", json!("y")),
            ("~", json!(null)),
            ("0755", json!(493)),
            ("0o17", json!("0o17")),
            ("0x1F", json!(31)),
            ("0b101", json!(5)),
            ("1_000", json!(1000)),
            ("-0", json!(0)),
            ("190:20:30", json!(685_230)),
            ("1e3", json!("1e3")),
            ("1.0e+3", json!(1000.0)),
            ("3.", json!(3.0)),
            (".5", json!(0.5)),
            ("-.5", json!("-.5")),
            ("1:30.5", json!(90.5)),
            ("2001-12-14", json!("2001-12-14")),
        ];
        for (raw, want) in cases {
            assert_eq!(resolve(raw), Some(want), "{raw}");
        }
        assert_eq!(resolve(".nan"), None);
        assert_eq!(resolve("99999999999999999999999"), None);
    }
}
