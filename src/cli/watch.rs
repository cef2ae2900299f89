//! `gameday watch [SESSION]`: follow a session another process is running,
//! read-only — full screen, or one line per event with `--follow-lines`.
use super::args::{Cli, Command};
use super::headless_log::line;
use crate::engine::HypothesisStrategy;
use crate::session::catalog;
use crate::session::dir::{EVENTS, sessions_root};
use crate::session::event::{Event, EventBody};
use crate::tui::watch::ParticipantFilter;
use crate::tui::watch::lines::LineFormatter;
use crate::tui::watch::screen::{self, Watch, WatchOptions};
use crate::tui::watch::tail::Tail;
use clap::{Args, Parser};
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `gameday watch`.
#[derive(Debug, Args, Clone)]
pub struct WatchArgs {
    /// Session directory or name (the newest unfinished one by default).
    pub session: Option<String>,
    /// Let this viewer send STOP requests to the console.
    #[arg(long)]
    pub allow_stop: bool,
    /// Participant view: hide the method of a dungeons-and-dragons Game Day.
    #[arg(long)]
    pub participant: bool,
    /// Name recorded with STOP requests (default: $USER).
    #[arg(long = "as", value_name = "NAME")]
    pub as_name: Option<String>,
    /// Print one line per event instead of the full-screen view, until the
    /// session ends (for people: control characters shown as escapes).
    #[arg(long, conflicts_with = "follow_json")]
    pub follow_lines: bool,
    /// Print each event as one JSON object per line (JSON Lines, as in the
    /// session's events.jsonl) until the session ends: for scripts.
    #[arg(long)]
    pub follow_json: bool,
    /// With --follow-lines: JSON Lines instead of text (the same as --follow-json).
    #[arg(long)]
    pub json: bool,
}

/// How long to wait for a new session's first event.
const FIRST_EVENT: Duration = Duration::from_secs(5);

/// Run the subcommand; returns the exit code.
pub async fn watch(args: WatchArgs) -> u8 {
    let dir = match resolve(args.session.as_deref()) {
        Ok(d) => d,
        Err(e) => {
            line("ERROR", &e);
            return 2;
        }
    };
    if args.follow_lines || args.follow_json || args.json {
        let format = if args.follow_json || args.json { LineFormat::Json } else { LineFormat::Human };
        return follow_lines(&dir, args.participant, format).await;
    }
    full_screen(&dir, &args).await
}

/// A session directory, a name under the sessions root, or (with none)
/// the newest session whose console has not closed it.
fn resolve(arg: Option<&str>) -> Result<PathBuf, String> {
    let root = sessions_root();
    match arg {
        Some(s) => {
            let direct = PathBuf::from(s);
            if direct.join(EVENTS).is_file() {
                return Ok(direct);
            }
            let named = root.join(s);
            if named.join(EVENTS).is_file() {
                return Ok(named);
            }
            Err(format!("no session at {s} (nor in {}); `gameday sessions` lists the sessions", root.display()))
        }
        None => catalog::sessions(&root, 200).into_iter().find(|s| !s.finished).map(|s| s.dir).ok_or_else(|| {
            format!("no unfinished session in {}; name one (`gameday sessions` lists them)", root.display())
        }),
    }
}

/// The filter the flags ask for: participants get the style-dependent one.
fn make_filter(participant: bool) -> ParticipantFilter {
    if participant { ParticipantFilter::from_style() } else { ParticipantFilter::new(false) }
}

/// How `--follow-lines` and `--follow-json` print an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineFormat {
    Human,
    Json,
}

/// One event as printed: either way nothing in it can act on the terminal.
fn event_line(fmt: &mut LineFormatter, format: LineFormat, ev: &Event) -> String {
    match format {
        LineFormat::Human => crate::term_text::terminal_safe(&fmt.line(ev)).into_owned(),
        LineFormat::Json => {
            let json = serde_json::to_string(ev).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
            crate::term_text::json_terminal_safe(&json).into_owned()
        }
    }
}

/// `--follow-lines` / `--follow-json`: every event so far, then each new one as it is saved,
/// until `session_ended` is the newest event (a resumed session goes on
/// after an earlier one) or the process is interrupted.
async fn follow_lines(dir: &Path, participant: bool, format: LineFormat) -> u8 {
    let mut tail = Tail::new(&dir.join(EVENTS));
    let mut filter = make_filter(participant);
    let mut fmt = LineFormatter::new();
    let mut told_style = false;
    let mut out = std::io::stdout().lock();
    let mut silent = false;
    loop {
        let polled = match tail.poll() {
            Ok(p) => p,
            Err(e) => {
                line("ERROR", &format!("cannot read {}: {e}", tail.path().display()));
                return 1;
            }
        };
        let ended = polled.last().is_some_and(|e| e.body == EventBody::SessionEnded);
        for ev in polled {
            let Some(ev) = filter.filter(ev) else { continue };
            if participant && !told_style && matches!(ev.body, EventBody::SessionStarted { .. }) {
                told_style = true;
                let _ = writeln!(std::io::stderr(), "{}", participant_note(&filter));
            }
            if writeln!(out, "{}", event_line(&mut fmt, format, &ev)).is_err() {
                // The reader went away (`| head`): nothing more to do.
                return 0;
            }
        }
        if out.flush().is_err() {
            return 0;
        }
        for warning in tail.take_skipped() {
            line("WARNING", &warning);
        }
        if ended {
            return 0;
        }
        // Say once when the console falls silent and once when it is back;
        // keep following, as a resume carries the same session on.
        let now_silent = crate::session::heartbeat::silence(dir);
        match (silent, now_silent) {
            (false, Some(age)) => line("WARNING", &crate::session::heartbeat::silent_text(age)),
            (true, None) => line("INFO", "console back: it is beating again"),
            _ => {}
        }
        silent = now_silent.is_some();
        tokio::time::sleep(screen::POLL).await;
    }
}

fn participant_note(filter: &ParticipantFilter) -> String {
    if filter.hides() {
        "participant view: the method, rollbacks and halt actions are hidden".to_string()
    } else {
        let style = filter.style().unwrap_or("none");
        format!("participant view: nothing is hidden (style {style}, not dungeons-and-dragons)")
    }
}

/// The steady-state steps the run shows: from the command line that started
/// the session, else the experiment's `runtime`, else Chaos Toolkit's default.
fn hypothesis_steps(argv: &[String], experiment: &Value) -> (bool, bool) {
    let from_argv = match Cli::try_parse_from(argv).map(|c| c.command) {
        Ok(Some(Command::Run(a))) => a.hypothesis_strategy,
        _ => None,
    };
    let from_runtime = || {
        experiment
            .get("runtime")
            .and_then(|r| r.get("hypothesis"))
            .and_then(|h| h.get("strategy"))
            .and_then(Value::as_str)
            .and_then(HypothesisStrategy::parse)
    };
    let s = from_argv.or_else(from_runtime).unwrap_or(HypothesisStrategy::Default);
    (s.before(), s.after())
}

/// Read the log until its `session_started` event (bounded wait).
async fn first_events(tail: &mut Tail) -> Result<Vec<Event>, String> {
    let deadline = Instant::now() + FIRST_EVENT;
    let mut seen = Vec::new();
    loop {
        let polled = tail.poll().map_err(|e| format!("cannot read {}: {e}", tail.path().display()))?;
        seen.extend(polled);
        if seen.iter().any(|e| matches!(e.body, EventBody::SessionStarted { .. })) {
            return Ok(seen);
        }
        if Instant::now() >= deadline {
            return Err(format!("{} holds no session_started event: not a session", tail.path().display()));
        }
        tokio::time::sleep(screen::POLL).await;
    }
}

async fn full_screen(dir: &Path, args: &WatchArgs) -> u8 {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        line("ERROR", "the watch view needs a terminal; use --follow-lines to print events instead");
        return 2;
    }
    let keymap = match crate::tui::config::load().and_then(|c| c.keymap()) {
        Ok(k) => k,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    let who = args
        .as_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "observer".into());
    let mut tail = Tail::new(&dir.join(EVENTS));
    let mut filter = make_filter(args.participant);
    let first = match first_events(&mut tail).await {
        Ok(f) => f,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    let mut filtered: Vec<Event> = first.into_iter().filter_map(|e| filter.filter(e)).collect();
    let Some((experiment, argv)) = filtered.iter().find_map(|e| match &e.body {
        EventBody::SessionStarted { experiment, argv, .. } => Some((experiment.clone(), argv.clone())),
        _ => None,
    }) else {
        line("ERROR", "the session's first event went missing");
        return 1;
    };
    let (before, after) = hypothesis_steps(&argv, &experiment);
    let opts = WatchOptions {
        session_dir: dir.to_path_buf(),
        allow_stop: args.allow_stop,
        participant: args.participant,
        who,
        keymap,
        before,
        after,
    };
    let mut view = match Watch::new(opts, &experiment, &filter) {
        Ok(w) => w,
        Err(e) => {
            line("ERROR", &format!("cannot set up the view: {e}"));
            return 1;
        }
    };
    for ev in filtered.drain(..) {
        view.apply(ev);
    }
    view.settle();
    let guard = match crate::tui::terminal::enter(dir.to_path_buf()) {
        Ok(g) => g,
        Err(e) => {
            line("ERROR", &format!("cannot take over the terminal: {e}"));
            return 1;
        }
    };
    let result = screen::run(view, tail, filter).await;
    drop(guard);
    match result {
        Ok(()) => 0,
        Err(e) => {
            line("ERROR", &format!("the watch view failed: {e}"));
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategy_comes_from_the_command_line_first() {
        let argv: Vec<String> =
            ["gameday", "run", "x.json", "--hypothesis-strategy", "before-method-only"].map(String::from).into();
        assert_eq!(hypothesis_steps(&argv, &json!({})), (true, false));
        let rt = json!({"runtime": {"hypothesis": {"strategy": "after-method-only"}}});
        assert_eq!(hypothesis_steps(&["gameday".to_string()], &rt), (false, true));
        assert_eq!(hypothesis_steps(&[], &json!({})), (true, true));
    }
}
