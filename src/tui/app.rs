//! The console's state and how it changes: engine updates come in, key
//! actions come in, decisions and observations go out. No drawing here.
use super::keymap::{Action, Keymap};
use super::steps::{Step, StepState, plan};
use super::theme::Theme;
use crate::engine::{Decision, Proposal, StopHandle, StopRequest};
use crate::providers::Stream;
use crate::session::event::{DecisionKind, Event, EventBody, Phase, StepList};
use crate::session::recorder::{Recorder, Update};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use tokio::sync::oneshot;

mod draft;
pub use draft::DRAFT_MARK;

/// Kinds of observation a facilitator can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    Note,
    Observation,
    Weakness,
    Decision,
    Question,
    ActionItem,
}

impl NoteKind {
    pub const ALL: [NoteKind; 6] = [
        NoteKind::Note,
        NoteKind::Observation,
        NoteKind::Weakness,
        NoteKind::Decision,
        NoteKind::Question,
        NoteKind::ActionItem,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Note => "note",
            NoteKind::Observation => "observation",
            NoteKind::Weakness => "weakness",
            NoteKind::Decision => "decision",
            NoteKind::Question => "question",
            NoteKind::ActionItem => "action",
        }
    }

    fn next(self) -> Self {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// The note editor: text, kind, and for action items an owner and due date.
pub struct NoteEditor {
    pub kind: NoteKind,
    pub text: TextArea<'static>,
    pub owner: TextArea<'static>,
    pub due: TextArea<'static>,
    /// 0 = text, 1 = owner, 2 = due.
    pub field: usize,
    pub error: Option<String>,
    /// A follow-up's reference to the note it comes from (the Debrief),
    /// appended to the text when saved.
    pub link: Option<String>,
}

impl Default for NoteEditor {
    fn default() -> Self {
        Self::new()
    }
}

impl NoteEditor {
    pub fn new() -> Self {
        let mut text = TextArea::default();
        text.set_placeholder_text("What did you see? (Enter saves, Alt-Enter or Ctrl-J adds a line, Esc cancels)");
        Self {
            kind: NoteKind::Observation,
            text,
            owner: TextArea::default(),
            due: TextArea::default(),
            field: 0,
            error: None,
            link: None,
        }
    }
}

/// What is open on top of the screen.
pub enum Modal {
    None,
    Help,
    /// Skip reason (optional).
    Skip(TextArea<'static>),
    /// Abort: a reason, confirmed with Enter.
    Abort(TextArea<'static>),
    /// Manual step done: what happened (optional).
    ManualDone(TextArea<'static>),
    /// Manual step failed: what happened.
    ManualFailed(TextArea<'static>),
    Note(Box<NoteEditor>),
    /// Reason for a STOP, asked afterwards (never before).
    StopReason(TextArea<'static>),
    Author(TextArea<'static>),
    QuitConfirm,
    Search(TextArea<'static>),
    /// Type the production environment's name to confirm it.
    EnvConfirm(TextArea<'static>),
    /// Start although the gate is not green: a reason is required.
    Override(TextArea<'static>),
    /// A dialog of the Debrief screen (an answer, a backlog file's path).
    Debrief(Box<super::debrief::Dialog>),
}

impl Modal {
    pub fn is_none(&self) -> bool {
        matches!(self, Modal::None)
    }
}

/// Which pane has focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Steps,
    Output,
    Log,
}

/// The screen shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Run,
    Timeline,
    /// The session's report, rendered from the event log (Markdown).
    Report,
    /// The day's findings turned into follow-ups.
    Debrief,
}

/// A line of the observation log / timeline.
#[derive(Debug, Clone)]
pub struct LogLine {
    pub t: f64,
    pub at: chrono::DateTime<chrono::Utc>,
    /// note, observation, …, milestone, or an engine kind (step, stop, decision, warning).
    pub kind: String,
    pub text: String,
    pub author: Option<String>,
    /// Written by a person (shown in the observation log) vs. by the engine.
    pub human: bool,
}

/// The latest state of one safeguard.
#[derive(Debug, Clone)]
pub struct SafeguardView {
    pub name: String,
    pub met: bool,
    pub value: String,
    pub t: f64,
    /// Recent verdicts, oldest first (for the trend).
    pub recent: std::collections::VecDeque<bool>,
}

/// A decision the engine is waiting for.
pub struct Pending {
    pub proposal: Proposal,
    pub reply: oneshot::Sender<Decision>,
}

/// Output of the step running (or last run).
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub run: u64,
    /// The activity's name (also for ones that are not in the step list).
    pub name: String,
    pub step: Option<usize>,
    pub text: String,
    pub started: Option<Instant>,
    pub finished: Option<f64>,
    pub status: Option<String>,
}

const OUTPUT_KEEP: usize = 256 * 1024;

/// Everything the console knows.
pub struct App {
    pub title: String,
    pub environment: Option<String>,
    pub production: bool,
    pub steps: Vec<Step>,
    pub phase: Phase,
    /// `None` while running; the outcome when the run has ended.
    pub ended: Option<(String, bool)>,
    pub pending: Option<Pending>,
    pub running: HashMap<u64, usize>,
    pub output: Output,
    pub log: Vec<LogLine>,
    pub log_scroll: usize,
    pub steps_scroll: usize,
    pub output_scroll: usize,
    pub selected_step: usize,
    pub modal: Modal,
    pub focus: Focus,
    pub screen: Screen,
    pub stopped: bool,
    pub stopped_by: Option<String>,
    pub verdicts: HashMap<Phase, Option<bool>>,
    pub during_checks: (u32, u32),
    pub should_quit: bool,
    pub quit_after_run: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    pub author: String,
    pub session_dir: PathBuf,
    pub rec: Arc<Recorder>,
    pub stop: StopHandle,
    /// Shared with the approver: once set, decisions are taken without
    /// asking (rollbacks confirmed), because nobody is left to answer.
    pub unattended: Arc<AtomicBool>,
    /// Ctrl-Z was pressed; the event loop suspends or refuses.
    pub suspend_asked: bool,
    pub timeline_query: String,
    pub timeline_filter: Option<String>,
    pub timeline_scroll: usize,
    /// The report preview's lines (made when the Report screen opens).
    pub report_lines: Vec<String>,
    pub report_scroll: usize,
    pub flash: Option<String>,
    pub t_plus: f64,
    pub last_seq: u64,
    /// What each step will do as last proposed (substituted, masked), by (phase, index).
    pub previews: HashMap<(Phase, usize), Value>,
    /// Frozen "now" for tests; `None` reads the real clock.
    pub frozen_now: Option<Instant>,
    pub help_scroll: usize,
    pub safeguards: Vec<SafeguardView>,
    /// The readiness gate, while it waits.
    pub readiness: Option<super::readiness::ReadinessView>,
    /// When the waiting decision arrived (manual-step time boxes count from it).
    pub pending_since: Option<Instant>,
    /// Seconds the clock was suspended while the current decision waited.
    pub pending_suspended: f64,
    /// Time box states already recorded: (name, state).
    pub timebox_recorded: std::collections::HashSet<(String, String)>,
    /// The Game Day's planned length (`when.duration`), seconds.
    pub gameday_duration: Option<f64>,
    /// Planned T+ offsets of manual steps (`at: T+15m`), by (phase, index).
    pub planned_at: HashMap<(Phase, usize), f64>,
    /// While suspended: since when, and the frozen T+.
    pub suspended: Option<(Instant, f64)>,
    /// What the Debrief screen lists, kept up to date from every event.
    pub debrief: super::debrief::Debrief,
    next_note_id: u64,
}

fn single_line(placeholder: &str) -> TextArea<'static> {
    let mut t = TextArea::default();
    t.set_placeholder_text(placeholder.to_string());
    t
}

fn text_of(t: &TextArea) -> String {
    t.lines().join("\n").trim().to_string()
}

impl App {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        experiment: &Value,
        before: bool,
        after: bool,
        keymap: Keymap,
        theme: Theme,
        author: String,
        session_dir: PathBuf,
        rec: Arc<Recorder>,
        stop: StopHandle,
    ) -> Self {
        let title = experiment.get("title").and_then(Value::as_str).unwrap_or("(untitled)").to_string();
        let where_ = experiment.get("where");
        let environment = where_.and_then(|w| w.get("environment")).and_then(Value::as_str).map(str::to_string);
        let production = where_.and_then(|w| w.get("production")).and_then(Value::as_bool) == Some(true);
        Self {
            title,
            environment,
            production,
            steps: plan(experiment, before, after),
            phase: Phase::Readiness,
            ended: None,
            pending: None,
            running: HashMap::new(),
            output: Output::default(),
            log: Vec::new(),
            log_scroll: 0,
            steps_scroll: 0,
            output_scroll: 0,
            selected_step: 0,
            modal: Modal::None,
            focus: Focus::Steps,
            screen: Screen::Run,
            stopped: false,
            stopped_by: None,
            verdicts: HashMap::new(),
            during_checks: (0, 0),
            should_quit: false,
            quit_after_run: false,
            keymap,
            theme,
            author,
            session_dir,
            rec,
            stop,
            unattended: Arc::new(AtomicBool::new(false)),
            suspend_asked: false,
            timeline_query: String::new(),
            timeline_filter: None,
            timeline_scroll: 0,
            report_lines: Vec::new(),
            report_scroll: 0,
            flash: None,
            t_plus: 0.0,
            last_seq: 0,
            previews: HashMap::new(),
            frozen_now: None,
            help_scroll: 0,
            safeguards: Vec::new(),
            readiness: None,
            pending_since: None,
            pending_suspended: 0.0,
            timebox_recorded: Default::default(),
            gameday_duration: experiment
                .get("when")
                .and_then(|w| w.get("duration"))
                .and_then(|d| crate::model::duration::parse(d).ok())
                .map(|d| d.as_secs_f64()),
            planned_at: planned_offsets(experiment),
            suspended: None,
            debrief: Default::default(),
            next_note_id: 1,
        }
    }

    fn step_index(&self, phase: Phase, index: usize) -> Option<usize> {
        self.steps.iter().position(|s| s.phase == phase && s.index == index)
    }

    /// The step the card shows: the one waiting, else running, else selected.
    pub fn current_step(&self) -> Option<usize> {
        if let Some(p) = &self.pending {
            return self.step_index(p.proposal.phase, p.proposal.index);
        }
        if let Some(i) = self.output.step
            && self.output.finished.is_none()
        {
            return Some(i);
        }
        if self.focus == Focus::Steps {
            return Some(self.selected_step.min(self.steps.len().saturating_sub(1))).filter(|_| !self.steps.is_empty());
        }
        self.output.step
    }

    /// Whether the event log is being written (and what was lost).
    pub fn log_health(&self) -> crate::session::recorder::LogHealth {
        self.rec.health()
    }

    /// Is anything still to happen?
    pub fn run_active(&self) -> bool {
        self.ended.is_none()
    }

    fn push_log(&mut self, ev: &Event, kind: &str, text: String, author: Option<String>, human: bool) {
        self.log.push(LogLine { t: ev.t, at: ev.at, kind: kind.to_string(), text, author, human });
    }

    /// Apply an update from the recorder.
    pub fn apply(&mut self, update: Update) {
        match update {
            Update::Live { run, stream, text } => {
                if run == self.output.run {
                    // Live stderr is marked so it can be told from stdout.
                    if stream == Stream::Stderr {
                        for piece in text.split_inclusive('\n') {
                            if self.output.text.is_empty() || self.output.text.ends_with('\n') {
                                self.output.text.push_str("stderr│ ");
                            }
                            self.output.text.push_str(piece);
                        }
                    } else {
                        self.output.text.push_str(&text);
                    }
                    if self.output.text.len() > OUTPUT_KEEP {
                        let cut = self.output.text.len() - OUTPUT_KEEP;
                        let cut =
                            (cut..self.output.text.len()).find(|i| self.output.text.is_char_boundary(*i)).unwrap_or(0);
                        self.output.text.drain(..cut);
                    }
                }
            }
            Update::Event(ev) => self.apply_event(&ev),
        }
    }

    fn apply_event(&mut self, ev: &Event) {
        self.last_seq = ev.seq;
        self.t_plus = ev.t;
        self.debrief.on_event(ev);
        match &ev.body {
            EventBody::PhaseChanged { phase } => {
                self.phase = *phase;
                if *phase != Phase::Ended {
                    self.push_log(ev, "phase", phase.label().to_string(), None, false);
                }
            }
            EventBody::Proposal { phase, index, .. } => {
                if let Some(i) = self.step_index(*phase, *index) {
                    self.steps[i].state = StepState::Waiting;
                    self.selected_step = i;
                }
            }
            EventBody::Decision { phase, index, name, decision, who, reason } => {
                if let Some(i) = self.step_index(*phase, *index)
                    && self.steps[i].state == StepState::Waiting
                {
                    self.steps[i].state = StepState::Pending;
                }
                let why = reason.as_ref().map(|r| format!(" — {r}")).unwrap_or_default();
                let word = match decision {
                    DecisionKind::Confirm => "confirmed",
                    DecisionKind::Skip => "skipped",
                    DecisionKind::Abort => "aborted at",
                    DecisionKind::Done => "marked done",
                    DecisionKind::Failed => "marked failed",
                    DecisionKind::Override => "overrode",
                };
                self.push_log(ev, "decision", format!("{word} '{name}'{why}"), Some(who.clone()), false);
            }
            EventBody::StepChanged { list, position, step, .. } => {
                for row in
                    self.steps.iter_mut().filter(|s| StepList::of(s.phase) == Some(*list) && s.index == *position)
                {
                    row.activity = step.clone();
                }
            }
            EventBody::StepsInserted { list, position: at, steps, controls } => {
                for (pos, n) in crate::tui::steps::insert(&mut self.steps, *list, *at, steps) {
                    let moved = |row: usize| if row >= pos && row != usize::MAX { row + n } else { row };
                    self.selected_step = moved(self.selected_step);
                    self.output.step = self.output.step.map(moved);
                    for row in self.running.values_mut() {
                        *row = moved(*row);
                    }
                }
                let names: Vec<&str> = steps.iter().filter_map(|s| s.get("name").and_then(Value::as_str)).collect();
                let what = if steps.len() == 1 { "a step".to_string() } else { format!("{} steps", steps.len()) };
                let text = format!("control '{}' added {what}: {}", controls.join("', '"), names.join(", "));
                self.push_log(ev, "control", text, None, false);
            }
            EventBody::ActivityStarted { run, phase, index, activity, .. } => {
                let step = if *phase == Phase::During { None } else { self.step_index(*phase, *index) };
                if let Some(i) = step {
                    self.steps[i].state = StepState::Running;
                    self.selected_step = i;
                    // Show the resolved activity (a `ref` resolves here).
                    self.steps[i].activity = activity.clone();
                }
                self.running.insert(*run, step.unwrap_or(usize::MAX));
                if *phase != Phase::During {
                    self.output = Output {
                        run: *run,
                        name: activity.get("name").and_then(Value::as_str).unwrap_or("").to_string(),
                        step,
                        text: String::new(),
                        started: Some(Instant::now()),
                        finished: None,
                        status: None,
                    };
                    self.output_scroll = 0;
                }
            }
            EventBody::ActivityFinished {
                run, output, status, exception, duration, tolerance_met, gameday, ..
            } => {
                let step = self.running.remove(run).filter(|s| *s != usize::MAX);
                let skipped = gameday.as_ref().and_then(|g| g.get("decision")).and_then(Value::as_str) == Some("skip");
                let state = match (status.as_deref(), tolerance_met) {
                    (None, _) => StepState::Interrupted,
                    (Some("failed"), _) => StepState::Failed,
                    _ if skipped => StepState::Skipped,
                    (_, Some(false)) => StepState::NotMet,
                    _ => StepState::Succeeded,
                };
                if let Some(i) = step {
                    self.steps[i].state = state;
                }
                if *run == self.output.run {
                    self.output_scroll = 0;
                    self.output.finished = Some(*duration);
                    self.output.status = Some(state.word().to_string());
                    if self.output.text.is_empty() || !output.is_null() {
                        self.output.text = render_output(output, &self.output.text);
                    }
                    if let Some(x) = exception {
                        for l in x {
                            self.output.text.push_str(l);
                        }
                    }
                    if skipped && let Some(g) = gameday {
                        let who = g.get("who").and_then(Value::as_str).unwrap_or("someone");
                        let why = g.get("reason").and_then(Value::as_str).unwrap_or("no reason given");
                        self.output.text = format!("Skipped by {who}: {why}\n");
                    } else if let Some(g) = gameday
                        && let Some(verdict) =
                            g.get("decision").and_then(Value::as_str).filter(|d| *d == "done" || *d == "failed")
                    {
                        // A manual step: who marked it and what they saw.
                        let who = g.get("who").and_then(Value::as_str).unwrap_or("someone");
                        let note = g.get("note").and_then(Value::as_str).unwrap_or("no outcome written");
                        let word = if verdict == "done" { "Done" } else { "Failed" };
                        self.output.text = format!("{word}, marked by {who}: {note}\n");
                    }
                }
                if let Some(i) = step
                    && matches!(state, StepState::Failed | StepState::NotMet | StepState::Interrupted)
                {
                    let name = self.steps[i].name.clone();
                    self.push_log(ev, "step", format!("'{name}' {}", state.word()), None, false);
                }
            }
            EventBody::HypothesisFinished { phase, met } => {
                if *phase == Phase::During {
                    self.during_checks.0 += 1;
                    if *met == Some(false) {
                        self.during_checks.1 += 1;
                    }
                } else {
                    self.verdicts.insert(*phase, *met);
                    let word = match met {
                        Some(true) => "steady state met",
                        Some(false) => "steady state NOT met",
                        None => "steady state unknown",
                    };
                    self.push_log(ev, "verdict", format!("{}: {word}", phase.label()), None, false);
                }
            }
            EventBody::Stop { who, source, reason } => {
                self.stopped = true;
                self.stopped_by = Some(format!("{who} ({source})"));
                let why = reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default();
                self.push_log(ev, "stop", format!("STOP by {who} via {source}{why}"), None, false);
            }
            EventBody::SafeguardCheck { name, met, value, error } => {
                let shown = match error {
                    Some(e) => e.clone(),
                    None => serde_json::to_string(value).unwrap_or_default(),
                };
                let i = match self.safeguards.iter().position(|s| &s.name == name) {
                    Some(i) => i,
                    None => {
                        self.safeguards.push(SafeguardView {
                            name: name.clone(),
                            met: *met,
                            value: String::new(),
                            t: ev.t,
                            recent: Default::default(),
                        });
                        self.safeguards.len() - 1
                    }
                };
                let sg = &mut self.safeguards[i];
                sg.met = *met;
                sg.value = shown;
                sg.t = ev.t;
                sg.recent.push_back(*met);
                if sg.recent.len() > 8 {
                    sg.recent.pop_front();
                }
                if !met {
                    let text = format!("'{name}' missed: {}", sg.value);
                    self.push_log(ev, "safeguard", text, None, false);
                }
            }
            EventBody::Timebox { name, state, limit, elapsed } => {
                let text = match state.as_str() {
                    "overrun" => format!("time box OVERRUN: '{name}' ({} planned)", human(*limit)),
                    _ => format!("time box: '{name}' has used {} of {}", human(*elapsed), human(*limit)),
                };
                self.push_log(ev, "timebox", text, None, false);
            }
            EventBody::ClockSuspended { who } => {
                self.push_log(ev, "clock", "clock suspended".into(), Some(who.clone()), false);
            }
            EventBody::ClockResumed { who, suspended } => {
                self.push_log(
                    ev,
                    "clock",
                    format!("clock resumed after {}", human(*suspended)),
                    Some(who.clone()),
                    false,
                );
                self.suspended = None;
            }
            EventBody::ReadinessTicked { label, ticked, who, .. } => {
                let word = if *ticked { "ticked" } else { "unticked" };
                self.push_log(ev, "readiness", format!("{word}: {label}"), Some(who.clone()), false);
            }
            EventBody::Warning { message } => {
                self.push_log(ev, "warning", message.clone(), None, false);
            }
            EventBody::Observation { id, kind, text, author, owner, due, .. } => {
                // Replayed notes (a resumed session) keep later ids unique.
                self.next_note_id = self.next_note_id.max(id.saturating_add(1));
                let mut t = text.clone();
                if let Some(o) = owner {
                    t.push_str(&format!(" (owner: {o}"));
                    if let Some(d) = due {
                        t.push_str(&format!(", due {d}"));
                    }
                    t.push(')');
                }
                self.push_log(ev, kind, t, Some(author.clone()), true);
                self.log_scroll = 0;
            }
            EventBody::Milestone { milestone, author } => {
                self.push_log(ev, "milestone", milestone.clone(), Some(author.clone()), true);
                self.log_scroll = 0;
            }
            EventBody::RunFinished { status, deviated, .. } => {
                self.mark_ended(status, *deviated);
                let shown =
                    if *deviated { "deviated — a weakness may have been found".to_string() } else { status.clone() };
                self.push_log(ev, "end", format!("run ended: {shown}"), None, false);
                if self.quit_after_run {
                    self.should_quit = true;
                }
            }
            _ => {}
        }
    }

    fn mark_ended(&mut self, status: &str, deviated: bool) {
        self.ended = Some((status.to_string(), deviated));
        for s in &mut self.steps {
            if matches!(s.state, StepState::Running | StepState::Waiting) {
                s.state = StepState::Interrupted;
            }
        }
    }

    /// The engine's task is over. When its end could not be recorded (a
    /// full disk), no `run_finished` arrives: the screen learns the end
    /// from here, or it would wait for the run forever and never let
    /// anybody quit.
    pub fn engine_finished(&mut self, outcome: Option<&crate::engine::Outcome>) {
        if self.ended.is_some() {
            return;
        }
        match outcome {
            Some(o) => self.mark_ended(&o.status, o.deviated),
            None => self.mark_ended("interrupted", false),
        }
        self.pending = None;
        self.flash = Some("The run has ended, but its end could not be saved in events.jsonl.".into());
        if self.quit_after_run {
            self.should_quit = true;
        }
    }

    /// After replaying an earlier attempt's events: whatever was running then
    /// was cut off by the crash.
    pub fn finish_replay(&mut self) {
        for i in self.running.drain().map(|(_, i)| i) {
            if let Some(s) = self.steps.get_mut(i) {
                s.state = StepState::Interrupted;
            }
        }
        for s in &mut self.steps {
            if s.state == StepState::Waiting {
                s.state = StepState::Pending;
            }
        }
        if self.output.started.is_some() && self.output.finished.is_none() {
            self.output.finished = Some(0.0);
            self.output.status = Some("interrupted by the crash".into());
        }
    }

    /// The time the screen shows (tests freeze it).
    pub fn now(&self) -> Instant {
        self.frozen_now.unwrap_or_else(Instant::now)
    }

    /// A new decision is waiting.
    pub fn propose(&mut self, pending: Pending) {
        self.pending_since = Some(Instant::now());
        self.pending_suspended = 0.0;
        if pending.proposal.phase == Phase::Readiness {
            self.readiness = Some(super::readiness::ReadinessView::from_preview(
                &pending.proposal.preview,
                self.environment.clone(),
                self.production,
            ));
        }
        self.previews.insert((pending.proposal.phase, pending.proposal.index), pending.proposal.preview.clone());
        if let Some(i) = self.step_index(pending.proposal.phase, pending.proposal.index) {
            self.steps[i].state = StepState::Waiting;
            self.selected_step = i;
        }
        self.pending = Some(pending);
    }

    fn decide(&mut self, kind: DecisionKind, reason: Option<String>) {
        self.pending_since = None;
        if self.pending.as_ref().is_some_and(|p| p.proposal.phase == Phase::Readiness) {
            self.readiness = None;
        }
        if let Some(p) = self.pending.take() {
            let _ = p.reply.send(Decision { kind, who: self.author.clone(), reason: reason.filter(|r| !r.is_empty()) });
        }
    }

    /// Render the session's report as it stands (from the saved event log,
    /// so it shows exactly what is on disk) and show it.
    fn open_report(&mut self) {
        match crate::report::report_paths(&[self.session_dir.as_path()], crate::report::Format::Markdown, false) {
            Ok(text) => {
                self.report_lines = text.lines().map(str::to_string).collect();
                self.report_scroll = 0;
                self.screen = Screen::Report;
            }
            Err(e) => self.flash = Some(format!("The report cannot be made: {e}")),
        }
    }

    /// Write report.md and report.html into the session now (they are
    /// written again when the console closes, with everything added since).
    fn write_report(&mut self) {
        self.flash = Some(match crate::report::write_session_reports(&self.session_dir) {
            Ok(()) => format!("Wrote report.md and report.html in {}", self.session_dir.display()),
            Err(e) => format!("The report was not written: {e}"),
        });
    }

    /// Raise STOP: no question first; the reason is asked afterwards.
    pub fn press_stop(&mut self, source: &str) {
        if self.ended.is_some() {
            self.flash = Some("The run has ended; nothing to stop.".into());
            return;
        }
        let first = !self.stopped;
        if !first || source == "quit" {
            // STOP pressed again, or quitting: the remaining rollbacks play
            // without asking (a second STOP never cuts them short).
            self.unattended.store(true, Ordering::SeqCst);
        }
        self.stop.stop(StopRequest::halt(&self.author, source, None));
        self.stopped = true;
        if let Some(p) = self.pending.take() {
            // The engine sees the STOP; dropping the reply is enough (when
            // unattended, the approver confirms a rollback by itself).
            drop(p);
        }
        if first {
            self.modal = Modal::StopReason(single_line("Why? (optional, Enter saves, Esc skips)"));
        } else {
            self.modal = Modal::None;
        }
    }

    /// Nobody can answer any more (SIGHUP, SIGTERM, the terminal is gone):
    /// STOP if nothing has stopped the run yet, play the rollbacks unattended,
    /// and quit when the run ends. A STOP already under way is not raised
    /// again, so one cause gives one STOP event.
    pub fn nobody_left(&mut self, who: &str, source: &str, why: &str) {
        self.unattended.store(true, Ordering::SeqCst);
        if self.run_active() {
            if self.stop.count() == 0 {
                self.stop.stop(StopRequest::halt(who, source, Some(why)));
                self.stopped = true;
            } else {
                self.rec.record_or_flag(EventBody::Warning {
                    message: format!("{why}; the remaining decisions are taken unattended (rollbacks confirmed)"),
                });
            }
        }
        // Answer anything already waiting, as nobody will.
        if let Some(p) = self.pending.take() {
            drop(p);
        }
        self.quit_after_run = true;
        self.should_quit = true;
    }

    fn record_note(
        &mut self,
        kind: &str,
        text: String,
        owner: Option<String>,
        due: Option<String>,
    ) -> Result<(), String> {
        let step = self.current_step().map(|i| self.steps[i].name.clone());
        self.record_note_with(kind, text, owner, due, step).map(|_| ())
    }

    /// Record a note tied to `step` (or to none); returns its id.
    pub(crate) fn record_note_with(
        &mut self,
        kind: &str,
        text: String,
        owner: Option<String>,
        due: Option<String>,
        step: Option<String>,
    ) -> Result<u64, String> {
        let id = self.next_note_id;
        self.rec
            .record(EventBody::Observation {
                id,
                kind: kind.to_string(),
                text,
                author: self.author.clone(),
                step,
                owner,
                due,
            })
            .map_err(|e| format!("NOT SAVED: {e}"))?;
        self.next_note_id += 1;
        Ok(id)
    }

    fn milestone(&mut self, name: &str) {
        match self.rec.record(EventBody::Milestone { milestone: name.to_string(), author: self.author.clone() }) {
            Ok(_) => self.flash = Some(format!("Milestone '{name}' saved")),
            Err(e) => self.flash = Some(format!("Milestone NOT SAVED: {e}")),
        }
    }

    /// Handle a key press.
    pub fn on_key(&mut self, key: KeyEvent) {
        self.flash = None;
        let action = self.keymap.action(&key);
        // STOP works everywhere, even inside an editor, except when it is a
        // printable character typed into an editor ("!" in a note).
        if action == Some(Action::Stop) {
            let printable = matches!(key.code, KeyCode::Char(_)) && !key.modifiers.contains(KeyModifiers::CONTROL);
            let editing = matches!(
                self.modal,
                Modal::Skip(_)
                    | Modal::Abort(_)
                    | Modal::ManualDone(_)
                    | Modal::ManualFailed(_)
                    | Modal::Note(_)
                    | Modal::StopReason(_)
                    | Modal::Author(_)
                    | Modal::Search(_)
                    | Modal::EnvConfirm(_)
                    | Modal::Override(_)
                    | Modal::Debrief(_)
            );
            if !(editing && printable) {
                self.press_stop("key");
                return;
            }
        }
        // Ctrl-C: the terminal is in raw mode, so it arrives as a key.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.request_quit();
            return;
        }
        let modal = std::mem::replace(&mut self.modal, Modal::None);
        self.modal = self.on_modal_key(modal, key, action);
    }

    fn request_quit(&mut self) {
        if self.run_active() {
            self.modal = Modal::QuitConfirm;
        } else {
            self.should_quit = true;
        }
    }

    fn on_modal_key(&mut self, modal: Modal, key: KeyEvent, action: Option<Action>) -> Modal {
        let enter = key.code == KeyCode::Enter && !key.modifiers.intersects(KeyModifiers::ALT | KeyModifiers::SHIFT);
        let newline = (key.code == KeyCode::Enter && key.modifiers.intersects(KeyModifiers::ALT | KeyModifiers::SHIFT))
            || (key.code == KeyCode::Char('j') && key.modifiers.contains(KeyModifiers::CONTROL));
        match modal {
            Modal::None => {
                self.on_screen_key(key, action);
                std::mem::replace(&mut self.modal, Modal::None)
            }
            Modal::Debrief(d) => super::debrief::keys::on_dialog_key(self, *d, key, enter),
            Modal::Help => {
                match action {
                    _ if key.code == KeyCode::Esc => return Modal::None,
                    Some(Action::Help | Action::Quit) => return Modal::None,
                    Some(Action::Up) => self.help_scroll = self.help_scroll.saturating_sub(1),
                    Some(Action::Down) => self.help_scroll = (self.help_scroll + 1).min(Action::ALL.len()),
                    Some(Action::PageUp) => self.help_scroll = self.help_scroll.saturating_sub(10),
                    Some(Action::PageDown) => self.help_scroll = (self.help_scroll + 10).min(Action::ALL.len()),
                    _ => {}
                }
                Modal::Help
            }
            Modal::EnvConfirm(mut t) => {
                if key.code == KeyCode::Esc {
                    Modal::None
                } else if enter {
                    let typed = text_of(&t);
                    let confirmed = self.readiness.as_mut().is_some_and(|r| r.confirm_environment(&typed));
                    if confirmed {
                        self.flash = Some("Environment confirmed.".into());
                        Modal::None
                    } else {
                        self.flash = Some("That is not the environment's name.".into());
                        Modal::EnvConfirm(t)
                    }
                } else {
                    t.input(key);
                    Modal::EnvConfirm(t)
                }
            }
            Modal::Override(mut t) => {
                if key.code == KeyCode::Esc {
                    Modal::None
                } else if enter {
                    let reason = text_of(&t);
                    if reason.is_empty() {
                        self.flash = Some("An override needs a reason.".into());
                        return Modal::Override(t);
                    }
                    let missing = self.readiness.as_ref().map(|r| r.missing().join("; ")).unwrap_or_default();
                    self.decide(DecisionKind::Override, Some(format!("{reason} (not ready: {missing})")));
                    Modal::None
                } else {
                    t.input(key);
                    Modal::Override(t)
                }
            }
            Modal::QuitConfirm => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    let who = self.author.clone();
                    self.nobody_left(&who, "quit", "the facilitator quit");
                    self.modal = Modal::None;
                    Modal::None
                }
                _ => Modal::None,
            },
            Modal::Skip(mut t) => {
                if key.code == KeyCode::Esc {
                    Modal::None
                } else if enter {
                    let reason = text_of(&t);
                    self.decide(DecisionKind::Skip, Some(reason));
                    Modal::None
                } else {
                    t.input(key);
                    Modal::Skip(t)
                }
            }
            Modal::ManualDone(mut t) => {
                if key.code == KeyCode::Esc {
                    Modal::None
                } else if enter {
                    let outcome = text_of(&t);
                    self.decide(DecisionKind::Done, Some(outcome));
                    Modal::None
                } else {
                    t.input(key);
                    Modal::ManualDone(t)
                }
            }
            Modal::ManualFailed(mut t) => {
                if key.code == KeyCode::Esc {
                    Modal::None
                } else if enter {
                    let reason = text_of(&t);
                    self.decide(DecisionKind::Failed, Some(reason));
                    Modal::None
                } else {
                    t.input(key);
                    Modal::ManualFailed(t)
                }
            }
            Modal::Abort(mut t) => {
                if key.code == KeyCode::Esc {
                    Modal::None
                } else if enter {
                    let reason = text_of(&t);
                    if reason.is_empty() {
                        self.flash = Some("An abort needs a reason.".into());
                        return Modal::Abort(t);
                    }
                    self.decide(DecisionKind::Abort, Some(reason));
                    Modal::None
                } else {
                    t.input(key);
                    Modal::Abort(t)
                }
            }
            Modal::StopReason(mut t) => {
                if key.code == KeyCode::Esc {
                    Modal::None
                } else if enter {
                    let reason = text_of(&t);
                    if !reason.is_empty()
                        && let Err(e) = self.record_note("decision", format!("STOP reason: {reason}"), None, None)
                    {
                        self.flash = Some(e);
                    }
                    Modal::None
                } else {
                    t.input(key);
                    Modal::StopReason(t)
                }
            }
            Modal::Author(mut t) => {
                if key.code == KeyCode::Esc {
                    Modal::None
                } else if enter {
                    let name = text_of(&t);
                    if !name.is_empty() {
                        self.flash = Some(format!("Now writing as {name}"));
                        self.author = name;
                    }
                    Modal::None
                } else {
                    t.input(key);
                    Modal::Author(t)
                }
            }
            Modal::Search(mut t) => {
                if key.code == KeyCode::Esc || enter {
                    self.timeline_query = text_of(&t);
                    Modal::None
                } else {
                    t.input(key);
                    self.timeline_query = text_of(&t);
                    Modal::Search(t)
                }
            }
            Modal::Note(mut ed) => {
                if key.code == KeyCode::Esc {
                    return Modal::None;
                }
                if key.code == KeyCode::Tab {
                    if ed.kind == NoteKind::ActionItem {
                        ed.field = (ed.field + 1) % 3;
                    }
                    return Modal::Note(ed);
                }
                if key.code == KeyCode::Char('t') && key.modifiers.contains(KeyModifiers::CONTROL) {
                    ed.kind = ed.kind.next();
                    if ed.kind != NoteKind::ActionItem {
                        ed.field = 0;
                    }
                    return Modal::Note(ed);
                }
                if newline && ed.field == 0 {
                    ed.text.insert_newline();
                    return Modal::Note(ed);
                }
                if enter {
                    let text = text_of(&ed.text);
                    if text.is_empty() {
                        ed.error = Some("Nothing to save yet.".into());
                        return Modal::Note(ed);
                    }
                    let (owner, due) = if ed.kind == NoteKind::ActionItem {
                        let o = text_of(&ed.owner);
                        let d = text_of(&ed.due);
                        (Some(o).filter(|s| !s.is_empty()), Some(d).filter(|s| !s.is_empty()))
                    } else {
                        (None, None)
                    };
                    // A follow-up names its source note and belongs to no step.
                    let saved = match &ed.link {
                        Some(link) => self
                            .record_note_with(ed.kind.as_str(), format!("{text} {link}"), owner, due, None)
                            .map(|_| ()),
                        None => self.record_note(ed.kind.as_str(), text, owner, due),
                    };
                    return match saved {
                        Ok(()) => {
                            self.flash = Some(format!("{} saved", ed.kind.as_str()));
                            Modal::None
                        }
                        Err(e) => {
                            ed.error = Some(e);
                            Modal::Note(ed)
                        }
                    };
                }
                match ed.field {
                    1 => {
                        ed.owner.input(key);
                    }
                    2 => {
                        ed.due.input(key);
                    }
                    _ => {
                        ed.text.input(key);
                    }
                }
                Modal::Note(ed)
            }
        }
    }

    fn scroll(&mut self, delta: isize) {
        let apply = |v: &mut usize| {
            *v = if delta < 0 { v.saturating_add(delta.unsigned_abs()) } else { v.saturating_sub(delta as usize) };
        };
        if self.screen == Screen::Timeline {
            apply(&mut self.timeline_scroll);
            return;
        }
        if self.screen == Screen::Report {
            // The report reads from the top: down moves further into it.
            let last = self.report_lines.len().saturating_sub(1);
            self.report_scroll = if delta < 0 {
                self.report_scroll.saturating_sub(delta.unsigned_abs())
            } else {
                self.report_scroll.saturating_add(delta as usize).min(last)
            };
            return;
        }
        match self.focus {
            Focus::Steps => {
                let n = self.steps.len();
                if n > 0 {
                    let cur = self.selected_step as isize + delta;
                    self.selected_step = cur.clamp(0, n as isize - 1) as usize;
                }
            }
            // Finished output scrolls from the top, live output from the bottom.
            Focus::Output
                if self.output.finished.is_some()
                    && matches!(self.output.status.as_deref(), Some("ok" | "skipped" | "not met")) =>
            {
                self.output_scroll = if delta < 0 {
                    self.output_scroll.saturating_sub(delta.unsigned_abs())
                } else {
                    self.output_scroll.saturating_add(delta as usize)
                };
            }
            Focus::Output => apply(&mut self.output_scroll),
            Focus::Log => apply(&mut self.log_scroll),
        }
    }

    fn on_readiness_key(&mut self, key: KeyEvent, action: Option<Action>) -> bool {
        let Some(r) = self.readiness.as_mut() else { return false };
        match (key.code, action) {
            (KeyCode::Char(' '), _) => {
                if let Some(item) = r.toggle() {
                    let (id, label, ticked) = (item.id.clone(), item.label.clone(), item.ok);
                    if let Err(e) =
                        self.rec.record(EventBody::ReadinessTicked { id, label, ticked, who: self.author.clone() })
                    {
                        self.flash = Some(format!("NOT SAVED: {e}"));
                    }
                }
                true
            }
            (KeyCode::Char('e'), _) if r.needs_typed_environment() => {
                let env = r.environment.clone().unwrap_or_default();
                self.modal = Modal::EnvConfirm(single_line(&format!("Type '{env}' to confirm (Enter, Esc cancels)")));
                true
            }
            (_, Some(Action::Up)) => {
                r.move_by(-1);
                true
            }
            (_, Some(Action::Down)) => {
                r.move_by(1);
                true
            }
            (_, Some(Action::Confirm)) => {
                if r.all_ok() {
                    self.decide(DecisionKind::Confirm, Some("ready".into()));
                } else {
                    self.modal = Modal::Override(single_line("Not everything is ready. Why start anyway? (required)"));
                }
                true
            }
            _ => false,
        }
    }

    fn toggle_suspend(&mut self) {
        match self.suspended.take() {
            None => {
                self.rec.suspend_clock();
                let t = self.rec.t_plus();
                self.suspended = Some((Instant::now(), t));
                self.rec.record_or_flag(EventBody::ClockSuspended { who: self.author.clone() });
                self.flash = Some("Clock suspended: press p to resume.".into());
            }
            Some((since, _)) => {
                let secs = self.rec.resume_clock();
                if self.pending_since.is_some() {
                    self.pending_suspended += since.elapsed().as_secs_f64();
                }
                self.rec.record_or_flag(EventBody::ClockResumed { who: self.author.clone(), suspended: secs });
                self.flash = Some(format!("Clock resumed after {:.0}s.", secs));
            }
        }
    }

    /// Record time-box warnings (80 %) and overruns, for the waiting manual
    /// step and for the whole Game Day. Called on every tick.
    pub fn check_timeboxes(&mut self) {
        if self.suspended.is_some() {
            return;
        }
        let mut due = Vec::new();
        if let (Some(p), Some(since)) = (&self.pending, self.pending_since)
            && p.proposal.manual
            && let Some(limit) = p
                .proposal
                .preview
                .get("timebox")
                .and_then(|t| crate::model::duration::parse(t).ok())
                .map(|d| d.as_secs_f64())
                .filter(|l| *l > 0.0)
        {
            let elapsed = (since.elapsed().as_secs_f64() - self.pending_suspended).max(0.0);
            due.push((p.proposal.name.clone(), limit, elapsed));
        }
        if let Some(limit) = self.gameday_duration.filter(|l| *l > 0.0)
            && self.run_active()
        {
            due.push(("game day".to_string(), limit, self.rec.t_plus()));
        }
        for (name, limit, elapsed) in due {
            for (state, at) in [("warning", 0.8 * limit), ("overrun", limit)] {
                let key = (name.clone(), state.to_string());
                if elapsed >= at && !self.timebox_recorded.contains(&key) {
                    self.timebox_recorded.insert(key);
                    self.rec.record_or_flag(EventBody::Timebox {
                        name: name.clone(),
                        state: state.into(),
                        limit,
                        elapsed,
                    });
                }
            }
        }
    }

    fn on_screen_key(&mut self, key: KeyEvent, action: Option<Action>) {
        if action == Some(Action::Suspend) {
            self.toggle_suspend();
            return;
        }
        if self.suspended.is_some() && matches!(action, Some(Action::Confirm | Action::Skip)) {
            self.flash = Some("The clock is suspended: press p to resume before deciding.".into());
            return;
        }
        if self.screen == Screen::Debrief && super::debrief::keys::on_key(self, action) {
            return;
        }
        if self.on_readiness_key(key, action) {
            return;
        }
        // `F` marks a waiting manual step failed (it is no keymap action, so
        // it must be handled before the action lookup below).
        if key.code == KeyCode::Char('F') && self.pending.as_ref().is_some_and(|p| p.proposal.manual) {
            self.modal = Modal::ManualFailed(single_line("What went wrong? (Enter saves, Esc cancels)"));
            return;
        }
        let Some(action) = action else { return };
        let manual = self.pending.as_ref().is_some_and(|p| p.proposal.manual);
        match action {
            // A manual step's outcome is what the facilitator saw: ask for it.
            Action::Confirm if manual => {
                self.modal = Modal::ManualDone(single_line("What happened? (optional, Enter marks done, Esc cancels)"));
            }
            Action::Confirm if self.pending.is_some() => self.decide(DecisionKind::Confirm, None),
            Action::Confirm => self.flash = Some("Nothing is waiting for a decision.".into()),
            Action::Skip if self.pending.is_some() => {
                self.modal = Modal::Skip(single_line("Why skip? (optional, Enter skips, Esc cancels)"));
            }
            Action::Skip => self.flash = Some("Nothing is waiting for a decision.".into()),
            Action::Abort if self.run_active() => {
                self.modal = Modal::Abort(single_line("Why abort? (required, Enter aborts, Esc cancels)"));
            }
            Action::Abort => {}
            Action::Stop => self.press_stop("key"),
            Action::Note => self.modal = Modal::Note(Box::default()),
            Action::Detected => self.milestone("detected"),
            Action::Diagnosed => self.milestone("diagnosed"),
            Action::Mitigated => self.milestone("mitigated"),
            Action::Recovered => self.milestone("recovered"),
            Action::SwitchAuthor => {
                let mut t = single_line("Who is writing? (Enter saves, Esc cancels)");
                t.insert_str(&self.author);
                self.modal = Modal::Author(t);
            }
            Action::Timeline => {
                self.screen = if self.screen == Screen::Timeline { Screen::Run } else { Screen::Timeline };
            }
            Action::Debrief if self.screen == Screen::Debrief => self.screen = Screen::Run,
            Action::Debrief => super::debrief::open(self),
            Action::ActionItem | Action::Answer | Action::AddToBacklog => {
                self.flash =
                    Some(format!("That works on the Debrief screen ({}).", self.keymap.label(Action::Debrief)));
            }
            Action::Report if self.screen == Screen::Report => self.screen = Screen::Run,
            Action::Report => self.open_report(),
            Action::WriteReport if self.screen == Screen::Report => self.write_report(),
            Action::WriteReport => self.flash = Some("Open the report preview first (r).".into()),
            Action::Search => {
                self.screen = Screen::Timeline;
                let mut t = single_line("Search the timeline (Enter keeps, Esc closes)");
                t.insert_str(&self.timeline_query);
                self.modal = Modal::Search(t);
            }
            Action::Filter => {
                self.screen = Screen::Timeline;
                const KINDS: [&str; 9] =
                    ["note", "observation", "weakness", "decision", "question", "action", "milestone", "stop", "step"];
                self.timeline_filter = match &self.timeline_filter {
                    None => Some(KINDS[0].to_string()),
                    Some(k) => KINDS.iter().position(|x| x == k).and_then(|i| KINDS.get(i + 1)).map(|s| s.to_string()),
                };
                self.timeline_scroll = 0;
            }
            Action::Suspend => {}
            Action::Help => {
                self.help_scroll = 0;
                self.modal = Modal::Help;
            }
            Action::Quit => self.request_quit(),
            Action::FocusNext => {
                self.focus = match self.focus {
                    Focus::Steps => Focus::Output,
                    Focus::Output => Focus::Log,
                    Focus::Log => Focus::Steps,
                }
            }
            Action::Up => self.scroll(-1),
            Action::Down => self.scroll(1),
            Action::PageUp => self.scroll(-10),
            Action::PageDown => self.scroll(10),
        }
    }
}

/// How an activity's output reads on screen.
pub fn render_output(output: &Value, live: &str) -> String {
    match output {
        Value::Null => live.to_string(),
        Value::Object(m) if m.contains_key("stdout") => {
            let mut s =
                format!("exit status {}\n", m.get("status").map(crate::engine::pyvalue::py_str).unwrap_or_default());
            if let Some(o) = m.get("stdout").and_then(Value::as_str).filter(|o| !o.is_empty()) {
                s.push_str(o);
                if !o.ends_with('\n') {
                    s.push('\n');
                }
            }
            if let Some(e) = m.get("stderr").and_then(Value::as_str).filter(|e| !e.is_empty()) {
                s.push_str("stderr:\n");
                s.push_str(e);
            }
            s
        }
        Value::Object(m) if m.contains_key("body") => {
            let body = match m.get("body") {
                Some(Value::String(b)) => b.clone(),
                Some(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
                None => String::new(),
            };
            format!("HTTP {}\n{body}", m.get("status").map(crate::engine::pyvalue::py_str).unwrap_or_default())
        }
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

fn human(secs: f64) -> String {
    crate::model::duration::human_secs(secs)
}

/// Planned `at: T+15m` offsets of manual steps, in seconds.
fn planned_offsets(experiment: &Value) -> HashMap<(Phase, usize), f64> {
    let mut out = HashMap::new();
    for (phase, key) in [(Phase::Method, "method"), (Phase::Rollbacks, "rollbacks")] {
        for (i, a) in experiment.get(key).and_then(Value::as_array).into_iter().flatten().enumerate() {
            if let Some(at) = a.get("at").and_then(Value::as_str)
                && let Ok(d) =
                    crate::model::duration::parse_str(at.trim().trim_start_matches("T+").trim_start_matches('+'))
            {
                out.insert((phase, i), d.as_secs_f64());
            }
        }
    }
    out
}
