//! `gameday report SESSION|JOURNAL… [--format md|html|json] [-o FILE]`.
//! OWNER: reports helper (stub).
use clap::Args;
use std::path::PathBuf;

/// `gameday report`.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// Session directories, `events.jsonl` files or Chaos Toolkit `journal.json` files.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, default_value = "md")]
    pub format: String,
    /// Write here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The participant version: hides the method and injected conditions.
    #[arg(long)]
    pub participant: bool,
}

/// Run the subcommand; returns the exit code.
pub async fn report(args: ReportArgs) -> u8 {
    let _ = args;
    eprintln!("gameday report: not built yet");
    2
}
