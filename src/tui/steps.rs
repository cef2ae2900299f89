//! The step list the console shows: every step of the run grouped by phase,
//! with its state, built from the experiment and kept current from events.
use crate::session::event::Phase;
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
            let name =
                a.get("name").or_else(|| a.get("ref")).and_then(Value::as_str).unwrap_or("(unnamed)").to_string();
            let kind = if a.get("ref").is_some() {
                "ref".to_string()
            } else {
                a.get("type").and_then(Value::as_str).unwrap_or("activity").to_string()
            };
            out.push(Step { phase, index, name, kind, state: StepState::Pending, activity: a.clone() });
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
