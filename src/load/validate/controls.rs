//! `validate_controls`: every control declared at the top level, in the
//! hypothesis and on activities. A python control whose module cannot be
//! imported is only a warning: controls are optional.
use super::context::{Check, Ctx, fail};
use super::experiment::{all_activities, kind};
use super::pyfmt::{py_str, truthy};
use crate::load::python_inspect::{Answer, Query};
use serde_json::{Map, Value};

pub fn check(exp: &Map<String, Value>, ctx: &mut Ctx) -> Check {
    let mut declared: Vec<&Value> = Vec::new();
    collect(exp.get("controls"), "the experiment", &mut declared)?;
    if let Some(hypo) = exp.get("steady-state-hypothesis") {
        collect(hypo.get("controls"), "the steady-state-hypothesis", &mut declared)?;
    }
    for activity in all_activities(exp) {
        collect(activity.get("controls"), "an activity", &mut declared)?;
    }
    let mut controls: Vec<&Map<String, Value>> = Vec::with_capacity(declared.len());
    for c in declared {
        let Some(c) = c.as_object() else {
            return fail(format!("a control must be a mapping with a name and a provider, not {}", kind(c)));
        };
        controls.push(c);
    }

    let references: Vec<&Value> =
        controls.iter().filter(|c| !c.contains_key("ref")).filter_map(|c| c.get("name")).collect();
    for c in controls {
        if let Some(r) = c.get("ref")
            && !references.contains(&r)
        {
            // The `{}` is literally in Chaos Toolkit's message.
            return fail("Control reference '{}' declaration cannot be found");
        }
        let Some(name) = c.get("name") else {
            return fail("A control must have a `name` property");
        };
        let name = py_str(name);
        let Some(provider) = c.get("provider") else {
            return fail(format!("Control '{name}' must have a `provider` property"));
        };
        if let Some(scope) = c.get("scope").filter(|s| truthy(s))
            && !matches!(scope.as_str(), Some("before" | "after"))
        {
            return fail(format!("Control '{name}' scope property must be 'before' or 'after' only"));
        }
        let Some(provider) = provider.as_object() else {
            return fail(format!("Control '{name}' provider must be a mapping, not {}", kind(provider)));
        };
        if provider.get("type").and_then(Value::as_str) == Some("python") {
            check_python(c, provider, &name, ctx)?;
        }
    }
    Ok(())
}

/// Only the shape that running needs: every `controls` key a list. Checked
/// even under `--no-validation`, where Chaos Toolkit crashes on a mapping
/// with a traceback and gameday would otherwise ignore the controls.
pub fn shape(exp: &Map<String, Value>) -> Result<(), String> {
    let mut declared: Vec<&Value> = Vec::new();
    let mut all = || -> Check {
        collect(exp.get("controls"), "the experiment", &mut declared)?;
        if let Some(hypo) = exp.get("steady-state-hypothesis") {
            collect(hypo.get("controls"), "the steady-state-hypothesis", &mut declared)?;
        }
        for activity in all_activities(exp) {
            collect(activity.get("controls"), "an activity", &mut declared)?;
        }
        Ok(())
    };
    all().map_err(|e| e.message)
}

/// Add the controls of one place; they must come as a list.
fn collect<'a>(controls: Option<&'a Value>, place: &str, into: &mut Vec<&'a Value>) -> Check {
    match controls {
        None => Ok(()),
        Some(Value::Array(items)) => {
            into.extend(items);
            Ok(())
        }
        Some(other) => fail(format!("the controls of {place} must be a list, not {}", kind(other))),
    }
}

fn check_python(control: &Map<String, Value>, provider: &Map<String, Value>, name: &str, ctx: &mut Ctx) -> Check {
    let Some(module) = provider.get("module").filter(|m| truthy(m)) else {
        return fail(format!("Control '{name}' must have a module path"));
    };
    let Some(module) = module.as_str() else {
        return fail(format!("Control '{name}' module path must be a string"));
    };
    let query = Query::Control { module: module.to_string(), control: Value::Object(control.clone()).to_string() };
    match ctx.ask(query) {
        None => Ok(()),
        Some(Answer::Missing) => {
            ctx.warnings.push(format!(
                "Could not find Python module '{module}' in control '{name}'. \
                 Did you install the Python module? The experiment will carry \
                 on running nonetheless."
            ));
            Ok(())
        }
        Some(Answer::Failed { error }) => {
            fail(format!("Control '{name}': importing Python module '{module}' failed: {error}"))
        }
        Some(Answer::Ok(found)) => match found.raised {
            None => Ok(()),
            Some(raised) if raised.chaos => fail(raised.message),
            Some(raised) => {
                fail(format!("Control '{name}' failed to validate itself: {}: {}", raised.kind, raised.message))
            }
        },
    }
}
