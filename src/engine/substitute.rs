//! `${name}` / `$name` substitution as Chaos Toolkit does it with Python's
//! `string.Template.safe_substitute`, plus its typed whole-value rule.
use super::pyvalue::py_str;
use serde_json::{Map, Value};
use std::sync::LazyLock;

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

// Python's Template pattern with re.IGNORECASE and an ASCII identifier.
static PATTERN: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i-u)\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)\})")
        .unwrap_or_else(|_| unreachable!("the pattern is a constant"))
});

/// Substitute inside a string. A string that is exactly one `${name}` with a
/// known name yields the value itself, with its type.
pub fn substitute_str(s: &str, scope: &Scope) -> Value {
    if let Some(c) = PATTERN.captures(s)
        && c.get(0).is_some_and(|m| m.start() == 0 && m.end() == s.len())
        && let Some(name) = c.get(3)
        && let Some(v) = scope.get(name.as_str())
    {
        return v.clone();
    }
    let out = PATTERN.replace_all(s, |c: &regex::Captures| {
        if c.get(1).is_some() {
            return "$".to_string();
        }
        let name = c.get(2).or_else(|| c.get(3)).map_or("", |m| m.as_str());
        match scope.get(name) {
            Some(v) => py_str(v),
            None => c.get(0).map_or(String::new(), |m| m.as_str().to_string()),
        }
    });
    Value::String(out.into_owned())
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
}
