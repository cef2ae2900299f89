//! The drop-in for Chaos Toolkit's `chaos` command: its top-level flags, and
//! `run`, `validate` and `info` mapped onto gameday (see the README's
//! compatibility section for what differs).
use super::args::{ChaosCommand, InfoArgs, InfoTarget, TopLevel};
use super::headless_log::{LogSetup, configure, line};
use std::path::{Path, PathBuf};

/// The file name chaos writes its log to by default.
const CHAOS_LOG_FILE: &str = "chaostoolkit.log";

/// True when gameday was started through a link (or copy) named `chaos`.
pub fn invoked_as_chaos(argv0: Option<&std::ffi::OsStr>) -> bool {
    argv0.and_then(|a| Path::new(a).file_name()).is_some_and(|n| n == "chaos")
}

static SETTINGS_PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// The settings file of this invocation (`--settings`, or chaos's default).
pub fn settings_path() -> PathBuf {
    SETTINGS_PATH.get().cloned().unwrap_or_else(crate::engine::controls::globals::default_settings_path)
}

/// Which log file the flags ask for: under the `chaos` drop-in
/// `chaostoolkit.log` unless `--no-log-file`; for gameday's own commands
/// only an explicit `--log-file`.
fn log_file(top: &TopLevel, as_chaos: bool) -> Option<PathBuf> {
    if top.no_log_file {
        return None;
    }
    match &top.log_file {
        Some(p) => Some(p.clone()),
        None if as_chaos => Some(PathBuf::from(CHAOS_LOG_FILE)),
        None => None,
    }
}

/// Apply the top-level flags before any command runs: the log set-up (the
/// file opened where gameday started, as chaos opens it before changing
/// directory), the settings path, then `--change-dir`. `Err(exit code)`
/// when one cannot be applied (already reported).
pub fn apply_top_level(top: &TopLevel, as_chaos: bool) -> Result<(), u8> {
    let file = match log_file(top, as_chaos) {
        None => None,
        Some(path) => match std::fs::OpenOptions::new().create(true).append(true).open(&path) {
            Ok(f) => Some((std::sync::Mutex::new(f), top.log_file_level)),
            Err(e) => {
                eprintln!("{}: cannot open the log file {}: {e}", program(as_chaos), path.display());
                return Err(1);
            }
        },
    };
    configure(LogSetup {
        json: top.log_format == super::args::LogFormat::Json,
        file,
        context_id: uuid::Uuid::new_v4().to_string(),
    });
    let settings = top.settings.clone().unwrap_or_else(crate::engine::controls::globals::default_settings_path);
    // Absolute now, so `--change-dir` does not move it (chaos formats the path first too).
    let settings = std::path::absolute(&settings).unwrap_or(settings);
    let _ = SETTINGS_PATH.set(settings);
    if let Some(dir) = &top.change_dir {
        line("WARNING", &format!("Moving to {}", dir.display()));
        if let Err(e) = std::env::set_current_dir(dir) {
            line("ERROR", &format!("cannot change to directory {}: {e}", dir.display()));
            return Err(1);
        }
    }
    Ok(())
}

fn program(as_chaos: bool) -> &'static str {
    if as_chaos { "chaos" } else { "gameday" }
}

/// Run one of chaos's commands.
pub async fn dispatch(command: ChaosCommand) -> u8 {
    match command {
        ChaosCommand::Run(mut a) => {
            // `chaos run` is always unattended.
            a.headless = true;
            super::run::run(a).await
        }
        ChaosCommand::Validate(a) => super::validate::validate(a).await,
        ChaosCommand::Info(a) => info(&a).await,
        ChaosCommand::Init(_) => unsupported("init", "write the experiment by hand, or `gameday init` for a playbook"),
        ChaosCommand::Discover(_) => unsupported("discover", "use `chaos discover` from Chaos Toolkit itself"),
        ChaosCommand::Report(_) => unsupported("report", "use `gameday report JOURNAL.json`"),
        ChaosCommand::Settings(_) => unsupported("settings", "edit the settings file; `chaos info settings` prints it"),
    }
}

/// A command the drop-in does not provide: a usage error (exit 2).
fn unsupported(command: &str, instead: &str) -> u8 {
    eprintln!("Error: `chaos {command}` is not supported by gameday's chaos drop-in; {instead}.");
    2
}

/// `chaos info`: `core` names gameday as both CLI and core library,
/// `extensions` lists the Python `chaostoolkit-*` distributions the run's
/// interpreter has (chaoslib's rule), `settings` prints the settings file.
async fn info(args: &InfoArgs) -> u8 {
    match args.target {
        InfoTarget::Core => {
            println!("{:<20}{:<10}", "NAME", "VERSION");
            println!("{:<20}{:<10}", "CLI", format!("gameday {}", super::args::VERSION));
            println!("{:<20}{:<10}", "Core library", format!("gameday {}", env!("CARGO_PKG_VERSION")));
            0
        }
        InfoTarget::Settings => {
            let path = settings_path();
            match std::fs::read_to_string(&path) {
                Ok(text) => println!("{text}"),
                Err(_) => println!("No settings file found at {}", path.display()),
            }
            0
        }
        InfoTarget::Extensions => {
            let python = args.python.clone().unwrap_or_else(|| "python3".into());
            match python_extensions(&python).await {
                Ok(rows) => {
                    println!("{:<40}{:<10}{:30}{:50}", "NAME", "VERSION", "LICENSE", "DESCRIPTION");
                    for r in rows {
                        println!("{r}");
                    }
                    0
                }
                Err(e) => {
                    eprintln!("Error: cannot list the Python extensions with '{python}': {e}");
                    1
                }
            }
        }
    }
}

/// chaoslib's `list_extensions` and `chaos info extensions` formatting, run
/// in the interpreter gameday's python providers use.
const LIST_EXTENSIONS: &str = r#"
import importlib.metadata as md
seen = []
for d in md.distributions():
    m = d.metadata
    name = m["Name"] or ""
    if name == "chaostoolkit-lib" or name in seen or not name.startswith("chaostoolkit-"):
        continue
    seen.append(name)
    summary = (m["Summary"] or "").replace("Chaos Toolkit Extension for ", "")[:50]
    print("{:<40}{:<10}{:30}{:50}".format(name, m["Version"] or "", m["License"] or "", summary))
"#;

async fn python_extensions(python: &str) -> Result<Vec<String>, String> {
    let out = tokio::process::Command::new(python)
        .args(["-c", LIST_EXTENSIONS])
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect())
}
