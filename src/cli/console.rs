//! `gameday run FILE` without `--headless`: the console.
use super::args::RunArgs;
use super::headless_log::line;
use super::run::{load_for_run, open_session, write_journal};
use crate::engine::{Engine, RollbackStrategy, StopHandle, prepare};
use crate::session::Durability;
use crate::session::event::EventBody;
use crate::tui::{self, App, approver::ConsoleApprover, theme::Theme};
use serde_json::Value;
use std::io::IsTerminal;
use std::sync::Arc;

/// Run the console; returns the exit code (as `chaos run` would).
pub async fn run(args: RunArgs) -> u8 {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        line(
            "ERROR",
            "the console needs a terminal; use --headless to run without one",
        );
        return 2;
    }
    let config = match tui::config::load() {
        Ok(c) => c,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    let keymap = match config.keymap() {
        Ok(k) => k,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    let mut args = args;
    if args.python.is_none() {
        args.python = config.python.clone();
    }
    let mut loaded = match load_for_run(&args, false).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    // In the console, rollbacks are offered after a STOP unless told otherwise.
    let runtime_says = loaded
        .doc
        .get("runtime")
        .and_then(|r| r.get("rollbacks"))
        .and_then(|r| r.get("strategy"))
        .is_some();
    if args.rollback_strategy.is_none() && !runtime_says {
        loaded.opts.rollback_strategy = RollbackStrategy::Always;
    }
    let author = config
        .facilitator
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "facilitator".into());
    loaded.opts.operator = author.clone();
    let prepared = match prepare(loaded.doc.clone(), &loaded.vars, &loaded.opts).await {
        Ok(p) => p,
        Err(e) => {
            line("ERROR", &e.to_string());
            return 1;
        }
    };
    let (dir, rec) = match open_session(
        args.session_dir.as_deref(),
        &prepared,
        &loaded.raw,
        &loaded.origin,
        "console",
        Durability::EveryEvent,
    ) {
        Ok(x) => x,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    for w in &prepared.warnings {
        let _ = rec.record(EventBody::Warning { message: w.clone() });
    }
    let strategy = loaded.opts.hypothesis_strategy;
    let (approver, asks) = ConsoleApprover::new();
    let unattended = Arc::clone(&approver.unattended);
    let updates = rec.subscribe();
    let stop = StopHandle::new();
    let app = App::new(
        &prepared.experiment,
        strategy.before(),
        strategy.after(),
        keymap,
        Theme::from_env(),
        author,
        dir.clone(),
        Arc::clone(&rec),
        stop.clone(),
    );
    let engine = Engine::new(
        prepared.experiment,
        prepared.configuration,
        prepared.secrets,
        loaded.opts,
        Arc::clone(&rec),
        Arc::new(approver),
        stop,
    );
    let guard = match tui::terminal::enter(dir.clone()) {
        Ok(g) => g,
        Err(e) => {
            line("ERROR", &format!("cannot take over the terminal: {e}"));
            return 1;
        }
    };
    let handle = tokio::spawn(async move { engine.run().await });
    let result = tui::run_console(app, handle, updates, asks, unattended).await;
    drop(guard);
    let _ = rec.record(EventBody::SessionEnded);
    let _ = rec.sync();
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            line("ERROR", &format!("the console failed: {e}"));
            None
        }
    };
    if let Err(e) = write_journal(&dir, Some(&args.journal_path)) {
        line("ERROR", &e);
        return 1;
    }
    let title = rec_title(&loaded.doc);
    match &outcome {
        Some(o) => {
            let shown = if o.deviated {
                "deviated".to_string()
            } else {
                o.status.clone()
            };
            eprintln!(
                "{title}: {shown}\nSession: {}\nJournal: {}",
                dir.display(),
                args.journal_path.display()
            );
            o.exit_code()
        }
        None => {
            eprintln!(
                "{title}: the run did not finish.\nSession: {}\nResume with: gameday resume {}",
                dir.display(),
                dir.display()
            );
            1
        }
    }
}

fn rec_title(doc: &Value) -> String {
    doc.get("title")
        .and_then(Value::as_str)
        .unwrap_or("experiment")
        .to_string()
}
