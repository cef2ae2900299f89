//! `gameday plan` (OWNER: plan/backlog helper, stub).
use super::args::PlanArgs;

/// Run the subcommand; returns the exit code.
pub async fn plan(args: PlanArgs) -> u8 {
    let _ = args;
    eprintln!("gameday plan: not built yet");
    2
}
