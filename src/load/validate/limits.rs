//! gameday's own range checks on the numbers of seconds an activity carries
//! (its `timeout`, its provider's `timeout`, its `pauses`), run once Chaos
//! Toolkit's checks have passed. Chaos Toolkit takes any number there and
//! crashes or waits forever on an absurd one; gameday refuses anything above
//! [`LONGEST`] at the value's own place, so no run starts with it.
//!
//! Negative values are left alone: they keep Chaos Toolkit's meaning (a
//! negative process timeout fails the activity at once). Playbook fields
//! (`every`, `timebox`, `when.duration`, `at`) go through
//! [`crate::model::duration::parse`], which applies the same limit.
use super::playbook::Problem;
use crate::model::duration::{LONGEST, within_limit};
use serde_json::{Map, Value};

/// The first number of seconds above the limit in `doc` (an experiment or
/// a playbook), at its JSON pointer.
pub fn check(doc: &Value) -> Result<(), Problem> {
    let Some(root) = doc.as_object() else { return Ok(()) };
    for (pointer, item) in activities(root) {
        activity(item, &pointer)?;
    }
    Ok(())
}

/// Every activity the document holds, with its pointer: the experiment's
/// lists, and for a playbook its safeguards, halt actions and preflight
/// checks too.
fn activities(root: &Map<String, Value>) -> Vec<(String, &Value)> {
    let mut lists: Vec<(&str, Option<&Value>)> = vec![
        ("/steady-state-hypothesis/probes", root.get("steady-state-hypothesis").and_then(|h| h.get("probes"))),
        ("/method", root.get("method")),
        ("/rollbacks", root.get("rollbacks")),
    ];
    if root.contains_key("gameday") {
        lists.push(("/safeguards", root.get("safeguards")));
        lists.push(("/on_stop", root.get("on_stop")));
        lists.push(("/preflight", root.get("preflight")));
    }
    let mut out = Vec::new();
    for (base, list) in lists {
        for (i, item) in list.and_then(Value::as_array).into_iter().flatten().enumerate() {
            out.push((format!("{base}/{i}"), item));
        }
    }
    out
}

/// One activity's numbers of seconds, and those of a probe tolerance in it.
fn activity(item: &Value, pointer: &str) -> Result<(), Problem> {
    let Some(act) = item.as_object() else { return Ok(()) };
    let name = act.get("name").and_then(Value::as_str).unwrap_or("?");
    if let Some(t) = act.get("timeout") {
        at_most_longest(t, &format!("{pointer}/timeout"), &format!("the timeout of activity '{name}'"))?;
    }
    if let Some(pauses) = act.get("pauses").and_then(Value::as_object) {
        for when in ["before", "after"] {
            if let Some(p) = pauses.get(when) {
                let what = format!("the {when} pause of activity '{name}'");
                at_most_longest(p, &format!("{pointer}/pauses/{when}"), &what)?;
            }
        }
    }
    if let Some(provider) = act.get("provider").and_then(Value::as_object)
        && let Some(t) = provider.get("timeout")
    {
        let kind = provider.get("type").and_then(Value::as_str).unwrap_or("");
        provider_timeout(kind, t, &format!("{pointer}/provider/timeout"), name)?;
    }
    match act.get("tolerance") {
        Some(tol @ Value::Object(_)) => activity(tol, &format!("{pointer}/tolerance")),
        _ => Ok(()),
    }
}

/// A provider's `timeout`: seconds, or for HTTP a `[connect, read]` pair;
/// text only where it is substituted at run time (`${name}` for HTTP, any
/// text for Prometheus, which parses it then). Chaos Toolkit aborts the run
/// on a process timeout given as text, and gameday used to ignore it.
fn provider_timeout(kind: &str, t: &Value, at: &str, name: &str) -> Result<(), Problem> {
    let what = format!("the provider timeout of activity '{name}'");
    match (kind, t) {
        (_, Value::Null | Value::Number(_)) => at_most_longest(t, at, &what),
        ("http", Value::Array(pair)) => {
            for (i, part) in pair.iter().enumerate() {
                at_most_longest(part, &format!("{at}/{i}"), &what)?;
            }
            Ok(())
        }
        ("http", Value::String(s)) if s.contains("${") => Ok(()),
        ("prometheus", Value::String(_)) => Ok(()),
        ("python", _) => Ok(()),
        (_, other) => Err(Problem {
            pointer: Some(at.to_string()),
            on_key: false,
            message: format!("{what} must be a number of seconds, not {}", super::experiment::kind(other)),
        }),
    }
}

/// A number above [`LONGEST`] is refused; anything else (text for a
/// `${name}`, negatives, wrong types) is other checks' business.
fn at_most_longest(v: &Value, pointer: &str, what: &str) -> Result<(), Problem> {
    let Some(secs) = v.as_f64() else { return Ok(()) };
    if secs <= LONGEST.as_secs_f64() {
        return Ok(());
    }
    let why = within_limit(secs, &v.to_string()).err().unwrap_or_default();
    Err(Problem { pointer: Some(pointer.to_string()), on_key: false, message: format!("{what}: {why}") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn action(extra: Value) -> Value {
        let mut a = json!({"type": "action", "name": "a", "provider": {"type": "process", "path": "true"}});
        if let (Some(a), Some(extra)) = (a.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                a.insert(k.clone(), v.clone());
            }
        }
        a
    }

    fn experiment(activity: Value) -> Value {
        json!({"title": "t", "description": "d", "method": [activity]})
    }

    #[test]
    fn a_week_is_accepted_and_more_is_refused_at_the_value() {
        assert!(check(&experiment(action(json!({"timeout": 604800})))).is_ok());
        assert!(check(&experiment(action(json!({"timeout": -1})))).is_ok(), "negatives keep their CTK meaning");
        let cases = [
            (json!({"timeout": 1e308}), "/method/0/timeout"),
            (json!({"pauses": {"after": 604801}}), "/method/0/pauses/after"),
            (json!({"provider": {"type": "process", "path": "true", "timeout": 1e20}}), "/method/0/provider/timeout"),
            (
                json!({"provider": {"type": "process", "path": "true", "timeout": "1e308"}}),
                "/method/0/provider/timeout",
            ),
            (
                json!({"provider": {"type": "http", "url": "http://x", "timeout": [1, 1e19]}}),
                "/method/0/provider/timeout/1",
            ),
        ];
        for (extra, pointer) in cases {
            let p = check(&experiment(action(extra.clone()))).err();
            assert_eq!(p.and_then(|p| p.pointer), Some(pointer.to_string()), "{extra}");
        }
    }

    #[test]
    fn playbook_lists_and_tolerance_probes_are_walked() {
        let halt = action(json!({"provider": {"type": "process", "path": "true", "timeout": 1e19}}));
        let doc = json!({"gameday": 1, "title": "t", "description": "d", "method": [], "on_stop": [halt]});
        assert_eq!(check(&doc).err().and_then(|p| p.pointer).as_deref(), Some("/on_stop/0/provider/timeout"));
        let probe = json!({"type": "probe", "name": "p", "provider": {"type": "http", "url": "http://x"},
            "tolerance": {"type": "probe", "name": "t", "provider": {"type": "process", "path": "true", "timeout": 1e9}}});
        let doc = json!({"title": "t", "description": "d", "method": [],
            "steady-state-hypothesis": {"title": "h", "probes": [probe]}});
        assert_eq!(
            check(&doc).err().and_then(|p| p.pointer).as_deref(),
            Some("/steady-state-hypothesis/probes/0/tolerance/provider/timeout")
        );
    }
}
