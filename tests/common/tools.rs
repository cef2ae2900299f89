//! Running `chaos run` (the oracle) and `gameday run --headless` the same way.
//!
//! Both tools get the same experiment, flags, environment and a fresh working
//! directory; each run is bounded by a timeout after which its whole process
//! group is killed, so a hung tool fails the test instead of hanging it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where the Chaos Toolkit virtualenv lives by default.
pub const DEFAULT_CTK_VENV: &str = "/root/.cache/gameday-ctk-venv";

/// Which implementation to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Chaos,
    Gameday,
}

impl Tool {
    pub fn label(self) -> &'static str {
        match self {
            Tool::Chaos => "chaos",
            Tool::Gameday => "gameday",
        }
    }
}

/// The Chaos Toolkit virtualenv (`GAMEDAY_CTK_VENV`, or the default path).
pub fn ctk_venv() -> PathBuf {
    std::env::var_os("GAMEDAY_CTK_VENV").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(DEFAULT_CTK_VENV))
}

/// The `chaos` executable; panics with a clear message when it is missing,
/// because a compatibility test without its oracle must not pass silently.
pub fn chaos_bin() -> PathBuf {
    let bin = ctk_venv().join("bin").join("chaos");
    assert!(
        bin.is_file(),
        "the Chaos Toolkit oracle is missing: {} does not exist.\n\
         Create the venv (python3.11 -m venv $GAMEDAY_CTK_VENV && \
         $GAMEDAY_CTK_VENV/bin/pip install chaostoolkit==1.19.0 chaostoolkit-lib[jsonpath]==1.44.0) \
         or point GAMEDAY_CTK_VENV at one.",
        bin.display()
    );
    bin
}

/// The `gameday` binary built by cargo for integration tests
/// (`GAMEDAY_DIFF_GAMEDAY_BIN` may point at another build, for debugging).
pub fn gameday_bin() -> PathBuf {
    std::env::var_os("GAMEDAY_DIFF_GAMEDAY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_gameday")))
}

/// Everything needed to run one tool once.
pub struct RunSpec<'a> {
    pub experiment: &'a Path,
    /// Extra `run` flags (strategies, `--var`, `--dry`…), identical for both tools.
    pub args: &'a [String],
    pub env: &'a [(String, String)],
    /// Working directory (fresh per run); the journal is written here too.
    pub cwd: &'a Path,
    /// Signal number and delay; the delay counts from spawning, or from the
    /// moment `signal_gate` first returns true when there is one (tool start-up
    /// time varies too much under load for a fixed delay).
    pub signal: Option<(i32, Duration)>,
    pub signal_gate: Option<&'a dyn Fn() -> bool>,
    pub timeout: Duration,
}

/// What a run produced.
pub struct RunOutcome {
    pub command_line: String,
    /// `None` when killed by a signal or timed out.
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
    /// The parsed journal, when one was written and is valid JSON.
    pub journal: Option<serde_json::Value>,
    /// Why `journal` is `None`.
    pub journal_error: Option<String>,
}

impl RunOutcome {
    /// The last `lines` lines of stderr, for failure messages.
    pub fn stderr_tail(&self, lines: usize) -> String {
        let all: Vec<&str> = self.stderr.lines().collect();
        let start = all.len().saturating_sub(lines);
        all[start..].join("\n")
    }
}

/// Runs `tool` once as described by `spec`.
pub fn run_tool(tool: Tool, spec: &RunSpec<'_>) -> RunOutcome {
    use std::os::unix::process::CommandExt;

    let journal_path = spec.cwd.join("journal.json");
    let stdout_path = spec.cwd.join("tool-stdout.txt");
    let stderr_path = spec.cwd.join("tool-stderr.txt");
    let mut command = match tool {
        Tool::Chaos => {
            let mut c = Command::new(chaos_bin());
            c.arg("--no-version-check")
                .arg("--no-log-file")
                // A settings file that does not exist, so ~/.chaostoolkit cannot interfere.
                .arg("--settings")
                .arg(spec.cwd.join("no-settings.yaml"))
                .arg("run")
                .arg("--journal-path")
                .arg(&journal_path)
                .args(spec.args)
                .arg(spec.experiment);
            c
        }
        Tool::Gameday => {
            let mut c = Command::new(gameday_bin());
            c.arg("run")
                .arg(spec.experiment)
                .arg("--headless")
                .arg("--journal-path")
                .arg(&journal_path)
                .args(spec.args);
            c
        }
    };
    command.current_dir(spec.cwd).stdin(Stdio::null()).process_group(0);
    // Start both tools with default signal handling. A test run launched in
    // the background (`./scripts/test &`) ignores SIGINT, children inherit
    // that across exec, and Python then never raises KeyboardInterrupt: the
    // oracle would "complete" a run the signal cases interrupt.
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::signal(libc::SIGTERM, libc::SIG_DFL);
            libc::signal(libc::SIGHUP, libc::SIG_DFL);
            Ok(())
        });
    }
    // gameday keeps a session per run: inside the case's own directory, not
    // in the data directory of whoever runs the tests.
    command.env("GAMEDAY_DATA_DIR", spec.cwd.join("gameday-data"));
    for (key, value) in spec.env {
        command.env(key, value);
    }
    let command_line = describe_command(&command);
    let files =
        std::fs::File::create(&stdout_path).and_then(|out| std::fs::File::create(&stderr_path).map(|err| (out, err)));
    let (out, err) = match files {
        Ok(pair) => pair,
        Err(e) => return failed_to_start(command_line, format!("cannot create output files: {e}")),
    };
    command.stdout(out).stderr(err);

    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return failed_to_start(command_line, format!("cannot start: {e}")),
    };
    let pid = child.id() as i32;
    let started = Instant::now();
    let mut signal = spec.signal;
    let mut gate_opened: Option<Instant> = None;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(_) => break None,
        }
        if signal.is_some() && gate_opened.is_none() {
            let open = spec.signal_gate.is_none_or(|gate| gate());
            if open {
                gate_opened = Some(Instant::now());
            }
        }
        if let (Some((signo, delay)), Some(opened)) = (signal, gate_opened)
            && opened.elapsed() >= delay
        {
            // Only the tool's own pid, like `kill -INT <pid>`.
            unsafe { libc::kill(pid, signo) };
            signal = None;
        }
        if started.elapsed() >= spec.timeout {
            timed_out = true;
            unsafe { libc::killpg(pid, libc::SIGKILL) };
            break child.wait().ok();
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // Leftover children (orphaned sleeps) of this run: kill the whole group.
    unsafe { libc::killpg(pid, libc::SIGKILL) };

    let (journal, journal_error) = match std::fs::read_to_string(&journal_path) {
        Ok(text) => match serde_json::from_str(&text) {
            Ok(value) => (Some(value), None),
            Err(e) => (None, Some(format!("journal is not valid JSON: {e}"))),
        },
        Err(e) => (None, Some(format!("no journal at {}: {e}", journal_path.display()))),
    };
    RunOutcome {
        command_line,
        exit_code: status.and_then(|s| s.code()),
        timed_out,
        stdout: std::fs::read_to_string(&stdout_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&stderr_path).unwrap_or_default(),
        journal,
        journal_error,
    }
}

fn failed_to_start(command_line: String, why: String) -> RunOutcome {
    RunOutcome {
        command_line,
        exit_code: None,
        timed_out: false,
        stdout: String::new(),
        stderr: why.clone(),
        journal: None,
        journal_error: Some(why),
    }
}

fn describe_command(command: &Command) -> String {
    let mut parts = vec![command.get_program().to_string_lossy().into_owned()];
    parts.extend(command.get_args().map(|a| {
        let a = a.to_string_lossy();
        if a.contains(' ') || a.is_empty() { format!("'{a}'") } else { a.into_owned() }
    }));
    parts.join(" ")
}

/// Signal number for the names used in the corpus sidecars.
pub fn signal_number(name: &str) -> Option<i32> {
    match name {
        "SIGINT" | "INT" => Some(libc::SIGINT),
        "SIGTERM" | "TERM" => Some(libc::SIGTERM),
        "SIGUSR1" | "USR1" => Some(libc::SIGUSR1),
        "SIGUSR2" | "USR2" => Some(libc::SIGUSR2),
        _ => None,
    }
}
