//! `gameday export FILE --to chaostoolkit`.
//! OWNER: playbook helper (stub).
use clap::Args;

/// `gameday export`.
#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// The playbook to export.
    pub file: std::path::PathBuf,
}

/// Run the subcommand; returns the exit code.
pub async fn export(args: ExportArgs) -> u8 {
    let _ = args;
    eprintln!("gameday export: not built yet");
    2
}
