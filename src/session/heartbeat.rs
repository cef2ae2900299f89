//! The writer's heartbeat: whoever holds a session's writer lock rewrites
//! `heartbeat` in the session directory every second. Watchers compare its
//! age with the clock to tell a console that is alive from one that was
//! killed, stopped or cut off (then nothing runs its safeguards), and
//! `resume` records how long the session went unwatched.
//!
//! It is a separate small file, not events in the log: a beat a second
//! would bury the record and cost an fsync each. A plain thread beats, so
//! a busy async runtime never looks like a dead console; a stopped or dead
//! process stops beating, which is exactly what watchers must see.
use std::path::Path;
use std::time::{Duration, SystemTime};

/// File name inside the session directory.
pub const HEARTBEAT: &str = "heartbeat";
/// How often the writer beats.
pub const EVERY: Duration = Duration::from_secs(1);
/// A beat older than this means the writer is silent.
pub const STALE_AFTER: Duration = Duration::from_secs(3);

/// Beat for `session` until this process ends.
pub fn start(session: &Path) {
    let dir = session.to_path_buf();
    beat(&dir);
    let spawned = std::thread::Builder::new().name("heartbeat".into()).spawn(move || {
        loop {
            std::thread::sleep(EVERY);
            beat(&dir);
        }
    });
    if let Err(e) = spawned {
        crate::trace::line(&format!("heartbeat thread not started: {e}"));
    }
}

/// One beat: the pid and the time, written whole (temp file and rename) so
/// a reader never sees half of it. Not fsync'd: it only needs to be recent.
fn beat(dir: &Path) {
    let text = format!("{{\"pid\":{},\"at\":\"{}\"}}\n", std::process::id(), crate::timefmt::iso(&chrono::Utc::now()));
    let tmp = dir.join(".heartbeat.tmp");
    if std::fs::write(&tmp, text).is_ok() {
        let _ = std::fs::rename(&tmp, dir.join(HEARTBEAT));
    }
}

/// When the writer last beat (`None`: never, e.g. a session from before
/// heartbeats, or one whose writer has not started yet).
pub fn last_beat(session: &Path) -> Option<SystemTime> {
    std::fs::metadata(session.join(HEARTBEAT)).and_then(|m| m.modified()).ok()
}

/// How long the writer has been silent, once that is longer than
/// [`STALE_AFTER`]; `None` while it beats (or if it never did).
pub fn silence(session: &Path) -> Option<Duration> {
    let age = SystemTime::now().duration_since(last_beat(session)?).unwrap_or_default();
    (age > STALE_AFTER).then_some(age)
}

/// What watchers say while the writer is silent.
pub fn silent_text(age: Duration) -> String {
    format!("console silent for {} s — safeguards are not running", age.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_beat_is_not_silence_and_an_old_one_is() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(silence(dir.path()), None, "no heartbeat at all is not silence");
        beat(dir.path());
        assert_eq!(silence(dir.path()), None);
        let old = SystemTime::now() - Duration::from_secs(30);
        let f = std::fs::File::options().write(true).open(dir.path().join(HEARTBEAT)).unwrap();
        f.set_modified(old).unwrap();
        let age = silence(dir.path()).unwrap();
        assert!(age >= Duration::from_secs(29), "{age:?}");
        assert!(silent_text(age).starts_with("console silent for 3"));
    }
}
