//! Loading configuration and secrets as validation does: an environment
//! reference must resolve, unless a default or a runtime var covers it.
use super::context::{Check, Ctx, fail};
use super::experiment::kind;
use super::pyfmt::{py_repr, py_str};
use serde_json::{Map, Value};

/// `load_configuration`, with `--var` overrides replacing declarations.
pub fn check_configuration(exp: &Map<String, Value>, ctx: &mut Ctx) -> Check {
    let config = match exp.get("configuration") {
        None => return Ok(()),
        Some(Value::Object(c)) => c,
        Some(other) => {
            return fail(format!("the configuration must be a mapping of keys to values, not {}", kind(other)));
        }
    };
    for (key, declared) in config {
        let value = ctx.opts.vars.configuration.get(key).unwrap_or(declared);
        let Some(def) = value.as_object() else {
            continue;
        };
        if def.get("type").and_then(Value::as_str) != Some("env") {
            continue;
        }
        let Some(env_key) = def.get("key").and_then(Value::as_str) else {
            return fail(format!(
                "configuration '{key}' reads an environment variable but its `key` is missing or not a string"
            ));
        };
        let env_value = std::env::var(env_key).ok();
        if env_value.is_none() && std::env::var_os(env_key).is_none() && !def.contains_key("default") {
            return fail(format!("Configuration makes reference to an environment key that does not exist: {env_key}"));
        }
        let used = match env_value {
            Some(v) => Value::String(v),
            None => def.get("default").cloned().unwrap_or(Value::Null),
        };
        if let Some(t) = def.get("env_var_type").filter(|t| !t.is_null())
            && let Err(reason) = convertible(t, &used)
        {
            return fail(format!("configuration '{key}': {reason}"));
        }
    }
    Ok(())
}

/// Whether `chaoslib.convert_to_type(type, value)` would succeed.
fn convertible(t: &Value, value: &Value) -> Result<(), String> {
    let cannot = |what: &str| Err(format!("the value {} cannot be converted to {what}", py_repr(value)));
    match t.as_str() {
        Some("str" | "string") => Ok(()),
        Some("int" | "integer") => match value {
            Value::Number(_) | Value::Bool(_) => Ok(()),
            Value::String(s) if is_python_int(s) => Ok(()),
            _ => cannot("an integer"),
        },
        Some("float" | "number") => match value {
            Value::Number(_) | Value::Bool(_) => Ok(()),
            Value::String(s) if s.trim().replace('_', "").parse::<f64>().is_ok() => Ok(()),
            _ => cannot("a float"),
        },
        Some("bytes") => match value {
            Value::String(_) => Ok(()),
            _ => cannot("bytes"),
        },
        Some("bool") => match value {
            Value::String(_) | Value::Bool(_) => Ok(()),
            _ => cannot("a boolean"),
        },
        Some("json") => match value {
            Value::String(s) if !s.is_empty() => {
                serde_json::from_str::<Value>(s).map(|_| ()).or_else(|_| cannot("JSON"))
            }
            _ => Ok(()),
        },
        _ => Err(format!("env_var_type '{}' is not one of bool, str, int, float, bytes or json", py_str(t))),
    }
}

/// `int(s)` in Python: optional sign, digits with single underscores between.
fn is_python_int(s: &str) -> bool {
    let s = s.trim();
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_')
}

/// Deeper secret groups are refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

/// `load_secrets`: scopes given in the runtime vars replace the declared ones.
pub fn check_secrets(exp: &Map<String, Value>, ctx: &mut Ctx) -> Check {
    let secrets = match exp.get("secrets") {
        None => return Ok(()),
        Some(Value::Object(s)) => s,
        Some(other) => {
            return fail(format!("secrets must be a mapping of scopes to secrets, not {}", kind(other)));
        }
    };
    let overrides = &ctx.opts.vars.secrets;
    for (scope, value) in secrets {
        if !value.is_object() {
            // Chaos Toolkit crashes on this while looking for deprecations.
            return fail(format!("secret scope '{scope}' must be a mapping of keys to secrets, not {}", kind(value)));
        }
        if overrides.get(scope).is_some_and(|v| !v.is_null()) {
            continue;
        }
        check_secret(value, &mut vec![scope.as_str()])?;
    }
    Ok(())
}

/// One secret (or a nested group of secrets) at `path` (scope, key, ...).
fn check_secret<'a>(value: &'a Value, path: &mut Vec<&'a str>) -> Check {
    let Some(def) = value.as_object() else {
        return Ok(());
    };
    if path.len() > MAX_DEPTH {
        return fail(format!("secret '{}' is nested too deeply", path.join(".")));
    }
    match def.get("type").and_then(Value::as_str) {
        Some("env") => {
            let Some(env_key) = def.get("key").and_then(Value::as_str) else {
                return fail(format!(
                    "secret '{}' reads an environment variable but its `key` is missing or not a string",
                    path.join(".")
                ));
            };
            if std::env::var_os(env_key).is_none() {
                return fail(format!("Secrets make reference to an environment key that does not exist: {env_key}"));
            }
            Ok(())
        }
        // Read from Vault when the run starts (engine::vault).
        Some("vault") => Ok(()),
        _ => {
            for (key, inner) in def {
                path.push(key);
                let outcome = check_secret(inner, path);
                path.pop();
                outcome?;
            }
            Ok(())
        }
    }
}
