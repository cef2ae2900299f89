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
        && let Err(c) =
            require_terminal("resuming in the console needs a terminal; use --headless to resume without one")
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
    // Read before our own heartbeat overwrites it: when the last writer was
    // last known alive.
    let last_beat = crate::session::heartbeat::last_beat(&session).map(chrono::DateTime::<chrono::Utc>::from);
    // Before anything is read or repaired: a live console may be writing.
    if let Err(e) = crate::session::lock::hold(&session, "resume") {
        line("ERROR", &e.explain(&session));
        return 1;
    }
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
    let Some((argv, cwd, recorded_hash)) = events.iter().find_map(|e| match &e.body {
        EventBody::SessionStarted { argv, cwd, source_sha256, .. } => {
            Some((argv.clone(), cwd.clone(), source_sha256.clone()))
        }
        _ => None,
    }) else {
        line("ERROR", "the event log has no session start; nothing to resume");
        return 1;
    };
    let run_args = match Cli::try_parse_from(&argv) {
        Ok(Cli { command: Some(Command::Run(a)), .. }) => a,
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
    let mut loaded = match load_source(&run_args, &session, args.headless, recorded_hash.as_deref()).await {
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
    let ended = events.iter().any(|e| matches!(e.body, EventBody::SessionEnded));
    if !finished {
        rec.record_or_flag(EventBody::Warning {
            message: format!("session resumed after {} recorded events", events.len()),
        });
    }
    if !ended {
        // The time nobody drove the session: from the last sign of life
        // (heartbeat, else the last event) to now.
        let last_alive = last_beat.or_else(|| events.last().map(|e| e.at));
        if let Some(from) = last_alive {
            let now = chrono::Utc::now();
            let secs = (now - from).num_milliseconds().max(0) as f64 / 1000.0;
            rec.record_or_flag(EventBody::Warning {
                message: format!(
                    "the console was silent for {secs:.0} s (from {} to {}): no safeguard ran and nothing was recorded in that time",
                    crate::timefmt::iso(&from),
                    crate::timefmt::iso(&now)
                ),
            });
        }
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

/// Load the experiment for a resume: the original while it says what it
/// said when the session started (same hash), otherwise the session's
/// frozen copy. The frozen copy keeps inline secrets masked: those are
/// dropped and named, so that no activity runs with the mask in their place
/// (secrets read from the environment are read again).
async fn load_source(
    args: &super::args::RunArgs,
    session: &Path,
    headless: bool,
    recorded_hash: Option<&str>,
) -> Result<Loaded, u8> {
    let mut a = args.clone();
    a.no_validation = true;
    if a.source.starts_with("http") || Path::new(&a.source).exists() {
        match load_for_run(&a, headless).await {
            Ok(l) if recorded_hash.is_none_or(|h| h == l.source_hash) => return Ok(l),
            Ok(_) => line(
                "WARNING",
                &format!("{} changed since the session started; resuming from the session's frozen copy", a.source),
            ),
            // Said already; the frozen copy would meet the same window.
            Err(code) if code == super::blackout::EXIT_BLACKOUT => return Err(code),
            Err(_) => {
                line("WARNING", &format!("{} cannot be loaded; resuming from the session's frozen copy", a.source))
            }
        }
    } else {
        line("WARNING", &format!("{} is gone; resuming from the session's frozen copy", a.source));
    }
    let Some(frozen) = [dir::EXPERIMENT, "experiment.yaml"].iter().map(|n| session.join(n)).find(|p| p.is_file())
    else {
        line("ERROR", &format!("the session has no frozen copy of the experiment ({} is missing)", dir::EXPERIMENT));
        return Err(1);
    };
    a.source = frozen.display().to_string();
    let mut loaded = load_for_run(&a, headless).await?;
    let lost = take_masked_secrets(&mut loaded.doc);
    if !lost.is_empty() {
        let names: Vec<String> = lost.iter().map(|(scope, key)| format!("{scope}.{key}")).collect();
        line(
            "WARNING",
            &format!(
                "the frozen copy does not hold the inline secret(s) {}; steps that need them will fail without running",
                names.join(", ")
            ),
        );
    }
    loaded.opts.lost_secrets = lost;
    Ok(loaded)
}

/// Remove the inline secrets the frozen copy holds only as the mask, and
/// say which (scope, key) they were.
fn take_masked_secrets(doc: &mut serde_json::Value) -> Vec<(String, String)> {
    let mut lost = Vec::new();
    let Some(scopes) = doc.get_mut("secrets").and_then(serde_json::Value::as_object_mut) else { return lost };
    for (scope, keys) in scopes.iter_mut() {
        let Some(keys) = keys.as_object_mut() else { continue };
        let masked: Vec<String> = keys
            .iter()
            .filter(|(_, v)| v.as_str() == Some(crate::session::recorder::MASK))
            .map(|(k, _)| k.clone())
            .collect();
        for key in masked {
            keys.remove(&key);
            lost.push((scope.clone(), key));
        }
    }
    lost
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
    super::run::stop_on_signals(&stop, &session);
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
