//! `gameday sessions [--session-dir DIR] [--json]`: the sessions under a
//! folder, newest first, as text for people or JSON for scripts.
use crate::session::catalog::{self, SessionEntry};
use clap::Args;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// `gameday sessions`.
#[derive(Debug, Args, Clone)]
pub struct SessionsArgs {
    /// The folder holding the sessions (what `run --session-dir` was given);
    /// default: the sessions folder under GAMEDAY_DATA_DIR or the data dir.
    #[arg(long, value_name = "DIR")]
    pub session_dir: Option<PathBuf>,
    /// Print a JSON array (name, dir, title, started_at, verdict, finished,
    /// observations), newest first.
    #[arg(long)]
    pub json: bool,
    /// List at most this many sessions.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
}

/// Run the subcommand; returns the exit code.
pub fn sessions(args: SessionsArgs) -> u8 {
    let root = args.session_dir.clone().unwrap_or_else(crate::session::dir::sessions_root);
    if let Some(dir) = &args.session_dir
        && !dir.is_dir()
    {
        eprintln!("gameday sessions: {} is not a folder", crate::term_text::terminal_safe(&dir.display().to_string()));
        return 1;
    }
    let list = catalog::sessions(&root, args.limit);
    if args.json {
        let doc = Value::Array(list.iter().map(entry_json).collect());
        // Strings from event logs are escaped by JSON; control characters
        // that JSON allows raw are escaped too, so a terminal shows them inertly.
        let text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "[]".into());
        println!("{}", crate::term_text::json_terminal_safe(&text));
        return 0;
    }
    if list.is_empty() {
        println!("No sessions yet under {}.", root.display());
        return 0;
    }
    for s in list {
        let line = format!("{:<12} {}  {}  {}", s.verdict, s.started, s.title, s.dir.display());
        println!("{}", crate::term_text::terminal_safe(&line));
    }
    0
}

/// One session for scripts.
fn entry_json(s: &SessionEntry) -> Value {
    let name = s.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    json!({
        "name": name,
        "dir": s.dir.display().to_string(),
        "title": s.title,
        "started_at": started_at(&s.dir),
        "verdict": s.verdict,
        "finished": s.finished,
        "observations": s.observations,
    })
}

/// When the session started, in RFC 3339 (UTC), from its folder's name
/// (`20260101-100000-title`, written in UTC when it was created); `None`
/// for a folder named otherwise.
fn started_at(dir: &Path) -> Option<String> {
    let name = dir.file_name()?.to_str()?;
    let stamp = name.get(..15)?;
    let at = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S").ok()?;
    Some(at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_from_the_folder_name() {
        assert_eq!(started_at(Path::new("/s/20260102-030405-db")).as_deref(), Some("2026-01-02T03:04:05Z"));
        assert_eq!(started_at(Path::new("/s/my-session")), None);
    }
}
