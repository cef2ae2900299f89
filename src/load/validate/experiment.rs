//! The top-level order of `ensure_experiment_is_valid`: empty, title,
//! description, tags, extensions, configuration, secrets, hypothesis, method,
//! rollbacks, deprecations, controls.
use super::activity::{self, Role};
use super::context::{Check, Ctx, fail};
use super::pyfmt::truthy;
use super::{config, controls, tolerance};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Chaos Toolkit's deprecation of mapping arguments for process providers.
const DICT_ARGS_WARNING: &str = "process arguments given as a mapping are deprecated \
     (their order is not guaranteed): write them as a list";

pub fn check(doc: &Value, ctx: &mut Ctx) -> Check {
    if !truthy(doc) {
        return fail("an empty experiment is not an experiment");
    }
    let Some(exp) = doc.as_object() else {
        return fail(format!("an experiment must be a mapping of keys to values, not {}", kind(doc)));
    };
    if !exp.get("title").is_some_and(truthy) {
        return fail("experiment requires a title");
    }
    if !exp.get("description").is_some_and(truthy) {
        return fail("experiment requires a description");
    }
    check_tags(exp)?;
    check_extensions(exp)?;
    config::check_configuration(exp, ctx)?;
    config::check_secrets(exp, ctx)?;

    let names = activity_names(exp);
    check_hypothesis(exp, &names, ctx)?;

    let method = match exp.get("method") {
        None | Some(Value::Null) => {
            return fail(
                "an experiment requires a method, \
                 which can be empty for only checking steady state hypothesis ",
            );
        }
        Some(Value::Array(items)) => items,
        Some(other) => {
            return fail(format!("the method must be a list of activities, not {}", kind(other)));
        }
    };
    for item in method {
        activity::check(item, Role::Method, ctx)?;
        check_ref(item, &names)?;
    }

    match exp.get("rollbacks") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                activity::check(item, Role::Rollback, ctx)?;
                check_ref(item, &names)?;
            }
        }
        Some(other) => {
            return fail(format!("rollbacks must be a list of activities, not {}", kind(other)));
        }
    }

    if all_activities(exp).any(has_dict_process_arguments) {
        ctx.warnings.push(DICT_ARGS_WARNING.to_string());
    }
    controls::check(exp, ctx)
}

/// A short description of a JSON value's type, for our own messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn check_tags(exp: &Map<String, Value>) -> Check {
    let Some(tags) = exp.get("tags").filter(|t| truthy(t)) else {
        return Ok(());
    };
    let Some(tags) = tags.as_array() else {
        return fail(format!("experiment tags must be a list of strings, not {}", kind(tags)));
    };
    if tags.iter().any(|t| t.as_str().is_none_or(str::is_empty)) {
        return fail("experiment tags must be a non-empty string");
    }
    Ok(())
}

fn check_extensions(exp: &Map<String, Value>) -> Check {
    let Some(extensions) = exp.get("extensions").filter(|e| truthy(e)) else {
        return Ok(());
    };
    let Some(extensions) = extensions.as_array() else {
        return fail(format!("extensions must be a list of mappings, not {}", kind(extensions)));
    };
    for ext in extensions {
        let Some(ext) = ext.as_object() else {
            return fail(format!("each extension must be a mapping with a name, not {}", kind(ext)));
        };
        let named = ext.get("name").and_then(Value::as_str).is_some_and(|n| !n.trim().is_empty());
        if !named {
            return fail("All extensions require a non-empty name");
        }
    }
    Ok(())
}

fn check_hypothesis(exp: &Map<String, Value>, names: &HashSet<String>, ctx: &mut Ctx) -> Check {
    let hypo = match exp.get("steady-state-hypothesis") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(h)) => h,
        Some(other) => {
            return fail(format!(
                "the steady-state-hypothesis must be a mapping with a title and probes, not {}",
                kind(other)
            ));
        }
    };
    if !hypo.get("title").is_some_and(truthy) {
        return fail("hypothesis requires a title");
    }
    let Some(probes) = hypo.get("probes").filter(|p| truthy(p)) else {
        return Ok(());
    };
    let Some(probes) = probes.as_array() else {
        return fail(format!("the hypothesis probes must be a list of activities, not {}", kind(probes)));
    };
    for probe in probes {
        activity::check(probe, Role::HypothesisProbe, ctx)?;
        // A human step has no output to hold against a tolerance.
        if activity::is_manual(probe) {
            if let Some(tol) = probe.get("tolerance") {
                tolerance::check(tol, ctx)?;
            }
        } else {
            let Some(tol) = probe.get("tolerance") else {
                return fail("hypothesis probe must have a tolerance entry");
            };
            tolerance::check(tol, ctx)?;
        }
        check_ref(probe, names)?;
    }
    Ok(())
}

/// Chaos Toolkit's activity cache: names from the method, then from the
/// hypothesis probes. Only string names can match a (string) reference.
fn activity_names(exp: &Map<String, Value>) -> HashSet<String> {
    let method = exp.get("method").and_then(Value::as_array);
    let probes = exp.get("steady-state-hypothesis").and_then(|h| h.get("probes")).and_then(Value::as_array);
    method
        .into_iter()
        .chain(probes)
        .flatten()
        .filter_map(|a| a.get("name").and_then(Value::as_str))
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// A `ref` must name an activity of the method or the hypothesis.
fn check_ref(item: &Value, names: &HashSet<String>) -> Check {
    if let Some(r) = item.get("ref").and_then(Value::as_str)
        && !r.is_empty()
        && !names.contains(r)
    {
        return fail(format!("referenced activity '{r}' could not be found in the experiment"));
    }
    Ok(())
}

/// Hypothesis probes, method and rollback activities, in that order.
pub fn all_activities(exp: &Map<String, Value>) -> impl Iterator<Item = &Value> {
    let hypo = exp.get("steady-state-hypothesis").and_then(|h| h.get("probes")).and_then(Value::as_array);
    let method = exp.get("method").and_then(Value::as_array);
    let rollbacks = exp.get("rollbacks").and_then(Value::as_array);
    hypo.into_iter().chain(method).chain(rollbacks).flatten()
}

fn has_dict_process_arguments(activity: &Value) -> bool {
    activity.get("provider").is_some_and(|p| {
        p.get("type").and_then(Value::as_str) == Some("process") && p.get("arguments").is_some_and(Value::is_object)
    })
}
