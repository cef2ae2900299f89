//! `gameday watch`: follow a session live, read-only.
//! OWNER: watch helper (stub).
use clap::Args;

/// `gameday watch`.
#[derive(Debug, Args, Clone)]
pub struct WatchArgs {
    /// Session directory or name (the newest unfinished one by default).
    pub session: Option<String>,
    /// Let this viewer send STOP requests to the console.
    #[arg(long)]
    pub allow_stop: bool,
    /// Participant view: hide the method of a dungeons-and-dragons Game Day.
    #[arg(long)]
    pub participant: bool,
    /// Name recorded with STOP requests.
    #[arg(long = "as")]
    pub as_name: Option<String>,
    /// Print one line per new event instead of the full-screen view.
    #[arg(long)]
    pub follow_lines: bool,
}

/// Run the subcommand; returns the exit code.
pub async fn watch(args: WatchArgs) -> u8 {
    let _ = args;
    eprintln!("gameday watch: not built yet");
    2
}
