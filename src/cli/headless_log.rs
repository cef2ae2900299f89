//! Human-readable progress on stderr for headless runs, in the spirit of
//! `chaos run`'s log lines: `[2026-11-22 10:00:00 INFO] Action: name`.
use super::args::LogLevel;
use crate::session::event::{EventBody, Phase};
use crate::session::recorder::Update;
use chrono::Local;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedReceiver;

/// Where log lines go besides the terminal, and in which form (chaos's
/// `--log-format`, `--log-file`, `--log-file-level`). Set once at start-up.
pub struct LogSetup {
    pub json: bool,
    /// The log file and the lowest level written to it.
    pub file: Option<(std::sync::Mutex<std::fs::File>, LogLevel)>,
    /// chaos's per-run `context_id`, in JSON lines.
    pub context_id: String,
}

static SETUP: std::sync::OnceLock<LogSetup> = std::sync::OnceLock::new();

/// How much a headless run tells on the terminal (`--quiet`, `--verbose`).
/// The log file gets what its own level says, whatever this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Warnings and errors only.
    Quiet,
    /// Progress lines (INFO) too: chaos's default.
    Normal,
    /// DEBUG lines too: each activity's outcome, duration and value.
    Verbose,
}

static VERBOSITY: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(1);

/// Set what the terminal is told (`--quiet` wins over `--verbose`).
pub fn set_verbosity(quiet: bool, verbose: bool) {
    let v = if quiet {
        Verbosity::Quiet
    } else if verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    VERBOSITY.store(v as u8, std::sync::atomic::Ordering::Relaxed);
}

fn verbosity() -> Verbosity {
    match VERBOSITY.load(std::sync::atomic::Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        1 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

/// Whether a line of this level reaches the terminal.
fn shown(level: &str) -> bool {
    match level {
        "DEBUG" => verbosity() >= Verbosity::Verbose,
        "INFO" => verbosity() >= Verbosity::Normal,
        _ => true,
    }
}

/// Install the log set-up (the first call wins).
pub fn configure(setup: LogSetup) {
    let _ = SETUP.set(setup);
}

fn level_rank(level: &str) -> LogLevel {
    match level {
        "DEBUG" => LogLevel::Debug,
        "INFO" => LogLevel::Info,
        "WARNING" => LogLevel::Warning,
        _ => LogLevel::Error,
    }
}

/// One line as chaos's JSON console formatter writes it.
fn json_line(setup: &LogSetup, level: &str, msg: &str, now: &chrono::DateTime<Local>) -> String {
    serde_json::json!({
        "context_id": setup.context_id,
        "process": std::process::id(),
        "asctime": now.format("%Y-%m-%d %H:%M:%S,%3f").to_string(),
        "levelname": level,
        "module": "gameday",
        "lineno": 0,
        "message": msg,
        "timestamp": now.to_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, false),
    })
    .to_string()
}

/// Print one log line, terminal-safe (see [`crate::term_text`]), and copy it
/// to the log file when there is one (in chaos's file format,
/// `[time LEVEL] [module:line] message`). Write errors are ignored: after a
/// hangup stderr is a dead terminal, and `eprintln!` would panic on the way out.
pub fn line(level: &str, msg: &str) {
    use std::io::Write;
    let now = Local::now();
    let stamp = now.format("%Y-%m-%d %H:%M:%S");
    let safe = crate::term_text::terminal_safe(msg);
    let setup = SETUP.get();
    match setup.filter(|s| s.json) {
        _ if !shown(level) => {}
        Some(s) => {
            let _ = writeln!(std::io::stderr(), "{}", json_line(s, level, &safe, &now));
        }
        None => {
            let _ = writeln!(std::io::stderr(), "[{stamp} {level}] {safe}");
        }
    }
    if let Some((file, min)) = setup.and_then(|s| s.file.as_ref())
        && level_rank(level) >= *min
        && let Ok(mut f) = file.lock()
    {
        let _ = writeln!(f, "[{stamp} {level}] [gameday:0] {safe}");
    }
}

fn kind_word(activity: &Value) -> String {
    let t = activity.get("type").and_then(Value::as_str).unwrap_or("activity");
    let mut c = t.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().collect::<String>() + c.as_str())
}

/// Follow the recorder and log what happens until the channel closes.
pub async fn follow(mut rx: UnboundedReceiver<Update>) {
    while let Some(update) = rx.recv().await {
        let Update::Event(ev) = update else { continue };
        match ev.body {
            EventBody::PhaseChanged { phase } => match phase {
                Phase::Before => line("INFO", "Steady-state hypothesis (before the method)"),
                Phase::Method => line("INFO", "Playing the method"),
                Phase::After => line("INFO", "Steady-state hypothesis (after the method)"),
                Phase::Rollbacks => line("INFO", "Playing the rollbacks"),
                _ => {}
            },
            EventBody::ActivityStarted { activity, phase, .. } => {
                let name = activity.get("name").and_then(Value::as_str).unwrap_or("");
                let bg = if activity.get("background").and_then(Value::as_bool) == Some(true) {
                    " [in background]"
                } else {
                    ""
                };
                let during = if phase == Phase::During { " (continuous check)" } else { "" };
                line("INFO", &format!("{}: {name}{bg}{during}", kind_word(&activity)));
            }
            EventBody::ActivityFinished { status, exception, tolerance_met, duration, output, .. } => {
                if verbosity() >= Verbosity::Verbose {
                    let value = if output.is_null() {
                        String::new()
                    } else {
                        let v = crate::engine::safety::concise(&output).to_string();
                        format!(", value: {}", crate::report::text::truncate(&v, 300))
                    };
                    let shown = status.as_deref().unwrap_or("interrupted");
                    line("DEBUG", &format!("  => {shown} in {duration:.3} s{value}"));
                }
                if status.as_deref() == Some("failed") {
                    let msg = exception
                        .and_then(|x| x.last().cloned())
                        .unwrap_or_default()
                        .trim_end()
                        .trim_start_matches("chaoslib.exceptions.ActivityFailed: ")
                        .to_string();
                    line("ERROR", &format!("  => failed: {msg}"));
                } else if tolerance_met == Some(false) {
                    line("CRITICAL", "  => the probe's result is outside its tolerance");
                }
            }
            EventBody::HypothesisFinished { phase, met: Some(true) } if phase != Phase::During => {
                line("INFO", "Steady state hypothesis is met!");
            }
            EventBody::Warning { message } => line("WARNING", &message),
            // What a python activity printed reaches the terminal, as under
            // `chaos run` (where the activity prints to the process's own
            // streams); it is masked like every recorded text.
            EventBody::ActivityPrinted { stdout, stderr, .. } => {
                use std::io::Write;
                let _ = std::io::stdout().write_all(stdout.as_bytes());
                let _ = std::io::stderr().write_all(stderr.as_bytes());
            }
            EventBody::Stop { who, source, reason } => {
                let why = reason.map(|r| format!(": {r}")).unwrap_or_default();
                line("WARNING", &format!("Stopped by {who} ({source}){why}"));
            }
            EventBody::Decision { name, decision, reason, .. } => {
                let why = reason.map(|r| format!(" ({r})")).unwrap_or_default();
                line("INFO", &format!("Decision on '{name}': {decision:?}{why}"));
            }
            EventBody::RunFinished { status, deviated, .. } => {
                let shown = if deviated { "deviated".to_string() } else { status };
                line("INFO", &format!("Experiment ended with status: {shown}"));
                if deviated {
                    line("INFO", "The steady-state has deviated, a weakness may have been discovered");
                }
            }
            _ => {}
        }
    }
}
