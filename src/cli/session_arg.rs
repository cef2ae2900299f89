//! A session named on the command line: a session folder, or a session's
//! name under the sessions folder (as `gameday sessions` prints it).
use crate::session::dir::{EVENTS, sessions_root};
use std::path::{Path, PathBuf};

/// The session folder `arg` names, if it names one.
pub fn find(arg: &str) -> Option<PathBuf> {
    let direct = PathBuf::from(arg);
    if direct.join(EVENTS).is_file() {
        return Some(direct);
    }
    // Only a bare name is looked up under the root: `a/b` or `../x` name paths.
    if Path::new(arg).components().count() != 1 {
        return None;
    }
    let named = sessions_root().join(arg);
    named.join(EVENTS).is_file().then_some(named)
}

/// A `report` input: what exists as given stays as given (a journal, an
/// events.jsonl, a session folder); otherwise a session's name.
pub fn report_input(input: &Path) -> PathBuf {
    if input.exists() {
        return input.to_path_buf();
    }
    input.to_str().and_then(find).unwrap_or_else(|| input.to_path_buf())
}
