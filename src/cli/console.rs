//! `gameday run FILE` without `--headless`: the console. Also drives resumed
//! sessions, so a new run and a resumed one behave the same.
use super::args::RunArgs;
use super::headless_log::line;
use super::run::{Loaded, create_session, load_for_run, start_session, write_journal};
use crate::engine::{Engine, History, Outcome, Prepared, RollbackStrategy, StopHandle, prepare};
use crate::session::event::{Event, EventBody};
use crate::session::recorder::{Recorder, Update};
use crate::session::{Durability, Phase};
use crate::tui::keymap::Keymap;
use crate::tui::{self, App, approver::ConsoleApprover, theme::Theme};
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Settings from the config file the console needs.
pub struct ConsoleConfig {
    pub keymap: Keymap,
    pub author: String,
    pub python: Option<String>,
}

/// Read the config file (errors reported).
pub fn console_config() -> Result<ConsoleConfig, u8> {
    let config = tui::config::load().map_err(|e| {
        line("ERROR", &e);
        1
    })?;
    let keymap = config.keymap().map_err(|e| {
        line("ERROR", &e);
        1
    })?;
    let author =
        config.facilitator.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "facilitator".into());
    Ok(ConsoleConfig { keymap, author, python: config.python })
}

/// Refuse to start a screen without a terminal (a usage error, exit 2);
/// `why` says what needs one and what to use instead, where there is something.
pub fn require_terminal(why: &str) -> Result<(), u8> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        line("ERROR", why);
        return Err(2);
    }
    Ok(())
}

/// What `gameday run` says without a terminal.
pub const RUN_NEEDS_TERMINAL: &str = "the console needs a terminal; use --headless to run without one";

/// In the console, rollbacks are offered after a STOP unless told otherwise.
pub fn console_defaults(args: &RunArgs, loaded: &mut Loaded, author: &str) {
    let runtime_says =
        loaded.doc.get("runtime").and_then(|r| r.get("rollbacks")).and_then(|r| r.get("strategy")).is_some();
    if args.rollback_strategy.is_none() && !runtime_says {
        loaded.opts.rollback_strategy = RollbackStrategy::Always;
    }
    loaded.opts.operator = author.to_string();
}

/// Run the console; returns the exit code (as `chaos run` would).
pub async fn run(mut args: RunArgs) -> u8 {
    if let Err(c) = require_terminal(RUN_NEEDS_TERMINAL) {
        return c;
    }
    let cfg = match console_config() {
        Ok(c) => c,
        Err(c) => return c,
    };
    if args.python.is_none() {
        args.python = cfg.python.clone();
    }
    let mut loaded = match load_for_run(&args, false).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    console_defaults(&args, &mut loaded, &cfg.author);
    let prior_ticks = match super::day::apply(&loaded.origin, &mut loaded.doc) {
        Ok(t) => t,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    let prepared = match prepare(loaded.doc.clone(), &loaded.vars, &loaded.opts).await {
        Ok(p) => p,
        Err(e) => {
            line("ERROR", &e.to_string());
            return 1;
        }
    };
    let (dir, rec, notifier) = match create_session(args.session_dir.as_deref(), &prepared, Durability::EveryEvent) {
        Ok(x) => x,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    // The session's start (frozen experiment, `session_started`, warnings)
    // is synced right after the first frame: the frame shows nothing as
    // recorded yet, and the engine starts only once this has succeeded.
    let start: Start = {
        let (dir, rec) = (dir.clone(), Arc::clone(&rec));
        let source = super::run::Frozen::of(&loaded);
        let prepared = prepared.clone();
        Box::new(move || {
            start_session(&dir, &rec, &prepared, prepared.journal_copy.clone(), source, "console")?;
            for w in &prepared.warnings {
                rec.record_or_flag(EventBody::Warning { message: w.clone() });
            }
            Ok(())
        })
    };
    let code = drive_new(
        Drive {
            dir,
            rec,
            prepared,
            loaded,
            cfg,
            past: Vec::new(),
            journal_path: args.journal_path,
            write_reports: !args.no_report,
            prior_ticks,
        },
        Some(start),
    )
    .await;
    super::run::finish_notifier(notifier).await;
    code
}

/// Everything needed to put a run on screen.
pub struct Drive {
    pub dir: PathBuf,
    pub rec: Arc<Recorder>,
    pub prepared: Prepared,
    pub loaded: Loaded,
    pub cfg: ConsoleConfig,
    /// Events of earlier attempts (resume); empty for a new run.
    pub past: Vec<Event>,
    pub journal_path: PathBuf,
    /// Write report.md and report.html when the run ends (not with `--no-report`).
    pub write_reports: bool,
    /// Preflight items ticked in `gameday plan` (the day file).
    pub prior_ticks: Vec<crate::engine::readiness::PriorTick>,
}

/// What a new session still has to write before its run starts.
type Start = Box<dyn FnOnce() -> Result<(), String> + Send>;

/// Put the run on screen until the person quits; write the journal.
pub async fn drive(d: Drive) -> u8 {
    drive_new(d, None).await
}

/// [`drive`], with a new session's `start` run after the first frame.
async fn drive_new(d: Drive, start: Option<Start>) -> u8 {
    let Drive { dir, rec, prepared, loaded, cfg, past, journal_path, write_reports, prior_ticks } = d;
    let strategy = loaded.opts.hypothesis_strategy;
    let (approver, asks) = ConsoleApprover::new();
    let unattended = Arc::clone(&approver.unattended);
    let stop = StopHandle::new();
    // The screen shows the experiment as run, with every secret masked (a
    // title or a step name may carry a substituted secret).
    let shown = rec.masker().mask(&prepared.experiment);
    let mut app = App::new(
        &shown,
        strategy.before(),
        strategy.after(),
        cfg.keymap,
        Theme::from_env(),
        cfg.author,
        dir.clone(),
        Arc::clone(&rec),
        stop.clone(),
    );
    app.unattended = Arc::clone(&unattended);
    let history = History::from_events(&past);
    let finished_before = history.run_finished;
    // A kill between the run's end and the session's end leaves a finished
    // run without `session_ended`; reviewing it must still close the session.
    let ended_before = past.iter().any(|e| matches!(e.body, EventBody::SessionEnded));
    let resumed = !past.is_empty();
    let finished_outcome = past.iter().rev().find_map(|e| match &e.body {
        EventBody::RunFinished { status, deviated, .. } => {
            Some(Outcome { status: status.clone(), deviated: *deviated })
        }
        _ => None,
    });
    // Replayed by value: a resumed session can hold 100,000 events, and
    // copying each one would delay the first frame.
    for ev in past {
        app.apply(Update::Event(ev));
    }
    if resumed {
        app.finish_replay();
    }
    if !finished_before && resumed {
        app.phase = Phase::Readiness;
    }
    let guard = match tui::terminal::enter(dir.clone()) {
        Ok(g) => g,
        Err(e) => {
            line("ERROR", &format!("cannot take over the terminal: {e}"));
            return 1;
        }
    };
    // The first frame goes up before anything waits for the disk.
    let screen = match tui::event_loop::first_frame(&app) {
        Ok(s) => s,
        Err(e) => {
            drop(guard);
            line("ERROR", &format!("cannot draw the console: {e}"));
            return 1;
        }
    };
    if let Some(start) = start {
        let started = tokio::task::spawn_blocking(start)
            .await
            .unwrap_or_else(|e| Err(format!("the session could not be started: {e}")));
        if let Err(e) = started {
            drop(screen);
            drop(guard);
            line("ERROR", &e);
            return 1;
        }
    }
    // Subscribed after the start, as before the first frame moved up: the
    // screen shows what happens from here on.
    let updates = rec.subscribe();
    let handle = if finished_before {
        // Reviewing a finished run: nothing to execute, notes can still be added.
        let outcome = finished_outcome;
        tokio::spawn(async move { outcome.unwrap_or(Outcome { status: "completed".into(), deviated: false }) })
    } else {
        let engine = Engine::resume(
            prepared.experiment,
            prepared.configuration,
            prepared.secrets,
            loaded.opts,
            Arc::clone(&rec),
            Arc::new(approver),
            stop,
            history,
        );
        engine.set_prior_ticks(prior_ticks);
        let (dir, journal_path, rec) = (dir.clone(), journal_path.clone(), Arc::clone(&rec));
        tokio::spawn(async move {
            let outcome = engine.run().await;
            // The session is complete on disk as soon as the run ends, not
            // only once somebody quits (they are written again then).
            write_at_run_end(dir, journal_path, write_reports, &rec).await;
            outcome
        })
    };
    let result = tui::run_console(screen, app, handle, updates, asks, unattended).await;
    drop(guard);
    if !ended_before {
        rec.record_or_flag(EventBody::SessionEnded);
    }
    rec.sync_or_flag();
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            line("ERROR", &format!("the console failed: {e}"));
            None
        }
    };
    let written = write_journal(&dir, Some(&journal_path), write_reports);
    // A resumed session's skipped lines were told before the screen went up.
    super::run::tell_losses(&rec.health(), written.as_ref().ok(), resumed);
    let reports = match written {
        Ok(w) => w.reports,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    summary(&loaded.doc, &dir, &journal_path, reports, outcome.as_ref())
}

/// Write the journal and reports when the run ends, while the console is
/// still on screen: what went wrong goes into the log (or, if even that
/// cannot be written, into the recorder's health, shown by the banner).
async fn write_at_run_end(dir: PathBuf, journal_path: PathBuf, reports: bool, rec: &Recorder) {
    let written = tokio::task::spawn_blocking(move || write_journal(&dir, Some(&journal_path), reports))
        .await
        .unwrap_or_else(|e| Err(format!("the journal could not be written: {e}")));
    // Skipped lines are told at quit, when the screen is gone.
    let warnings = match written {
        Ok(w) => w.warnings,
        Err(e) => vec![e],
    };
    for message in warnings {
        rec.record_or_flag(EventBody::Warning { message });
    }
}

/// What the console prints once its screen is gone; the report's path only
/// when the report was written.
fn summary(doc: &Value, dir: &Path, journal: &Path, reports: bool, outcome: Option<&Outcome>) -> u8 {
    let title = doc.get("title").and_then(Value::as_str).unwrap_or("experiment");
    match outcome {
        Some(o) => {
            let shown = if o.deviated { "deviated".to_string() } else { o.status.clone() };
            let report = if reports {
                format!("\nReport:  {} (and report.html)", dir.join("report.md").display())
            } else {
                String::new()
            };
            let text = format!("{title}: {shown}\nSession: {}\nJournal: {}{report}", dir.display(), journal.display());
            let _ = writeln!(std::io::stderr(), "{}", crate::term_text::terminal_safe(&text));
            o.exit_code()
        }
        None => {
            let text = format!(
                "{title}: the run did not finish.\nSession: {}\nResume with: gameday resume {}",
                dir.display(),
                dir.display()
            );
            let _ = writeln!(std::io::stderr(), "{}", crate::term_text::terminal_safe(&text));
            1
        }
    }
}
