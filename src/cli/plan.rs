//! `gameday plan FILE`: the Plan screen for a playbook. What is filled in on
//! the day goes to `<playbook stem>.day.yaml` next to it (see
//! [`crate::tui::plan::day`]).
use super::args::PlanArgs;
use super::console::{console_config, require_terminal};
use super::headless_log::line;
use crate::tui::plan::{PlanScreen, run_plan};
use crate::tui::theme::Theme;

/// Run the subcommand; returns the exit code.
pub async fn plan(args: PlanArgs) -> u8 {
    let config = match console_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let file = args.file.clone();
    let author = config.author.clone();
    let opened = tokio::task::spawn_blocking(move || PlanScreen::open(&file, &author, Theme::from_env())).await;
    let screen = match opened {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            line("ERROR", &e);
            return 1;
        }
        Err(e) => {
            line("ERROR", &format!("reading the plan stopped unexpectedly: {e}"));
            return 1;
        }
    };
    if let Err(c) = require_terminal(
        "the Plan screen needs a terminal; `gameday validate FILE` checks a playbook without one \
         (`--json` for scripts)",
    ) {
        return c;
    }
    let dir = args.file.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    let result = {
        let _guard = match crate::tui::terminal::enter(dir) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("gameday: cannot take over the terminal: {e}");
                return 1;
            }
        };
        run_plan(screen).await
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("gameday: {}", crate::term_text::terminal_safe(&e.to_string()));
            1
        }
    }
}
