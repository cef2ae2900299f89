//! `${name}` / `$name` substitution as Chaos Toolkit does it with Python's
//! `string.Template.safe_substitute`, plus its typed whole-value rule.
use super::pyvalue::py_str;
use serde_json::{Map, Value};

/// What names resolve against: configuration first, then each secret scope in
/// declaration order (scope names are flattened away).
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub configuration: &'a Map<String, Value>,
    pub secrets: &'a Map<String, Value>,
}

impl<'a> Scope<'a> {
    pub fn new(configuration: &'a Map<String, Value>, secrets: &'a Map<String, Value>) -> Self {
        Self { configuration, secrets }
    }

    /// True when there is nothing to substitute with; several providers skip
    /// substitution altogether in that case.
    pub fn is_empty(&self) -> bool {
        self.configuration.is_empty() && self.secrets.is_empty()
    }

    /// Look a name up.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.configuration
            .get(name)
            .or_else(|| self.secrets.values().filter_map(Value::as_object).find_map(|scope| scope.get(name)))
    }
}

/// One placeholder found in a string: Python's Template pattern
/// `\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)\})` under
/// re.IGNORECASE with ASCII identifiers, alternatives tried in that order.
/// Scanned by hand rather than with a regex: every run substitutes, and
/// compiling the pattern cost more than the scan (time and resident code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholder<'s> {
    /// `$$`, which stands for `$`.
    Dollar,
    /// `$name`.
    Bare(&'s str),
    /// `${name}`.
    Braced(&'s str),
}

/// The next placeholder at or after byte `from`: (start, end, what).
fn next_placeholder(s: &str, from: usize) -> Option<(usize, usize, Placeholder<'_>)> {
    let b = s.as_bytes();
    let ident_len = |at: usize| -> usize {
        match b.get(at) {
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                1 + b[at + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count()
            }
            _ => 0,
        }
    };
    let mut i = from;
    while let Some(off) = b.get(i..)?.iter().position(|&c| c == b'$') {
        let at = i + off;
        match b.get(at + 1) {
            Some(b'$') => return Some((at, at + 2, Placeholder::Dollar)),
            Some(b'{') => {
                let n = ident_len(at + 2);
                if n > 0 && b.get(at + 2 + n) == Some(&b'}') {
                    return Some((at, at + 3 + n, Placeholder::Braced(&s[at + 2..at + 2 + n])));
                }
            }
            _ => {
                let n = ident_len(at + 1);
                if n > 0 {
                    return Some((at, at + 1 + n, Placeholder::Bare(&s[at + 1..at + 1 + n])));
                }
            }
        }
        i = at + 1;
    }
    None
}

/// Substitute inside a string. A string that is exactly one `${name}` with a
/// known name yields the value itself, with its type.
pub fn substitute_str(s: &str, scope: &Scope) -> Value {
    let Some(first) = next_placeholder(s, 0) else { return Value::String(s.to_string()) };
    if let (0, end, Placeholder::Braced(name)) = first
        && end == s.len()
        && let Some(v) = scope.get(name)
    {
        return v.clone();
    }
    let mut out = String::with_capacity(s.len());
    let mut done = 0;
    let mut found = Some(first);
    while let Some((start, end, what)) = found {
        out.push_str(&s[done..start]);
        match what {
            Placeholder::Dollar => out.push('$'),
            Placeholder::Bare(name) | Placeholder::Braced(name) => match scope.get(name) {
                Some(v) => out.push_str(&py_str(v)),
                None => out.push_str(&s[start..end]),
            },
        }
        done = end;
        found = next_placeholder(s, end);
    }
    out.push_str(&s[done..]);
    Value::String(out)
}

/// Substitute recursively in values (never in keys).
pub fn substitute(v: &Value, scope: &Scope) -> Value {
    match v {
        Value::String(s) if !s.is_empty() => substitute_str(s, scope),
        Value::Array(items) => Value::Array(items.iter().map(|i| substitute(i, scope)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), substitute(v, scope))).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(input: Value, expected: Value) {
        let config = json!({"n": 3, "flag": true, "lst": [1, 2]});
        let secrets = json!({"s": {"n": 99, "tok": "abc"}});
        let (Value::Object(c), Value::Object(s)) = (config, secrets) else { panic!() };
        assert_eq!(substitute(&input, &Scope::new(&c, &s)), expected);
    }

    #[test]
    fn reference_cases() {
        check(json!("${n}"), json!(3));
        check(json!("$n"), json!("3"));
        check(json!("x-${n}"), json!("x-3"));
        check(json!("${flag}"), json!(true));
        check(json!("${lst}"), json!([1, 2]));
        check(json!("${missing}"), json!("${missing}"));
        check(json!("$$n"), json!("$n"));
        check(json!("${n}${n}"), json!("33"));
        check(json!("${tok}"), json!("abc"));
        check(json!("${my-key}"), json!("${my-key}"));
        check(json!("$ 5 and $"), json!("$ 5 and $"));
        check(json!({"a": ["${n}"]}), json!({"a": [3]}));
        check(json!("${N}"), json!("${N}"));
    }

    /// The scanner against the pattern it replaces, as a regex, on strings
    /// built from the characters that matter (a fixed seed: reproducible).
    #[test]
    fn scanner_matches_the_template_regex() {
        let rx = regex::Regex::new(r"(?i-u)\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)\})").unwrap();
        let alphabet: Vec<char> = "$${}_aZ9-x é".chars().collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 12) as usize;
            let mut text = String::new();
            let mut r = seed;
            for _ in 0..len {
                text.push(alphabet[(r % alphabet.len() as u64) as usize]);
                r = r.rotate_right(7).wrapping_mul(0x2545_f491_4f6c_dd1d);
            }
            let mut from = 0;
            let mut ours = Vec::new();
            while let Some((start, end, what)) = next_placeholder(&text, from) {
                ours.push((start, end, what));
                from = end;
            }
            let theirs: Vec<_> = rx
                .captures_iter(&text)
                .map(|c| {
                    let m = c.get(0).unwrap();
                    let what = if c.get(1).is_some() {
                        Placeholder::Dollar
                    } else if let Some(n) = c.get(2) {
                        Placeholder::Bare(n.as_str())
                    } else {
                        Placeholder::Braced(c.get(3).unwrap().as_str())
                    };
                    (m.start(), m.end(), what)
                })
                .collect();
            assert_eq!(ours, theirs, "on {text:?}");
        }
    }
}
