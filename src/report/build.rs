//! A session's events → a [`Report`]. The events are the source of truth:
//! the timeline, decisions, STOPs, observations and milestones exist only
//! there; steps are rebuilt as the journal projection builds them.
use super::describe::{self, Slot};
use super::model::*;
use super::plan::plan;
use super::text::{duration, plain};
use super::times;
use super::verdict;
use crate::session::event::{DecisionKind, Event, EventBody, Phase};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Anchor prefix and words for a phase.
pub fn phase_key(p: Phase) -> &'static str {
    match p {
        Phase::Readiness => "readiness",
        Phase::Before => "before",
        Phase::Method => "method",
        Phase::During => "during",
        Phase::After => "after",
        Phase::Rollbacks => "rollback",
        Phase::Stopping => "stopping",
        Phase::Ended => "ended",
    }
}

pub fn decision_word(d: &DecisionKind) -> &'static str {
    match d {
        DecisionKind::Confirm => "confirm",
        DecisionKind::Skip => "skip",
        DecisionKind::Abort => "abort",
        DecisionKind::Done => "done",
        DecisionKind::Failed => "failed",
        DecisionKind::Override => "override",
    }
}

/// An activity that started: where its step lives, and its journal entry so far.
struct Open {
    phase: Phase,
    slot_anchor: String,
    number: usize,
    t: f64,
    entry: Map<String, Value>,
    timeline_pos: usize,
}

/// When an event happened, as every record of it shows it.
struct Stamp {
    seq: u64,
    t: f64,
    /// The wall-clock time, formatted once per event.
    at: String,
}

/// A session's report, built one event at a time: a long `events.jsonl` is
/// streamed through it and never held in memory whole.
pub struct SessionBuilder {
    r: Report,
    open: HashMap<u64, Open>,
    counts: HashMap<Phase, usize>,
    during_round: usize,
    pending_probes: HashMap<Phase, Vec<Step>>,
    step_anchor: HashMap<(Phase, usize), String>,
    ended: Option<(String, bool, f64)>,
    started_at: Option<String>,
    last_t: f64,
    /// Decisions waiting to be linked to their step: ((phase, index), decision, timeline line).
    pending_decision: Vec<((Phase, usize), usize, usize)>,
}

impl Default for SessionBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionBuilder {
    pub fn new() -> Self {
        Self {
            r: verdict::empty_report("session"),
            open: HashMap::new(),
            counts: HashMap::new(),
            during_round: 0,
            pending_probes: HashMap::new(),
            step_anchor: HashMap::new(),
            ended: None,
            started_at: None,
            last_t: 0.0,
            pending_decision: Vec::new(),
        }
    }

    fn push(&mut self, at: &Stamp, kind: &str, text: String, who: Option<String>, link: Option<String>) -> usize {
        // Everything but the engine's own records was written by a person
        // (any observation kind, custom ones included, and milestones).
        let human = !matches!(
            kind,
            "start" | "phase" | "decision" | "verdict" | "step" | "stop" | "warning" | "safeguard" | "end"
        );
        self.r.timeline.push(TimelineEntry {
            id: format!("ev-{}", at.seq),
            t: at.t,
            at: at.at.clone(),
            kind: kind.to_string(),
            text,
            who,
            link,
            human,
        });
        self.r.timeline.len() - 1
    }

    /// Take in the next event. By value: its strings move into the report
    /// rather than being copied (a session can hold 100,000 notes).
    pub fn apply(&mut self, ev: Event) {
        self.last_t = self.last_t.max(ev.t);
        let at = Stamp { seq: ev.seq, t: ev.t, at: times::iso(&ev.at) };
        match ev.body {
            EventBody::SessionStarted { experiment, source, mode, .. } => {
                let r = &mut self.r;
                r.title = experiment.get("title").map(plain).unwrap_or_default();
                r.description = experiment.get("description").map(plain).filter(|s| !s.is_empty());
                r.plan = plan(&experiment);
                let text = format!("Session started ({mode})");
                r.source = Some(source);
                r.mode = Some(mode);
                self.started_at = Some(at.at.clone());
                self.push(&at, "start", text, None, Some("plan".into()));
            }
            EventBody::PhaseChanged { phase } => {
                self.push(&at, "phase", phase.label().to_string(), None, Some(section_of(phase).into()));
            }
            EventBody::Proposal { .. } | EventBody::ProcessStarted { .. } | EventBody::SessionEnded => {}
            EventBody::Decision { phase, index, name, decision, who, reason } => {
                let word = decision_word(&decision);
                let why = reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default();
                let text = format!("{who} chose {word} for '{name}'{why}");
                let pos = self.push(&at, "decision", text, Some(who.clone()), None);
                self.r.decisions.push(DecisionRec {
                    t: at.t,
                    at: at.at,
                    phase: phase_key(phase).into(),
                    step: name,
                    anchor: None,
                    decision: word.into(),
                    who,
                    reason,
                });
                // Linked to its step once that step starts (or stays unlinked).
                let d = self.r.decisions.len() - 1;
                self.pending_decision.push(((phase, index), d, pos));
            }
            EventBody::HypothesisStarted { phase } => {
                self.pending_probes.insert(phase, Vec::new());
                if phase == Phase::During {
                    self.during_round += 1;
                }
            }
            EventBody::HypothesisFinished { phase, met } => {
                let probes = self.pending_probes.remove(&phase).unwrap_or_default();
                let h = Hypothesis { met, probes };
                let word = match met {
                    Some(true) => "met",
                    Some(false) => "NOT met",
                    None => "not evaluated",
                };
                let link = match phase {
                    Phase::During => "steady-during",
                    Phase::After => "steady-after",
                    _ => "steady-before",
                };
                self.push(&at, "verdict", format!("{}: {word}", phase.label()), None, Some(link.into()));
                let r = &mut self.r;
                match phase {
                    Phase::Before => r.steady_states.before = Some(h),
                    Phase::After => r.steady_states.after = Some(h),
                    Phase::During => r.steady_states.during.push(h),
                    _ => {}
                }
            }
            EventBody::ActivityStarted { run, phase, index, activity, start } => {
                let n = self.counts.entry(phase).or_insert(0);
                *n += 1;
                let number = *n;
                let anchor = match phase {
                    Phase::During => format!("during-{}-{}", self.during_round, number),
                    p => format!("{}-{}", phase_key(p), number),
                };
                let name = activity.get("name").map(plain).unwrap_or_default();
                let text = format!("{} {}: {}", phase_word(phase), index + 1, name);
                let pos = self.push(&at, "step", text, None, Some(anchor.clone()));
                self.step_anchor.insert((phase, index), anchor.clone());
                let mut entry = Map::new();
                entry.insert("activity".into(), activity);
                entry.insert("output".into(), Value::Null);
                entry.insert("start".into(), json!(start));
                self.open.insert(run, Open { phase, slot_anchor: anchor, number, t: at.t, entry, timeline_pos: pos });
            }
            EventBody::ActivityFinished { run, output, status, exception, end, duration, tolerance_met, gameday } => {
                if let Some(mut o) = self.open.remove(&run) {
                    o.entry.insert("output".into(), output);
                    if let Some(s) = status {
                        o.entry.insert("status".into(), json!(s));
                    }
                    if let Some(x) = exception {
                        o.entry.insert("exception".into(), json!(x));
                    }
                    o.entry.insert("end".into(), json!(end));
                    o.entry.insert("duration".into(), json!(duration));
                    if let Some(t) = tolerance_met {
                        o.entry.insert("tolerance_met".into(), json!(t));
                    }
                    if let Some(g) = gameday {
                        o.entry.insert("gameday".into(), g);
                    }
                    self.close(o);
                }
            }
            EventBody::Stop { who, source, reason } => {
                let why = reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default();
                let anchor = format!("stop-{}", self.r.stops.len() + 1);
                let text = format!("STOP by {who} ({source}){why}");
                self.push(&at, "stop", text, Some(who.clone()), Some(anchor.clone()));
                self.r.stops.push(StopRec {
                    anchor,
                    t: at.t,
                    at: at.at,
                    who,
                    safeguard: source == "safeguard",
                    source,
                    reason,
                });
            }
            EventBody::Warning { message } => {
                self.push(&at, "warning", message.clone(), None, None);
                self.r.warnings.push(Timed { t: at.t, at: at.at, text: message });
            }
            EventBody::Observation { id, kind, text, author, step, owner, due } => {
                let anchor = format!("obs-{}", at.seq);
                // A "STOP reason" note completes the STOP it follows.
                if kind == "decision"
                    && let Some(why) = text.strip_prefix("STOP reason:")
                    && let Some(stop) = self.r.stops.iter_mut().rev().find(|s| s.reason.is_none())
                {
                    stop.reason = Some(why.trim().to_string());
                }
                let mut shown = text.clone();
                if let Some(o) = &owner {
                    shown.push_str(&format!(" (owner: {o}"));
                    if let Some(d) = &due {
                        shown.push_str(&format!(", due {d}"));
                    }
                    shown.push(')');
                }
                let tkind = if kind == "decision" { "decision-note" } else { kind.as_str() };
                self.push(&at, tkind, shown, Some(author.clone()), Some(anchor.clone()));
                self.r.observations.push(Obs {
                    anchor,
                    id,
                    t: at.t,
                    at: at.at,
                    kind: normalise_kind(kind),
                    text,
                    author,
                    step,
                    owner,
                    due,
                });
            }
            EventBody::Milestone { milestone, author } => {
                let anchor = format!("milestone-{}", at.seq);
                let text = format!("Milestone: {milestone}");
                self.push(&at, "milestone", text, Some(author.clone()), Some(anchor.clone()));
                self.r.milestones.push(MilestoneRec { anchor, t: at.t, at: at.at, milestone, author });
            }
            EventBody::SafeguardCheck { name, met, value, error } => self.safeguard(&at, name, met, &value, error),
            EventBody::RunFinished { status, deviated, end, duration } => {
                let shown = if deviated { format!("{status}, deviated") } else { status.clone() };
                self.push(&at, "end", format!("Run ended: {shown}"), None, Some("verdict".into()));
                self.ended = Some((status, deviated, duration));
                self.r.ended_at = Some(end);
            }
            // Event kinds added later must not break reports of older builds.
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }

    fn safeguard(&mut self, at: &Stamp, name: String, met: bool, value: &Value, error: Option<String>) {
        let r = &mut self.r;
        let idx = match r.safeguards.iter().position(|s| s.name == name) {
            Some(i) => i,
            None => {
                r.safeguards.push(SafeguardRec {
                    name: name.clone(),
                    checks: 0,
                    misses: 0,
                    first_miss: None,
                    last_value: String::new(),
                    last_error: None,
                });
                r.safeguards.len() - 1
            }
        };
        let mut first_miss = false;
        if let Some(sg) = r.safeguards.get_mut(idx) {
            sg.checks += 1;
            sg.last_value = super::text::concise(value);
            sg.last_error = error.clone();
            if !met {
                first_miss = sg.misses == 0;
                sg.misses += 1;
                sg.first_miss.get_or_insert(at.t);
            }
        }
        // Only the first miss of each safeguard goes on the timeline: checks
        // run every few seconds and would drown everything else.
        if first_miss {
            let why = error.unwrap_or_else(|| format!("value {}", super::text::concise(value)));
            self.push(at, "safeguard", format!("Safeguard '{name}' missed: {why}"), None, Some("safeguards".into()));
        }
    }

    fn close(&mut self, o: Open) {
        let entry = Value::Object(o.entry);
        let step = describe::step(
            &entry,
            Slot { anchor: o.slot_anchor, phase: phase_key(o.phase), number: o.number, t: Some(o.t) },
        );
        let outcome = match (&step.decision, step.tolerance_met) {
            (Some(d), _) if d == "skip" => "skipped".to_string(),
            (_, Some(false)) => format!("{}, tolerance not met", step.status),
            _ => step.status.clone(),
        };
        let took = step.duration.map(|d| format!(" ({})", duration(d))).unwrap_or_default();
        if let Some(line) = self.r.timeline.get_mut(o.timeline_pos) {
            line.text = format!("{} — {outcome}{took}", line.text);
        }
        let r = &mut self.r;
        match o.phase {
            Phase::Method => r.method.push(step),
            Phase::Rollbacks => r.rollbacks.push(step),
            Phase::Readiness => r.readiness.push(step),
            Phase::Stopping => r.halts.push(step),
            p => self.pending_probes.entry(p).or_default().push(step),
        }
    }

    /// The finished report: steps still open are closed (the run was cut off)
    /// and decisions are linked to the steps they were taken on. `notes`:
    /// problems met while reading the log (a torn last line), shown first.
    pub fn finish(mut self, notes: Vec<String>) -> Report {
        // Steps that started and never finished: the run was cut off.
        let mut open: Vec<Open> = self.open.drain().map(|(_, o)| o).collect();
        open.sort_by(|a, b| a.t.total_cmp(&b.t));
        for o in open {
            self.close(o);
        }
        let mut r = self.r;
        r.input_notes = notes;
        for (phase, probes) in self.pending_probes {
            let h = Hypothesis { met: None, probes };
            match phase {
                Phase::Before if r.steady_states.before.is_none() => r.steady_states.before = Some(h),
                Phase::After if r.steady_states.after.is_none() => r.steady_states.after = Some(h),
                Phase::During => r.steady_states.during.push(h),
                _ => {}
            }
        }
        for (key, d, pos) in self.pending_decision {
            let anchor = self.step_anchor.get(&key).cloned();
            if let Some(rec) = r.decisions.get_mut(d) {
                rec.anchor = anchor.clone();
            }
            if let Some(line) = r.timeline.get_mut(pos) {
                line.link = anchor;
            }
        }
        r.started_at = self.started_at;
        r.duration = self.ended.as_ref().map(|e| e.2).or(Some(self.last_t));
        r.verdict = verdict::verdict(
            self.ended.as_ref().map(|(s, d, _)| (s.as_str(), *d)),
            &r.steady_states,
            &r.stops,
            &r.method,
        );
        r.durations = verdict::durations(&r.method, &r.milestones);
        if r.ended_at.is_none() {
            r.input_notes.push("The run never recorded its end: the report covers what was recorded.".into());
        }
        r
    }
}

fn section_of(p: Phase) -> &'static str {
    match p {
        Phase::Readiness => "readiness",
        Phase::Before => "steady-before",
        Phase::Method => "method",
        Phase::During => "steady-during",
        Phase::After => "steady-after",
        Phase::Rollbacks => "rollbacks",
        Phase::Stopping => "stops",
        Phase::Ended => "verdict",
    }
}

fn phase_word(p: Phase) -> &'static str {
    match p {
        Phase::Readiness => "Readiness check",
        Phase::Before => "Steady-state probe (before)",
        Phase::Method => "Method step",
        Phase::During => "Steady-state probe (during)",
        Phase::After => "Steady-state probe (after)",
        Phase::Rollbacks => "Rollback",
        Phase::Stopping => "Halt action",
        Phase::Ended => "Step",
    }
}

/// Observation kinds as stored; `action item` and `action` are one kind.
fn normalise_kind(k: String) -> String {
    match k.as_str() {
        "action item" | "action-item" | "action_item" => "action".into(),
        _ => k,
    }
}
