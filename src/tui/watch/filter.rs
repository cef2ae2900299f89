//! The participant view of a dungeons-and-dragons Game Day. The participants
//! must not learn which conditions are injected, so before an event reaches
//! the watch view (or its `--follow-lines` output) the method, the rollbacks
//! and the halt actions lose their names, descriptions and outputs, and the
//! decisions taken on them are left out. Manual steps stay visible: people
//! perform them (the participant report does the same). Observations,
//! milestones, verdicts and the steady state stay.
//!
//! The filter works on events, so nothing hidden is ever held by the view.
//! When it lacks context (an output whose activity it has not seen, a
//! decision on a step it cannot tell is manual) it hides.
use crate::session::event::{Event, EventBody, Phase};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// What a hidden step's card says.
pub const HIDDEN_CARD: &str = "Hidden for participants";

/// The `type` a hidden step gets (shown in the step list).
pub const HIDDEN_KIND: &str = "hidden";

/// Phases whose steps are hidden.
const HIDDEN_PHASES: [Phase; 3] = [Phase::Method, Phase::Rollbacks, Phase::Stopping];

/// The experiment lists that hold those steps, with their phase.
const HIDDEN_LISTS: [(&str, Phase); 3] =
    [("method", Phase::Method), ("rollbacks", Phase::Rollbacks), ("on_stop", Phase::Stopping)];

/// Keys of the experiment the view needs and that reveal nothing. The rest
/// (description, hypothesis statement, objectives, configuration, …) may
/// name the injected condition, so it is dropped.
const KEPT_KEYS: [&str; 6] = ["version", "title", "style", "where", "steady-state-hypothesis", "runtime"];

/// Is this experiment a dungeons-and-dragons Game Day?
pub fn is_dnd(experiment: &Value) -> bool {
    experiment.get("style").and_then(Value::as_str).map(str::trim) == Some("dungeons-and-dragons")
}

/// The style an experiment declares, if any.
pub fn style(experiment: &Value) -> Option<String> {
    experiment.get("style").and_then(Value::as_str).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The placeholder name of the step at `index` (0-based) of its phase.
pub fn hidden_name(index: usize) -> String {
    format!("hidden step {}", index + 1)
}

/// Is a step name one of the placeholders?
pub fn is_hidden_name(name: &str) -> bool {
    name.strip_prefix("hidden step ").is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn is_manual(activity: &Value) -> bool {
    activity.get("type").and_then(Value::as_str) == Some("manual")
}

fn stub(index: usize) -> Value {
    json!({"type": HIDDEN_KIND, "name": hidden_name(index)})
}

/// One event on its own, with no earlier events as context: see
/// [`ParticipantFilter`]. `dnd` says whether the session is a
/// dungeons-and-dragons Game Day; when it is not, every event passes.
pub fn participant_filter(ev: Event, dnd: bool) -> Option<Event> {
    ParticipantFilter::new(dnd).filter(ev)
}

/// Filters a stream of events, remembering what it needs from earlier ones:
/// which steps are manual (from `session_started`), which runs belong to
/// visible activities, and the real names to redact from free text.
#[derive(Debug, Clone)]
pub struct ParticipantFilter {
    dnd: bool,
    /// Take `dnd` from the experiment's style at `session_started`.
    from_style: bool,
    /// A `session_started` has been seen.
    learned: bool,
    style: Option<String>,
    /// Steps of hidden phases that stay visible (manual steps).
    visible_steps: HashSet<(Phase, usize)>,
    /// Runs whose outputs may be shown.
    visible_runs: HashSet<u64>,
    /// Real names of hidden steps and their placeholders, longest first.
    names: Vec<(String, String)>,
}

impl ParticipantFilter {
    /// A filter for a session known to be (or not be) dungeons-and-dragons.
    pub fn new(dnd: bool) -> Self {
        Self {
            dnd,
            from_style: false,
            learned: false,
            style: None,
            visible_steps: HashSet::new(),
            visible_runs: HashSet::new(),
            names: Vec::new(),
        }
    }

    /// A filter that reads the style from the session's `session_started`
    /// event (and hides everything it could until then).
    pub fn from_style() -> Self {
        Self { from_style: true, ..Self::new(true) }
    }

    /// Does it hide anything?
    pub fn hides(&self) -> bool {
        self.dnd
    }

    /// The style the session declared (once `session_started` was seen).
    pub fn style(&self) -> Option<&str> {
        self.style.as_deref()
    }

    fn step_hidden(&self, phase: Phase, index: usize) -> bool {
        HIDDEN_PHASES.contains(&phase) && !self.visible_steps.contains(&(phase, index))
    }

    /// Replace every real name of a hidden step in `text`.
    fn redact(&self, text: &str) -> String {
        let mut t = text.to_string();
        for (real, placeholder) in &self.names {
            if t.contains(real.as_str()) {
                t = t.replace(real.as_str(), placeholder);
            }
        }
        t
    }

    /// Replace hidden names in every string of an event body.
    fn redact_body(&self, body: &EventBody) -> EventBody {
        if self.names.is_empty() {
            return body.clone();
        }
        fn walk(v: &mut Value, f: &ParticipantFilter) {
            match v {
                Value::String(s) => *s = f.redact(s),
                Value::Array(a) => a.iter_mut().for_each(|x| walk(x, f)),
                Value::Object(m) => m.iter_mut().filter(|(k, _)| k.as_str() != "kind").for_each(|(_, x)| walk(x, f)),
                _ => {}
            }
        }
        match serde_json::to_value(body) {
            Ok(mut v) => {
                walk(&mut v, self);
                serde_json::from_value(v).unwrap_or_else(|_| body.clone())
            }
            Err(_) => body.clone(),
        }
    }

    /// Learn the experiment's hidden steps and return what the view may see.
    fn scrub_experiment(&mut self, experiment: &Value) -> Value {
        self.learned = true;
        self.style = style(experiment);
        if self.from_style {
            self.dnd = is_dnd(experiment);
        }
        if !self.dnd {
            return experiment.clone();
        }
        let mut out = Map::new();
        for key in KEPT_KEYS {
            if let Some(v) = experiment.get(key) {
                out.insert(key.to_string(), v.clone());
            }
        }
        for (key, phase) in HIDDEN_LISTS {
            let Some(list) = experiment.get(key).and_then(Value::as_array) else { continue };
            let mut shown = Vec::with_capacity(list.len());
            for (index, activity) in list.iter().enumerate() {
                if is_manual(activity) {
                    self.visible_steps.insert((phase, index));
                    shown.push(activity.clone());
                    continue;
                }
                for k in ["name", "ref"] {
                    if let Some(real) = activity.get(k).and_then(Value::as_str).filter(|n| n.trim().len() >= 3) {
                        self.names.push((real.to_string(), hidden_name(index)));
                    }
                }
                shown.push(stub(index));
            }
            out.insert(key.to_string(), Value::Array(shown));
        }
        self.names.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.cmp(b)));
        self.names.dedup();
        Value::Object(out)
    }

    /// The event as participants may see it, or `None` when all of it is hidden.
    pub fn filter(&mut self, mut ev: Event) -> Option<Event> {
        if let EventBody::SessionStarted { experiment, .. } = &mut ev.body {
            *experiment = self.scrub_experiment(experiment);
        }
        if !self.dnd {
            return Some(ev);
        }
        match &mut ev.body {
            EventBody::SessionStarted { .. } => {}
            EventBody::Proposal { phase, index, name } => {
                if self.step_hidden(*phase, *index) {
                    *name = hidden_name(*index);
                }
            }
            EventBody::Decision { phase, index, .. } => {
                if self.step_hidden(*phase, *index) {
                    return None;
                }
            }
            EventBody::ActivityStarted { run, phase, index, activity, .. } => {
                // The event carries the activity, so a manual step is known
                // here even without the experiment.
                if HIDDEN_PHASES.contains(phase) && !is_manual(activity) {
                    *activity = stub(*index);
                } else {
                    self.visible_runs.insert(*run);
                }
            }
            EventBody::ActivityFinished { run, output, exception, gameday, .. } => {
                if !self.visible_runs.contains(run) {
                    *output = Value::Null;
                    *exception = None;
                    if let Some(Value::Object(g)) = gameday {
                        g.retain(|k, _| k == "decision" || k == "who");
                    }
                }
            }
            EventBody::StepsInserted { list, position: at, steps, .. } => {
                // A control's copies of hidden steps are hidden as they are.
                if *list != crate::session::event::StepList::Hypothesis {
                    for (k, step) in steps.iter_mut().enumerate() {
                        if !is_manual(step) {
                            *step = stub(*at + k);
                        }
                    }
                }
            }
            EventBody::StepChanged { list, position, step, .. } => {
                if *list != crate::session::event::StepList::Hypothesis && !is_manual(step) {
                    *step = stub(*position);
                }
            }
            // What a control changed in run entries (outputs included).
            EventBody::ControlChanged { .. } => return None,
            EventBody::Observation { text, step, .. } => {
                *text = self.redact(text);
                *step = match step.take() {
                    Some(s) if self.learned => Some(self.redact(&s)),
                    // Without the experiment a step name cannot be checked.
                    _ => None,
                };
            }
            EventBody::Milestone { milestone, .. } => *milestone = self.redact(milestone),
            EventBody::Warning { message } => {
                if !self.learned {
                    return None;
                }
                *message = self.redact(message);
            }
            EventBody::Stop { reason, .. } => {
                if let Some(r) = reason {
                    *r = if self.learned { self.redact(r) } else { "(hidden for participants)".into() };
                }
            }
            EventBody::PhaseChanged { .. }
            | EventBody::HypothesisStarted { .. }
            | EventBody::HypothesisFinished { .. }
            | EventBody::ProcessStarted { .. }
            | EventBody::SafeguardCheck { .. }
            | EventBody::RunFinished { .. }
            | EventBody::SessionEnded => {}
            // Other kinds (readiness, time boxes, the clock) say nothing about
            // the method by design; any real name that slips into their text
            // is still replaced.
            other => *other = self.redact_body(other),
        }
        Some(ev)
    }
}

/// Drop the console's own timeline lines about hidden steps (`'hidden step
/// 2' failed`): the participant view shows that the method runs, not how
/// each of its hidden steps went.
pub fn drop_hidden_step_lines(log: &mut Vec<crate::tui::app::LogLine>) {
    log.retain(|l| {
        !(l.kind == "step"
            && l.text.strip_prefix('\'').and_then(|t| t.split_once('\'')).is_some_and(|(name, _)| is_hidden_name(name)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn ev(body: EventBody) -> Event {
        Event { seq: 1, at: Utc::now(), t: 0.0, body }
    }

    #[test]
    fn placeholders_are_recognised() {
        assert!(is_hidden_name("hidden step 12"));
        assert!(!is_hidden_name("hidden step "));
        assert!(!is_hidden_name("hidden step x"));
    }

    #[test]
    fn without_context_an_output_is_hidden() {
        let out = participant_filter(
            ev(EventBody::ActivityFinished {
                run: 7,
                output: json!("secret"),
                status: Some("succeeded".into()),
                exception: Some(vec!["boom".into()]),
                end: String::new(),
                duration: 1.0,
                tolerance_met: None,
                gameday: Some(json!({"decision": "skip", "who": "a", "reason": "names the fault"})),
            }),
            true,
        );
        let Some(Event { body: EventBody::ActivityFinished { output, exception, gameday, .. }, .. }) = out else {
            panic!("kept")
        };
        assert!(output.is_null());
        assert!(exception.is_none());
        assert_eq!(gameday, Some(json!({"decision": "skip", "who": "a"})));
    }

    #[test]
    fn not_dnd_passes_everything() {
        let e = ev(EventBody::Decision {
            phase: Phase::Method,
            index: 0,
            name: "inject".into(),
            decision: crate::session::event::DecisionKind::Confirm,
            who: "a".into(),
            reason: None,
        });
        assert_eq!(participant_filter(e.clone(), false), Some(e));
    }
}
