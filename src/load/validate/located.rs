//! Validation of a file with its text at hand, so playbook problems can be
//! reported as `file:line:col: message` followed by the offending line.
use super::locate::Locator;
use super::playbook::Problem;
use super::{ValidateOptions, check_limits, validate_experiment, validate_playbook};
use crate::load::source::snippet;
use crate::load::{LoadError, Loaded, load_path};
use std::fmt;
use std::path::Path;

/// A validation (or loading) problem, with its place when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedError {
    pub file: String,
    /// 1-based line and column (in characters), when the problem has a place.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// What is wrong and what is expected. Experiments keep Chaos Toolkit's
    /// exact wording here.
    pub message: String,
    /// The offending line with a caret under the column (empty without a place).
    pub snippet: String,
}

impl fmt::Display for LocatedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}\n{}", self.file, self.message, self.snippet),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for LocatedError {}

impl LocatedError {
    fn plain(file: &str, message: String) -> Self {
        Self { file: file.to_string(), line: None, column: None, message, snippet: String::new() }
    }
}

impl From<LoadError> for LocatedError {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Syntax { file, line, column, message, snippet } => {
                Self { file, line: Some(line), column: Some(column), message, snippet }
            }
            other => Self {
                file: String::new(),
                line: None,
                column: None,
                message: other.to_string(),
                snippet: String::new(),
            },
        }
    }
}

/// Load and validate a local file (experiment or playbook).
pub fn validate_file(path: &Path, opts: &ValidateOptions) -> Result<Vec<String>, LocatedError> {
    let loaded = load_path(path).map_err(|e| {
        let mut located = LocatedError::from(e);
        if located.file.is_empty() {
            located.file = path.display().to_string();
        }
        located
    })?;
    validate_loaded(&loaded, opts)
}

/// Validate what the loader read. A playbook's `experiment:` path is taken
/// relative to the playbook's folder (the current directory for a URL).
pub fn validate_loaded(loaded: &Loaded, opts: &ValidateOptions) -> Result<Vec<String>, LocatedError> {
    if !crate::model::playbook::is_playbook(&loaded.doc) {
        return validate_experiment(&loaded.doc, opts).map_err(|p| locate(&loaded.origin, &loaded.raw, &p));
    }
    let base = if loaded.origin.contains("://") {
        Path::new(".")
    } else {
        Path::new(&loaded.origin).parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    };
    let warnings = validate_playbook(&loaded.doc, base, opts).map_err(|p| locate(&loaded.origin, &loaded.raw, &p))?;
    wrapped_limits(&loaded.doc, base)?;
    Ok(warnings)
}

/// The range checks on a playbook's wrapped experiment (`experiment:`),
/// reported in that file. One that does not load was reported already.
fn wrapped_limits(doc: &serde_json::Value, base: &Path) -> Result<(), LocatedError> {
    let Some(rel) = doc.get("experiment").and_then(serde_json::Value::as_str) else { return Ok(()) };
    let Ok(wrapped) = load_path(&base.join(rel)) else { return Ok(()) };
    check_limits(&wrapped.doc).map_err(|p| locate(&wrapped.origin, &wrapped.raw, &p))
}

/// Turn a problem's pointer into a place in `text`.
pub fn locate(file: &str, text: &str, problem: &Problem) -> LocatedError {
    let Some(pointer) = &problem.pointer else {
        return LocatedError::plain(file, problem.message.clone());
    };
    locate_pointer(file, text, pointer, problem.on_key, &problem.message)
}

/// `file:line:col` for a JSON pointer into `text` (key or value position).
pub fn locate_pointer(file: &str, text: &str, pointer: &str, on_key: bool, message: &str) -> LocatedError {
    let locator = Locator::new(text);
    let pos = if on_key { locator.key(pointer) } else { locator.value(pointer) };
    LocatedError {
        file: file.to_string(),
        line: Some(pos.line),
        column: Some(pos.column),
        message: message.to_string(),
        snippet: snippet(text, pos.line, pos.column),
    }
}
