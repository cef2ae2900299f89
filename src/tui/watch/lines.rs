//! `gameday watch --follow-lines`: one line of plain text per event
//! (`T+00:01:02 observation  alex: the error rate rose`), for scripts, tests
//! and terminals where a full-screen view is not wanted.
use crate::session::event::{DecisionKind, Event, EventBody};
use crate::tui::widgets::t_plus;
use serde_json::Value;
use std::collections::HashMap;

/// The event's `kind` as written in `events.jsonl`.
pub fn kind(body: &EventBody) -> String {
    serde_json::to_value(body)
        .ok()
        .and_then(|v| v.get("kind").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "event".into())
}

/// The fields of an event kind this formatter has no words for, as compact JSON.
fn fields(body: &EventBody) -> String {
    match serde_json::to_value(body) {
        Ok(Value::Object(mut m)) => {
            m.remove("kind");
            let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}={}", json_text(v))).collect();
            parts.join(" ")
        }
        _ => String::new(),
    }
}

/// A value as a line shows it: text as it is, anything else as compact
/// JSON (which scripts can parse, unlike Python's repr).
fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Turns events into lines; remembers activity names by run, because an
/// activity's end does not repeat its name.
#[derive(Debug, Default)]
pub struct LineFormatter {
    names: HashMap<u64, String>,
}

fn activity_name(a: &Value) -> String {
    a.get("name").or_else(|| a.get("ref")).and_then(Value::as_str).unwrap_or("(unnamed)").to_string()
}

fn kind_word(d: &DecisionKind) -> String {
    serde_json::to_value(d).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| "?".into())
}

/// Keep a line a line.
fn flat(s: &str) -> String {
    s.trim_end().replace('\n', " ⏎ ").replace('\r', "")
}

impl LineFormatter {
    pub fn new() -> Self {
        Self::default()
    }

    /// The line for one event (no trailing newline).
    pub fn line(&mut self, ev: &Event) -> String {
        format!("{} {:<19} {}", t_plus(ev.t), kind(&ev.body), flat(&self.text(&ev.body)))
    }

    fn text(&mut self, body: &EventBody) -> String {
        match body {
            EventBody::SessionStarted { experiment, mode, facilitator, .. } => {
                let title = experiment.get("title").and_then(Value::as_str).unwrap_or("(untitled)");
                let by = facilitator.as_ref().map(|f| format!(", facilitator {f}")).unwrap_or_default();
                format!("{title} ({mode}{by})")
            }
            EventBody::PhaseChanged { phase } => phase.label().to_string(),
            EventBody::Proposal { name, .. } => format!("waiting for a decision on '{name}'"),
            EventBody::Decision { name, decision, who, reason, .. } => {
                let word = match decision {
                    DecisionKind::Confirm => "confirmed",
                    DecisionKind::Skip => "skipped",
                    DecisionKind::Abort => "aborted at",
                    DecisionKind::Done => "marked done",
                    DecisionKind::Failed => "marked failed",
                    other => return format!("{who} chose {} for '{name}'", kind_word(other)),
                };
                let why = reason.as_ref().filter(|r| !r.is_empty()).map(|r| format!(" — {r}")).unwrap_or_default();
                format!("{who} {word} '{name}'{why}")
            }
            EventBody::HypothesisStarted { phase } => format!("{}: checking", phase.label()),
            EventBody::HypothesisFinished { phase, met } => {
                let word = match met {
                    Some(true) => "met",
                    Some(false) => "NOT met",
                    None => "unknown",
                };
                format!("{}: {word}", phase.label())
            }
            EventBody::ActivityStarted { run, phase, activity, .. } => {
                let name = activity_name(activity);
                self.names.insert(*run, name.clone());
                let kind = activity.get("type").and_then(Value::as_str).unwrap_or("activity");
                format!("{kind} '{name}' started ({})", phase.label())
            }
            EventBody::ProcessStarted { run, pgid } => {
                let name = self.names.get(run).map(String::as_str).unwrap_or("?");
                format!("'{name}' runs as process group {pgid}")
            }
            EventBody::ActivityFinished { run, status, duration, tolerance_met, gameday, .. } => {
                let name = self.names.remove(run).unwrap_or_else(|| "?".into());
                let skipped = gameday.as_ref().and_then(|g| g.get("decision")).and_then(Value::as_str) == Some("skip");
                let word = match (status.as_deref(), tolerance_met) {
                    (None, _) => "interrupted".to_string(),
                    _ if skipped => "skipped".to_string(),
                    (Some(s), Some(false)) => format!("{s}, tolerance NOT met"),
                    (Some(s), _) => s.to_string(),
                };
                format!("'{name}' {word} after {duration:.2}s")
            }
            EventBody::SafeguardCheck { name, met, value, error } => {
                let shown = error.clone().unwrap_or_else(|| json_text(value));
                format!("'{name}' {} ({shown})", if *met { "held" } else { "MISSED" })
            }
            EventBody::Stop { who, source, reason } => {
                let why = reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default();
                format!("STOP by {who} via {source}{why}")
            }
            EventBody::Warning { message } => message.clone(),
            EventBody::Observation { kind, text, author, owner, due, .. } => {
                let mut s = format!("{kind} by {author}: {text}");
                if let Some(o) = owner {
                    s.push_str(&format!(" (owner: {o}"));
                    if let Some(d) = due {
                        s.push_str(&format!(", due {d}"));
                    }
                    s.push(')');
                }
                s
            }
            EventBody::Milestone { milestone, author } => format!("{milestone} (by {author})"),
            EventBody::RunFinished { status, deviated, duration, .. } => {
                let dev = if *deviated { ", deviated: a weakness may have been found" } else { "" };
                format!("run {status}{dev} after {duration:.1}s")
            }
            EventBody::SessionEnded => "the console closed the session".to_string(),
            other => fields(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use serde_json::json;

    #[test]
    fn kind_matches_the_log() {
        let body = EventBody::Milestone { milestone: "detected".into(), author: "a".into() };
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["kind"], kind(&body).as_str());
    }

    #[test]
    fn finished_activities_are_named() {
        let mut f = LineFormatter::new();
        let at = Utc::now();
        let start = Event {
            seq: 1,
            at,
            t: 61.0,
            body: EventBody::ActivityStarted {
                run: 3,
                phase: crate::session::event::Phase::Method,
                index: 0,
                activity: json!({"type": "action", "name": "add-latency"}),
                start: String::new(),
            },
        };
        assert_eq!(f.line(&start), "T+00:01:01 activity_started    action 'add-latency' started (Method)");
        let end = Event {
            seq: 2,
            at,
            t: 62.0,
            body: EventBody::ActivityFinished {
                run: 3,
                output: Value::Null,
                status: Some("succeeded".into()),
                exception: None,
                end: String::new(),
                duration: 1.0,
                tolerance_met: None,
                gameday: None,
            },
        };
        assert!(f.line(&end).ends_with("'add-latency' succeeded after 1.00s"));
    }
}
