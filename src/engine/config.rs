//! Configuration, secrets and run-time variables, resolved as Chaos Toolkit
//! resolves them (env lookups, defaults, type conversion, var overrides).
use super::vault::VaultRef;
use crate::model::RuntimeVars;
use serde_json::{Map, Value};
use std::path::Path;

/// Why configuration or secrets could not be resolved. The messages are
/// Chaos Toolkit's own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Convert a string as `--var key:type=value` and `env_var_type` do.
pub fn convert_to_type(kind: Option<&str>, raw: &Value) -> Result<Value, ConfigError> {
    let text = match raw {
        Value::String(s) => s.clone(),
        // A non-string default: only bool/json pass it through untouched.
        other => match kind {
            Some("bool") | Some("json") | None | Some("str") | Some("string") => {
                return Ok(other.clone());
            }
            _ => crate::engine::pyvalue::py_str(other),
        },
    };
    let bad = || ConfigError(format!("var cannot convert value to required type: {text}"));
    match kind {
        None | Some("str") | Some("string") | Some("bytes") => Ok(Value::String(text)),
        Some("int") | Some("integer") => text.trim().parse::<i64>().map(Value::from).map_err(|_| bad()),
        Some("float") | Some("number") => {
            text.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number).ok_or_else(bad)
        }
        Some("bool") => Ok(Value::Bool(!matches!(text.to_lowercase().as_str(), "false" | "0" | "no"))),
        Some("json") => {
            if text.is_empty() {
                Ok(Value::String(text))
            } else {
                serde_json::from_str(&text).map_err(|_| bad())
            }
        }
        Some(_) => Err(ConfigError("variable type can only be: bool, str, int, float, bytes or json".into())),
    }
}

/// Parse one `--var key[:type]=value`.
pub fn parse_var(spec: &str) -> Result<(String, Value), ConfigError> {
    let Some((key, value)) = spec.split_once('=') else {
        return Err(ConfigError("var needs to be in the format name[:type]=value".into()));
    };
    match key.rsplit_once(':') {
        Some((k, kind)) => Ok((k.to_string(), convert_to_type(Some(kind), &Value::String(value.into()))?)),
        None => Ok((key.to_string(), Value::String(value.into()))),
    }
}

/// Read `--var-file` files in order: JSON/YAML files give configuration and
/// secrets; any other file is a `.env` file whose lines go into the process
/// environment (as Chaos Toolkit does, so env-based configuration sees them).
pub fn load_var_files(files: &[String], vars: &mut RuntimeVars) -> Result<(), ConfigError> {
    for file in files {
        let path = Path::new(file);
        let content =
            std::fs::read_to_string(path).map_err(|e| ConfigError(format!("Cannot read var file '{file}': {e}")))?;
        if content.trim().is_empty() {
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let data: Option<Value> = match ext {
            "json" => Some(
                serde_json::from_str(&content)
                    .map_err(|e| ConfigError(format!("Failed to parse variable file '{file}': {e}")))?,
            ),
            "yaml" | "yml" => Some(
                crate::load::parse_document(file, content.as_bytes(), crate::load::Format::Yaml)
                    .map_err(|e| ConfigError(format!("Failed to parse variable file '{file}': {e}")))?,
            ),
            _ => None,
        };
        match data {
            Some(Value::Object(map)) => {
                if let Some(Value::Object(c)) = map.get("configuration") {
                    vars.configuration.extend(c.clone());
                }
                if let Some(Value::Object(s)) = map.get("secrets") {
                    vars.secrets.extend(s.clone());
                }
            }
            Some(_) => {
                return Err(ConfigError(format!(
                    "variable file '{file}' must hold a mapping with `configuration` and/or `secrets`"
                )));
            }
            None => {
                for line in content.lines() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    let Some((k, v)) = line.split_once('=') else {
                        return Err(ConfigError(format!("line '{line}' of var file '{file}' is not KEY=VALUE")));
                    };
                    // SAFETY: set before any thread of ours reads the environment
                    // concurrently (called from the CLI before the run starts).
                    unsafe { std::env::set_var(k, v) };
                }
            }
        }
    }
    Ok(())
}

fn env_lookup(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// Resolve the experiment's `configuration` block (static part; dynamic
/// probe entries are left for the engine to run).
pub fn load_configuration(declared: Option<&Value>, vars: &RuntimeVars) -> Result<Map<String, Value>, ConfigError> {
    let mut out = Map::new();
    let Some(Value::Object(declared)) = declared else {
        return Ok(out);
    };
    let mut extra = vars.configuration.clone();
    for (key, value) in declared {
        let value = extra.remove(key).unwrap_or_else(|| value.clone());
        match &value {
            Value::Object(def) if def.get("type").and_then(Value::as_str) == Some("env") => {
                let env_key = def.get("key").map(crate::engine::pyvalue::py_str).unwrap_or_default();
                let found = env_lookup(&env_key);
                if found.is_none() && !def.contains_key("default") {
                    return Err(ConfigError(format!(
                        "Configuration makes reference to an environment key that does not exist: {env_key}"
                    )));
                }
                let raw = match found {
                    Some(s) => Value::String(s),
                    None => def.get("default").cloned().unwrap_or(Value::Null),
                };
                let kind = def.get("env_var_type").and_then(Value::as_str);
                out.insert(key.clone(), convert_to_type(kind, &raw)?);
            }
            _ => {
                out.insert(key.clone(), value);
            }
        }
    }
    Ok(out)
}

/// Resolve the `secrets` block. Var-file scopes replace whole scopes. Vault
/// secrets are left empty here and listed, for [`super::vault::read`].
pub fn load_secrets(
    declared: Option<&Value>,
    vars: &RuntimeVars,
) -> Result<(Map<String, Value>, Vec<VaultRef>), ConfigError> {
    let mut out = Map::new();
    let mut vault = Vec::new();
    let Some(Value::Object(declared)) = declared else {
        return Ok((out, vault));
    };
    for (scope, keys) in declared {
        if let Some(given) = vars.secrets.get(scope) {
            out.insert(scope.clone(), given.clone());
            continue;
        }
        let mut path = vec![scope.clone()];
        out.insert(scope.clone(), resolve_secret(keys, &mut path, &mut vault)?);
    }
    Ok((out, vault))
}

/// One declared secret value, as chaoslib's `load_secrets` walks them: an
/// `env` or `vault` reference, a mapping of more, or the value itself.
fn resolve_secret(value: &Value, path: &mut Vec<String>, vault: &mut Vec<VaultRef>) -> Result<Value, ConfigError> {
    let Value::Object(def) = value else { return Ok(value.clone()) };
    match def.get("type").and_then(Value::as_str) {
        Some("env") => {
            let env_key = def.get("key").map(crate::engine::pyvalue::py_str).unwrap_or_default();
            match env_lookup(&env_key) {
                Some(v) => Ok(Value::String(v)),
                None => Err(ConfigError(format!(
                    "Secrets make reference to an environment key that does not exist: {env_key}"
                ))),
            }
        }
        Some("vault") => {
            vault.push(VaultRef { path: path.clone(), declaration: def.clone() });
            Ok(Value::Object(Map::new()))
        }
        _ => {
            let mut out = Map::new();
            for (key, inner) in def {
                path.push(key.clone());
                let resolved = resolve_secret(inner, path, vault);
                path.pop();
                out.insert(key.clone(), resolved?);
            }
            Ok(Value::Object(out))
        }
    }
}

/// Every string value of the resolved secrets, for masking output. Short
/// values are skipped: masking "1" everywhere would destroy every output.
pub fn secret_values(secrets: &Map<String, Value>) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m.values().for_each(|x| walk(x, out)),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Null | Value::Bool(_) => {}
            other => {
                let s = crate::engine::pyvalue::py_str(other);
                if s.len() >= 4 {
                    out.push(s);
                }
            }
        }
    }
    let mut out = Vec::new();
    secrets.values().for_each(|v| walk(v, &mut out));
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn var_types() {
        assert_eq!(parse_var("a:int=3").unwrap(), ("a".into(), json!(3)));
        assert_eq!(parse_var("a:bool=No").unwrap(), ("a".into(), json!(false)));
        assert_eq!(parse_var("a:json=[1]").unwrap(), ("a".into(), json!([1])));
        assert_eq!(parse_var("a=x=y").unwrap(), ("a".into(), json!("x=y")));
        assert!(parse_var("novalue").is_err());
        assert!(parse_var("a:int=x").is_err());
    }

    #[test]
    fn env_default_and_type() {
        let decl =
            json!({"p": {"type": "env", "key": "GAMEDAY_TEST_UNSET_P", "default": "7", "env_var_type": "int"}, "q": 1});
        let conf = load_configuration(Some(&decl), &RuntimeVars::default()).unwrap();
        assert_eq!(conf.get("p"), Some(&json!(7)));
        let missing = json!({"p": {"type": "env", "key": "GAMEDAY_TEST_UNSET_P"}});
        let err = load_configuration(Some(&missing), &RuntimeVars::default()).unwrap_err();
        assert_eq!(
            err.0,
            "Configuration makes reference to an environment key that does not exist: GAMEDAY_TEST_UNSET_P"
        );
        let mut vars = RuntimeVars::default();
        vars.configuration.insert("p".into(), json!("over"));
        let conf = load_configuration(Some(&missing), &vars).unwrap();
        assert_eq!(conf.get("p"), Some(&json!("over")));
    }
}
