//! `gameday` with no arguments (the Home screen) and `gameday sessions`.
use super::args::{BacklogArgs, DemoArgs, PlanArgs, ResumeArgs, RunArgs};
use super::console::require_terminal;
use crate::session::catalog;
use crate::tui::home::{Choice, Home, run_home};
use crate::tui::theme::Theme;

/// The Home screen, then whatever was chosen. The Plan and backlog screens
/// come back to Home when closed; a run, the demo or a resume end here.
pub async fn home() -> u8 {
    if let Err(c) =
        require_terminal("the Home screen needs a terminal; `gameday --help` lists the commands that need none")
    {
        return c;
    }
    let mut back_to: Option<std::path::PathBuf> = None;
    loop {
        // Read again each time: a plan edited or a session written meanwhile shows.
        let mut home = Home::new(
            catalog::playbooks(&catalog::playbook_dirs()),
            catalog::default_sessions(),
            catalog::backlog(),
            Theme::from_env(),
        );
        if let Some(p) = &back_to {
            home.select_path(p);
        }
        let choice = {
            let dir = crate::session::dir::sessions_root();
            let _guard = match crate::tui::terminal::enter(dir) {
                Ok(g) => g,
                Err(e) => {
                    eprintln!("gameday: cannot take over the terminal: {e}");
                    return 1;
                }
            };
            run_home(home).await
        };
        match choice {
            Ok(Choice::Plan(path)) => {
                let code = Box::pin(super::plan::plan(PlanArgs { file: path.clone() })).await;
                if code != 0 {
                    return code;
                }
                back_to = Some(path);
            }
            Ok(Choice::Backlog(path)) => {
                let code = Box::pin(super::backlog::backlog(BacklogArgs { file: path })).await;
                if code != 0 {
                    return code;
                }
            }
            other => return dispatch(other).await,
        }
    }
}

/// Run, resume or start the demo as chosen on Home.
async fn dispatch(choice: std::io::Result<Choice>) -> u8 {
    match choice {
        // Handled by the Home loop; nothing to do if one arrives here.
        Ok(Choice::Quit | Choice::Plan(_) | Choice::Backlog(_)) => 0,
        Ok(Choice::Demo) => {
            Box::pin(super::demo::demo(DemoArgs { port: None, serve_only: false, headless: false })).await
        }
        Ok(Choice::Run(path)) => {
            let args = match <super::args::Cli as clap::Parser>::try_parse_from([
                "gameday".to_string(),
                "run".to_string(),
                path.display().to_string(),
            ]) {
                Ok(super::args::Cli { command: Some(super::args::Command::Run(a)), .. }) => a,
                _ => return 2,
            };
            Box::pin(super::run::run(RunArgs { ..args })).await
        }
        Ok(Choice::Resume(dir)) | Ok(Choice::Review(dir)) => {
            Box::pin(super::resume::resume(ResumeArgs { session: Some(dir.display().to_string()), headless: false }))
                .await
        }
        Err(e) => {
            eprintln!("gameday: {}", crate::term_text::terminal_safe(&e.to_string()));
            1
        }
    }
}
