//! `shutil.which`: find an executable on PATH.
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn is_executable(p: &Path) -> bool {
    p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Resolve `cmd` as Python's `shutil.which` does; `~` is expanded when `expand_home`.
pub fn which(cmd: &str, expand_home: bool) -> Option<PathBuf> {
    let cmd = if expand_home && (cmd == "~" || cmd.starts_with("~/")) {
        let home = std::env::var("HOME").ok()?;
        format!("{home}{}", &cmd[1..])
    } else {
        cmd.to_string()
    };
    if cmd.contains('/') {
        let p = PathBuf::from(&cmd);
        return is_executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(&cmd)).find(|p| is_executable(p))
}
