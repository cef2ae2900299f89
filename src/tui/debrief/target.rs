//! Which backlog file a new card goes to: the file the playbook names in
//! `hypothesis.backlog` (when that names a file rather than a card), else
//! `backlog.yaml` beside the playbook if there is one, else a new
//! `backlog.yaml` beside the playbook — which the facilitator confirms (and
//! may change) first, since it creates a file.
use super::state::SessionInfo;
use std::path::{Path, PathBuf};

/// Where the card goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A backlog file that exists: append to it.
    Existing(PathBuf),
    /// No backlog yet: propose this path (the file is created on confirmation).
    Propose(PathBuf),
}

/// The playbook's directory, from the session's start (the source as given,
/// relative to the directory the run was started in). `None` for URLs.
pub fn playbook_dir(info: &SessionInfo) -> Option<PathBuf> {
    if info.source.is_empty() || info.source.contains("://") {
        return None;
    }
    let source = Path::new(&info.source);
    let full = if source.is_absolute() || info.cwd.is_empty() {
        source.to_path_buf()
    } else {
        Path::new(&info.cwd).join(source)
    };
    full.parent().map(Path::to_path_buf)
}

/// Pick the backlog file for this session.
pub fn find(info: Option<&SessionInfo>) -> Target {
    let dir = info.and_then(playbook_dir).unwrap_or_else(|| PathBuf::from("."));
    if let Some(r) = info.and_then(|i| i.backlog_ref.as_deref())
        && (r.ends_with(".yaml") || r.ends_with(".yml"))
    {
        let named = dir.join(r);
        return if named.is_file() { Target::Existing(named) } else { Target::Propose(named) };
    }
    let beside = dir.join("backlog.yaml");
    if beside.is_file() { Target::Existing(beside) } else { Target::Propose(beside) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(source: &str, cwd: &str, backlog: Option<&str>) -> SessionInfo {
        SessionInfo {
            source: source.into(),
            cwd: cwd.into(),
            started: chrono::Utc::now(),
            backlog_ref: backlog.map(str::to_string),
        }
    }

    #[test]
    fn picks_the_named_file_then_the_one_beside_then_proposes() {
        let d = tempfile::tempdir().unwrap();
        let cwd = d.path().to_string_lossy().to_string();
        std::fs::create_dir(d.path().join("pb")).unwrap();
        let i = info("pb/day.yaml", &cwd, Some("DB1-DOWN"));
        assert_eq!(find(Some(&i)), Target::Propose(d.path().join("pb/backlog.yaml")));
        std::fs::write(d.path().join("pb/backlog.yaml"), "cards: []\n").unwrap();
        assert_eq!(find(Some(&i)), Target::Existing(d.path().join("pb/backlog.yaml")));
        std::fs::write(d.path().join("pb/team.yml"), "cards: []\n").unwrap();
        let named = info("pb/day.yaml", &cwd, Some("team.yml"));
        assert_eq!(find(Some(&named)), Target::Existing(d.path().join("pb/team.yml")));
        assert_eq!(find(None), Target::Propose(PathBuf::from("./backlog.yaml")));
        assert_eq!(playbook_dir(&info("https://x/y.yaml", &cwd, None)), None);
    }
}
