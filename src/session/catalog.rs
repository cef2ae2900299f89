//! What the Home screen and `gameday sessions` list: playbooks on disk and
//! sessions with their verdicts, read from their event logs.
use super::dir::{self, EVENTS};
use super::event::EventBody;
use super::store::read_events;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A playbook or experiment file found on disk.
#[derive(Debug, Clone)]
pub struct PlaybookEntry {
    pub path: PathBuf,
    pub title: String,
    /// A Game Day playbook (`gameday: 1`) rather than a plain experiment.
    pub game_day: bool,
    /// Why it cannot be read, if it cannot.
    pub problem: Option<String>,
}

/// A session directory and what its log says.
#[derive(Debug, Clone)]
pub struct SessionEntry {
    pub dir: PathBuf,
    pub title: String,
    pub started: String,
    /// `completed`, `deviated`, `failed`, `interrupted`, … or `unfinished`.
    pub verdict: String,
    pub finished: bool,
    pub observations: usize,
}

/// Folders searched for playbooks: `./playbooks` and the config dir's `playbooks`.
pub fn playbook_dirs() -> Vec<PathBuf> {
    let mut v = vec![PathBuf::from("playbooks")];
    if let Some(p) = directories::ProjectDirs::from("", "", "gameday") {
        v.push(p.config_dir().join("playbooks"));
    }
    v
}

/// Every .json/.yaml/.yml file directly in those folders.
pub fn playbooks(dirs: &[PathBuf]) -> Vec<PlaybookEntry> {
    let mut out = Vec::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(d) else { continue };
        let mut files: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "json" | "yaml" | "yml")))
            .filter(|p| p.file_stem().and_then(|s| s.to_str()) != Some("backlog"))
            // Day files (approvals and ticks of the day) sit beside playbooks.
            .filter(|p| !p.to_string_lossy().ends_with(".day.yaml"))
            .collect();
        files.sort();
        for path in files {
            match crate::load::load_path(&path) {
                Ok(l) => out.push(PlaybookEntry {
                    title: l.doc.get("title").and_then(Value::as_str).unwrap_or("(untitled)").to_string(),
                    game_day: l.doc.get("gameday").is_some(),
                    path,
                    problem: None,
                }),
                Err(e) => out.push(PlaybookEntry {
                    title: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                    game_day: false,
                    path,
                    problem: Some(e.to_string().lines().next().unwrap_or("").to_string()),
                }),
            }
        }
    }
    out
}

/// Read one session's summary.
pub fn session(dir: &Path) -> Option<SessionEntry> {
    let read = read_events(&dir.join(EVENTS)).ok()?;
    let mut title = String::new();
    let mut started = String::new();
    let mut verdict = "unfinished".to_string();
    let mut finished = false;
    let mut observations = 0;
    for ev in &read.events {
        match &ev.body {
            EventBody::SessionStarted { experiment, .. } => {
                title = experiment.get("title").and_then(Value::as_str).unwrap_or("").to_string();
                started = ev.at.format("%Y-%m-%d %H:%M").to_string();
            }
            EventBody::RunFinished { status, deviated, .. } => {
                verdict = if *deviated { "deviated".into() } else { status.clone() };
            }
            EventBody::SessionEnded => finished = true,
            EventBody::Observation { .. } | EventBody::Milestone { .. } => observations += 1,
            _ => {}
        }
    }
    Some(SessionEntry { dir: dir.to_path_buf(), title, started, verdict, finished, observations })
}

/// Sessions under `root`, newest first (at most `limit`).
pub fn sessions(root: &Path, limit: usize) -> Vec<SessionEntry> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(EVENTS).is_file())
        .collect();
    dirs.sort_by(|a, b| b.file_name().cmp(&a.file_name()));
    dirs.into_iter().take(limit).filter_map(|d| session(&d)).collect()
}

/// The default sessions root.
pub fn default_sessions() -> Vec<SessionEntry> {
    sessions(&dir::sessions_root(), 50)
}

/// A hypothesis backlog file, if one exists: (path, number of cards).
pub fn backlog() -> Option<(PathBuf, usize)> {
    for p in ["backlog.yaml", "playbooks/backlog.yaml"] {
        let path = PathBuf::from(p);
        if path.is_file() {
            let cards = crate::load::load_path(&path)
                .ok()
                .and_then(|l| {
                    l.doc
                        .get("cards")
                        .and_then(Value::as_array)
                        .map(Vec::len)
                        .or_else(|| l.doc.as_array().map(Vec::len))
                })
                .unwrap_or(0);
            return Some((path, cards));
        }
    }
    None
}
