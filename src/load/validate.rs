//! `chaos validate` semantics: every check, in Chaos Toolkit's order, with its messages.
//!
//! The walk mirrors `chaoslib.experiment.ensure_experiment_is_valid`: the
//! first problem wins, so the order of the checks is part of the contract.
//! Where Chaos Toolkit would crash on a wrongly typed value (or silently accept
//! garbage), we stop with our own message instead. Nothing here may panic.
//!
//! Python providers and controls are checked by a Python interpreter
//! ([`crate::load::python_inspect`]). To start it once, the walk runs twice:
//! first recording the questions (assuming every answer is fine), then, if
//! there were any, again with the answers.
//!
//! Playbooks (a top-level `gameday` key) get their own checks first (see
//! [`playbook`]); [`validate_loaded`] and [`validate_file`] turn a problem's
//! JSON pointer into file:line:column with the offending line ([`locate`]).
mod activity;
mod config;
mod context;
mod controls;
mod experiment;
mod limits;
pub mod locate;
mod located;
pub mod playbook;
mod pyfmt;
pub mod pyregex;
mod tolerance;

use crate::load::python_inspect::{self, DEFAULT_PYTHON, Query};
use crate::model::RuntimeVars;
use context::{Ctx, Oracle};
pub use located::{LocatedError, locate_pointer, validate_file, validate_loaded};
use serde_json::Value;
use std::collections::HashMap;

/// What validation may consult besides the document.
#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    /// `--var` / `--var-file` overrides (a var can satisfy a missing env key).
    pub vars: RuntimeVars,
    /// Python interpreter used to import python-provider modules; `None` = `python3`.
    pub python: Option<String>,
}

/// The first problem found; `message` is Chaos Toolkit's own text where it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    pub message: String,
}

impl ValidationError {
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

/// Validate an experiment, or a playbook (whose `experiment:` path is then
/// taken relative to the current directory). `Ok` carries warnings
/// (deprecations, skipped controls). A playbook problem's message starts
/// with its JSON pointer; use [`validate_loaded`] for file:line:column.
/// The little that must hold even under `--no-validation` (see
/// [`controls::shape`]).
pub fn check_shape(doc: &Value) -> Result<(), String> {
    match doc.as_object() {
        Some(exp) => controls::shape(exp),
        None => Ok(()),
    }
}

pub fn validate(doc: &Value, opts: &ValidateOptions) -> Result<Vec<String>, ValidationError> {
    if crate::model::playbook::is_playbook(doc) {
        return validate_playbook(doc, std::path::Path::new("."), opts)
            .map_err(|p| ValidationError::new(p.to_string()));
    }
    validate_experiment(doc, opts).map_err(|p| ValidationError::new(p.to_string()))
}

/// Validate an experiment: Chaos Toolkit's checks (their problems have no
/// pointer), then gameday's range checks (at the value's pointer).
pub fn validate_experiment(doc: &Value, opts: &ValidateOptions) -> Result<Vec<String>, playbook::Problem> {
    let warnings = two_pass(opts, |ctx| experiment::check(doc, ctx), ValidationError::new)?;
    limits::check(doc)?;
    Ok(warnings)
}

/// Validate a playbook whose `experiment:` paths start at `base_dir`.
pub fn validate_playbook(
    doc: &Value,
    base_dir: &std::path::Path,
    opts: &ValidateOptions,
) -> Result<Vec<String>, playbook::Problem> {
    let warnings = two_pass(opts, |ctx| playbook::check(doc, base_dir, ctx), |m| ValidationError::new(m).into())?;
    limits::check(doc)?;
    Ok(warnings)
}

/// gameday's range checks on an experiment that passed validation (a
/// playbook's wrapped experiment, checked in its own file).
pub fn check_limits(doc: &Value) -> Result<(), playbook::Problem> {
    limits::check(doc)
}

/// Run `check` once recording the questions for Python, ask them all at
/// once, then run it again with the answers.
fn two_pass<E>(
    opts: &ValidateOptions,
    check: impl Fn(&mut Ctx) -> Result<(), E>,
    error: impl Fn(String) -> E,
) -> Result<Vec<String>, E> {
    let mut first = Ctx::new(opts, Oracle::Recording(Vec::new()));
    let outcome = check(&mut first);
    let queries = first.take_queries();
    if queries.is_empty() {
        return outcome.map(|()| first.warnings);
    }
    let python = opts.python.as_deref().unwrap_or(DEFAULT_PYTHON);
    let answers = match python_inspect::inspect(python, &queries) {
        Ok(answers) => answers,
        Err(e) if queries.iter().all(|q| matches!(q, Query::Control { .. })) => {
            // Controls are optional in Chaos Toolkit: not being able to look
            // at them is worth a warning, not a refusal.
            let mut warnings = first.warnings;
            warnings.push(format!("control modules were not checked: {e}"));
            return outcome.map(|()| warnings);
        }
        Err(e) => return Err(error(e.to_string())),
    };
    let answered: HashMap<Query, _> = queries.into_iter().zip(answers).collect();
    let mut second = Ctx::new(opts, Oracle::Answered(answered));
    check(&mut second)?;
    Ok(second.warnings)
}

#[cfg(test)]
mod tests;
