//! `experiment: path/to/experiment.json`: a playbook that wraps an existing
//! Chaos Toolkit experiment instead of inlining it.
//!
//! The path is relative to the playbook's folder. The wrapped file must be a
//! plain experiment (no `gameday` key, so no nesting). [`merge`] builds the
//! document the engine runs; the playbook is laid over the experiment:
//!
//! * `steady-state-hypothesis`: the playbook's `title` wins if it has one;
//!   `probes` are the experiment's followed by the playbook's;
//! * `method`, `rollbacks`, `controls`, `extensions`: the experiment's list
//!   followed by the playbook's (so a playbook adds manual steps after the
//!   automated ones, and extra rollbacks after the experiment's own);
//! * `configuration`, `secrets`, `contributions`: merged key by key, the
//!   playbook's value winning (so a playbook can point `base_url` at staging);
//! * `tags`: the experiment's, then the playbook's not already there;
//! * any other key (`title`, `description`, plan keys, unknown keys): the
//!   playbook's value if it has the key, the experiment's otherwise;
//! * `experiment` itself is dropped; the keys keep the experiment's order,
//!   followed by keys only the playbook has.
use super::fields::FieldError;
use crate::load::{LoadError, load_path};
use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why a playbook could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    /// The file the problem is in (the playbook, or the wrapped experiment).
    pub file: String,
    /// JSON pointer in the playbook (`/experiment`), empty for a whole-file problem.
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.starts_with(&self.file) {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

impl std::error::Error for ResolveError {}

impl From<LoadError> for ResolveError {
    fn from(e: LoadError) -> Self {
        let file = match &e {
            LoadError::Syntax { file, .. } | LoadError::TooLarge { file, .. } => file.clone(),
            LoadError::NotFound(f) | LoadError::Empty(f) | LoadError::UnsupportedExtension(f) => f.clone(),
            _ => String::new(),
        };
        ResolveError { file, pointer: String::new(), message: e.to_string() }
    }
}

/// Load a playbook (or a plain experiment) and return the document the
/// engine runs: a playbook's `experiment:` is read and merged in.
pub fn resolve(path: &Path) -> Result<Value, ResolveError> {
    let loaded = load_path(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    resolve_doc(&loaded.doc, base).map_err(|mut e| {
        if e.file.is_empty() {
            e.file = loaded.origin.clone();
        }
        e
    })
}

/// The wrapped experiment's path, resolved against `base_dir`, if the
/// document is a playbook with `experiment:`.
pub fn wrapped_path(doc: &Value, base_dir: &Path) -> Option<PathBuf> {
    if !super::is_playbook(doc) {
        return None;
    }
    let rel = doc.get("experiment").and_then(Value::as_str)?;
    Some(base_dir.join(rel))
}

/// Load the wrapped experiment of `doc` (relative to `base_dir`) and merge
/// it; a document without `experiment:` is returned unchanged. Errors about
/// the `experiment:` key carry the pointer `/experiment` and an empty
/// `file` (the caller knows the playbook's name).
pub fn resolve_doc(doc: &Value, base_dir: &Path) -> Result<Value, ResolveError> {
    let Some(playbook) = doc.as_object().filter(|_| super::is_playbook(doc)) else {
        return Ok(doc.clone());
    };
    let Some(raw) = playbook.get("experiment").filter(|v| !v.is_null()) else {
        return Ok(doc.clone());
    };
    let at = |message: String| ResolveError { file: String::new(), pointer: "/experiment".into(), message };
    let Some(rel) = raw.as_str().filter(|s| !s.trim().is_empty()) else {
        return Err(at("`experiment` must be the path of an experiment file (text)".into()));
    };
    let path = base_dir.join(rel);
    if !path.is_file() {
        return Err(at(format!(
            "the wrapped experiment file '{rel}' does not exist (looked for {}; the path is relative to the playbook's folder)",
            path.display()
        )));
    }
    let loaded = load_path(&path).map_err(|e| at(format!("the wrapped experiment '{rel}' cannot be read: {e}")))?;
    let Some(experiment) = loaded.doc.as_object() else {
        return Err(at(format!("the wrapped experiment '{rel}' is not a mapping of keys to values")));
    };
    if experiment.contains_key("gameday") {
        return Err(at(format!(
            "'{rel}' is itself a playbook; `experiment:` wraps a plain Chaos Toolkit experiment (playbooks do not nest)"
        )));
    }
    Ok(Value::Object(merge(playbook, experiment)))
}

/// Lay `playbook` over `experiment` (see the module documentation).
pub fn merge(playbook: &Map<String, Value>, experiment: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, exp_value) in experiment {
        let merged = match playbook.get(key) {
            None => exp_value.clone(),
            Some(pb_value) => merge_key(key, pb_value, exp_value),
        };
        out.insert(key.clone(), merged);
    }
    for (key, value) in playbook {
        if key != "experiment" && !out.contains_key(key) {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

fn merge_key(key: &str, pb: &Value, exp: &Value) -> Value {
    match (key, pb, exp) {
        ("method" | "rollbacks" | "controls" | "extensions", Value::Array(p), Value::Array(e)) => {
            Value::Array(e.iter().chain(p).cloned().collect())
        }
        ("configuration" | "secrets" | "contributions", Value::Object(p), Value::Object(e)) => {
            let mut m = e.clone();
            for (k, v) in p {
                m.insert(k.clone(), v.clone());
            }
            Value::Object(m)
        }
        ("tags", Value::Array(p), Value::Array(e)) => {
            let mut tags = e.clone();
            for t in p {
                if !tags.contains(t) {
                    tags.push(t.clone());
                }
            }
            Value::Array(tags)
        }
        ("steady-state-hypothesis", Value::Object(p), Value::Object(e)) => {
            let mut h = e.clone();
            for (k, v) in p {
                if k == "probes" {
                    let mut probes: Vec<Value> = e.get("probes").and_then(Value::as_array).cloned().unwrap_or_default();
                    probes.extend(v.as_array().cloned().unwrap_or_default());
                    h.insert(k.clone(), Value::Array(probes));
                } else {
                    h.insert(k.clone(), v.clone());
                }
            }
            Value::Object(h)
        }
        _ => pb.clone(),
    }
}

impl From<FieldError> for ResolveError {
    fn from(e: FieldError) -> Self {
        ResolveError { file: String::new(), pointer: e.pointer, message: e.message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_rules() {
        let pb = json!({"gameday": 1, "experiment": "e.json", "title": "Plan",
            "configuration": {"base_url": "http://staging"},
            "tags": ["gameday", "db"],
            "steady-state-hypothesis": {"probes": [{"name": "p2"}]},
            "method": [{"type": "manual", "name": "look"}]});
        let exp = json!({"title": "E", "description": "d", "tags": ["db"],
            "configuration": {"base_url": "http://x", "other": 1},
            "steady-state-hypothesis": {"title": "ok", "probes": [{"name": "p1"}]},
            "method": [{"type": "action", "name": "a"}], "rollbacks": []});
        let m = Value::Object(merge(pb.as_object().unwrap(), exp.as_object().unwrap()));
        assert_eq!(m["title"], "Plan");
        assert_eq!(m["description"], "d");
        assert_eq!(m["configuration"], json!({"base_url": "http://staging", "other": 1}));
        assert_eq!(m["tags"], json!(["db", "gameday"]));
        assert_eq!(m["steady-state-hypothesis"], json!({"title": "ok", "probes": [{"name": "p1"}, {"name": "p2"}]}));
        assert_eq!(m["method"], json!([{"type": "action", "name": "a"}, {"type": "manual", "name": "look"}]));
        assert!(m.get("experiment").is_none());
        assert_eq!(m["gameday"], 1);
    }
}
