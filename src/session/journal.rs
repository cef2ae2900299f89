//! The Chaos Toolkit `journal.json`, projected from the events: same keys,
//! same order, same meaning, so Chaos Toolkit's own tools can read it.
use super::event::{Event, EventBody, Phase};
use crate::timefmt::iso;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The chaoslib version whose journal layout we write.
pub const CHAOSLIB_VERSION: &str = "1.44.0";

#[derive(Clone, Copy)]
enum Slot {
    Run(usize),
    Rollback(usize),
    Probe(Phase, usize),
}

#[derive(Default)]
struct Builder {
    head: Map<String, Value>,
    before: Option<Value>,
    after: Option<Value>,
    during: Vec<Value>,
    pending: HashMap<Phase, Vec<Value>>,
    run: Vec<Value>,
    rollbacks: Vec<Value>,
    slots: HashMap<u64, Slot>,
    tail: Option<(String, bool, String, f64)>,
}

impl Builder {
    fn entry_mut(&mut self, run: u64) -> Option<&mut Value> {
        match *self.slots.get(&run)? {
            Slot::Run(i) => self.run.get_mut(i),
            Slot::Rollback(i) => self.rollbacks.get_mut(i),
            Slot::Probe(p, i) => self.pending.get_mut(&p)?.get_mut(i),
        }
    }

    fn apply(&mut self, ev: &Event) {
        match &ev.body {
            EventBody::SessionStarted { experiment, platform, node, .. } => {
                self.head.insert("chaoslib-version".into(), json!(CHAOSLIB_VERSION));
                self.head.insert("platform".into(), json!(platform));
                self.head.insert("node".into(), json!(node));
                self.head.insert("experiment".into(), experiment.clone());
                self.head.insert("start".into(), json!(iso(&ev.at)));
            }
            EventBody::HypothesisStarted { phase } => {
                self.pending.insert(*phase, Vec::new());
            }
            EventBody::HypothesisFinished { phase, met } => {
                let probes = self.pending.remove(phase).unwrap_or_default();
                let state = json!({"steady_state_met": met, "probes": probes});
                match phase {
                    Phase::Before => self.before = Some(state),
                    Phase::After => self.after = Some(state),
                    Phase::During => self.during.push(state),
                    _ => {}
                }
            }
            EventBody::ActivityStarted { run, phase, activity, start, .. } => {
                let entry = json!({"activity": activity, "output": null, "start": start});
                let slot = match phase {
                    Phase::Method => {
                        self.run.push(entry);
                        Slot::Run(self.run.len() - 1)
                    }
                    Phase::Rollbacks => {
                        self.rollbacks.push(entry);
                        Slot::Rollback(self.rollbacks.len() - 1)
                    }
                    // Halt actions and readiness checks are ours, not Chaos Toolkit's.
                    Phase::Stopping | Phase::Readiness | Phase::Ended => return,
                    p => {
                        let list = self.pending.entry(*p).or_default();
                        list.push(entry);
                        Slot::Probe(*p, list.len() - 1)
                    }
                };
                self.slots.insert(*run, slot);
            }
            EventBody::ActivityFinished { run, output, status, exception, end, duration, tolerance_met, gameday } => {
                if let Some(entry) = self.entry_mut(*run) {
                    let old = std::mem::take(entry);
                    let mut m = Map::new();
                    m.insert("activity".into(), old.get("activity").cloned().unwrap_or(Value::Null));
                    m.insert("output".into(), output.clone());
                    m.insert("start".into(), old.get("start").cloned().unwrap_or(Value::Null));
                    if let Some(s) = status {
                        m.insert("status".into(), json!(s));
                    }
                    if let Some(x) = exception {
                        m.insert("exception".into(), json!(x));
                    }
                    m.insert("end".into(), json!(end));
                    m.insert("duration".into(), json!(duration));
                    if let Some(t) = tolerance_met {
                        m.insert("tolerance_met".into(), json!(t));
                    }
                    if let Some(g) = gameday {
                        m.insert("gameday".into(), g.clone());
                    }
                    *entry = Value::Object(m);
                }
            }
            EventBody::RunFinished { status, deviated, end, duration } => {
                self.tail = Some((status.clone(), *deviated, end.clone(), *duration));
            }
            _ => {}
        }
    }

    fn finish(self) -> Value {
        let mut j = self.head;
        let (status, deviated, end, duration) = match self.tail {
            Some((s, d, e, du)) => (json!(s), d, Some(e), Some(du)),
            None => (Value::Null, false, None, None),
        };
        j.insert("status".into(), status);
        j.insert("deviated".into(), json!(deviated));
        j.insert("steady_states".into(), json!({"before": self.before, "after": self.after, "during": self.during}));
        j.insert("run".into(), Value::Array(self.run));
        j.insert("rollbacks".into(), Value::Array(self.rollbacks));
        if let Some(e) = end {
            j.insert("end".into(), json!(e));
        }
        if let Some(d) = duration {
            j.insert("duration".into(), json!(d));
        }
        Value::Object(j)
    }
}

/// Build the journal from a session's events.
pub fn project(events: &[Event]) -> Value {
    let mut b = Builder::default();
    for ev in events {
        b.apply(ev);
    }
    b.finish()
}

/// Serialize as Chaos Toolkit does (`indent=2`, non-ASCII kept).
pub fn to_pretty(journal: &Value) -> String {
    serde_json::to_string_pretty(journal).unwrap_or_else(|_| "{}".into())
}
