//! `gameday resume [SESSION]`: bring a session back from its event log —
//! the newest unfinished one by default. A half-written last line (a crash
//! mid-append) is reported and cut off; the run continues where it was.
use super::args::{Cli, Command, ResumeArgs};
use super::console::{ConsoleConfig, Drive, console_config, console_defaults, drive, require_terminal};
use super::headless_log::line;
use super::run::{Loaded, load_for_run};
use crate::engine::prepare;
use crate::session::event::{Event, EventBody};
use crate::session::recorder::Recorder;
use crate::session::store::repair;
use crate::session::{Durability, EventLog, dir, read_events};
use clap::Parser;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Sessions under the default root, newest first, with whether they finished.
pub fn list_sessions(root: &Path) -> Vec<(PathBuf, bool)> {
    let mut out: Vec<(PathBuf, bool)> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(dir::EVENTS).is_file())
        .map(|p| {
            let finished = read_events(&p.join(dir::EVENTS))
                .map(|r| r.events.iter().any(|e| matches!(e.body, EventBody::SessionEnded)))
                .unwrap_or(false);
            (p, finished)
        })
        .collect();
    out.sort_by(|a, b| b.0.file_name().cmp(&a.0.file_name()));
    out
}

fn find(args: &ResumeArgs) -> Result<PathBuf, String> {
    if let Some(s) = &args.session {
        let p = PathBuf::from(s);
        if p.join(dir::EVENTS).is_file() {
            return Ok(p);
        }
        let under = dir::sessions_root().join(s);
        if under.join(dir::EVENTS).is_file() {
            return Ok(under);
        }
        return Err(format!("no session at {s} (looked for {} in it)", dir::EVENTS));
    }
    list_sessions(&dir::sessions_root())
        .into_iter()
        .find(|(_, finished)| !finished)
        .map(|(p, _)| p)
        .ok_or_else(|| format!("no unfinished session under {}", dir::sessions_root().display()))
}

/// Run the subcommand; returns the exit code.
pub async fn resume(args: ResumeArgs) -> u8 {
    if !args.headless
        && let Err(c) = require_terminal()
    {
        return c;
    }
    let session = match find(&args) {
        Ok(p) => p,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    let log_path = session.join(dir::EVENTS);
    let read = match read_events(&log_path) {
        Ok(r) => r,
        Err(e) => {
            line("ERROR", &format!("cannot read {}: {e}", log_path.display()));
            return 1;
        }
    };
    if let Some(tail) = &read.torn_tail {
        line(
            "WARNING",
            &format!("the last line of the event log was half-written ({} bytes) and has been cut off", tail.len()),
        );
        if let Err(e) = repair(&log_path, &read) {
            line("ERROR", &format!("cannot repair {}: {e}", log_path.display()));
            return 1;
        }
    }
    for (n, e) in &read.bad_lines {
        line("WARNING", &crate::session::store::unreadable_line(&log_path, *n, e));
    }
    let events = read.events;
    let Some((argv, cwd)) = events.iter().find_map(|e| match &e.body {
        EventBody::SessionStarted { argv, cwd, .. } => Some((argv.clone(), cwd.clone())),
        _ => None,
    }) else {
        line("ERROR", "the event log has no session start; nothing to resume");
        return 1;
    };
    let run_args = match Cli::try_parse_from(&argv) {
        Ok(Cli { command: Some(Command::Run(a)) }) => a,
        _ => {
            line("ERROR", "cannot tell how this session was started (its command line is missing)");
            return 1;
        }
    };
    if !cwd.is_empty() && std::env::set_current_dir(&cwd).is_err() {
        line("WARNING", &format!("the session started in {cwd}, which is gone; relative paths may not resolve"));
    }
    let cfg = if args.headless {
        ConsoleConfig { keymap: Default::default(), author: "auto".into(), python: None }
    } else {
        match console_config() {
            Ok(c) => c,
            Err(c) => return c,
        }
    };
    let mut loaded = match load_source(&run_args, &session, args.headless).await {
        Ok(l) => l,
        Err(c) => return c,
    };
    if !args.headless {
        console_defaults(&run_args, &mut loaded, &cfg.author);
    }
    let prepared = match prepare(loaded.doc.clone(), &loaded.vars, &loaded.opts).await {
        Ok(p) => p,
        Err(e) => {
            line("ERROR", &e.to_string());
            return 1;
        }
    };
    let durability = if args.headless { Durability::Checkpoints } else { Durability::EveryEvent };
    let log = match EventLog::reopen(&log_path, &events, durability) {
        Ok(l) => l,
        Err(e) => {
            line("ERROR", &format!("cannot reopen {}: {e}", log_path.display()));
            return 1;
        }
    };
    let rec = Arc::new(Recorder::new(log));
    rec.set_secrets(prepared.secret_values.clone());
    let finished = events.iter().any(|e| matches!(e.body, EventBody::RunFinished { .. }));
    if !finished {
        rec.record_or_flag(EventBody::Warning {
            message: format!("session resumed after {} recorded events", events.len()),
        });
    }
    if args.headless {
        return resume_headless(session, rec, prepared, loaded, events, run_args.journal_path, !run_args.no_report)
            .await;
    }
    drive(Drive {
        dir: session,
        rec,
        prepared,
        loaded,
        cfg,
        past: events,
        journal_path: run_args.journal_path,
        write_reports: !run_args.no_report,
        prior_ticks: Vec::new(),
    })
    .await
}

/// Load the experiment from where it was first read; if it is gone, from the
/// session's frozen copy (whose inline secrets are masked).
async fn load_source(args: &super::args::RunArgs, session: &Path, headless: bool) -> Result<Loaded, u8> {
    let mut a = args.clone();
    if !Path::new(&a.source).exists() && !a.source.starts_with("http") {
        for name in [dir::EXPERIMENT, "experiment.yaml"] {
            let frozen = session.join(name);
            if frozen.is_file() {
                line(
                    "WARNING",
                    &format!("{} is gone; using the session's frozen copy (inline secrets in it are masked)", a.source),
                );
                a.source = frozen.display().to_string();
                break;
            }
        }
    }
    a.no_validation = true;
    load_for_run(&a, headless).await
}

async fn resume_headless(
    session: PathBuf,
    rec: Arc<Recorder>,
    prepared: crate::engine::Prepared,
    loaded: Loaded,
    past: Vec<Event>,
    journal_path: PathBuf,
    write_reports: bool,
) -> u8 {
    use crate::engine::{AutoApprover, Engine, History, StopHandle};
    let history = History::from_events(&past);
    let logger = tokio::spawn(super::headless_log::follow(rec.subscribe()));
    rec.on_failure(Box::new(|m| line("ERROR", m)));
    let stop = StopHandle::new();
    super::run::stop_on_signals(&stop);
    let engine = Engine::resume(
        prepared.experiment,
        prepared.configuration,
        prepared.secrets,
        loaded.opts,
        Arc::clone(&rec),
        Arc::new(AutoApprover),
        stop,
        history,
    );
    let outcome = engine.run().await;
    rec.record_or_flag(EventBody::SessionEnded);
    rec.sync_or_flag();
    drop(engine);
    // A snapshot: the logger ends only once the recorder is gone.
    let health = rec.health();
    drop(rec);
    let _ = logger.await;
    let written = super::run::write_journal(&session, Some(&journal_path), write_reports);
    super::run::tell_losses(&health, written.as_ref().ok(), true);
    if let Err(e) = written {
        line("ERROR", &e);
        return 1;
    }
    outcome.exit_code()
}
