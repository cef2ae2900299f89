//! Event types. One JSON object per line in `events.jsonl`; every event has
//! a sequence number, wall-clock UTC time and its T+ offset in seconds.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where in the run an activity belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Readiness,
    Before,
    Method,
    During,
    After,
    Rollbacks,
    Stopping,
    Ended,
}

impl Phase {
    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Readiness => "Readiness",
            Phase::Before => "Steady state (before)",
            Phase::Method => "Method",
            Phase::During => "Steady state (during)",
            Phase::After => "Steady state (after)",
            Phase::Rollbacks => "Rollbacks",
            Phase::Stopping => "Halt actions (on STOP)",
            Phase::Ended => "Ended",
        }
    }
}

/// One of the experiment's lists of steps: the steady-state probes (run
/// before, during and after the method), the method, the rollbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepList {
    Hypothesis,
    Method,
    Rollbacks,
}

impl StepList {
    /// The list a phase's steps come from (`None` for phases that are ours).
    pub fn of(phase: Phase) -> Option<StepList> {
        match phase {
            Phase::Before | Phase::During | Phase::After => Some(StepList::Hypothesis),
            Phase::Method => Some(StepList::Method),
            Phase::Rollbacks => Some(StepList::Rollbacks),
            _ => None,
        }
    }

    /// Where it is in an experiment document.
    pub fn get(self, experiment: &Value) -> Option<&Vec<Value>> {
        match self {
            StepList::Hypothesis => experiment.get("steady-state-hypothesis")?.get("probes"),
            StepList::Method => experiment.get("method"),
            StepList::Rollbacks => experiment.get("rollbacks"),
        }?
        .as_array()
    }

    /// The same, to change it (created when missing, as a control's
    /// insertion into an absent list would be).
    pub fn get_mut(self, experiment: &mut Value) -> Option<&mut Vec<Value>> {
        let doc = experiment.as_object_mut()?;
        let (holder, key) = match self {
            StepList::Hypothesis => {
                let h = doc.entry("steady-state-hypothesis").or_insert_with(|| Value::Object(Default::default()));
                (h.as_object_mut()?, "probes")
            }
            StepList::Method => (doc, "method"),
            StepList::Rollbacks => (doc, "rollbacks"),
        };
        let slot = holder.entry(key).or_insert_with(|| Value::Array(Vec::new()));
        if slot.is_null() {
            *slot = Value::Array(Vec::new());
        }
        slot.as_array_mut()
    }
}

/// What a control changed in the state chaos hands its `after_*` hooks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangedPart {
    /// One activity's run entry.
    Run(u64),
    /// A phase's list of run entries (`after_method_control`, `after_rollback_control`).
    Entries(Phase),
    /// A steady-state check's result (`after_hypothesis_control`).
    SteadyState(Phase),
    /// The journal itself (`after_experiment_control`).
    Journal,
}

/// A human decision at a decision point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Confirm,
    Skip,
    Abort,
    /// Manual step outcomes.
    Done,
    Failed,
    /// Start although the readiness gate is not green (the reason says why).
    Override,
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    #[serde(with = "utc")]
    pub at: DateTime<Utc>,
    /// Seconds since the session started (T+).
    pub t: f64,
    #[serde(flatten)]
    pub body: EventBody,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    /// The run begins: the experiment as the journal will show it.
    SessionStarted {
        experiment: Value,
        source: String,
        mode: String,
        platform: String,
        node: String,
        #[serde(default)]
        facilitator: Option<String>,
        /// The command line that started the session, and where, so
        /// `gameday resume` can rebuild the run exactly.
        #[serde(default)]
        argv: Vec<String>,
        #[serde(default)]
        cwd: String,
        /// SHA-256 of the experiment as loaded (after a playbook's
        /// `experiment:` is merged in): `resume` re-reads the original only
        /// while it is unchanged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_sha256: Option<String>,
    },
    PhaseChanged {
        phase: Phase,
    },
    /// The engine is waiting for a decision on this step.
    Proposal {
        phase: Phase,
        index: usize,
        name: String,
    },
    Decision {
        phase: Phase,
        index: usize,
        name: String,
        decision: DecisionKind,
        who: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The readiness list as checked before the gate (approvals, safety
    /// monitor, environment, preflight items and automated checks).
    ReadinessChecked {
        items: Value,
    },
    /// A person ticked (or unticked) a preflight item.
    ReadinessTicked {
        id: String,
        label: String,
        ticked: bool,
        who: String,
    },
    /// A manual step's or the Game Day's time box: 80 % used, or overrun.
    Timebox {
        /// The step's name, or "game day" for the whole day.
        name: String,
        /// `warning` or `overrun`.
        state: String,
        limit: f64,
        elapsed: f64,
    },
    /// The facilitator froze the Game Day clock (the book's "Stop!" that
    /// suspends without ending) …
    ClockSuspended {
        who: String,
    },
    /// … and started it again; `suspended` seconds are not counted in T+.
    ClockResumed {
        who: String,
        suspended: f64,
    },
    HypothesisStarted {
        phase: Phase,
    },
    HypothesisFinished {
        phase: Phase,
        met: Option<bool>,
    },
    /// An activity starts: its journal entry is opened here (CT order).
    ActivityStarted {
        run: u64,
        phase: Phase,
        index: usize,
        activity: Value,
        start: String,
    },
    /// A process group was started for an activity.
    ProcessStarted {
        run: u64,
        pgid: u32,
    },
    ActivityFinished {
        run: u64,
        output: Value,
        /// `None` when the activity was interrupted while it ran.
        status: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exception: Option<Vec<String>>,
        end: String,
        duration: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tolerance_met: Option<bool>,
        /// Our extension: the decision that made this a skip, and why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gameday: Option<Value>,
    },
    /// What a python activity printed or logged (process activities keep
    /// theirs in their output, as Chaos Toolkit does; a python activity's
    /// output is its return value, so its prints are kept here). Bounded
    /// like process output.
    ActivityPrinted {
        run: u64,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        stdout: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        stderr: String,
    },
    /// A safeguard was checked.
    SafeguardCheck {
        name: String,
        met: bool,
        value: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// STOP pressed, a signal, an abort or a safeguard.
    Stop {
        who: String,
        source: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Warning {
        message: String,
    },
    Observation {
        id: u64,
        #[serde(rename = "type")]
        kind: String,
        text: String,
        author: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<String>,
    },
    Milestone {
        milestone: String,
        author: String,
    },
    /// A control's `after_*` hook changed the state it was handed (chaos
    /// hands over its own journal parts, so such changes are in its
    /// journal): the keys it set, or what it appended to a list, or the
    /// whole list when it changed it otherwise.
    ControlChanged {
        part: ChangedPart,
        /// The controls whose hooks made the change.
        controls: Vec<String>,
        #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
        set: serde_json::Map<String, Value>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        appended: Vec<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        list: Option<Vec<Value>>,
    },
    /// A control inserted steps into one of the running experiment's lists
    /// (chaosaddons' repeat control does): they run where they were put,
    /// and the steps from `position` on move down by as many.
    StepsInserted {
        list: StepList,
        position: usize,
        steps: Vec<Value>,
        controls: Vec<String>,
    },
    /// A control's activity hook changed the activity it was handed (a key
    /// it adds, an argument it rewrites). chaos hands over the step itself,
    /// so the change stays on the step: its later runs (the steady state
    /// after the method, a repeat) and the journal's experiment have it.
    StepChanged {
        list: StepList,
        position: usize,
        step: Value,
        controls: Vec<String>,
    },
    /// The run's outcome, as the journal will report it.
    RunFinished {
        status: String,
        deviated: bool,
        end: String,
        duration: f64,
    },
    SessionEnded,
}

mod utc {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s).map(|t| t.with_timezone(&Utc)).map_err(serde::de::Error::custom)
    }
}
