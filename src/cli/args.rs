//! The command-line grammar.
use crate::engine::{Dry, Gate, HypothesisStrategy, RollbackStrategy};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// A terminal console for chaos-engineering Game Days.
#[derive(Debug, Parser)]
#[command(
    name = "gameday",
    version = crate::cli::args::VERSION,
    about,
    after_help = "Examples, environment variables, exit codes and key actions: gameday --help",
    after_long_help = crate::cli::help::top_after_long_help()
)]
pub struct Cli {
    #[command(flatten)]
    pub top: TopLevel,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Chaos Toolkit's top-level flags, with chaos's meaning; they go before the
/// subcommand, as with `chaos`.
#[derive(Debug, Args, Clone, Default)]
pub struct TopLevel {
    /// Headless runs: DEBUG lines too (each activity's outcome, duration and value).
    #[arg(long)]
    pub verbose: bool,
    /// Headless runs: warnings and errors only on the terminal.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Accepted for chaos compatibility: gameday never checks for newer versions.
    #[arg(long)]
    pub no_version_check: bool,
    /// Change to this directory before anything else (the log file stays
    /// relative to where gameday was started, as with chaos).
    #[arg(long, value_name = "DIR")]
    pub change_dir: Option<PathBuf>,
    /// Write no log file (the default for gameday's own commands; the `chaos`
    /// drop-in writes chaostoolkit.log unless told this).
    #[arg(long)]
    pub no_log_file: bool,
    /// Also write the headless log lines to this file.
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// Lowest level written to the log file.
    #[arg(long, value_enum, default_value = "debug")]
    pub log_file_level: LogLevel,
    /// Format of the headless log lines on the terminal.
    #[arg(long, value_enum, default_value = "string")]
    pub log_format: LogFormat,
    /// Chaos Toolkit settings file, for its global controls and runtime strategies.
    #[arg(long, value_name = "PATH")]
    pub settings: Option<PathBuf>,
}

/// `--log-file-level`, as chaos spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, clap::ValueEnum)]
pub enum LogLevel {
    #[default]
    Debug,
    Info,
    Warning,
    Error,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    String,
    Json,
}

/// The drop-in for Chaos Toolkit's `chaos` command: `gameday chaos …`, or
/// the gameday binary called through a link named `chaos`.
#[derive(Debug, Parser, Clone)]
#[command(name = "chaos", version = crate::cli::args::VERSION)]
pub struct ChaosCli {
    #[command(flatten)]
    pub top: TopLevel,
    #[command(subcommand)]
    pub command: ChaosCommand,
}

/// `chaos`'s commands.
#[derive(Debug, Subcommand, Clone)]
pub enum ChaosCommand {
    /// Run an experiment headless (gameday's `run --headless`).
    Run(RunArgs),
    /// Validate an experiment.
    Validate(ValidateArgs),
    /// Display information about gameday and the Chaos Toolkit extensions installed.
    Info(InfoArgs),
    /// Not supported by the drop-in (use `gameday init`).
    #[command(disable_help_flag = true)]
    Init(Rest),
    /// Not supported by the drop-in.
    #[command(disable_help_flag = true)]
    Discover(Rest),
    /// Not supported by the drop-in (use `gameday report`).
    #[command(disable_help_flag = true)]
    Report(Rest),
    /// Not supported by the drop-in (edit the settings file).
    #[command(disable_help_flag = true)]
    Settings(Rest),
}

/// Whatever follows an unsupported command.
#[derive(Debug, Args, Clone)]
pub struct Rest {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}

/// `chaos info TARGET`.
#[derive(Debug, Args, Clone)]
pub struct InfoArgs {
    #[arg(value_enum)]
    pub target: InfoTarget,
    /// Python interpreter whose Chaos Toolkit extensions are listed.
    #[arg(long, env = "GAMEDAY_PYTHON")]
    pub python: Option<String>,
}

/// What `chaos info` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InfoTarget {
    Core,
    Settings,
    Extensions,
}

/// Version with the git commit it was built from.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("GAMEDAY_GIT_COMMIT"), ")");

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an experiment or playbook (in the console, or headless like `chaos run`).
    Run(RunArgs),
    /// Check experiments and playbooks without running them.
    Validate(ValidateArgs),
    /// Continue a session from its event log (the newest unfinished one by default).
    Resume(ResumeArgs),
    /// Start the built-in demo service and open the demo Game Day against it.
    Demo(DemoArgs),
    /// List sessions, newest first, with their verdicts.
    Sessions(crate::cli::sessions::SessionsArgs),
    /// Write a report of sessions or Chaos Toolkit journals (Markdown, HTML, JSON).
    Report(crate::cli::report::ReportArgs),
    /// Create a playbook from a template.
    Init(crate::cli::init::InitArgs),
    /// Write the automated part of a playbook as a Chaos Toolkit experiment.
    Export(crate::cli::export::ExportArgs),
    /// Show a playbook's plan: the seven planning steps, what is done and missing.
    Plan(PlanArgs),
    /// Browse a hypothesis backlog and its likelihood × impact map.
    Backlog(BacklogArgs),
    /// Follow a running session live, read-only (for observers, e.g. over SSH).
    Watch(crate::cli::watch::WatchArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(crate::cli::completions::CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a folder.
    Man(crate::cli::completions::ManArgs),
    /// Chaos Toolkit's `chaos` command line (`run`, `validate`, `info`), for
    /// scripts written for it; a link named `chaos` to gameday does the same.
    Chaos(ChaosCli),
}

/// `gameday plan`.
#[derive(Debug, Args, Clone)]
pub struct PlanArgs {
    /// The playbook.
    pub file: PathBuf,
}

/// `gameday backlog`.
#[derive(Debug, Args, Clone)]
pub struct BacklogArgs {
    /// The backlog file (YAML).
    pub file: PathBuf,
}

/// `gameday demo`.
#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Port for the demo service on 127.0.0.1 (a free one by default).
    #[arg(long)]
    pub port: Option<u16>,
    /// Only run the demo service, for other tools to probe.
    #[arg(long)]
    pub serve_only: bool,
    /// Run the demo Game Day without the console (manual steps are skipped).
    #[arg(long)]
    pub headless: bool,
}

/// `gameday resume`.
#[derive(Debug, Args, Clone)]
pub struct ResumeArgs {
    /// Session directory (or its name under the sessions folder).
    pub session: Option<String>,
    /// Continue without the console, approving everything (like --headless).
    #[arg(long)]
    pub headless: bool,
}

/// `gameday run`.
#[derive(Debug, Args, Clone)]
#[command(after_long_help = crate::cli::help::run_after_long_help())]
pub struct RunArgs {
    /// Experiment or playbook: a .json/.yaml/.yml file or an http(s) URL.
    pub source: String,
    /// Run without the console, exactly like `chaos run`.
    #[arg(long)]
    pub headless: bool,
    /// Approve every step without asking (implied by --headless).
    #[arg(long)]
    pub yes: bool,
    /// Where to write the Chaos Toolkit journal.
    #[arg(long, default_value = "./journal.json")]
    pub journal_path: PathBuf,
    /// Do not execute these activities (or pauses).
    #[arg(long, value_enum)]
    pub dry: Option<Dry>,
    /// Skip validation of the experiment.
    #[arg(long)]
    pub no_validation: bool,
    /// Do not check TLS certificates when loading the experiment from an https URL.
    #[arg(long)]
    pub no_verify_tls: bool,
    /// When to play rollbacks.
    #[arg(long, value_enum)]
    pub rollback_strategy: Option<RollbackStrategy>,
    /// When to check the steady-state hypothesis.
    #[arg(long, value_enum)]
    pub hypothesis_strategy: Option<HypothesisStrategy>,
    /// Seconds between checks of a continuous hypothesis (0 to 604800, a week).
    #[arg(long, default_value_t = 1.0, value_parser = frequency_seconds)]
    pub hypothesis_frequency: f64,
    /// Stop as soon as a continuous hypothesis check fails.
    #[arg(long)]
    pub fail_fast: bool,
    /// Configuration override: `name=value` or `name:type=value`.
    #[arg(long = "var", value_name = "NAME[:TYPE]=VALUE", value_parser = checked_var)]
    pub vars: Vec<String>,
    /// JSON/YAML file of configuration and secrets, or a .env file.
    #[arg(long = "var-file", value_name = "FILE", value_parser = existing_file)]
    pub var_files: Vec<String>,
    /// JSON/YAML file of global controls (`{name: {provider: …}}`), as `chaos run --control-file`.
    #[arg(long = "control-file", value_name = "FILE")]
    pub control_files: Vec<String>,
    /// Which steps wait for a decision in the console.
    #[arg(long, value_enum)]
    pub gate: Option<Gate>,
    /// Python interpreter for python providers.
    #[arg(long, env = "GAMEDAY_PYTHON")]
    pub python: Option<String>,
    /// Put the session directory under this folder.
    #[arg(long)]
    pub session_dir: Option<PathBuf>,
    /// Do not write report.md and report.html when the run ends (the journal
    /// is written as always; `gameday report SESSION` makes them later).
    #[arg(long)]
    pub no_report: bool,
    /// Write JUnit XML here when the run ends: one test case per activity and
    /// per steady-state probe, the run's verdict as the suite's.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Headless: warnings and errors only on the terminal.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Headless: DEBUG lines too (each activity's outcome, duration and value).
    #[arg(long)]
    pub verbose: bool,
}

/// `gameday validate`.
#[derive(Debug, Args, Clone)]
pub struct ValidateArgs {
    /// Files or URLs to check.
    #[arg(required = true)]
    pub sources: Vec<String>,
    /// Configuration override: `name=value` or `name:type=value`.
    #[arg(long = "var", value_name = "NAME[:TYPE]=VALUE", value_parser = checked_var)]
    pub vars: Vec<String>,
    /// JSON/YAML file of configuration and secrets, or a .env file.
    #[arg(long = "var-file", value_name = "FILE", value_parser = existing_file)]
    pub var_files: Vec<String>,
    /// Python interpreter used to check python providers.
    #[arg(long, env = "GAMEDAY_PYTHON")]
    pub python: Option<String>,
    /// Do not check TLS certificates when loading from an https URL.
    #[arg(long)]
    pub no_verify_tls: bool,
    /// Print a JSON array on stdout, one object per file (path, kind, valid,
    /// errors with line and column, warnings), instead of log lines.
    #[arg(long)]
    pub json: bool,
}

/// A `--var` that parses, or a usage error (exit 2), as with `chaos run`.
fn checked_var(spec: &str) -> Result<String, String> {
    crate::engine::config::parse_var(spec).map(|_| spec.to_string()).map_err(|e| e.to_string())
}

/// A `--var-file` that exists, or a usage error (exit 2), as with `chaos run`.
fn existing_file(path: &str) -> Result<String, String> {
    if std::path::Path::new(path).exists() {
        Ok(path.to_string())
    } else {
        Err(format!("path '{path}' does not exist"))
    }
}

/// `--hypothesis-frequency`: a number of seconds from 0 to a week, so the
/// run never has to turn an absurd one into a wait.
fn frequency_seconds(text: &str) -> Result<f64, String> {
    let secs: f64 = text.trim().parse().map_err(|_| format!("'{text}' is not a number of seconds"))?;
    crate::model::duration::within_limit(secs, &format!("'{text}'"))?;
    Ok(secs)
}
