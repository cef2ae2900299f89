//! Which controls exist and which apply where: a line-by-line port of
//! chaoslib's `get_controls` and `get_context_controls`, including their
//! quirks (a top-level control can be inserted several times), because the
//! hook order users see in `chaos run` comes straight out of them.
use super::Level;
use crate::engine::pyvalue::{py_eq, py_truthy};
use serde_json::Value;

fn list(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// Python `c.get("automatic", True)`, as a truth value.
fn automatic(c: &Value) -> bool {
    c.get("automatic").is_none_or(py_truthy)
}

/// Python `a.get(k) == b.get(k)` (two missing keys are equal).
fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => py_eq(x, y),
        (Some(x), None) | (None, Some(x)) => x.is_null(),
    }
}

/// Every control declaration, in chaoslib's order: top level, the steady-state
/// hypothesis, then each activity's (hypothesis probes, method, rollbacks).
pub fn all_controls(experiment: &Value) -> Vec<Value> {
    let ssh = experiment.get("steady-state-hypothesis");
    let activities = list(ssh.and_then(|h| h.get("probes")))
        .iter()
        .chain(list(experiment.get("method")))
        .chain(list(experiment.get("rollbacks")));
    list(experiment.get("controls"))
        .iter()
        .chain(list(ssh.and_then(|h| h.get("controls"))))
        .chain(activities.flat_map(|a| list(a.get("controls"))))
        .cloned()
        .collect()
}

/// The controls that apply at `level` for `context` (the experiment for the
/// experiment, method and rollback levels; the hypothesis block; the activity).
/// `globals` (settings and control files) come first, as in chaoslib, with
/// its quirk: when the experiment declares top-level controls, the method
/// and rollback levels get only those, not the global ones.
pub fn context_controls(level: Level, globals: &[Value], experiment: &Value, context: &Value) -> Vec<Value> {
    let top = list(experiment.get("controls"));
    let mut controls: Vec<Value> = globals.to_vec();
    controls.extend(list(context.get("controls")).iter().cloned());
    if top.is_empty() {
        return controls;
    }
    if controls.is_empty() || matches!(level, Level::Method | Level::Rollback) {
        return top.iter().filter(|c| automatic(c)).cloned().collect();
    }
    for c in controls.clone() {
        if let Some(r) = c.get("ref") {
            if let Some(t) = top.iter().find(|t| same(Some(r), t.get("name"))) {
                controls.push(t.clone());
            }
        } else {
            for t in top.iter().rev() {
                if same(c.get("name"), t.get("name")) {
                    continue;
                }
                if level != Level::Experiment && automatic(t) {
                    controls.insert(0, t.clone());
                }
            }
        }
    }
    controls
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(v: &[Value]) -> Vec<String> {
        v.iter().map(|c| c.get("name").and_then(Value::as_str).unwrap_or("?").to_string()).collect()
    }

    fn ctl(name: &str) -> Value {
        json!({"name": name, "provider": {"type": "python", "module": "m"}})
    }

    #[test]
    fn experiment_level_takes_every_top_level_control() {
        let exp = json!({"controls": [ctl("a"), {"name": "b", "automatic": false}]});
        assert_eq!(names(&context_controls(Level::Experiment, &[], &exp, &exp)), ["a", "b"]);
        assert_eq!(names(&context_controls(Level::Method, &[], &exp, &exp)), ["a"]);
        assert_eq!(names(&context_controls(Level::Rollback, &[], &exp, &exp)), ["a"]);
    }

    #[test]
    fn local_controls_get_top_level_ones_in_front_once_per_local() {
        let exp = json!({"controls": [ctl("top")]});
        let act = json!({"controls": [ctl("loc"), ctl("loc2")]});
        assert_eq!(names(&context_controls(Level::Activity, &[], &exp, &act)), ["top", "top", "loc", "loc2"]);
        let same_name = json!({"controls": [ctl("top")]});
        assert_eq!(names(&context_controls(Level::Activity, &[], &exp, &same_name)), ["top"]);
    }

    #[test]
    fn a_ref_pulls_the_named_control_in_even_when_not_automatic() {
        let exp = json!({"controls": [ctl("top"), {"name": "manual", "automatic": false}]});
        let act = json!({"controls": [{"name": "m", "ref": "manual"}]});
        assert_eq!(names(&context_controls(Level::Activity, &[], &exp, &act)), ["m", "manual"]);
        let plain = json!({"name": "x"});
        assert_eq!(names(&context_controls(Level::Activity, &[], &exp, &plain)), ["top"]);
    }

    #[test]
    fn globals_come_first_but_method_and_rollback_levels_drop_them_under_top_level_controls() {
        let globals = [ctl("g")];
        let exp = json!({"controls": [ctl("top")]});
        assert_eq!(names(&context_controls(Level::Experiment, &globals, &exp, &exp)), ["g", "top"]);
        assert_eq!(names(&context_controls(Level::Method, &globals, &exp, &exp)), ["top"]);
        assert_eq!(names(&context_controls(Level::Rollback, &globals, &exp, &exp)), ["top"]);
        // One copy of each top-level control in front per global or local control.
        let act = json!({"controls": [ctl("loc")]});
        assert_eq!(names(&context_controls(Level::Activity, &globals, &exp, &act)), ["top", "top", "g", "loc"]);
        let bare = json!({});
        assert_eq!(names(&context_controls(Level::Method, &globals, &bare, &bare)), ["g"]);
        assert_eq!(names(&context_controls(Level::Activity, &globals, &bare, &act)), ["g", "loc"]);
    }

    #[test]
    fn declarations_are_collected_in_chaoslib_order() {
        let exp = json!({
            "controls": [ctl("t")],
            "steady-state-hypothesis": {"controls": [ctl("h")], "probes": [{"controls": [ctl("p")]}]},
            "method": [{"controls": [ctl("m")]}, {"ref": "x"}],
            "rollbacks": [{"controls": [ctl("r")]}],
        });
        assert_eq!(names(&all_controls(&exp)), ["t", "h", "p", "m", "r"]);
        assert!(all_controls(&json!({"controls": null, "method": "nope"})).is_empty());
    }
}
