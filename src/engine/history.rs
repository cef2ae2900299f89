//! What a session already did before the console died, so a resumed run
//! continues where it was: finished steps are not run again, a step that was
//! running is shown as interrupted and offered again, and a STOP stays a STOP.
use crate::session::event::{DecisionKind, Event, EventBody, Phase, StepList};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;

/// How a finished step ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub status: Option<String>,
    pub output: Value,
    pub tolerance_met: Option<bool>,
    pub skipped: bool,
}

/// The previous attempt(s), read from the event log.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Method and rollback steps that finished.
    pub finished: HashMap<(Phase, usize), Finished>,
    /// Steps that started but never finished (running when the console died).
    pub interrupted: Vec<(Phase, usize, String)>,
    /// Finished hypothesis checks (before/after): met?
    pub hypotheses: HashMap<Phase, Option<bool>>,
    /// A STOP was raised: (who, source, reason).
    pub stopped: Option<(String, String, Option<String>)>,
    /// The run had already ended.
    pub run_finished: bool,
    /// Highest activity run number used (new runs continue after it).
    pub max_run: u64,
    /// Process groups of activities that never finished (to be killed).
    pub leftover_groups: Vec<u32>,
    /// The readiness gate was passed (or overridden) already.
    pub readiness_done: bool,
    /// When the session started (its first event): the run's duration is
    /// measured from here, not from the start of the resumed process.
    pub session_start: Option<DateTime<Utc>>,
    /// What controls did to the experiment's lists of steps, in order.
    pub list_edits: Vec<ListEdit>,
}

/// A control's change to one of the experiment's lists of steps.
#[derive(Debug, Clone, PartialEq)]
pub enum ListEdit {
    Inserted { list: StepList, position: usize, steps: Vec<Value> },
    Changed { list: StepList, position: usize, step: Value },
}

impl ListEdit {
    pub fn list(&self) -> StepList {
        match self {
            ListEdit::Inserted { list, .. } | ListEdit::Changed { list, .. } => *list,
        }
    }

    /// Make the change to `steps` (the list it names).
    pub fn apply(&self, steps: &mut Vec<Value>) {
        match self {
            ListEdit::Inserted { position, steps: new, .. } => {
                let at = (*position).min(steps.len());
                steps.splice(at..at, new.iter().cloned());
            }
            ListEdit::Changed { position, step, .. } => {
                if let Some(slot) = steps.get_mut(*position) {
                    *slot = step.clone();
                }
            }
        }
    }
}

impl History {
    /// Read it from events.
    pub fn from_events(events: &[Event]) -> Self {
        let mut h = History { session_start: events.first().map(|e| e.at), ..History::default() };
        let mut started: HashMap<u64, (Phase, usize, String)> = HashMap::new();
        let mut groups: HashMap<u64, u32> = HashMap::new();
        for ev in events {
            match &ev.body {
                EventBody::ActivityStarted { run, phase, index, activity, .. } => {
                    h.max_run = h.max_run.max(*run);
                    let name = activity.get("name").and_then(Value::as_str).unwrap_or("").to_string();
                    started.insert(*run, (*phase, *index, name));
                }
                EventBody::ProcessStarted { run, pgid } => {
                    groups.insert(*run, *pgid);
                }
                EventBody::ActivityFinished { run, status, output, tolerance_met, gameday, .. } => {
                    groups.remove(run);
                    if let Some((phase, index, _)) = started.remove(run)
                        && matches!(phase, Phase::Method | Phase::Rollbacks)
                        && status.is_some()
                    {
                        let skipped =
                            gameday.as_ref().and_then(|g| g.get("decision")).and_then(Value::as_str) == Some("skip");
                        h.finished.insert(
                            (phase, index),
                            Finished {
                                status: status.clone(),
                                output: output.clone(),
                                tolerance_met: *tolerance_met,
                                skipped,
                            },
                        );
                    }
                }
                EventBody::HypothesisFinished { phase, met } if matches!(phase, Phase::Before | Phase::After) => {
                    h.hypotheses.insert(*phase, *met);
                }
                EventBody::Stop { who, source, reason } if h.stopped.is_none() => {
                    h.stopped = Some((who.clone(), source.clone(), reason.clone()));
                }
                EventBody::RunFinished { .. } => h.run_finished = true,
                EventBody::StepsInserted { list, position, steps, .. } => {
                    h.list_edits.push(ListEdit::Inserted { list: *list, position: *position, steps: steps.clone() });
                }
                EventBody::StepChanged { list, position, step, .. } => {
                    h.list_edits.push(ListEdit::Changed { list: *list, position: *position, step: step.clone() });
                }
                EventBody::Decision { phase: Phase::Readiness, decision, .. } if *decision != DecisionKind::Abort => {
                    h.readiness_done = true;
                }
                _ => {}
            }
        }
        h.leftover_groups = groups.into_values().collect();
        let mut left: Vec<(Phase, usize, String)> =
            started.into_values().filter(|(p, _, _)| matches!(p, Phase::Method | Phase::Rollbacks)).collect();
        left.sort_by_key(|(p, i, _)| (*p as u8, *i));
        h.interrupted = left;
        h
    }

    /// Seconds from the session's start to `end` (wall clock: the time the
    /// console was dead, or its clock suspended, passed for the people in
    /// the room too). `None` for a session never started before.
    pub fn run_duration(&self, end: DateTime<Utc>) -> Option<f64> {
        let start = self.session_start?;
        Some(((end - start).num_microseconds().unwrap_or(0) as f64 / 1e6).max(0.0))
    }

    /// Was this step running when the console died?
    pub fn was_interrupted(&self, phase: Phase, index: usize) -> bool {
        self.interrupted.iter().any(|(p, i, _)| *p == phase && *i == index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64, body: EventBody) -> Event {
        let start = DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap();
        Event { seq: secs as u64 + 1, at: start + chrono::Duration::seconds(secs), t: secs as f64, body }
    }

    #[test]
    fn a_resumed_run_is_timed_from_the_session_start() {
        // The first attempt ran 40 s, the console was dead, then resumed.
        let past = vec![
            at(0, EventBody::Warning { message: "session start".into() }),
            at(40, EventBody::Warning { message: "last event before the kill".into() }),
        ];
        let h = History::from_events(&past);
        let end = past[0].at + chrono::Duration::seconds(95);
        assert_eq!(h.run_duration(end), Some(95.0));
        // A clock step backwards never makes a negative duration.
        assert_eq!(h.run_duration(past[0].at - chrono::Duration::seconds(5)), Some(0.0));
        // A fresh run has no history: the engine times it itself.
        assert_eq!(History::default().run_duration(end), None);
    }
}
