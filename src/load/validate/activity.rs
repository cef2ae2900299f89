//! One activity (`ensure_activity_is_valid`) and its provider's checks.
use super::context::{Check, Ctx, fail};
use super::experiment::kind;
use super::pyfmt::{py_str, short, truthy};
use crate::load::python_inspect::{Answer, Bind, Query};
use serde_json::{Map, Value};
use std::ffi::CString;
use std::path::{Path, PathBuf};

/// Where the activity sits; it changes a few of our own checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    HypothesisProbe,
    Method,
    Rollback,
    /// A `{"type": "probe", ...}` tolerance: the probe's output is passed to
    /// it as the `value` argument at run time.
    Tolerance,
}

/// A Game Day human step (`type: manual`).
pub fn is_manual(activity: &Value) -> bool {
    activity.get("type").and_then(Value::as_str) == Some("manual")
}

pub fn check(activity: &Value, role: Role, ctx: &mut Ctx) -> Check {
    if !truthy(activity) {
        return fail("empty activity is no activity");
    }
    let Some(act) = activity.as_object() else {
        return fail(format!(
            "an activity must be a mapping with a type, a name and a provider, not {}: {}",
            kind(activity),
            short(activity, 60)
        ));
    };

    if let Some(r) = act.get("ref").filter(|r| !r.is_null()) {
        if r.as_str().is_none_or(str::is_empty) {
            return fail("reference to activity must be non-empty strings");
        }
        if role == Role::Tolerance {
            return fail(format!("a probe tolerance cannot be a reference ('{}'): write the probe in full", py_str(r)));
        }
        return Ok(());
    }

    let Some(activity_type) = act.get("type").filter(|t| truthy(t)) else {
        return fail("an activity must have a type");
    };
    let manual = activity_type.as_str() == Some("manual");
    if !manual && !matches!(activity_type.as_str(), Some("probe" | "action")) {
        return fail(format!("'{}' is not a supported activity type", py_str(activity_type)));
    }
    let Some(name) = act.get("name").filter(|n| truthy(n)) else {
        return fail("an activity must have a name");
    };
    let name = py_str(name);

    if manual {
        if let Some(instructions) = act.get("instructions")
            && !instructions.is_string()
        {
            return fail(format!(
                "the instructions of manual activity '{name}' must be text, not {}",
                kind(instructions)
            ));
        }
        return check_common(act, &name);
    }

    let Some(provider) = act.get("provider").filter(|p| truthy(p)) else {
        return fail("an activity requires a provider");
    };
    let Some(provider) = provider.as_object() else {
        return fail(format!("the provider of activity '{name}' must be a mapping, not {}", kind(provider)));
    };
    let Some(provider_type) = provider.get("type").filter(|t| truthy(t)) else {
        return fail("a provider must have a type");
    };
    let provider_type = match provider_type.as_str() {
        Some(t @ ("python" | "process" | "http" | "prometheus")) => t,
        _ => {
            return fail(format!("unknown provider type '{}'", py_str(provider_type)));
        }
    };
    check_common(act, &name)?;

    match provider_type {
        "python" => check_python(act, provider, &name, ctx)?,
        "process" => check_process(provider, &name)?,
        "prometheus" => {
            if let Err(m) = crate::providers::prometheus::validate(provider, &name) {
                return fail(m);
            }
        }
        _ => check_http(provider, &name)?,
    }

    if role == Role::Tolerance && !provider.get("arguments").is_some_and(Value::is_object) {
        return fail(format!(
            "the probe tolerance '{name}' needs a provider `arguments` mapping: \
             the probe's output is passed in it as `value`"
        ));
    }
    Ok(())
}

/// Timeout, pauses and background, which every kind of activity may have.
fn check_common(act: &Map<String, Value>, name: &str) -> Check {
    if let Some(timeout) = act.get("timeout").filter(|t| !t.is_null())
        && !(timeout.is_number() || timeout.is_boolean())
    {
        return fail("activity timeout must be a number");
    }
    if let Some(pauses) = act.get("pauses").filter(|p| !p.is_null()) {
        let Some(pauses) = pauses.as_object() else {
            return fail(format!(
                "the pauses of activity '{name}' must be a mapping with `before` and/or `after`, not {}",
                kind(pauses)
            ));
        };
        for when in ["before", "after"] {
            if let Some(pause) = pauses.get(when).filter(|p| !p.is_null())
                && !pause_is_valid(pause)
            {
                return fail(format!(
                    "activity {when} pause must be a number or a pattern \
                     to a variable from the configuration or secrets"
                ));
            }
        }
    }
    if let Some(background) = act.get("background")
        && !background.is_boolean()
    {
        return fail("activity background must be a boolean");
    }
    Ok(())
}

/// Seconds, or a `${name}` to substitute at run time.
fn pause_is_valid(pause: &Value) -> bool {
    match pause {
        Value::Number(_) => true,
        Value::String(s) => s.starts_with("${") && s.ends_with('}'),
        _ => false,
    }
}

fn check_python(act: &Map<String, Value>, provider: &Map<String, Value>, name: &str, ctx: &mut Ctx) -> Check {
    let Some(module) = provider.get("module").filter(|m| truthy(m)) else {
        return fail("a Python activity must have a module path");
    };
    let Some(func) = provider.get("func").filter(|f| truthy(f)) else {
        return fail("a Python activity must have a function name");
    };
    let (Some(module), Some(func)) = (module.as_str(), func.as_str()) else {
        return fail(format!("the module and function of python activity '{name}' must be strings"));
    };
    // A tolerance probe is bound as written too: chaos adds `value` only
    // when it runs the probe, so validation neither needs nor allows it.
    let args: Vec<String> = match provider.get("arguments") {
        None => Vec::new(),
        Some(Value::Object(args)) => args.keys().cloned().collect(),
        Some(other) => {
            return fail(format!(
                "the arguments of python activity '{name}' must be a mapping of names to values, not {}",
                kind(other)
            ));
        }
    };
    let query = Query::Activity { module: module.to_string(), func: func.to_string(), args };
    let found = match ctx.ask(query) {
        None => return Ok(()),
        Some(Answer::Missing) => {
            return fail(format!("could not find Python module '{module}' in activity '{name}'"));
        }
        Some(Answer::Failed { error }) => {
            return fail(format!("importing Python module '{module}' for activity '{name}' failed: {error}"));
        }
        Some(Answer::Ok(found)) => found,
    };
    if !found.found {
        let activity_type = act.get("type").map(py_str).unwrap_or_default();
        return fail(format!(
            "The python module '{module}' does not expose a function called \
             '{func}' in {activity_type} '{name}'"
        ));
    }
    match found.bind {
        Some(Bind::Missing { arg }) => fail(format!("required argument {arg} is missing from activity '{func}'")),
        Some(Bind::Unexpected { arg }) => {
            fail(format!("argument {arg} is not part of the function signature in activity '{func}'"))
        }
        Some(Bind::Error { error }) => {
            fail(format!("the arguments of activity '{name}' do not fit the signature of '{func}': {error}"))
        }
        Some(Bind::Ok | Bind::NoSignature) | None => Ok(()),
    }
}

fn check_process(provider: &Map<String, Value>, name: &str) -> Check {
    let Some(raw) = provider.get("path").filter(|p| truthy(p)) else {
        return fail("a process activity must have a path");
    };
    let Some(raw) = raw.as_str() else {
        return fail(format!("the path of process activity '{name}' must be a string, not {}", kind(raw)));
    };
    let Some(resolved) = which(raw) else {
        return fail(format!("path '{raw}' cannot be found, in activity '{name}'"));
    };
    if !executable(&resolved) {
        return fail(format!("no access permission to '{raw}', in activity '{name}'"));
    }
    match provider.get("arguments") {
        None | Some(Value::Null | Value::String(_) | Value::Array(_) | Value::Object(_)) => Ok(()),
        Some(other) => fail(format!(
            "the arguments of process activity '{name}' must be a list or a command-line string, not {}",
            kind(other)
        )),
    }
}

fn check_http(provider: &Map<String, Value>, name: &str) -> Check {
    let Some(url) = provider.get("url").filter(|u| truthy(u)) else {
        return fail("a HTTP activity must have a URL");
    };
    if !url.is_string() {
        return fail(format!("the URL of HTTP activity '{name}' must be a string, not {}", kind(url)));
    }
    if let Some(headers) = provider.get("headers").filter(|h| truthy(h))
        && !headers.is_object()
    {
        return fail("a HTTP activities expect headers as a mapping");
    }
    Ok(())
}

/// Python's `shutil.which`: a name with a slash is checked as is; otherwise
/// each `PATH` entry is tried (an empty entry means the current directory).
/// `~` is not expanded, as in Chaos Toolkit's validation.
pub fn which(cmd: &str) -> Option<PathBuf> {
    if cmd.contains('/') {
        let p = PathBuf::from(cmd);
        return access_check(&p).then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/bin:/usr/bin".into());
    if path.is_empty() {
        return None;
    }
    std::env::split_paths(&path).map(|dir| dir.join(cmd)).find(|candidate| access_check(candidate))
}

/// Exists, is executable, and is not a directory.
fn access_check(p: &Path) -> bool {
    p.exists() && executable(p) && !p.is_dir()
}

/// `os.access(p, os.X_OK)`.
fn executable(p: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = CString::new(p.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    unsafe { libc::access(c.as_ptr(), libc::X_OK) == 0 }
}
