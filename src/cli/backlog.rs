//! `gameday backlog` (OWNER: plan/backlog helper, stub).
use super::args::BacklogArgs;

/// Run the subcommand; returns the exit code.
pub async fn backlog(args: BacklogArgs) -> u8 {
    let _ = args;
    eprintln!("gameday backlog: not built yet");
    2
}
