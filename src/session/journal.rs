//! The Chaos Toolkit `journal.json`, projected from the events: same keys,
//! same order, same meaning, so Chaos Toolkit's own tools can read it.
use super::event::{ChangedPart, Event, EventBody, Phase};
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
    /// Method and rollback steps started but not finished yet, by (phase,
    /// index), and the run of each: a step the console died in is offered
    /// again after a resume, and its new attempt takes the old entry's
    /// place, so the journal lists every step once.
    open: HashMap<(Phase, usize), Slot>,
    open_runs: HashMap<u64, (Phase, usize)>,
    tail: Option<(String, bool, String, f64)>,
    /// Keys `after_experiment_control` hooks set on the journal.
    journal_set: Map<String, Value>,
}

impl Builder {
    fn entry_mut(&mut self, run: u64) -> Option<&mut Value> {
        let slot = *self.slots.get(&run)?;
        self.entry_at(slot)
    }

    /// Where a method or rollback step's entry goes: in place of its
    /// unfinished earlier attempt if there is one, else at the end.
    fn step_slot(&mut self, phase: Phase, index: usize, entry: Value) -> Slot {
        if let Some(slot) = self.open.get(&(phase, index)).copied() {
            // The dead attempt's run no longer owns the entry.
            let dead: Vec<u64> =
                self.open_runs.iter().filter(|(_, k)| **k == (phase, index)).map(|(r, _)| *r).collect();
            for r in dead {
                self.open_runs.remove(&r);
                self.slots.remove(&r);
            }
            if let Some(old) = self.entry_at(slot) {
                *old = entry;
                return slot;
            }
        }
        if phase == Phase::Method {
            self.run.push(entry);
            Slot::Run(self.run.len() - 1)
        } else {
            self.rollbacks.push(entry);
            Slot::Rollback(self.rollbacks.len() - 1)
        }
    }

    fn entry_at(&mut self, slot: Slot) -> Option<&mut Value> {
        match slot {
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
            EventBody::ActivityStarted { run, phase, index, activity, start } => {
                let entry = json!({"activity": activity, "output": null, "start": start});
                let slot = match phase {
                    Phase::Method | Phase::Rollbacks => {
                        let slot = self.step_slot(*phase, *index, entry);
                        self.open.insert((*phase, *index), slot);
                        self.open_runs.insert(*run, (*phase, *index));
                        slot
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
                if let Some(key) = self.open_runs.remove(run) {
                    self.open.remove(&key);
                }
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
            EventBody::ControlChanged { part, set, appended, list, .. } => {
                self.control_changed(part, set, appended, list)
            }
            // chaos's journal shares the experiment's steps with the run, so
            // what a control inserted or changed is in its `experiment` too.
            EventBody::StepsInserted { list, position, steps, .. } => {
                if let Some(l) = self.head.get_mut("experiment").and_then(|e| list.get_mut(e)) {
                    let at = (*position).min(l.len());
                    l.splice(at..at, steps.iter().cloned());
                }
            }
            EventBody::StepChanged { list, position, step, .. } => {
                if let Some(slot) =
                    self.head.get_mut("experiment").and_then(|e| list.get_mut(e)).and_then(|l| l.get_mut(*position))
                {
                    *slot = step.clone();
                }
            }
            _ => {}
        }
    }

    /// What a control's `after_*` hook changed in the state it was handed.
    fn control_changed(
        &mut self,
        part: &ChangedPart,
        set: &Map<String, Value>,
        appended: &[Value],
        list: &Option<Vec<Value>>,
    ) {
        let merge = |target: &mut Value| {
            if let Some(obj) = target.as_object_mut() {
                obj.extend(set.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        };
        match part {
            ChangedPart::Run(run) => {
                if let Some(entry) = self.entry_mut(*run) {
                    merge(entry);
                }
            }
            ChangedPart::Entries(phase) => {
                let entries = match phase {
                    Phase::Method => &mut self.run,
                    Phase::Rollbacks => &mut self.rollbacks,
                    _ => return,
                };
                if let Some(new) = list {
                    // The hook was handed the entries without our `gameday`
                    // key: keep it on the entries that are still there.
                    let mut new = new.clone();
                    for (n, old) in new.iter_mut().zip(entries.iter()) {
                        if let (Some(obj), Some(g)) = (n.as_object_mut(), old.get("gameday")) {
                            obj.entry("gameday").or_insert_with(|| g.clone());
                        }
                    }
                    *entries = new;
                }
                entries.extend(appended.iter().cloned());
            }
            ChangedPart::SteadyState(phase) => {
                let state = match phase {
                    Phase::Before => self.before.as_mut(),
                    Phase::After => self.after.as_mut(),
                    Phase::During => self.during.last_mut(),
                    _ => None,
                };
                if let Some(state) = state {
                    merge(state);
                }
            }
            ChangedPart::Journal => self.journal_set.extend(set.iter().map(|(k, v)| (k.clone(), v.clone()))),
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
        j.extend(self.journal_set);
        Value::Object(j)
    }
}

/// The journal built one event at a time, so a long log can be streamed
/// through it instead of being held in memory (`gameday report`).
#[derive(Default)]
pub struct Projection(Builder);

impl Projection {
    pub fn apply(&mut self, ev: &Event) {
        self.0.apply(ev);
    }

    pub fn finish(self) -> Value {
        self.0.finish()
    }
}

/// Build the journal from a session's events.
pub fn project(events: &[Event]) -> Value {
    let mut p = Projection::default();
    for ev in events {
        p.apply(ev);
    }
    p.finish()
}

/// Fold a whole event log into the journal, one event at a time.
pub fn project_log(path: &std::path::Path) -> std::io::Result<(Value, super::ReadOutcome)> {
    let mut p = Projection::default();
    let read = super::store::scan_events(path, |ev| p.apply(&ev))?;
    Ok((p.finish(), read))
}

/// Write as Chaos Toolkit does (`indent=2`, non-ASCII kept), streamed.
pub fn write_pretty(journal: &Value, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(out, journal).map_err(std::io::Error::other)
}

/// Serialize as Chaos Toolkit does (`indent=2`, non-ASCII kept).
pub fn to_pretty(journal: &Value) -> String {
    serde_json::to_string_pretty(journal).unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: u64, body: EventBody) -> Event {
        Event { seq, at: chrono::Utc::now(), t: seq as f64, body }
    }

    fn started(seq: u64, run: u64, phase: Phase, index: usize, name: &str) -> Event {
        let activity = json!({"name": name});
        ev(seq, EventBody::ActivityStarted { run, phase, index, activity, start: format!("s{seq}") })
    }

    fn finished(seq: u64, run: u64) -> Event {
        ev(
            seq,
            EventBody::ActivityFinished {
                run,
                output: json!("ok"),
                status: Some("succeeded".into()),
                exception: None,
                end: format!("e{seq}"),
                duration: 0.1,
                tolerance_met: None,
                gameday: None,
            },
        )
    }

    #[test]
    fn a_step_retried_after_a_crash_is_listed_once_in_place() {
        let events = vec![
            started(1, 1, Phase::Method, 0, "a"),
            finished(2, 1),
            // The console died while "b" ran; after the resume it ran again.
            started(3, 2, Phase::Method, 1, "b"),
            started(4, 3, Phase::Method, 1, "b"),
            finished(5, 3),
            started(6, 4, Phase::Method, 2, "c"),
            finished(7, 4),
            // A rollback killed twice, then finished.
            started(8, 5, Phase::Rollbacks, 0, "undo"),
            started(9, 6, Phase::Rollbacks, 0, "undo"),
            started(10, 7, Phase::Rollbacks, 0, "undo"),
            finished(11, 7),
        ];
        let j = project(&events);
        let names: Vec<&str> =
            j["run"].as_array().unwrap().iter().filter_map(|r| r["activity"]["name"].as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(j["run"][1]["start"], "s4", "the entry is the attempt that finished");
        assert_eq!(j["run"][1]["status"], "succeeded");
        assert_eq!(j["rollbacks"].as_array().map(Vec::len), Some(1));
        assert_eq!(j["rollbacks"][0]["start"], "s10");
    }

    #[test]
    fn a_step_the_console_died_in_and_never_retried_stays_unfinished() {
        let j = project(&[started(1, 1, Phase::Method, 0, "a")]);
        assert_eq!(j["run"].as_array().map(Vec::len), Some(1));
        assert!(j["run"][0].get("status").is_none());
    }

    fn changed(seq: u64, part: ChangedPart, set: Value, appended: Vec<Value>, list: Option<Vec<Value>>) -> Event {
        let set = set.as_object().cloned().unwrap_or_default();
        ev(seq, EventBody::ControlChanged { part, controls: vec!["c".into()], set, appended, list })
    }

    #[test]
    fn what_controls_changed_lands_where_chaos_keeps_it() {
        let experiment = json!({"method": [{"name": "a"}]});
        let start = EventBody::SessionStarted {
            experiment,
            source: String::new(),
            mode: String::new(),
            platform: String::new(),
            node: String::new(),
            facilitator: None,
            argv: Vec::new(),
            cwd: String::new(),
            source_sha256: None,
        };
        let mut skipped = finished(3, 1);
        if let EventBody::ActivityFinished { gameday, .. } = &mut skipped.body {
            *gameday = Some(json!({"decision": "skip"}));
        }
        let events = vec![
            ev(1, start),
            started(2, 1, Phase::Method, 0, "a"),
            skipped,
            changed(4, ChangedPart::Run(1), json!({"tag": 1}), vec![], None),
            ev(
                5,
                EventBody::StepsInserted {
                    list: super::super::event::StepList::Method,
                    position: 1,
                    steps: vec![json!({"name": "a", "iteration_index": 1})],
                    controls: vec!["again".into()],
                },
            ),
            changed(6, ChangedPart::Entries(Phase::Method), json!({}), vec![json!("after")], None),
            ev(7, EventBody::HypothesisStarted { phase: Phase::After }),
            ev(8, EventBody::HypothesisFinished { phase: Phase::After, met: Some(true) }),
            changed(9, ChangedPart::SteadyState(Phase::After), json!({"seen": true}), vec![], None),
            changed(10, ChangedPart::Journal, json!({"exported": "yes"}), vec![], None),
        ];
        let j = project(&events);
        assert_eq!(j["run"][0]["tag"], 1);
        assert_eq!(j["run"][1], "after");
        assert_eq!(j["steady_states"]["after"]["seen"], true);
        assert_eq!(j["exported"], "yes");
        assert_eq!(j["experiment"]["method"][1]["iteration_index"], 1);
        // A replaced list keeps our own `gameday` key on the entries it kept.
        let mut events = events;
        events.push(changed(11, ChangedPart::Entries(Phase::Method), json!({}), vec![], Some(vec![json!({"x": 1})])));
        let j = project(&events);
        assert_eq!(j["run"], json!([{"x": 1, "gameday": {"decision": "skip"}}]));
    }
}
