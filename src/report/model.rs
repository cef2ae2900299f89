//! What a report holds, as plain data. Every renderer (Markdown, HTML, JSON)
//! reads this one structure, so the three formats can never disagree.
use serde::Serialize;

/// One run (a session or a bare Chaos Toolkit journal), ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    pub description: Option<String>,
    /// `session` (from `events.jsonl`) or `journal` (a bare `journal.json`).
    pub origin: String,
    /// The playbook or experiment the run was started from, when recorded.
    pub source: Option<String>,
    pub mode: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    /// Seconds from start to the end of the run (the journal's `duration`).
    pub duration: Option<f64>,
    pub verdict: Verdict,
    pub plan: Plan,
    pub readiness: Vec<Step>,
    pub steady_states: SteadyStates,
    pub method: Vec<Step>,
    pub rollbacks: Vec<Step>,
    /// `on_stop` halt actions, run when STOP was raised.
    pub halts: Vec<Step>,
    pub safeguards: Vec<SafeguardRec>,
    pub decisions: Vec<DecisionRec>,
    pub stops: Vec<StopRec>,
    pub warnings: Vec<Timed>,
    /// Not serialized with the report: the Markdown and HTML renderers
    /// write them row by row (rows.rs) and the JSON section lists them
    /// itself, so 100,000 notes are never copied into a template context.
    #[serde(skip)]
    pub observations: Vec<Obs>,
    pub milestones: Vec<MilestoneRec>,
    pub durations: Durations,
    /// Not serialized either: written row by row (rows.rs).
    #[serde(skip)]
    pub timeline: Vec<TimelineEntry>,
    /// Problems met while reading the input (a torn last line, …).
    pub input_notes: Vec<String>,
    /// The participant version: method details are hidden.
    pub participant: bool,
}

/// The headline.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The journal status: `completed`, `failed`, `aborted`, `interrupted`,
    /// or `unfinished` when the run never recorded its end.
    pub status: String,
    pub deviated: bool,
    /// One of `met`, `deviated`, `not-met-before`, `completed`, `failed`,
    /// `aborted`, `interrupted`, `unfinished` (also the CSS class).
    pub class: String,
    /// One line for people.
    pub headline: String,
    /// Who stopped the run, and why, when it was interrupted.
    pub detail: Option<String>,
}

/// The Game Day plan, from the playbook keys of the experiment copy.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub hypothesis: Option<String>,
    pub backlog: Option<String>,
    pub ilities: Vec<String>,
    pub style: Option<String>,
    pub objectives: Vec<String>,
    pub roles: Vec<Pair>,
    pub invite: Vec<Invitee>,
    pub where_: Vec<Pair>,
    pub blast_radius: Option<String>,
    pub production: Option<bool>,
    pub when: Vec<Pair>,
    pub planned_duration: Option<String>,
    pub approvals: Vec<Approval>,
    pub preflight: Vec<String>,
    pub tags: Vec<String>,
    pub contributions: Vec<Pair>,
    /// The steady-state hypothesis title (Chaos Toolkit's own "hypothesis").
    pub steady_state_title: Option<String>,
}

impl Plan {
    /// Whether any Game Day planning key was present.
    pub fn is_empty(&self) -> bool {
        self.hypothesis.is_none()
            && self.style.is_none()
            && self.objectives.is_empty()
            && self.roles.is_empty()
            && self.invite.is_empty()
            && self.where_.is_empty()
            && self.when.is_empty()
            && self.approvals.is_empty()
            && self.preflight.is_empty()
    }
}

/// A labelled value.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Invitee {
    pub name: String,
    pub role: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    pub name: String,
    pub role: String,
    pub approved: String,
    pub at: String,
    pub note: String,
}

/// The steady-state checks.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SteadyStates {
    pub before: Option<Hypothesis>,
    pub after: Option<Hypothesis>,
    pub during: Vec<Hypothesis>,
}

/// One check of the steady-state hypothesis.
#[derive(Debug, Clone, Serialize)]
pub struct Hypothesis {
    pub met: Option<bool>,
    pub probes: Vec<Step>,
}

/// One activity as it ran (or did not).
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// HTML anchor, e.g. `method-2`.
    pub anchor: String,
    pub phase: String,
    pub number: usize,
    pub name: String,
    /// `action`, `probe`, `manual`.
    pub kind: String,
    /// What it calls, concisely (`GET http://…`, `process: ls -l`, `python: m.f`).
    pub provider: Option<String>,
    pub tolerance: Option<String>,
    /// `succeeded`, `failed`, `skipped`, `interrupted`.
    pub status: String,
    pub tolerance_met: Option<bool>,
    pub start: Option<String>,
    pub t: Option<f64>,
    pub duration: Option<f64>,
    /// The value, in one short line (steady-state tables).
    pub value: Option<String>,
    /// The output, truncated.
    pub output: Option<String>,
    pub exception: Option<String>,
    /// The decision recorded on the step (skip / manual outcome) and its reason.
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
    /// Replaced by a placeholder in the participant version.
    pub hidden: bool,
}

/// A safeguard's checks during the run.
#[derive(Debug, Clone, Serialize)]
pub struct SafeguardRec {
    pub name: String,
    pub checks: usize,
    pub misses: usize,
    /// T+ of the first miss.
    pub first_miss: Option<f64>,
    /// The last value seen (concise) and the last error, if any.
    pub last_value: String,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DecisionRec {
    pub t: f64,
    pub at: String,
    pub phase: String,
    pub step: String,
    /// Anchor of the step it applies to, when that step started.
    pub anchor: Option<String>,
    pub decision: String,
    pub who: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StopRec {
    pub anchor: String,
    pub t: f64,
    pub at: String,
    pub who: String,
    /// `key`, `mouse`, `sigint`, `abort`, `safeguard`, …
    pub source: String,
    pub reason: Option<String>,
    /// A safeguard tripped (rather than a person or a signal).
    pub safeguard: bool,
}

/// A timed message (warnings).
#[derive(Debug, Clone, Serialize)]
pub struct Timed {
    pub t: f64,
    pub at: String,
    pub text: String,
}

/// A note written during the Game Day.
#[derive(Debug, Clone, Serialize)]
pub struct Obs {
    pub anchor: String,
    pub id: u64,
    pub t: f64,
    pub at: String,
    /// `note`, `observation`, `weakness`, `decision`, `question`, `action`, or a custom kind.
    pub kind: String,
    pub text: String,
    pub author: String,
    pub step: Option<String>,
    pub owner: Option<String>,
    pub due: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MilestoneRec {
    pub anchor: String,
    pub t: f64,
    pub at: String,
    pub milestone: String,
    pub author: String,
}

/// Response times, in seconds from the reference point.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Durations {
    /// `method-start` (the first method activity started) or `session-start`.
    pub reference: String,
    /// T+ of the reference point.
    pub reference_t: f64,
    pub to_detect: Option<f64>,
    pub to_diagnose: Option<f64>,
    pub to_mitigate: Option<f64>,
    pub to_recover: Option<f64>,
}

/// One line of the merged timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// Its own anchor (`ev-<n>`).
    pub id: String,
    pub t: f64,
    pub at: String,
    /// `phase`, `step`, `decision`, `stop`, `warning`, `verdict`, `milestone`,
    /// `end`, or an observation kind.
    pub kind: String,
    pub text: String,
    pub who: Option<String>,
    /// The section anchor it links to.
    pub link: Option<String>,
    /// A person wrote it (observation or milestone).
    pub human: bool,
}
