//! `chaos validate` semantics: every check, in Chaos Toolkit's order, with its messages.
//! OWNER: validation helper. Stub: replace with the real implementation.
use crate::model::RuntimeVars;
use serde_json::Value;

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

/// Validate an experiment. `Ok` carries warnings (deprecations, skipped controls).
pub fn validate(doc: &Value, opts: &ValidateOptions) -> Result<Vec<String>, ValidationError> {
    let _ = opts;
    if doc.as_object().is_none_or(|m| m.is_empty()) {
        return Err(ValidationError {
            message: "an empty experiment is not an experiment".into(),
        });
    }
    Ok(Vec::new())
}
