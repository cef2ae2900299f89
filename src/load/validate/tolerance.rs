//! `ensure_hypothesis_tolerance_is_valid`: the tolerance forms of a
//! steady-state probe and their keys.
use super::activity::{self, Role};
use super::context::{Check, Ctx, fail};
use super::pyfmt::py_str;
use super::pyregex;
use crate::engine::jsonpath;
use serde_json::{Map, Value};

pub fn check(tolerance: &Value, ctx: &mut Ctx) -> Check {
    let dict = match tolerance {
        Value::Bool(_) | Value::String(_) | Value::Array(_) => return Ok(()),
        Value::Number(n) if n.is_i64() || n.is_u64() => return Ok(()),
        Value::Object(dict) => dict,
        Value::Number(_) | Value::Null => {
            return fail(
                "hypothesis probe tolerance must either be an integer, \
                 a string, a boolean or a pair of values for boundaries. \
                 It can also be a dictionary which is a probe activity \
                 definition that takes an argument called `value` with \
                 the value of the probe itself to be validated",
            );
        }
    };
    let tolerance_type = dict.get("type").unwrap_or(&Value::Null);
    match tolerance_type.as_str() {
        Some("probe") => activity::check(tolerance, Role::Tolerance, ctx),
        Some("regex") => check_regex(dict),
        Some("jsonpath") => check_json_path(dict),
        Some("range") => check_range(dict),
        _ => fail(format!("hypothesis probe tolerance type '{}' is unsupported", py_str(tolerance_type))),
    }
}

fn check_regex(dict: &Map<String, Value>) -> Check {
    let Some(pattern) = dict.get("pattern") else {
        return fail("hypothesis regex probe tolerance must have a `pattern` key");
    };
    let Some(text) = pattern.as_str() else {
        return fail(format!("hypothesis probe tolerance pattern {} has an invalid type", py_str(pattern)));
    };
    if let Err(reason) = pyregex::check(text) {
        return fail(format!("hypothesis probe tolerance pattern {text} seems invalid: {reason}"));
    }
    check_target(dict)
}

fn check_json_path(dict: &Map<String, Value>) -> Check {
    let Some(path) = dict.get("path") else {
        return fail("hypothesis jsonpath probe tolerance must have a `path` key");
    };
    let Some(path) = path.as_str() else {
        return fail(format!("hypothesis probe tolerance JSON path {} has an invalid type", py_str(path)));
    };
    let path = path.trim();
    if path.is_empty() {
        return fail("hypothesis probe tolerance JSON path cannot be empty");
    }
    if jsonpath::parse(path).is_err() {
        return fail(format!("hypothesis probe tolerance JSON path {path} is invalid"));
    }
    if let Some(count) = dict.get("count").filter(|c| !c.is_null())
        && !(count.is_i64() || count.is_u64())
    {
        return fail(format!("hypothesis probe tolerance JSON path count must be an integer, not {}", py_str(count)));
    }
    check_target(dict)
}

fn check_range(dict: &Map<String, Value>) -> Check {
    let Some(range) = dict.get("range") else {
        return fail("hypothesis range probe tolerance must have a `range` key");
    };
    let Some(range) = range.as_array() else {
        return fail("hypothesis range must be a sequence");
    };
    if range.len() != 2 {
        return fail("hypothesis range sequence must be made of two values");
    }
    // Python's `numbers.Number` includes booleans.
    let number = |v: &Value| v.is_number() || v.is_boolean();
    if !number(&range[0]) {
        return fail("hypothesis range lower boundary must be a number");
    }
    if !number(&range[1]) {
        return fail("hypothesis range upper boundary must be a number");
    }
    check_target(dict)
}

/// `target` picks a key of the probe's output: it must be a string (Chaos
/// Toolkit would crash on anything else when the tolerance is evaluated).
fn check_target(dict: &Map<String, Value>) -> Check {
    match dict.get("target") {
        None | Some(Value::Null | Value::String(_)) => Ok(()),
        Some(other) => fail(format!(
            "hypothesis probe tolerance target must be a key of the probe's output (a string), not {}",
            py_str(other)
        )),
    }
}
