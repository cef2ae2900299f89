//! `gameday backlog FILE`: the Backlog screen. New playbooks made from a
//! card go to `./playbooks/<id>.yaml` (never over an existing file).
use super::args::BacklogArgs;
use super::console::require_terminal;
use super::headless_log::line;
use crate::tui::backlog::{BacklogScreen, run_backlog};
use crate::tui::theme::Theme;
use std::path::Path;

/// Run the subcommand; returns the exit code.
pub async fn backlog(args: BacklogArgs) -> u8 {
    let screen = match BacklogScreen::open(&args.file, Path::new("playbooks"), Theme::from_env()) {
        Ok(s) => s,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    if let Err(c) = require_terminal(
        "the Backlog screen needs a terminal; the backlog is a YAML file, readable and editable as it is",
    ) {
        return c;
    }
    let dir = args.file.parent().map(Path::to_path_buf).unwrap_or_default();
    let result = {
        let _guard = match crate::tui::terminal::enter(dir) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("gameday: cannot take over the terminal: {e}");
                return 1;
            }
        };
        run_backlog(screen).await
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("gameday: {}", crate::term_text::terminal_safe(&e.to_string()));
            1
        }
    }
}
