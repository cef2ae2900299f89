//! Turn activities and journal entries into report [`Step`]s: what a step
//! calls, its tolerance, its outcome and the decision taken on it.
use super::model::Step;
use super::text::{concise, exception, excerpt, one_line, plain, truncate};
use serde_json::Value;

/// Longest provider description, in characters.
const PROVIDER_LIMIT: usize = 200;

/// What an activity calls, in one line.
pub fn provider(activity: &Value) -> Option<String> {
    if activity.get("type").and_then(Value::as_str) == Some("manual") {
        let instr = activity.get("instructions").map(plain).unwrap_or_default();
        let expect = activity.get("expect").map(plain).unwrap_or_default();
        let mut s = format!("manual: {}", one_line(&instr));
        if !expect.is_empty() {
            s.push_str(&format!(" (expected: {})", one_line(&expect)));
        }
        return Some(truncate(&s, PROVIDER_LIMIT));
    }
    let p = activity.get("provider")?;
    let kind = p.get("type").and_then(Value::as_str).unwrap_or("?");
    let args = p.get("arguments");
    let s = match kind {
        "http" => {
            let method = p.get("method").and_then(Value::as_str).unwrap_or("GET").to_uppercase();
            let url = p.get("url").map(plain).unwrap_or_default();
            format!("http: {method} {url}")
        }
        "process" => {
            let path = p.get("path").map(plain).unwrap_or_default();
            let a = match args {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(a)) => a.iter().map(plain).collect::<Vec<_>>().join(" "),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            format!("process: {path} {a}")
        }
        "python" => {
            let module = p.get("module").map(plain).unwrap_or_default();
            let func = p.get("func").map(plain).unwrap_or_default();
            let a = args.filter(|a| !a.is_null()).map(|a| format!(" {a}")).unwrap_or_default();
            format!("python: {module}.{func}{a}")
        }
        other => format!("{other}: {}", serde_json::to_string(p).unwrap_or_default()),
    };
    Some(truncate(one_line(&s).trim(), PROVIDER_LIMIT))
}

/// A tolerance in one line.
pub fn tolerance(activity: &Value) -> Option<String> {
    let t = activity.get("tolerance")?;
    Some(concise(t))
}

/// Which step it is and where it goes.
pub struct Slot<'a> {
    pub anchor: String,
    pub phase: &'a str,
    pub number: usize,
    pub t: Option<f64>,
}

/// A journal entry (`{activity, output, status, exception, …}`) as a step.
pub fn step(entry: &Value, slot: Slot<'_>) -> Step {
    let activity = entry.get("activity").cloned().unwrap_or(Value::Null);
    let gd = entry.get("gameday");
    let decision = gd.and_then(|g| g.get("decision")).and_then(Value::as_str).map(str::to_string);
    let decided_by = gd.and_then(|g| g.get("who")).and_then(Value::as_str).map(str::to_string);
    let reason = gd
        .and_then(|g| g.get("reason").or_else(|| g.get("note")))
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let status = match (decision.as_deref(), entry.get("status").and_then(Value::as_str)) {
        (Some("skip"), _) => "skipped".to_string(),
        (_, Some(s)) => s.to_string(),
        (_, None) => "interrupted".to_string(),
    };
    let output = entry.get("output").unwrap_or(&Value::Null);
    Step {
        anchor: slot.anchor,
        phase: slot.phase.to_string(),
        number: slot.number,
        name: activity.get("name").map(plain).unwrap_or_default(),
        kind: activity.get("type").map(plain).unwrap_or_default(),
        provider: provider(&activity),
        tolerance: tolerance(&activity),
        status,
        tolerance_met: entry.get("tolerance_met").and_then(Value::as_bool),
        start: entry.get("start").and_then(Value::as_str).map(str::to_string),
        t: slot.t,
        duration: entry.get("duration").and_then(Value::as_f64),
        value: entry.get("output").map(concise),
        output: excerpt(output),
        exception: entry.get("exception").and_then(Value::as_array).and_then(|a| exception(a)),
        decision,
        decided_by,
        reason,
        hidden: false,
    }
}

/// The participant version of a step: only its place and outcome remain.
pub fn hide(step: &mut Step) {
    step.name = super::HIDDEN.into();
    step.provider = Some(super::HIDDEN.into());
    step.tolerance = None;
    step.value = None;
    step.output = None;
    step.exception = step.exception.as_ref().map(|_| super::HIDDEN.into());
    step.reason = step.reason.as_ref().map(|_| super::HIDDEN.into());
    step.hidden = true;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn providers_in_one_line() {
        let a = json!({"type": "action", "provider": {"type": "http", "method": "post", "url": "http://x/y"}});
        assert_eq!(provider(&a).unwrap(), "http: POST http://x/y");
        let a = json!({"provider": {"type": "process", "path": "ls", "arguments": ["-l", "/tmp"]}});
        assert_eq!(provider(&a).unwrap(), "process: ls -l /tmp");
        let a =
            json!({"provider": {"type": "python", "module": "os.path", "func": "exists", "arguments": {"path": "/"}}});
        assert_eq!(provider(&a).unwrap(), "python: os.path.exists {\"path\":\"/\"}");
    }

    #[test]
    fn skip_is_a_decision_not_a_success() {
        let e = json!({"activity": {"name": "x", "type": "action"}, "output": null, "status": "succeeded",
            "gameday": {"decision": "skip", "who": "alex", "reason": "too risky"}});
        let s = step(&e, Slot { anchor: "method-1".into(), phase: "method", number: 1, t: None });
        assert_eq!(s.status, "skipped");
        assert_eq!(s.reason.as_deref(), Some("too risky"));
        assert_eq!(s.decided_by.as_deref(), Some("alex"));
    }
}
