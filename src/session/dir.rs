//! Where sessions live: `<data dir>/sessions/<date>-<time>-<slug>/`.
use std::io;
use std::path::{Path, PathBuf};

/// File names inside a session directory.
pub const EVENTS: &str = "events.jsonl";
pub const JOURNAL: &str = "journal.json";
pub const EXPERIMENT: &str = "experiment.json";

/// The root holding every session: `GAMEDAY_DATA_DIR`, else the platform's
/// data directory (e.g. `~/.local/share/gameday`).
pub fn data_root() -> PathBuf {
    if let Some(d) = std::env::var_os("GAMEDAY_DATA_DIR") {
        return PathBuf::from(d);
    }
    directories::ProjectDirs::from("", "", "gameday")
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".gameday"))
}

/// The sessions folder.
pub fn sessions_root() -> PathBuf {
    data_root().join("sessions")
}

fn slug(title: &str) -> String {
    let s: String =
        title.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let s = s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    let s: String = s.chars().take(40).collect();
    if s.is_empty() { "session".into() } else { s }
}

/// Create a fresh session directory (under `root`, or the default root).
pub fn create(root: Option<&Path>, title: &str) -> io::Result<PathBuf> {
    let root = root.map(Path::to_path_buf).unwrap_or_else(sessions_root);
    std::fs::create_dir_all(&root)?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let base = format!("{stamp}-{}", slug(title));
    for n in 0..1000 {
        let name = if n == 0 { base.clone() } else { format!("{base}-{n}") };
        let dir = root.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("could not find a free session directory name"))
}

/// Write a file atomically (temp file + rename) and fsync it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Write a file atomically from a writer (so a large file is never built in
/// memory first): a temp file beside it, fsynced, renamed over `path`, and
/// the directory fsynced so that the rename itself survives a crash.
pub fn write_atomic_with(path: &Path, write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>) -> io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    let mut out = io::BufWriter::with_capacity(64 * 1024, tmp);
    write(&mut out)?;
    out.flush()?;
    let tmp = out.into_inner().map_err(|e| e.into_error())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()
}
