//! The seven planning steps as a checklist: for each, what is complete and
//! what is missing, in words a facilitator can act on ("no safety monitor",
//! "approval pending: Bob", "production: confirm on the day").
//!
//! Computed from the playbook, the experiment it runs (its wrapped
//! experiment merged in) and the day file, so ticking an approval on the
//! day turns its step green at once.
use super::day::DayFile;
use crate::model::playbook::{Phase, Playbook, PreflightItem, phase_list};
use serde_json::Value;

/// Where a step (or one of its gaps) stands. Shown with a glyph and a word,
/// never by colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Done,
    /// Only the day itself can settle it (a tick, a typed confirmation).
    OnTheDay,
    Missing,
}

impl State {
    pub fn glyph(self) -> &'static str {
        match self {
            State::Done => "✔",
            State::OnTheDay => "▲",
            State::Missing => "✖",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            State::Done => "done",
            State::OnTheDay => "on the day",
            State::Missing => "missing",
        }
    }
}

/// One thing still to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub state: State,
    pub text: String,
}

/// One of the seven steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1 to 7.
    pub number: u8,
    pub title: &'static str,
    pub gaps: Vec<Gap>,
}

impl Step {
    /// The worst of its gaps (done when there are none).
    pub fn state(&self) -> State {
        self.gaps.iter().map(|g| g.state).max().unwrap_or(State::Done)
    }
}

/// The names of the seven steps, in order.
pub const TITLES: [&str; 7] = ["Hypothesis", "Style", "Who", "Where", "When", "Experiment", "Approval"];

/// What the checklist is computed from.
pub struct Inputs<'a> {
    pub playbook: &'a Playbook,
    /// The document the engine runs (wrapped experiment merged in).
    pub experiment: &'a Value,
    /// Why the wrapped experiment could not be read, if it could not.
    pub resolve_error: Option<&'a str>,
    /// The first validation problem (file:line:col), if any.
    pub validation_error: Option<&'a str>,
    pub day: &'a DayFile,
}

fn missing(text: impl Into<String>) -> Gap {
    Gap { state: State::Missing, text: text.into() }
}

fn on_the_day(text: impl Into<String>) -> Gap {
    Gap { state: State::OnTheDay, text: text.into() }
}

/// The seven steps with their gaps.
pub fn steps(i: &Inputs) -> Vec<Step> {
    let gaps = [hypothesis(i), style(i), who(i), place(i), when(i), experiment(i), approval(i)];
    gaps.into_iter()
        .zip(TITLES)
        .enumerate()
        .map(|(n, (gaps, title))| Step { number: n as u8 + 1, title, gaps })
        .collect()
}

fn hypothesis(i: &Inputs) -> Vec<Gap> {
    match &i.playbook.hypothesis {
        None => vec![missing("no hypothesis: what should keep holding?")],
        Some(_) => Vec::new(),
    }
}

fn style(i: &Inputs) -> Vec<Gap> {
    match &i.playbook.style {
        None => vec![missing("no style: dungeons-and-dragons or informed-in-advance")],
        Some(_) => Vec::new(),
    }
}

fn who(i: &Inputs) -> Vec<Gap> {
    let r = &i.playbook.roles;
    let mut out = Vec::new();
    if r.facilitator.is_none() {
        out.push(missing("no facilitator"));
    }
    if r.safety_monitor.is_none() {
        out.push(missing("no safety monitor"));
    }
    if let (Some(f), Some(s)) = (&r.facilitator, &r.safety_monitor)
        && f.trim().eq_ignore_ascii_case(s.trim())
    {
        out.push(missing("the facilitator is also the safety monitor"));
    }
    if i.day.invite(i.playbook).is_empty() {
        out.push(missing("nobody is invited"));
    }
    out
}

fn place(i: &Inputs) -> Vec<Gap> {
    let w = &i.playbook.place;
    let mut out = Vec::new();
    if w.environment.is_none() {
        out.push(missing("environment not named"));
    }
    if w.production {
        out.push(on_the_day("production: confirm on the day"));
    }
    if w.blast_radius.is_none() {
        out.push(missing("no blast radius"));
    }
    out
}

fn when(i: &Inputs) -> Vec<Gap> {
    let w = &i.playbook.when;
    let mut out = Vec::new();
    if w.start.is_none() {
        out.push(missing("no start time"));
    }
    if w.duration.is_none() {
        out.push(missing("no duration"));
    }
    if w.retrospective.is_none() {
        out.push(missing("no retrospective booked"));
    }
    out
}

fn experiment(i: &Inputs) -> Vec<Gap> {
    let mut out = Vec::new();
    if let Some(e) = i.resolve_error {
        out.push(missing(format!("the wrapped experiment cannot be read: {e}")));
    }
    if let Some(e) = i.validation_error {
        out.push(missing(format!("does not validate: {}", e.lines().next().unwrap_or(e))));
    }
    let Some(root) = i.experiment.as_object() else { return out };
    if phase_list(root, Phase::SteadyState).is_empty() {
        out.push(missing("no steady-state hypothesis"));
    }
    if phase_list(root, Phase::Method).is_empty() {
        out.push(missing("no method"));
    }
    if phase_list(root, Phase::Rollbacks).is_empty() {
        out.push(missing("no rollbacks"));
    }
    for m in i.playbook.manual_steps() {
        if m.timebox.is_none() {
            out.push(missing(format!("manual step {} has no time box", m.name)));
        }
    }
    out
}

fn approval(i: &Inputs) -> Vec<Gap> {
    let mut out = Vec::new();
    let approvals = i.day.approvals(i.playbook);
    if approvals.is_empty() {
        out.push(missing("no approvals listed"));
    }
    for (a, _) in approvals.iter().filter(|(a, _)| !a.approved) {
        out.push(missing(format!("approval pending: {}", a.name)));
    }
    let texts: Vec<(usize, &String)> = i
        .playbook
        .preflight
        .iter()
        .enumerate()
        .filter_map(|(n, p)| match p {
            PreflightItem::Text(t) => Some((n, t)),
            PreflightItem::Activity(_) => None,
        })
        .collect();
    let ticked = texts.iter().filter(|(n, t)| i.day.tick(*n, t).is_some_and(|d| d.ticked)).count();
    if ticked < texts.len() {
        out.push(on_the_day(format!("preflight: {ticked} of {} ticked", texts.len())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gaps_in_words() {
        let doc = json!({"gameday": 1, "title": "t", "description": "d", "method": [],
            "roles": {"facilitator": "Alex"}, "where": {"environment": "prod", "production": true},
            "approvals": [{"name": "Bob"}], "preflight": ["x"]});
        let pb = Playbook::from_doc(&doc).unwrap();
        let day = DayFile::default();
        let s =
            steps(&Inputs { playbook: &pb, experiment: &doc, resolve_error: None, validation_error: None, day: &day });
        let all: Vec<&str> = s.iter().flat_map(|s| s.gaps.iter().map(|g| g.text.as_str())).collect();
        for want in ["no safety monitor", "approval pending: Bob", "production: confirm on the day", "no method"] {
            assert!(all.contains(&want), "{want} not in {all:?}");
        }
        assert_eq!(s[3].state(), State::Missing, "no blast radius is missing, not only on the day");
        assert_eq!(s.len(), 7);
    }
}
