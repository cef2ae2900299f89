//! A bare Chaos Toolkit `journal.json` (from `chaos run`, or a session's
//! projection) → a [`Report`]. A journal has no observations, milestones or
//! STOP records; T+ times are counted from the journal's `start`.
use super::describe::{self, Slot};
use super::model::*;
use super::plan::plan;
use super::text::{plain, seconds_between};
use super::verdict;
use serde_json::Value;

/// Build the report of one journal.
pub fn from_journal(j: &Value, notes: Vec<String>) -> Report {
    let mut r = verdict::empty_report("journal");
    r.input_notes = notes;
    let exp = j.get("experiment").cloned().unwrap_or(Value::Null);
    r.title = exp.get("title").map(plain).unwrap_or_default();
    r.description = exp.get("description").map(plain).filter(|s| !s.is_empty());
    r.plan = plan(&exp);
    let start = j.get("start").and_then(Value::as_str).unwrap_or("").to_string();
    r.started_at = Some(start.clone()).filter(|s| !s.is_empty());
    r.ended_at = j.get("end").and_then(Value::as_str).map(str::to_string);
    r.duration = j.get("duration").and_then(Value::as_f64);
    let t_of = |e: &Value| e.get("start").and_then(Value::as_str).and_then(|s| seconds_between(&start, s));
    let mut lines = Lines::default();
    if !start.is_empty() {
        lines.push(&mut r, 0.0, &start, "start", "Run started".into(), Some("plan".into()));
    }
    let ss = j.get("steady_states");
    let before = ss.and_then(|s| s.get("before")).filter(|h| !h.is_null()).map(|h| hypothesis(h, "before", &t_of));
    if let Some(h) = &before {
        verdict_line(&mut r, &mut lines, h, "before", "Steady state (before)");
    }
    r.steady_states.before = before;
    r.method = entries(j, "run", "method", &t_of);
    for s in r.method.clone() {
        step_line(&mut r, &mut lines, &s, "Method step");
    }
    if let Some(during) = ss.and_then(|s| s.get("during")).and_then(Value::as_array) {
        for (i, h) in during.iter().enumerate() {
            r.steady_states.during.push(hypothesis(h, &format!("during-{}", i + 1), &t_of));
        }
    }
    let after = ss.and_then(|s| s.get("after")).filter(|h| !h.is_null()).map(|h| hypothesis(h, "after", &t_of));
    if let Some(h) = &after {
        verdict_line(&mut r, &mut lines, h, "after", "Steady state (after)");
    }
    r.steady_states.after = after;
    r.rollbacks = entries(j, "rollbacks", "rollback", &t_of);
    for s in r.rollbacks.clone() {
        step_line(&mut r, &mut lines, &s, "Rollback");
    }
    for s in r.method.iter().chain(&r.rollbacks) {
        if let Some(d) = &s.decision {
            r.decisions.push(DecisionRec {
                t: s.t.unwrap_or(0.0),
                at: s.start.clone().unwrap_or_default(),
                phase: s.phase.clone(),
                step: s.name.clone(),
                anchor: Some(s.anchor.clone()),
                decision: d.clone(),
                who: s.decided_by.clone().unwrap_or_default(),
                reason: s.reason.clone(),
            });
        }
    }
    let status = j.get("status").and_then(Value::as_str);
    let deviated = j.get("deviated").and_then(Value::as_bool).unwrap_or(false);
    if let (Some(st), Some(end)) = (status, r.ended_at.clone()) {
        let shown = if deviated { format!("{st}, deviated") } else { st.to_string() };
        let t = r.duration.unwrap_or(0.0);
        lines.push(&mut r, t, &end, "end", format!("Run ended: {shown}"), Some("verdict".into()));
    }
    r.timeline.sort_by(|a, b| a.t.total_cmp(&b.t));
    r.verdict = verdict::verdict(status.map(|s| (s, deviated)), &r.steady_states, &r.stops, &r.method);
    r.durations = verdict::durations(&r.method, &r.milestones);
    r
}

/// Numbers timeline lines (`ev-1`, `ev-2`, …) as they are added.
#[derive(Default)]
struct Lines {
    n: usize,
}

impl Lines {
    fn push(&mut self, r: &mut Report, t: f64, at: &str, kind: &str, text: String, link: Option<String>) {
        self.n += 1;
        r.timeline.push(TimelineEntry {
            id: format!("ev-{}", self.n),
            t,
            at: at.to_string(),
            kind: kind.into(),
            text,
            who: None,
            link,
            human: false,
        });
    }
}

fn verdict_line(r: &mut Report, lines: &mut Lines, h: &Hypothesis, key: &str, label: &str) {
    let word = match h.met {
        Some(true) => "met",
        Some(false) => "NOT met",
        None => "not evaluated",
    };
    let t = h.probes.iter().filter_map(|p| p.t.map(|t| t + p.duration.unwrap_or(0.0))).reduce(f64::max);
    let at = h.probes.last().and_then(|p| p.start.clone()).unwrap_or_default();
    lines.push(r, t.unwrap_or(0.0), &at, "verdict", format!("{label}: {word}"), Some(format!("steady-{key}")));
}

fn step_line(r: &mut Report, lines: &mut Lines, s: &Step, word: &str) {
    let took = s.duration.map(|d| format!(" ({})", super::text::duration(d))).unwrap_or_default();
    let text = format!("{word} {}: {} — {}{took}", s.number, s.name, s.status);
    lines.push(r, s.t.unwrap_or(0.0), s.start.as_deref().unwrap_or(""), "step", text, Some(s.anchor.clone()));
}

fn entries(j: &Value, key: &str, phase: &str, t_of: &dyn Fn(&Value) -> Option<f64>) -> Vec<Step> {
    j.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .enumerate()
                .map(|(i, e)| {
                    describe::step(e, Slot { anchor: format!("{phase}-{}", i + 1), phase, number: i + 1, t: t_of(e) })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn hypothesis(h: &Value, prefix: &str, t_of: &dyn Fn(&Value) -> Option<f64>) -> Hypothesis {
    let phase = prefix.split('-').next().unwrap_or(prefix);
    let probes = h
        .get("probes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .enumerate()
                .map(|(i, e)| {
                    describe::step(e, Slot { anchor: format!("{prefix}-{}", i + 1), phase, number: i + 1, t: t_of(e) })
                })
                .collect()
        })
        .unwrap_or_default();
    Hypothesis { met: h.get("steady_state_met").and_then(Value::as_bool), probes }
}
