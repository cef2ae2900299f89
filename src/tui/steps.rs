//! The step list the console shows: every step of the run grouped by phase,
//! with its state, built from the experiment and kept current from events.
use crate::session::event::{Phase, StepList};
use serde_json::Value;

/// Where a step stands. Each has a glyph and a word, so no state is told by
/// colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Pending,
    Waiting,
    Running,
    Succeeded,
    Failed,
    Skipped,
    Interrupted,
    /// A steady-state probe that ran but missed its tolerance.
    NotMet,
}

impl StepState {
    pub fn glyph(self) -> &'static str {
        match self {
            StepState::Pending => "○",
            StepState::Waiting => "◆",
            StepState::Running => "▶",
            StepState::Succeeded => "✔",
            StepState::Failed => "✖",
            StepState::Skipped => "↷",
            StepState::Interrupted => "■",
            StepState::NotMet => "✖",
        }
    }

    /// Four letters at most, for narrow lists.
    pub fn short_word(self) -> &'static str {
        match self {
            StepState::Pending => "todo",
            StepState::Waiting => "wait",
            StepState::Running => "run",
            StepState::Succeeded => "ok",
            StepState::Failed => "fail",
            StepState::Skipped => "skip",
            StepState::Interrupted => "stop",
            StepState::NotMet => "miss",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::Waiting => "decide",
            StepState::Running => "running",
            StepState::Succeeded => "ok",
            StepState::Failed => "failed",
            StepState::Skipped => "skipped",
            StepState::Interrupted => "stopped",
            StepState::NotMet => "not met",
        }
    }
}

/// One row.
#[derive(Debug, Clone)]
pub struct Step {
    pub phase: Phase,
    pub index: usize,
    pub name: String,
    /// probe, action or manual.
    pub kind: String,
    pub state: StepState,
    pub activity: Value,
}

fn row(phase: Phase, index: usize, a: &Value) -> Step {
    let name = a.get("name").or_else(|| a.get("ref")).and_then(Value::as_str).unwrap_or("(unnamed)").to_string();
    let kind = if a.get("ref").is_some() {
        "ref".to_string()
    } else {
        a.get("type").and_then(Value::as_str).unwrap_or("activity").to_string()
    };
    Step { phase, index, name, kind, state: StepState::Pending, activity: a.clone() }
}

/// A control inserted `new` steps at `at` of one of the experiment's lists:
/// add their rows to every phase that shows that list, renumbering the rows
/// after them. Returns where rows went in, (row position, count), so
/// whoever holds a row position can move it along.
pub fn insert(steps: &mut Vec<Step>, list: StepList, at: usize, new: &[Value]) -> Vec<(usize, usize)> {
    let mut placed = Vec::new();
    let phases: &[Phase] = match list {
        StepList::Hypothesis => &[Phase::Before, Phase::After],
        StepList::Method => &[Phase::Method],
        StepList::Rollbacks => &[Phase::Rollbacks],
    };
    for &phase in phases {
        let Some(last) = steps.iter().rposition(|s| s.phase == phase) else { continue };
        for s in steps.iter_mut().filter(|s| s.phase == phase && s.index >= at) {
            s.index += new.len();
        }
        let pos = steps.iter().position(|s| s.phase == phase && s.index >= at + new.len()).unwrap_or(last + 1);
        let rows: Vec<Step> = new.iter().enumerate().map(|(k, a)| row(phase, at + k, a)).collect();
        steps.splice(pos..pos, rows);
        placed.push((pos, new.len()));
    }
    placed
}

/// Build the rows for an experiment (SSH probes appear before and after).
pub fn plan(experiment: &Value, before: bool, after: bool) -> Vec<Step> {
    let mut out = Vec::new();
    let probes = experiment
        .get("steady-state-hypothesis")
        .and_then(|h| h.get("probes"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let method = experiment.get("method").and_then(Value::as_array).cloned().unwrap_or_default();
    let rollbacks = experiment.get("rollbacks").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut push = |phase: Phase, list: &[Value]| {
        for (index, a) in list.iter().enumerate() {
            out.push(row(phase, index, a));
        }
    };
    if before {
        push(Phase::Before, &probes);
    }
    push(Phase::Method, &method);
    if after {
        push(Phase::After, &probes);
    }
    push(Phase::Rollbacks, &rollbacks);
    let halts = experiment.get("on_stop").and_then(Value::as_array).cloned().unwrap_or_default();
    push(Phase::Stopping, &halts);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inserted_steps_get_rows_in_every_phase_that_shows_their_list() {
        let exp = json!({
            "steady-state-hypothesis": {"probes": [{"name": "p", "type": "probe"}]},
            "method": [{"name": "a", "type": "action"}, {"name": "b", "type": "action"}],
        });
        let mut steps = plan(&exp, true, true);
        let placed = insert(&mut steps, StepList::Method, 1, &[json!({"name": "a2", "type": "action"})]);
        let method: Vec<(usize, &str)> =
            steps.iter().filter(|s| s.phase == Phase::Method).map(|s| (s.index, s.name.as_str())).collect();
        assert_eq!(method, [(0, "a"), (1, "a2"), (2, "b")]);
        assert_eq!(placed, [(2, 1)]);
        let placed = insert(&mut steps, StepList::Hypothesis, 1, &[json!({"name": "p2", "type": "probe"})]);
        assert_eq!(placed.len(), 2, "before and after");
        let names: Vec<String> = steps.iter().map(|s| format!("{:?} {} {}", s.phase, s.index, s.name)).collect();
        assert_eq!(
            names,
            ["Before 0 p", "Before 1 p2", "Method 0 a", "Method 1 a2", "Method 2 b", "After 0 p", "After 1 p2"]
        );
    }
}
