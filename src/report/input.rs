//! Reading what a report is made from: a session directory, its
//! `events.jsonl`, or a Chaos Toolkit `journal.json`. Errors name the file
//! (and the line, for a bad event) so the user can find the problem.
use crate::session::dir::{EVENTS, JOURNAL};
use crate::session::{self, Event};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One input, read.
#[derive(Debug)]
pub enum Input {
    Session {
        path: PathBuf,
        events: Vec<Event>,
        /// Problems that did not stop the report (a torn last line).
        notes: Vec<String>,
    },
    Journal {
        path: PathBuf,
        journal: Value,
    },
}

impl Input {
    /// The Chaos Toolkit journal of this input (projected for a session).
    pub fn journal(&self) -> Value {
        match self {
            Input::Session { events, .. } => session::journal::project(events),
            Input::Journal { journal, .. } => journal.clone(),
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
    let read = session::read_events(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    if let Some((line, err)) = read.bad_lines.first() {
        return Err(format!("{}:{line}: not a valid event: {err}", path.display()));
    }
    let mut notes = Vec::new();
    if read.torn_tail.is_some() {
        notes.push(format!(
            "The last line of {} is incomplete (written when the console stopped) and was left out.",
            path.display()
        ));
    }
    if read.events.is_empty() {
        return Err(format!("{}: no events recorded", path.display()));
    }
    if !matches!(read.events.first().map(|e| &e.body), Some(session::EventBody::SessionStarted { .. })) {
        return Err(format!("{}:1: the log does not begin with a session_started event", path.display()));
    }
    Ok(Input::Session { path: path.to_path_buf(), events: read.events, notes })
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
