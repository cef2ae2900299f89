//! The run itself: steady state (before) → method (with the continuous
//! hypothesis alongside) → steady state (after) → rollbacks, following
//! Chaos Toolkit's rules for status, deviation and strategies, asking the
//! approver at each gated step, and honouring STOP at any moment.
use super::approver::{Approver, Decision, Proposal};
use super::controls::{Changes, Level};
use super::options::{Dry, Gate, RollbackStrategy, RunOptions};
use super::pyvalue::py_truthy;
use super::stop::{StopHandle, StopRequest};
use super::substitute::{Scope, substitute};
use super::tolerance::{ProbeTolerance, ToleranceError, Verdict, within_tolerance};
use crate::providers::{self, LiveSink, ProviderError, Stream};
use crate::session::event::{ChangedPart, DecisionKind, EventBody, Phase, StepList};
use crate::session::recorder::Recorder;
use crate::timefmt::iso;
use chrono::Utc;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `completed`, `failed`, `aborted` or `interrupted`.
    pub status: String,
    pub deviated: bool,
}

impl Outcome {
    /// `chaos run`'s exit code.
    pub fn exit_code(&self) -> u8 {
        if self.status == "completed" && !self.deviated { 0 } else { 1 }
    }
}

/// Why a phase ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Halt {
    /// STOP, a signal or an abort decision.
    Interrupted,
    /// Something Chaos Toolkit does not catch as an activity failure.
    Aborted,
}

/// What one activity execution came to.
#[derive(Debug, Clone, PartialEq)]
enum Ran {
    Succeeded {
        output: Value,
        checked: bool,
    },
    Failed,
    Skipped,
    Crashed(String),
    Interrupted,
    /// Never started (abort decision or STOP before it began).
    NotStarted,
}

/// What the gate said about a step.
enum Gated {
    /// Run it (the activity resolved), skipping or with a manual outcome.
    Go { activity: Value, skip: Option<Value>, manual_result: Option<Decision> },
    /// Nothing to run: already done before a crash, refused, or stopped.
    Done(Ran),
}

/// The engine for one run.
pub struct Engine {
    experiment: Value,
    configuration: Map<String, Value>,
    secrets: Map<String, Value>,
    opts: RunOptions,
    rec: Arc<Recorder>,
    approver: Arc<dyn Approver>,
    stop: StopHandle,
    cache: RefCache,
    next_run: AtomicU64,
    status: Mutex<Option<String>>,
    deviated: AtomicBool,
    /// Stops already answered (so a phase can wait for newer ones).
    handled_stops: AtomicU64,
    /// What a previous attempt of this session already did (resume).
    history: super::history::History,
    /// Chaos Toolkit controls declared in the experiment (set when the run starts).
    controls: tokio::sync::OnceCell<super::controls::Controls>,
    /// Finished run entries per phase, for the controls' `after` hooks.
    entries: Mutex<HashMap<Phase, Vec<Value>>>,
    /// The experiment's lists of steps that controls inserted steps into,
    /// as they are now (a list nobody changed is read from `experiment`).
    changed_lists: Mutex<HashMap<StepList, Vec<Value>>>,
    /// Preflight items ticked before the run (the playbook's day file).
    prior_ticks: std::sync::OnceLock<Vec<super::readiness::PriorTick>>,
}

/// Sends a provider's live output to the recorder, tagged with its run.
struct Live<'a> {
    rec: &'a Recorder,
    run: u64,
    stop: &'a StopHandle,
}

impl LiveSink for Live<'_> {
    fn output(&self, stream: Stream, chunk: &str) {
        self.rec.live(self.run, stream, chunk);
    }
    fn warn(&self, message: &str) {
        self.rec.record_or_flag(EventBody::Warning { message: message.to_string() });
    }
    fn spawned(&self, pgid: u32) {
        self.rec.record_or_flag(EventBody::ProcessStarted { run: self.run, pgid });
    }
    fn exit_signal(&self, graceful: bool) {
        self.stop.stop(StopRequest::exit_signal(graceful));
    }
    fn printed(&self, stdout: &str, stderr: &str) {
        if !stdout.is_empty() || !stderr.is_empty() {
            self.rec.record_or_flag(EventBody::ActivityPrinted {
                run: self.run,
                stdout: stdout.to_string(),
                stderr: stderr.to_string(),
            });
        }
    }
}

struct NoProbeTolerance;
impl ProbeTolerance for NoProbeTolerance {
    fn run(&self, _: &Value) -> Result<bool, ToleranceError> {
        Err(ToleranceError("probe tolerances are evaluated by the engine".into()))
    }
}

/// Where the activity a `ref` names is: its list and position in the
/// experiment (kept as a place, not a copy, so a long experiment is in
/// memory once).
type RefCache = HashMap<String, (StepList, usize)>;

/// Build the `ref` cache: method first, then SSH probes (which win).
fn build_cache(experiment: &Value) -> RefCache {
    let mut cache = HashMap::new();
    for list in [StepList::Method, StepList::Hypothesis] {
        for (i, a) in list.get(experiment).into_iter().flatten().enumerate() {
            if let Some(name) = a.get("name").and_then(Value::as_str)
                && a.get("ref").is_none()
            {
                cache.insert(name.to_string(), (list, i));
            }
        }
    }
    cache
}

impl Engine {
    /// Prepare a run. `experiment` is the document as loaded (with `dry` set
    /// by the caller); configuration and secrets are already resolved.
    pub fn new(
        experiment: Value,
        configuration: Map<String, Value>,
        secrets: Map<String, Value>,
        opts: RunOptions,
        rec: Arc<Recorder>,
        approver: Arc<dyn Approver>,
        stop: StopHandle,
    ) -> Arc<Self> {
        let cache = build_cache(&experiment);
        Arc::new(Self {
            experiment,
            configuration,
            secrets,
            opts,
            rec,
            approver,
            stop,
            cache,
            next_run: AtomicU64::new(1),
            status: Mutex::new(None),
            deviated: AtomicBool::new(false),
            handled_stops: AtomicU64::new(0),
            history: super::history::History::default(),
            controls: tokio::sync::OnceCell::new(),
            entries: Mutex::new(HashMap::new()),
            changed_lists: Mutex::new(HashMap::new()),
            prior_ticks: std::sync::OnceLock::new(),
        })
    }

    /// Like [`Engine::new`], continuing a session that already did `history`.
    #[allow(clippy::too_many_arguments)]
    pub fn resume(
        experiment: Value,
        configuration: Map<String, Value>,
        secrets: Map<String, Value>,
        opts: RunOptions,
        rec: Arc<Recorder>,
        approver: Arc<dyn Approver>,
        stop: StopHandle,
        history: super::history::History,
    ) -> Arc<Self> {
        if let Some((who, _, reason)) = &history.stopped {
            // A STOP before the crash is still a STOP: say so, then carry on stopping.
            let why = format!(
                "stopped by {who} before the console died{}",
                reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
            );
            // Resuming a stopped session is how its rollbacks get played.
            stop.stop(StopRequest::halt("gameday", "resume", Some(&why)));
        }
        for pgid in &history.leftover_groups {
            // Whatever of an interrupted activity still runs must not outlive it.
            crate::providers::process::kill_group(*pgid);
        }
        let next_run = history.max_run + 1;
        let cache = build_cache(&experiment);
        // Steps a control inserted before the console died are where they were.
        let mut changed_lists: HashMap<StepList, Vec<Value>> = HashMap::new();
        for edit in &history.list_edits {
            let list = edit.list();
            let l = changed_lists.entry(list).or_insert_with(|| list.get(&experiment).cloned().unwrap_or_default());
            edit.apply(l);
        }
        Arc::new(Self {
            experiment,
            configuration,
            secrets,
            opts,
            rec,
            approver,
            stop,
            cache,
            next_run: AtomicU64::new(next_run),
            status: Mutex::new(None),
            deviated: AtomicBool::new(false),
            handled_stops: AtomicU64::new(0),
            history,
            controls: tokio::sync::OnceCell::new(),
            entries: Mutex::new(HashMap::new()),
            changed_lists: Mutex::new(changed_lists),
            prior_ticks: std::sync::OnceLock::new(),
        })
    }

    fn scope(&self) -> Scope<'_> {
        Scope::new(&self.configuration, &self.secrets)
    }

    fn status(&self) -> Option<String> {
        self.status.lock().ok().and_then(|s| s.clone())
    }

    fn set_status(&self, s: &str) {
        if let Ok(mut st) = self.status.lock() {
            *st = Some(s.to_string());
        }
    }

    /// Record an engine event. A failure is not printed here (that would
    /// scribble over the console's screen): the recorder keeps it, and the
    /// console's banner and header (or the headless log) show it.
    fn record(&self, body: EventBody) {
        self.rec.record_or_flag(body);
    }

    fn stopped(&self) -> bool {
        self.stop.count() > self.handled_stops.load(Ordering::SeqCst)
    }

    /// Record every STOP request not yet recorded.
    fn record_stops(&self) {
        let total = self.stop.count();
        let seen = self.handled_stops.swap(total, Ordering::SeqCst);
        for n in seen + 1..=total {
            if let Some(r) = self.stop.request(n) {
                self.record(EventBody::Stop { who: r.who, source: r.source, reason: r.reason });
            }
        }
    }

    /// Run a control hook; an interruption raised by a control becomes a STOP.
    /// Steps it inserted into the experiment are in place when this returns;
    /// what it changed in the context or the state is returned.
    async fn hook(&self, level: Level, context: &Value, state: Option<&Value>) -> Result<Changes, Halt> {
        let Some(c) = self.controls.get().filter(|c| !c.is_empty()) else { return Ok(Changes::default()) };
        let result = match state {
            None => c.before(level, context).await,
            Some(s) => c.after(level, context, s).await,
        };
        match result {
            Ok(changes) => {
                self.insert_steps(&changes);
                Ok(changes)
            }
            Err(msg) => {
                self.stop.stop(StopRequest::new("control", "control", Some(&msg)));
                Err(Halt::Interrupted)
            }
        }
    }

    /// An `after_*` hook, with what it changed in `state` recorded for the
    /// journal as `part` (chaos's controls change chaos's own journal).
    async fn after_hook(&self, level: Level, context: &Value, state: &Value, part: ChangedPart) -> Result<(), Halt> {
        let changes = self.hook(level, context, Some(state)).await?;
        if let Some(now) = &changes.state {
            self.record_changed(part, state, now, &changes.by);
        }
        Ok(())
    }

    fn record_changed(&self, part: ChangedPart, sent: &Value, now: &Value, by: &[String]) {
        let (mut set, mut appended, mut list) = (Map::new(), Vec::new(), None);
        match (sent, now) {
            (Value::Array(old), Value::Array(new)) => {
                if new.len() >= old.len() && new[..old.len()] == old[..] {
                    appended = new[old.len()..].to_vec();
                } else {
                    list = Some(new.clone());
                }
            }
            (_, Value::Object(new)) => {
                for (k, v) in new {
                    if sent.get(k) != Some(v) {
                        set.insert(k.clone(), v.clone());
                    }
                }
            }
            _ => {}
        }
        if set.is_empty() && appended.is_empty() && list.is_none() {
            return;
        }
        self.record(EventBody::ControlChanged { part, controls: by.to_vec(), set, appended, list });
    }

    /// Put the steps a hook inserted into the running experiment's lists.
    fn insert_steps(&self, changes: &Changes) {
        for ins in &changes.inserted {
            if let Ok(mut lists) = self.changed_lists.lock() {
                let l = lists
                    .entry(ins.list)
                    .or_insert_with(|| ins.list.get(&self.experiment).cloned().unwrap_or_default());
                let at = ins.at.min(l.len());
                l.splice(at..at, ins.steps.iter().cloned());
            }
            self.record(EventBody::StepsInserted {
                list: ins.list,
                position: ins.at,
                steps: ins.steps.clone(),
                controls: vec![ins.control.clone()],
            });
        }
    }

    /// An activity hook changed the activity of the step at `index` of
    /// `phase`'s list: keep it there (not through a `ref`, whose target
    /// chaos would change instead).
    fn change_step(&self, phase: Phase, index: usize, changes: &Changes) {
        let (Some(list), Some(step)) = (StepList::of(phase), changes.context.as_ref()) else { return };
        if self.step_at(list, index).is_none_or(|s| s.get("ref").is_some()) {
            return;
        }
        if let Ok(mut lists) = self.changed_lists.lock() {
            let l = lists.entry(list).or_insert_with(|| list.get(&self.experiment).cloned().unwrap_or_default());
            if let Some(slot) = l.get_mut(index) {
                *slot = step.clone();
            }
        }
        self.record(EventBody::StepChanged { list, position: index, step: step.clone(), controls: changes.by.clone() });
    }

    /// The step at `index` of a list as it is now.
    fn step_at(&self, list: StepList, index: usize) -> Option<Value> {
        if let Ok(lists) = self.changed_lists.lock()
            && let Some(l) = lists.get(&list)
        {
            return l.get(index).cloned();
        }
        list.get(&self.experiment)?.get(index).cloned()
    }

    /// The experiment with the steps controls inserted (what a resumed
    /// run's controls must see); `None` while there are none.
    fn experiment_now(&self) -> Option<Value> {
        let lists = self.changed_lists.lock().ok()?;
        if lists.is_empty() {
            return None;
        }
        let mut exp = self.experiment.clone();
        for (list, steps) in lists.iter() {
            if let Some(l) = list.get_mut(&mut exp) {
                *l = steps.clone();
            }
        }
        Some(exp)
    }

    /// Configuration and secrets as a control changed them (chaos shares
    /// one dict with its controls), or `None` when none did.
    fn fed_back(&self) -> Option<Arc<super::controls::ScopeMaps>> {
        self.controls.get().and_then(|c| c.fed_back())
    }

    fn has_controls(&self) -> bool {
        self.controls.get().is_some_and(|c| !c.is_empty())
    }

    fn phase_entries(&self, phase: Phase) -> Value {
        Value::Array(self.entries.lock().ok().and_then(|e| e.get(&phase).cloned()).unwrap_or_default())
    }

    fn skip_rollbacks_requested(&self) -> bool {
        (1..=self.stop.count()).any(|n| self.stop.request(n).is_some_and(|r| r.skip_rollbacks))
    }

    /// Run to the end and report the outcome. Every step is in the event log.
    pub async fn run(self: &Arc<Self>) -> Outcome {
        let started = Instant::now();
        let ssh = self.experiment.get("steady-state-hypothesis");
        let with_ssh =
            ssh.is_some_and(py_truthy) && ssh.is_some_and(|h| py_truthy(h.get("probes").unwrap_or(&Value::Null)));
        if !with_ssh {
            self.record(EventBody::Warning {
                message: "No steady state hypothesis defined. That's ok, just exploring.".into(),
            });
        }
        // Safeguards watch from the start to the end of the rollbacks.
        let safeguards_done = CancellationToken::new();
        let guards = match super::safety::safeguards(&self.experiment) {
            Ok(list) => super::safety::spawn_safeguards(
                list,
                self.configuration.clone(),
                self.secrets.clone(),
                self.opts.python.clone(),
                Arc::clone(&self.rec),
                self.stop.clone(),
                safeguards_done.clone(),
            ),
            Err(e) => {
                self.record(EventBody::Warning { message: format!("safeguards ignored: {e}") });
                Vec::new()
            }
        };
        let rec = Arc::clone(&self.rec);
        let warn: super::controls::Warn = Arc::new(move |m| {
            rec.record_or_flag(EventBody::Warning { message: m });
        });
        let now = self.experiment_now();
        let controls = super::controls::Controls::start_with_globals(
            now.as_ref().unwrap_or(&self.experiment),
            &self.configuration,
            &self.secrets,
            &self.opts.python,
            warn,
            &self.opts.globals,
        )
        .await;
        if let Some(why) = controls.invalid() {
            self.record(EventBody::Warning { message: format!("a control refused the experiment: {why}") });
        }
        let _ = self.controls.set(controls);
        let mut halted = Ok(());
        let gate = super::readiness::is_playbook(&self.experiment) || self.opts.blackout.is_some();
        if gate && !self.history.readiness_done {
            halted = self.readiness().await;
        }
        if halted.is_ok() {
            halted = self.hook(Level::Experiment, &self.experiment, None).await.map(drop);
        }
        if halted.is_ok() {
            halted = self.main_phases(with_ssh).await;
        }
        match halted {
            Err(Halt::Interrupted) => self.set_status("interrupted"),
            Err(Halt::Aborted) => self.set_status("aborted"),
            Ok(()) => {}
        }
        if self.stopped() {
            self.set_status("interrupted");
        }
        self.record_stops();
        if self.stop.count() > 0 {
            // Halt actions first: stop every tool in use, then roll back.
            let actions = super::safety::halt_actions(&self.experiment);
            let first = self.next_run.fetch_add(actions.len() as u64, Ordering::SeqCst);
            super::safety::run_halt_actions(
                &actions,
                &self.configuration,
                &self.secrets,
                &self.opts.python,
                &self.rec,
                first,
            )
            .await;
        }
        if !self.skip_rollbacks_requested() {
            self.rollbacks().await;
        }
        self.record_stops();
        safeguards_done.cancel();
        for g in guards {
            let _ = g.await;
        }
        let status = match self.status().as_deref() {
            Some(s @ ("completed" | "failed" | "aborted" | "interrupted")) => s.to_string(),
            _ => "completed".to_string(),
        };
        let deviated = self.deviated.load(Ordering::SeqCst);
        let end = Utc::now();
        // A resumed run lasted from the session's start, across every
        // attempt, as Chaos Toolkit's duration spans start to end.
        let duration = self.history.run_duration(end).unwrap_or_else(|| started.elapsed().as_secs_f64());
        self.record(EventBody::RunFinished { status: status.clone(), deviated, end: iso(&end), duration });
        if let Some(c) = self.controls.get().filter(|c| !c.is_empty()) {
            // chaos hands `after_experiment_control` the whole journal (its
            // `duration`, `run`, `rollbacks`…): project it from the log.
            let state = self.journal_so_far().unwrap_or_else(|| json!({"status": status, "deviated": deviated}));
            let _ = self.after_hook(Level::Experiment, &self.experiment, &state, ChangedPart::Journal).await;
            c.cleanup().await;
        }
        self.record(EventBody::PhaseChanged { phase: Phase::Ended });
        self.rec.sync_or_flag();
        Outcome { status, deviated }
    }

    /// The journal as it stands, from the events written so far.
    fn journal_so_far(&self) -> Option<Value> {
        self.rec.sync_or_flag();
        let read = crate::session::read_events(&self.rec.log_path()?).ok()?;
        Some(crate::session::journal::project(&read.events))
    }

    /// Start the readiness gate with these preflight items ticked (what the
    /// facilitator ticked in `gameday plan`). Only the first call counts;
    /// call it before [`Engine::run`].
    pub fn set_prior_ticks(&self, ticks: Vec<super::readiness::PriorTick>) {
        let _ = self.prior_ticks.set(ticks);
    }

    /// The readiness gate: check what can be checked, then ask for the go.
    async fn readiness(self: &Arc<Self>) -> Result<(), Halt> {
        use super::readiness::{apply_prior_ticks, missing, plan_items, run_checks};
        self.record(EventBody::PhaseChanged { phase: Phase::Readiness });
        let mut items =
            if super::readiness::is_playbook(&self.experiment) { plan_items(&self.experiment) } else { Vec::new() };
        if let Some(message) = &self.opts.blackout {
            items.insert(0, super::readiness::blackout_item(message));
        }
        // Ticks from the plan are recorded as ticks by the person who made
        // them, so the event log says who vouched for each item and when.
        let ticks = self.prior_ticks.get().map(Vec::as_slice).unwrap_or_default();
        for item in apply_prior_ticks(&mut items, ticks) {
            let who = ticks
                .iter()
                .find(|t| item.id == format!("preflight-{}", t.index))
                .and_then(|t| t.by.clone())
                .unwrap_or_else(|| "gameday plan".into());
            self.record(EventBody::ReadinessTicked {
                id: item.id.clone(),
                label: item.label.clone(),
                ticked: true,
                who,
            });
        }
        let cancel = self.stop.token_beyond(0);
        run_checks(&self.experiment, &mut items, &self.configuration, &self.secrets, &self.opts.python, &cancel).await;
        cancel.cancel();
        if self.stopped() {
            return Err(Halt::Interrupted);
        }
        let items_json = serde_json::to_value(&items).unwrap_or(Value::Null);
        self.record(EventBody::ReadinessChecked { items: items_json.clone() });
        let proposal = Proposal {
            phase: Phase::Readiness,
            index: 0,
            name: "readiness gate".into(),
            preview: json!({"items": items_json}),
            manual: false,
        };
        self.record(EventBody::Proposal { phase: Phase::Readiness, index: 0, name: proposal.name.clone() });
        let decision = tokio::select! {
            biased;
            _ = self.stop.wait_beyond(0) => return Err(Halt::Interrupted),
            d = self.approver.decide(&proposal) => d,
        };
        self.record(EventBody::Decision {
            phase: Phase::Readiness,
            index: 0,
            name: proposal.name.clone(),
            decision: decision.kind.clone(),
            who: decision.who.clone(),
            reason: decision.reason.clone(),
        });
        match decision.kind {
            DecisionKind::Abort => {
                // Nothing ran yet: there is nothing to roll back.
                self.stop.stop(StopRequest {
                    who: decision.who,
                    source: "abort".into(),
                    reason: decision.reason.or_else(|| Some("not ready".into())),
                    skip_rollbacks: true,
                    plays_rollbacks: false,
                });
                Err(Halt::Interrupted)
            }
            _ => {
                let gaps = missing(&items);
                if self.opts.headless && !gaps.is_empty() {
                    // Nobody can tick items in a headless run: say so, as an override.
                    self.record(EventBody::Decision {
                        phase: Phase::Readiness,
                        index: 0,
                        name: proposal.name,
                        decision: DecisionKind::Override,
                        who: "auto".into(),
                        reason: Some(format!("headless run; not ready: {}", gaps.join("; "))),
                    });
                }
                Ok(())
            }
        }
    }

    async fn main_phases(self: &Arc<Self>, with_ssh: bool) -> Result<(), Halt> {
        let strategy = self.opts.hypothesis_strategy;
        if with_ssh && strategy.before() {
            self.record(EventBody::PhaseChanged { phase: Phase::Before });
            let (met, errored) = self.hypothesis(Phase::Before).await?;
            if !met {
                self.set_status(if errored { "failed" } else { "completed" });
                return Ok(());
            }
        }
        let during_done = Arc::new(AtomicBool::new(false));
        let during = (with_ssh && strategy.during()).then(|| {
            let me = Arc::clone(self);
            let done = Arc::clone(&during_done);
            tokio::spawn(async move { me.continuous(done).await })
        });
        self.record(EventBody::PhaseChanged { phase: Phase::Method });
        let method = self.method().await;
        during_done.store(true, Ordering::SeqCst);
        let during_result = match during {
            Some(h) => h.await.unwrap_or(Err(Halt::Aborted)),
            None => Ok(()),
        };
        method?;
        during_result?;
        if self.stopped() {
            return Err(Halt::Interrupted);
        }
        let status = self.status();
        if !matches!(status.as_deref(), Some("interrupted" | "aborted")) && with_ssh && strategy.after() {
            self.record(EventBody::PhaseChanged { phase: Phase::After });
            let (met, errored) = self.hypothesis(Phase::After).await?;
            if !met {
                self.deviated.store(true, Ordering::SeqCst);
                self.set_status(if errored { "failed" } else { "completed" });
            }
        }
        Ok(())
    }

    /// Check the hypothesis once. Returns (met, a probe errored).
    async fn hypothesis(self: &Arc<Self>, phase: Phase) -> Result<(bool, bool), Halt> {
        if let Some(met) = self.history.hypotheses.get(&phase) {
            // Checked before the console died: keep that verdict.
            return Ok((met.unwrap_or(false), false));
        }
        let ssh = self.experiment.get("steady-state-hypothesis").cloned().unwrap_or(Value::Null);
        if let Ok(mut e) = self.entries.lock() {
            e.insert(phase, Vec::new());
        }
        self.hook(Level::Hypothesis, &ssh, None).await?;
        let result = self.hypothesis_probes(phase).await;
        if self.has_controls() {
            let met = match &result {
                Ok((met, _)) => json!(met),
                Err(_) => Value::Null,
            };
            let state = json!({"steady_state_met": met, "probes": self.phase_entries(phase)});
            self.after_hook(Level::Hypothesis, &ssh, &state, ChangedPart::SteadyState(phase)).await?;
        }
        result
    }

    async fn hypothesis_probes(self: &Arc<Self>, phase: Phase) -> Result<(bool, bool), Halt> {
        self.record(EventBody::HypothesisStarted { phase });
        let seen = self.handled_stops.load(Ordering::SeqCst);
        // By position, as chaos walks the list: a step a control inserts
        // after this one runs next.
        for i in 0.. {
            let Some(probe) = self.step_at(StepList::Hypothesis, i) else { break };
            let cancel = self.stop.token_beyond(seen);
            let ran = self.execute(phase, i, &probe, &cancel, true).await;
            cancel.cancel();
            match ran {
                Ran::Interrupted | Ran::NotStarted => return Err(Halt::Interrupted),
                Ran::Crashed(_) => return Err(Halt::Aborted),
                Ran::Failed => {
                    self.record(EventBody::HypothesisFinished { phase, met: Some(false) });
                    return Ok((false, true));
                }
                Ran::Succeeded { checked: false, .. } => {
                    self.record(EventBody::HypothesisFinished { phase, met: Some(false) });
                    return Ok((false, false));
                }
                Ran::Succeeded { .. } | Ran::Skipped => {}
            }
        }
        self.record(EventBody::HypothesisFinished { phase, met: Some(true) });
        Ok((true, false))
    }

    /// The continuous hypothesis, alongside the method.
    async fn continuous(self: Arc<Self>, done: Arc<AtomicBool>) -> Result<(), Halt> {
        let freq = crate::model::duration::seconds_clamped(self.opts.hypothesis_frequency);
        let (mut iterations, mut failed) = (0u32, 0u32);
        while !done.load(Ordering::SeqCst) {
            if matches!(self.status().as_deref(), Some("failed" | "interrupted" | "aborted")) || self.stopped() {
                break;
            }
            iterations += 1;
            let (met, _) = self.hypothesis(Phase::During).await?;
            if !met {
                failed += 1;
                self.record(EventBody::Warning {
                    message: format!(
                        "the steady state was not met during the method ({failed} of {iterations} checks so far)"
                    ),
                });
                if self.opts.fail_fast {
                    self.set_status("failed");
                    break;
                }
            }
            // Wait one period, but notice the end of the method at once.
            let deadline = Instant::now() + freq;
            while Instant::now() < deadline && !done.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(10).min(freq)).await;
            }
        }
        Ok(())
    }

    async fn method(self: &Arc<Self>) -> Result<(), Halt> {
        self.hook(Level::Method, &self.experiment, None).await?;
        let result = self.method_steps().await;
        if self.has_controls() {
            let entries = self.phase_entries(Phase::Method);
            self.after_hook(Level::Method, &self.experiment, &entries, ChangedPart::Entries(Phase::Method)).await?;
        }
        result
    }

    async fn method_steps(self: &Arc<Self>) -> Result<(), Halt> {
        let seen = self.handled_stops.load(Ordering::SeqCst);
        let cancel = self.stop.token_beyond(seen);
        let mut background = Vec::new();
        let mut result = Ok(());
        for i in 0.. {
            let Some(activity) = self.step_at(StepList::Method, i) else { break };
            let activity = &activity;
            if self.stopped() {
                result = Err(Halt::Interrupted);
                break;
            }
            if activity.get("background").is_some_and(py_truthy) {
                // Decide now, in order; only the running happens in the background.
                match self.gate(Phase::Method, i, activity).await {
                    Gated::Go { activity, skip, manual_result } => {
                        let me = Arc::clone(self);
                        let c = cancel.clone();
                        let (tx, has_started) = oneshot::channel();
                        background.push(tokio::spawn(async move {
                            me.run_decided(Phase::Method, i, activity, skip, manual_result, &c, false, Some(tx)).await
                        }));
                        let _ = has_started.await;
                    }
                    Gated::Done(Ran::Interrupted | Ran::NotStarted) => {
                        result = Err(Halt::Interrupted);
                        break;
                    }
                    Gated::Done(Ran::Crashed(_)) => {
                        result = Err(Halt::Aborted);
                        break;
                    }
                    Gated::Done(_) => {}
                }
            } else {
                match self.execute(Phase::Method, i, activity, &cancel, false).await {
                    Ran::Interrupted | Ran::NotStarted => {
                        result = Err(Halt::Interrupted);
                        break;
                    }
                    Ran::Crashed(_) => {
                        result = Err(Halt::Aborted);
                        break;
                    }
                    _ => {}
                }
            }
            if matches!(self.status().as_deref(), Some("aborted" | "failed" | "interrupted")) {
                break;
            }
        }
        for h in background {
            let _ = h.await;
        }
        cancel.cancel();
        if self.stopped() {
            return Err(Halt::Interrupted);
        }
        result
    }

    fn should_roll_back(&self) -> bool {
        let status = self.status();
        match self.opts.rollback_strategy {
            RollbackStrategy::Always => true,
            RollbackStrategy::Never => false,
            // A gameday STOP (key, safeguard, watch, console signal) always
            // rolls back unless told `never`: that is what STOP promises.
            _ if self.stop.any(|r| r.plays_rollbacks) => true,
            RollbackStrategy::Default => !matches!(status.as_deref(), Some("failed" | "interrupted")),
            RollbackStrategy::Deviated => self.deviated.load(Ordering::SeqCst),
        }
    }

    async fn rollbacks(self: &Arc<Self>) {
        if !self.should_roll_back() {
            return;
        }
        self.record(EventBody::PhaseChanged { phase: Phase::Rollbacks });
        if self.hook(Level::Rollback, &self.experiment, None).await.is_err() {
            self.set_status("interrupted");
            return;
        }
        self.rollback_steps().await;
        if self.has_controls() {
            let entries = self.phase_entries(Phase::Rollbacks);
            let part = ChangedPart::Entries(Phase::Rollbacks);
            if self.after_hook(Level::Rollback, &self.experiment, &entries, part).await.is_err() {
                self.set_status("interrupted");
            }
        }
    }

    async fn rollback_steps(self: &Arc<Self>) {
        let seen = self.stop.count();
        self.handled_stops.store(seen, Ordering::SeqCst);
        // Only an interrupt cuts the rollbacks short; another STOP is
        // recorded and they carry on (the console stops asking).
        let cancel = self.stop.token_beyond_where(seen, StopRequest::cuts_rollbacks);
        let mut background = Vec::new();
        for i in 0.. {
            let Some(activity) = self.step_at(StepList::Rollbacks, i) else { break };
            let activity = &activity;
            if self.rollbacks_cut(seen) {
                self.set_status("interrupted");
                break;
            }
            if activity.get("background").is_some_and(py_truthy) {
                match self.gate(Phase::Rollbacks, i, activity).await {
                    Gated::Go { activity, skip, manual_result } => {
                        let me = Arc::clone(self);
                        let c = cancel.clone();
                        let (tx, has_started) = oneshot::channel();
                        background.push(tokio::spawn(async move {
                            me.run_decided(Phase::Rollbacks, i, activity, skip, manual_result, &c, false, Some(tx))
                                .await
                        }));
                        let _ = has_started.await;
                    }
                    Gated::Done(Ran::Interrupted | Ran::NotStarted) => {
                        self.set_status("interrupted");
                        break;
                    }
                    Gated::Done(_) => {}
                }
                continue;
            }
            match self.execute(Phase::Rollbacks, i, activity, &cancel, false).await {
                Ran::Interrupted | Ran::NotStarted => {
                    self.set_status("interrupted");
                    break;
                }
                // Chaos Toolkit records the failure and carries on.
                _ => {}
            }
        }
        for h in background {
            let _ = h.await;
        }
        cancel.cancel();
        // A STOP while rolling back did not cut them short, but the run was
        // still stopped: it ends interrupted, as it would have earlier.
        if self.stop.count() > seen {
            self.set_status("interrupted");
        }
    }

    /// Why `activity` must not run: it needs an inline secret this resumed
    /// session no longer has (its declared `secrets` scope holds one, or it
    /// names one as `${key}`).
    fn needs_lost_secret(&self, activity: &Value) -> Option<String> {
        if self.opts.lost_secrets.is_empty() {
            return None;
        }
        let declared: Vec<&str> = match activity.get("secrets") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let text = activity.to_string();
        let needed: Vec<String> = self
            .opts
            .lost_secrets
            .iter()
            .filter(|(scope, key)| declared.contains(&scope.as_str()) || text.contains(&format!("${{{key}}}")))
            .map(|(scope, key)| format!("'{key}' (secrets '{scope}')"))
            .collect();
        (!needed.is_empty()).then(|| {
            format!(
                "not run: it needs the inline secret {}, which this resumed session does not have                  (the experiment file is gone or changed, and the session keeps secrets masked);                  restore the original file and resume again, or do this step by hand",
                needed.join(", ")
            )
        })
    }

    /// Has an interrupt arrived since the rollbacks began (at `seen`)?
    fn rollbacks_cut(&self, seen: u64) -> bool {
        self.stop.any_beyond(seen, StopRequest::cuts_rollbacks)
    }

    /// Is there a request newer than the handled ones that ends `phase`?
    fn stopped_in(&self, phase: Phase) -> bool {
        let seen = self.handled_stops.load(Ordering::SeqCst);
        match phase {
            Phase::Rollbacks => self.rollbacks_cut(seen),
            _ => self.stopped(),
        }
    }

    fn gated(&self, phase: Phase, activity: &Value) -> bool {
        let manual = activity.get("type").and_then(Value::as_str) == Some("manual");
        if manual {
            return true;
        }
        if phase == Phase::During {
            return false;
        }
        match self.opts.gate {
            Gate::Every => true,
            Gate::Actions => activity.get("type").and_then(Value::as_str) == Some("action"),
            Gate::Dangerous => activity.get("dangerous").is_some_and(py_truthy),
            Gate::None => false,
        }
    }

    /// What the step will do, substituted and masked, for the person deciding.
    pub fn preview(&self, activity: &Value) -> Value {
        let mut p = activity.clone();
        if let Some(provider) = activity.get("provider") {
            let sub = substitute(provider, &self.scope());
            if let Some(obj) = p.as_object_mut() {
                obj.insert("provider".into(), self.rec.masker().mask(&sub));
            }
        }
        p
    }

    async fn ask(&self, phase: Phase, index: usize, activity: &Value) -> Option<Decision> {
        let name = activity.get("name").and_then(Value::as_str).unwrap_or("").to_string();
        let manual = activity.get("type").and_then(Value::as_str) == Some("manual");
        let proposal = Proposal { phase, index, name: name.clone(), preview: self.preview(activity), manual };
        self.record(EventBody::Proposal { phase, index, name: name.clone() });
        let seen = self.handled_stops.load(Ordering::SeqCst);
        let which: fn(&StopRequest) -> bool =
            if phase == Phase::Rollbacks { StopRequest::cuts_rollbacks } else { |_| true };
        let decision = tokio::select! {
            // STOP first: a withdrawn question must read as the STOP it is.
            biased;
            _ = self.stop.wait_beyond_where(seen, which) => return None,
            d = self.approver.decide(&proposal) => d,
        };
        if self.stopped_in(phase) {
            return None;
        }
        self.record(EventBody::Decision {
            phase,
            index,
            name,
            decision: decision.kind.clone(),
            who: decision.who.clone(),
            reason: decision.reason.clone(),
        });
        Some(decision)
    }

    async fn pause(&self, secs: &Value, cancel: &CancellationToken) -> bool {
        let Some(s) = secs.as_f64().filter(|s| s.is_finite() && *s > 0.0) else {
            return true;
        };
        self.record(EventBody::Warning { message: format!("pausing for {s}s") });
        tokio::select! {
            _ = tokio::time::sleep(crate::model::duration::seconds_clamped(s)) => true,
            _ = cancel.cancelled() => false,
        }
    }

    /// Execute one activity (resolving `ref`), record it, and evaluate its
    /// tolerance when `check` (steady-state probes).
    /// Resolve a step and take its decision (when it is gated). Decisions are
    /// always taken in order, before a background step is spawned, so two
    /// questions never compete for the person's answer.
    async fn gate(&self, phase: Phase, index: usize, raw: &Value) -> Gated {
        let activity = match raw.get("ref").and_then(Value::as_str) {
            Some(r) => match self.cache.get(r).and_then(|(list, i)| list.get(&self.experiment)?.get(*i)) {
                Some(a) => {
                    // An SSH `ref` may carry its own tolerance.
                    let mut a = a.clone();
                    if let (Some(t), Some(obj)) = (raw.get("tolerance"), a.as_object_mut()) {
                        obj.insert("tolerance".into(), t.clone());
                    }
                    a
                }
                None => return Gated::Done(Ran::Crashed(format!("could not find referenced activity '{r}'"))),
            },
            None => raw.clone(),
        };
        if let Some(done) = self.history.finished.get(&(phase, index)) {
            return Gated::Done(match done.status.as_deref() {
                Some("failed") => Ran::Failed,
                _ if done.skipped => Ran::Skipped,
                _ => Ran::Succeeded { output: done.output.clone(), checked: done.tolerance_met != Some(false) },
            });
        }
        let resumed = self.history.was_interrupted(phase, index);
        if resumed {
            self.record(EventBody::Warning {
                message: format!(
                    "'{}' was running when the console stopped; it is marked interrupted and offered again",
                    activity.get("name").and_then(Value::as_str).unwrap_or("")
                ),
            });
        }
        let kind = activity.get("type").and_then(Value::as_str).unwrap_or("").to_string();
        let manual = kind == "manual";
        let mut skip: Option<Value> = None;
        let mut manual_result: Option<Decision> = None;
        if self.gated(phase, &activity) || (resumed && !self.opts.headless) {
            if manual && self.opts.headless {
                skip = Some(json!({"decision": "skip", "who": "auto", "reason": "headless run"}));
                self.record(EventBody::Decision {
                    phase,
                    index,
                    name: activity.get("name").and_then(Value::as_str).unwrap_or("").into(),
                    decision: DecisionKind::Skip,
                    who: "auto".into(),
                    reason: Some("headless run".into()),
                });
            } else {
                match self.ask(phase, index, &activity).await {
                    None => return Gated::Done(Ran::NotStarted),
                    Some(d) => match d.kind {
                        DecisionKind::Confirm => {}
                        DecisionKind::Skip => {
                            skip = Some(json!({"decision": "skip", "who": d.who, "reason": d.reason}));
                        }
                        DecisionKind::Abort => {
                            self.stop.stop(StopRequest {
                                who: d.who.clone(),
                                source: "abort".into(),
                                reason: d.reason.clone(),
                                skip_rollbacks: false,
                                plays_rollbacks: false,
                            });
                            return Gated::Done(Ran::NotStarted);
                        }
                        DecisionKind::Done | DecisionKind::Failed => manual_result = Some(d),
                        DecisionKind::Override => {}
                    },
                }
            }
        }
        Gated::Go { activity, skip, manual_result }
    }

    /// Resolve, decide, then run one step.
    async fn execute(&self, phase: Phase, index: usize, raw: &Value, cancel: &CancellationToken, check: bool) -> Ran {
        match self.gate(phase, index, raw).await {
            Gated::Done(ran) => ran,
            Gated::Go { activity, skip, manual_result } => {
                self.run_decided(phase, index, activity, skip, manual_result, cancel, check, None).await
            }
        }
    }

    /// Run a step whose decision is taken, record it, and evaluate its
    /// tolerance when `check` (steady-state probes).
    #[allow(clippy::too_many_arguments)]
    async fn run_decided(
        &self,
        phase: Phase,
        index: usize,
        activity: Value,
        skip: Option<Value>,
        manual_result: Option<Decision>,
        cancel: &CancellationToken,
        check: bool,
        mut started: Option<oneshot::Sender<()>>,
    ) -> Ran {
        // A background step tells the loop that spawned it when it has
        // started (or begun its pause), so the journal lists runs in the
        // order they started, as chaos does; dropping the sender on an early
        // return tells it too.
        let mut tell_started = move || {
            if let Some(tx) = started.take() {
                let _ = tx.send(());
            }
        };
        let activity = match self.hook(Level::Activity, &activity, None).await {
            // What the hook changed in the activity is what runs, its `dry`
            // and `pauses` included (chaos hands its controls the activity
            // itself).
            Ok(changes) => {
                self.change_step(phase, index, &changes);
                changes.context.filter(Value::is_object).unwrap_or(activity)
            }
            Err(_) => {
                // Interrupted by a control before it ran: no run entry, as in Chaos Toolkit.
                let _ = self.hook(Level::Activity, &activity, Some(&Value::Null)).await;
                return Ran::NotStarted;
            }
        };
        let kind = activity.get("type").and_then(Value::as_str).unwrap_or("").to_string();
        let manual = kind == "manual";
        // An activity-level `dry` replaces the run's dry mode (and, not being
        // one of Chaos Toolkit's enum values, turns it off).
        let dry = if activity.get("dry").is_some() { None } else { self.opts.dry };
        let is_dry = match dry {
            Some(Dry::Actions) => kind == "action",
            Some(Dry::Probes) => kind == "probe",
            Some(Dry::Activities) => true,
            _ => false,
        } || skip.is_some()
            || manual;
        if let Some(p) = activity.get("pauses").filter(|p| !p.is_object()) {
            // `pauses:` left empty (null) or not a mapping: Chaos Toolkit
            // fails reading it before the activity starts and aborts the run.
            let why = format!(
                "activity '{}': `pauses` must be a mapping with `before` and/or `after` (in seconds), not {}; \
                 the run is aborted here, as Chaos Toolkit aborts it",
                activity.get("name").and_then(Value::as_str).unwrap_or(""),
                match p {
                    Value::Null => "empty",
                    Value::Array(_) => "a list",
                    Value::String(_) => "a string",
                    _ => "a scalar",
                }
            );
            self.record(EventBody::Warning { message: why.clone() });
            return Ran::Crashed(why);
        }
        // Resolved after the before-hooks, which may have changed them.
        let fed = self.fed_back();
        let scope = fed.as_deref().map_or_else(|| self.scope(), |(c, s)| Scope::new(c, s));
        let pauses = activity.get("pauses").map(|p| substitute(p, &scope)).unwrap_or(Value::Null);
        let pause_allowed = dry != Some(Dry::Pause) && !is_dry;
        if let Some(before) = pauses.get("before")
            && pause_allowed
        {
            tell_started();
            if !self.pause(before, cancel).await {
                return Ran::NotStarted;
            }
        }
        let run = self.next_run.fetch_add(1, Ordering::SeqCst);
        let start = Utc::now();
        let clock = Instant::now();
        self.record(EventBody::ActivityStarted { run, phase, index, activity: activity.clone(), start: iso(&start) });
        tell_started();
        let refused = if is_dry { None } else { self.needs_lost_secret(&activity) };
        let result = if is_dry {
            Ok(Value::Null)
        } else if let Some(why) = refused {
            Err(ProviderError::Failed(why))
        } else {
            let live = Live { rec: &self.rec, run, stop: &self.stop };
            let ctx = providers::Context { scope, cancel: cancel.clone(), live: &live, python: &self.opts.python };
            let result = providers::run(&activity, &ctx).await;
            self.rec.live_end(run);
            result
        };
        let (mut status, mut exception, output, ran) = match result {
            Ok(out) => {
                (Some("succeeded".to_string()), None, out.clone(), Ran::Succeeded { output: out, checked: true })
            }
            Err(ProviderError::Failed(msg)) => (
                Some("failed".to_string()),
                Some(vec![format!("chaoslib.exceptions.ActivityFailed: {msg}\n")]),
                Value::Null,
                Ran::Failed,
            ),
            Err(ProviderError::Crashed(msg)) => {
                self.record(EventBody::Warning {
                    message: format!(
                        "activity '{}' could not run: {msg}",
                        activity.get("name").and_then(Value::as_str).unwrap_or("")
                    ),
                });
                (None, None, Value::Null, Ran::Crashed(msg))
            }
            Err(ProviderError::Interrupted) => (None, None, Value::Null, Ran::Interrupted),
        };
        if let Some(d) = &manual_result
            && d.kind == DecisionKind::Failed
        {
            status = Some("failed".into());
            exception = Some(vec![format!(
                "chaoslib.exceptions.ActivityFailed: manual step failed: {}\n",
                d.reason.clone().unwrap_or_default()
            )]);
        }
        let mut ran = if skip.is_some() { Ran::Skipped } else { ran };
        if manual_result.as_ref().is_some_and(|d| d.kind == DecisionKind::Failed) {
            ran = Ran::Failed;
        }
        // Tolerance check for steady-state probes.
        let mut tolerance_met = None;
        if check {
            tolerance_met = Some(match &ran {
                Ran::Failed => false,
                Ran::Succeeded { output, .. } if !matches!(dry, Some(Dry::Probes | Dry::Activities)) => {
                    match self.check_tolerance(&activity, output, cancel).await {
                        Ok(met) => met,
                        Err(msg) => {
                            ran = Ran::Crashed(msg);
                            false
                        }
                    }
                }
                _ => true,
            });
            if let Ran::Succeeded { checked, .. } = &mut ran {
                *checked = tolerance_met.unwrap_or(true);
            }
            if matches!(ran, Ran::Interrupted | Ran::Crashed(_)) {
                tolerance_met = None;
            }
        }
        let gameday = skip
            .or_else(|| manual_result.as_ref().map(|d| json!({"decision": d.kind, "who": d.who, "note": d.reason})));
        let status = if matches!(ran, Ran::Interrupted) { None } else { status };
        let end = iso(&Utc::now());
        let duration = clock.elapsed().as_secs_f64();
        // The run entry as the controls' after-hooks see it (only built when needed).
        let entry = self.has_controls().then(|| {
            let mut m = Map::new();
            m.insert("activity".into(), activity.clone());
            m.insert("output".into(), output.clone());
            m.insert("start".into(), json!(iso(&start)));
            if let Some(s) = &status {
                m.insert("status".into(), json!(s));
            }
            if let Some(x) = &exception {
                m.insert("exception".into(), json!(x));
            }
            m.insert("end".into(), json!(end));
            m.insert("duration".into(), json!(duration));
            if let Some(t) = tolerance_met {
                m.insert("tolerance_met".into(), json!(t));
            }
            Value::Object(m)
        });
        if let (Some(e), Ok(mut all)) = (&entry, self.entries.lock()) {
            all.entry(phase).or_default().push(e.clone());
        }
        self.record(EventBody::ActivityFinished {
            run,
            output,
            status,
            exception,
            end,
            duration,
            tolerance_met,
            gameday,
        });
        if !matches!(ran, Ran::Interrupted | Ran::Crashed(_))
            && let Some(after) = pauses.get("after")
            && pause_allowed
            && !self.pause(after, cancel).await
        {
            return Ran::Interrupted;
        }
        if let Some(e) = &entry {
            match self.hook(Level::Activity, &activity, Some(e)).await {
                Ok(changes) => {
                    self.change_step(phase, index, &changes);
                    if let Some(now) = &changes.state {
                        self.record_changed(ChangedPart::Run(run), e, now, &changes.by);
                    }
                }
                Err(_) => return Ran::Interrupted,
            }
        }
        ran
    }

    async fn check_tolerance(
        &self,
        activity: &Value,
        output: &Value,
        cancel: &CancellationToken,
    ) -> Result<bool, String> {
        let Some(tolerance) = activity.get("tolerance") else {
            return Ok(true);
        };
        let fed = self.fed_back();
        let scope = fed.as_deref().map_or_else(|| self.scope(), |(c, s)| Scope::new(c, s));
        if tolerance.get("type").and_then(Value::as_str) == Some("probe") {
            let mut probe = tolerance.clone();
            let Some(args) =
                probe.get_mut("provider").and_then(|p| p.get_mut("arguments")).and_then(Value::as_object_mut)
            else {
                return Err("a probe tolerance needs `provider.arguments`".into());
            };
            args.insert("value".into(), output.clone());
            let ctx = providers::Context {
                scope,
                cancel: cancel.clone(),
                live: &providers::Silent,
                python: &self.opts.python,
            };
            return match providers::run(&probe, &ctx).await {
                Ok(v) => Ok(py_truthy(&v)),
                Err(ProviderError::Failed(_)) => Ok(false),
                Err(e) => Err(e.to_string()),
            };
        }
        let tolerance = match tolerance {
            Value::String(_) => substitute(tolerance, &scope),
            t => t.clone(),
        };
        within_tolerance(&tolerance, output, &scope, &NoProbeTolerance)
            .map(|v| v == Verdict::Met)
            .map_err(|e| e.to_string())
    }
}
