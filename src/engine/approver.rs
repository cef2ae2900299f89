//! Approvers answer the engine's questions: the console (a person), headless
//! auto-approval, or a script (tests). The engine never knows which.
use crate::session::Phase;
use crate::session::event::DecisionKind;
use serde_json::Value;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// A step waiting for a decision.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub phase: Phase,
    pub index: usize,
    pub name: String,
    /// The resolved activity, with `${}` substituted and secrets masked: what will happen.
    pub preview: Value,
    /// A human step: the answer is done / failed / skip.
    pub manual: bool,
}

/// The answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub kind: DecisionKind,
    pub who: String,
    pub reason: Option<String>,
}

impl Decision {
    pub fn new(kind: DecisionKind, who: &str, reason: Option<&str>) -> Self {
        Self { kind, who: who.to_string(), reason: reason.map(str::to_string) }
    }
}

/// A boxed future, so approvers can be trait objects.
pub type DecisionFuture<'a> = Pin<Box<dyn Future<Output = Decision> + Send + 'a>>;

/// Something that decides.
pub trait Approver: Send + Sync {
    fn decide<'a>(&'a self, proposal: &'a Proposal) -> DecisionFuture<'a>;
}

/// Says yes to everything at once (headless, `--yes`).
pub struct AutoApprover;

impl Approver for AutoApprover {
    fn decide<'a>(&'a self, p: &'a Proposal) -> DecisionFuture<'a> {
        let kind = if p.manual { DecisionKind::Skip } else { DecisionKind::Confirm };
        let reason = p.manual.then(|| "headless run".to_string());
        Box::pin(async move { Decision { kind, who: "auto".into(), reason } })
    }
}

/// Plays back a fixed list of decisions (tests); confirms once it runs out.
pub struct ScriptedApprover {
    script: Mutex<VecDeque<Decision>>,
    seen: Mutex<Vec<Proposal>>,
}

impl ScriptedApprover {
    pub fn new(script: Vec<Decision>) -> Self {
        Self { script: Mutex::new(script.into()), seen: Mutex::new(Vec::new()) }
    }

    /// Every proposal received so far.
    pub fn seen(&self) -> Vec<Proposal> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Approver for ScriptedApprover {
    fn decide<'a>(&'a self, p: &'a Proposal) -> DecisionFuture<'a> {
        if let Ok(mut s) = self.seen.lock() {
            s.push(p.clone());
        }
        let next = self.script.lock().ok().and_then(|mut s| s.pop_front());
        Box::pin(async move { next.unwrap_or_else(|| Decision::new(DecisionKind::Confirm, "script", None)) })
    }
}
