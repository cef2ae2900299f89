//! `gameday init`: create a playbook from a template.
//! OWNER: playbook helper (stub).
use clap::Args;

/// `gameday init`.
#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// Where to write the playbook.
    pub file: Option<std::path::PathBuf>,
}

/// Run the subcommand; returns the exit code.
pub async fn init(args: InitArgs) -> u8 {
    let _ = args;
    eprintln!("gameday init: not built yet");
    2
}
