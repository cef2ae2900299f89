//! Reading what a report is made from: a session directory, its
//! `events.jsonl`, or a Chaos Toolkit `journal.json`. Errors name the file
//! (and the line, for a bad event) so the user can find the problem.
use super::events_in;
use super::model::Report;
use crate::session::dir::{EVENTS, JOURNAL};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One input, read.
#[derive(Debug)]
pub enum Input {
    /// A session: its report is built while its log is read (see [`events_in`]).
    Session {
        path: PathBuf,
        report: Box<Report>,
        /// Its Chaos Toolkit journal, projected from the events.
        journal: Value,
        /// One warning per line of the log that was skipped.
        warnings: Vec<String>,
    },
    Journal {
        path: PathBuf,
        journal: Value,
    },
}

impl Input {
    /// What the reader skipped, for the user.
    pub fn warnings(&self) -> &[String] {
        match self {
            Input::Session { warnings, .. } => warnings,
            Input::Journal { .. } => &[],
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Input::Session { path, .. } | Input::Journal { path, .. } => path,
        }
    }
}

/// Read a session directory, an events log (`*.jsonl`) or a journal (`*.json`).
pub fn read(path: &Path) -> Result<Input, String> {
    if path.is_dir() {
        let events = path.join(EVENTS);
        if events.is_file() {
            return read_events(&events);
        }
        let journal = path.join(JOURNAL);
        if journal.is_file() {
            return read_journal(&journal);
        }
        return Err(format!("{}: not a session directory (no {EVENTS} or {JOURNAL} in it)", path.display()));
    }
    if !path.exists() {
        return Err(format!("{}: no such file or directory", path.display()));
    }
    if path.extension().and_then(|e| e.to_str()) == Some("jsonl") { read_events(path) } else { read_journal(path) }
}

fn read_events(path: &Path) -> Result<Input, String> {
    let read = events_in::read(path)?;
    let warnings = read.skipped.iter().map(|(n, e)| crate::session::store::unreadable_line(path, *n, e)).collect();
    Ok(Input::Session { path: path.to_path_buf(), report: Box::new(read.report), journal: read.journal, warnings })
}

fn read_journal(path: &Path) -> Result<Input, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let journal: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}:{}:{}: not valid JSON: {e}", path.display(), e.line(), e.column()))?;
    if !journal.is_object() || journal.get("experiment").is_none() {
        return Err(format!(
            "{}: not a Chaos Toolkit journal (no \"experiment\" key); give a session directory, its {EVENTS}, or a {JOURNAL}",
            path.display()
        ));
    }
    Ok(Input::Journal { path: path.to_path_buf(), journal })
}
