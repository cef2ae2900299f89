//! Playbook checks (documents with a top-level `gameday` key), in order:
//! 1. the plan keys ([`Playbook::from_doc`]: style, roles, invite list,
//!    where, when, approvals, preflight, safeguards, on_stop, notify, manual
//!    step fields, `at` and `timebox`), each problem at its JSON pointer;
//! 2. every activity the playbook itself holds (steady state, method,
//!    rollbacks, safeguards, on_stop, automated preflight checks) with Chaos
//!    Toolkit's activity and tolerance checks, at the activity's pointer;
//! 3. `experiment:` exists and is a valid experiment on its own;
//! 4. Chaos Toolkit's whole-experiment checks on the merged document
//!    (title, description, configuration, references, controls). These keep
//!    Chaos Toolkit's messages and have no pointer.
use super::activity::{self, Role};
use super::context::Ctx;
use super::{ValidationError, experiment, tolerance};
use crate::model::playbook::{Phase, Playbook, phase_list, resolve_doc};
use serde_json::Value;
use std::fmt;
use std::path::Path;

/// A problem found in a playbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON pointer into the playbook; `None` for Chaos Toolkit's
    /// whole-experiment checks.
    pub pointer: Option<String>,
    /// Point at the key rather than its value.
    pub on_key: bool,
    pub message: String,
}

impl Problem {
    fn at(pointer: impl Into<String>, e: ValidationError) -> Self {
        Problem { pointer: Some(pointer.into()), on_key: false, message: e.message }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pointer {
            Some(p) if !p.is_empty() => write!(f, "at {p}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl From<ValidationError> for Problem {
    fn from(e: ValidationError) -> Self {
        Problem { pointer: None, on_key: false, message: e.message }
    }
}

/// Check a playbook; `base_dir` is where `experiment:` paths start.
pub fn check(doc: &Value, base_dir: &Path, ctx: &mut Ctx) -> Result<(), Problem> {
    Playbook::from_doc(doc).map_err(|e| Problem { pointer: Some(e.pointer), on_key: e.on_key, message: e.message })?;
    let Some(root) = doc.as_object() else { return Ok(()) };

    for phase in Phase::ALL {
        let role = match phase {
            Phase::SteadyState => Role::HypothesisProbe,
            Phase::Method => Role::Method,
            Phase::Rollbacks => Role::Rollback,
        };
        for (i, item) in phase_list(root, phase).iter().enumerate() {
            let pointer = format!("{}/{i}", phase.pointer());
            activity::check(item, role, ctx).map_err(|e| Problem::at(&pointer, e))?;
            if phase == Phase::SteadyState && !activity::is_manual(item) && item.get("ref").is_none() {
                let Some(tol) = item.get("tolerance") else {
                    return Err(Problem::at(
                        pointer,
                        ValidationError::new("hypothesis probe must have a tolerance entry"),
                    ));
                };
                tolerance::check(tol, ctx).map_err(|e| Problem::at(format!("{pointer}/tolerance"), e))?;
            }
        }
    }
    let probes_with_tolerance = [("safeguards", "a safeguard"), ("preflight", "a preflight check")];
    for (key, what) in probes_with_tolerance {
        for (i, item) in root.get(key).and_then(Value::as_array).into_iter().flatten().enumerate() {
            if !item.is_object() {
                continue; // preflight text
            }
            let pointer = format!("/{key}/{i}");
            activity::check(item, Role::HypothesisProbe, ctx)
                .map_err(|e| Problem::at(&pointer, ValidationError::new(format!("{what}: {}", e.message))))?;
            if let Some(tol) = item.get("tolerance") {
                tolerance::check(tol, ctx).map_err(|e| Problem::at(format!("{pointer}/tolerance"), e))?;
            }
        }
    }
    for (i, item) in root.get("on_stop").and_then(Value::as_array).into_iter().flatten().enumerate() {
        activity::check(item, Role::Rollback, ctx).map_err(|e| {
            Problem::at(format!("/on_stop/{i}"), ValidationError::new(format!("a halt action: {}", e.message)))
        })?;
    }

    let merged = match root.get("experiment").and_then(Value::as_str) {
        None => doc.clone(),
        Some(rel) => {
            let merged = resolve_doc(doc, base_dir).map_err(|e| Problem {
                pointer: Some(e.pointer),
                on_key: false,
                message: e.message,
            })?;
            if let Ok(wrapped) = crate::load::load_path(&base_dir.join(rel)) {
                experiment::check(&wrapped.doc, ctx).map_err(|e| Problem {
                    pointer: Some("/experiment".into()),
                    on_key: false,
                    message: format!("the wrapped experiment '{rel}' is not valid: {}", e.message),
                })?;
            }
            merged
        }
    };
    experiment::check(&merged, ctx)?;
    Ok(())
}
