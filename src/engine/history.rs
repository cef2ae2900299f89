//! What a session already did before the console died, so a resumed run
//! continues where it was: finished steps are not run again, a step that was
//! running is shown as interrupted and offered again, and a STOP stays a STOP.
use crate::session::event::{DecisionKind, Event, EventBody, Phase};
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
}

impl History {
    /// Read it from events.
    pub fn from_events(events: &[Event]) -> Self {
        let mut h = History::default();
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

    /// Was this step running when the console died?
    pub fn was_interrupted(&self, phase: Phase, index: usize) -> bool {
        self.interrupted.iter().any(|(p, i, _)| *p == phase && *i == index)
    }
}
