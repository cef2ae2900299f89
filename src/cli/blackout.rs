//! Blackout windows at the start of a run: from the playbook (`blackout:`)
//! and from the config file. A headless run inside one does not start
//! (exit 3, the message names the window); the console starts with the
//! window at the top of its readiness gate, where going on needs an
//! override with a reason, recorded in the session's log.
use crate::model::blackout;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The exit code of a headless run refused by a blackout window.
pub const EXIT_BLACKOUT: u8 = 3;

/// The first window in force at `now` (and where it was written), from the
/// playbook `doc` and then the config file. An unreadable config file is an
/// error: nobody could tell whether chaos may run.
pub fn in_force(doc: &Value, origin: &str, now: DateTime<Utc>) -> Result<Option<String>, String> {
    if crate::model::playbook::is_playbook(doc) {
        let windows = blackout::parse(doc.get("blackout"), "/blackout").map_err(|e| format!("{origin}: {e}"))?;
        if let Some(a) = blackout::active_at(&windows, now) {
            return Ok(Some(a.message(&format!("the playbook {origin}"))));
        }
    }
    let config =
        crate::tui::config::load().map_err(|e| format!("cannot check the config file's blackout windows: {e}"))?;
    let path =
        crate::tui::config::config_path().map(|p| p.display().to_string()).unwrap_or_else(|| "the config file".into());
    Ok(blackout::active_at(&config.blackout_windows, now).map(|a| a.message(&path)))
}
