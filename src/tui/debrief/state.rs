//! What the Debrief lists: the weaknesses, questions and action items of the
//! session, what has been done with each (answers, action items, backlog
//! cards), the milestones and the first STOP. Built from every event the
//! console applies, so a resumed session shows the same as a live one.
use super::links;
use crate::session::event::{Event, EventBody, Phase};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The three lists, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum List {
    #[default]
    Weaknesses,
    Questions,
    Actions,
}

impl List {
    pub const ALL: [List; 3] = [List::Weaknesses, List::Questions, List::Actions];

    /// The note kind the list holds.
    pub fn kind(self) -> &'static str {
        match self {
            List::Weaknesses => "weakness",
            List::Questions => "question",
            List::Actions => "action",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            List::Weaknesses => "Weaknesses",
            List::Questions => "Questions to ask",
            List::Actions => "Action items",
        }
    }

    fn index(self) -> usize {
        List::ALL.iter().position(|l| *l == self).unwrap_or(0)
    }

    pub fn next(self) -> List {
        List::ALL[(self.index() + 1) % List::ALL.len()]
    }
}

/// A weakness, question or action item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: u64,
    pub t: f64,
    pub kind: String,
    pub text: String,
    pub author: String,
    pub owner: Option<String>,
    pub due: Option<String>,
}

/// Where the session came from: the playbook (as given, and the directory
/// it was given in) and when it started.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInfo {
    pub source: String,
    pub cwd: String,
    pub started: DateTime<Utc>,
    /// The playbook's `hypothesis.backlog` (a card id, or a backlog file).
    pub backlog_ref: Option<String>,
}

/// The first STOP of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct StopInfo {
    pub who: String,
    pub source: String,
    pub reason: Option<String>,
    pub t: f64,
}

/// The Debrief's data and selection.
#[derive(Debug, Clone, Default)]
pub struct Debrief {
    pub items: Vec<Item>,
    /// Answers by question id (the latest wins).
    pub answers: HashMap<u64, String>,
    /// What was made from a note, by its id: `action #7`, `card GD-1`.
    pub follow_ups: HashMap<u64, Vec<String>>,
    /// First T+ of each milestone.
    pub milestones: HashMap<String, f64>,
    /// T+ of the first method activity (response times count from it).
    pub method_start: Option<f64>,
    pub stop: Option<StopInfo>,
    pub session: Option<SessionInfo>,
    pub list: List,
    pub selected: [usize; 3],
}

/// `action item` and friends are one kind (as the report reads them).
fn normalise(kind: &str) -> String {
    match kind.to_ascii_lowercase().as_str() {
        "action item" | "action-item" | "action_item" => "action".into(),
        k => k.to_string(),
    }
}

impl Debrief {
    /// Take in one event.
    pub fn on_event(&mut self, ev: &Event) {
        match &ev.body {
            EventBody::SessionStarted { experiment, source, cwd, .. } => {
                let backlog_ref = experiment
                    .get("hypothesis")
                    .and_then(|h| h.get("backlog"))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string);
                self.session =
                    Some(SessionInfo { source: source.clone(), cwd: cwd.clone(), started: ev.at, backlog_ref });
            }
            EventBody::ActivityStarted { phase: Phase::Method, .. } => {
                self.method_start.get_or_insert(ev.t);
            }
            EventBody::Milestone { milestone, .. } => {
                self.milestones.entry(milestone.to_ascii_lowercase()).or_insert(ev.t);
            }
            EventBody::Stop { who, source, reason } if self.stop.is_none() => {
                self.stop =
                    Some(StopInfo { who: who.clone(), source: source.clone(), reason: reason.clone(), t: ev.t });
            }
            EventBody::Observation { id, kind, text, author, owner, due, .. } => {
                let kind = normalise(kind);
                if kind == "decision"
                    && let Some(why) = text.strip_prefix("STOP reason:")
                    && let Some(stop) = self.stop.as_mut().filter(|s| s.reason.is_none())
                {
                    stop.reason = Some(why.trim().to_string());
                }
                if let Some((question, answer)) = links::answer_of(text) {
                    self.answers.insert(question, answer);
                }
                if let Some((_, source)) = links::source_of(text) {
                    let label = match links::backlog_card_of(text) {
                        Some(card) => format!("card {card}"),
                        None => format!("{kind} #{id}"),
                    };
                    self.follow_ups.entry(source).or_default().push(label);
                }
                if ["weakness", "question", "action"].contains(&kind.as_str()) {
                    self.items.push(Item {
                        id: *id,
                        t: ev.t,
                        kind,
                        text: text.clone(),
                        author: author.clone(),
                        owner: owner.clone(),
                        due: due.clone(),
                    });
                }
            }
            _ => {}
        }
    }

    /// The items of one list, oldest first.
    pub fn of(&self, list: List) -> Vec<&Item> {
        self.items.iter().filter(|i| i.kind == list.kind()).collect()
    }

    /// The selected index in `list`, kept inside the list.
    pub fn selected_in(&self, list: List) -> usize {
        self.selected[list.index()].min(self.of(list).len().saturating_sub(1))
    }

    /// The item under the cursor in the focused list.
    pub fn current(&self) -> Option<&Item> {
        self.of(self.list).get(self.selected_in(self.list)).copied()
    }

    /// Move the cursor in the focused list.
    pub fn move_by(&mut self, delta: isize) {
        let n = self.of(self.list).len();
        let cur = self.selected_in(self.list) as isize + delta;
        self.selected[self.list.index()] = cur.clamp(0, n.saturating_sub(1) as isize) as usize;
    }

    /// Seconds from the first method step (or the session start) to the
    /// first milestone of that name.
    pub fn time_to(&self, milestone: &str) -> Option<f64> {
        self.milestones.get(milestone).map(|t| (t - self.method_start.unwrap_or(0.0)).max(0.0))
    }
}
