//! A temporary home for one test: a config file naming the facilitator
//! `tester` (so every author is deterministic), a data dir for sessions,
//! experiment files, and the shell script tmux runs. The script runs the
//! console in the foreground, then prints `EXIT=<code>` and keeps the pane
//! open so the test can read what the terminal looks like afterwards.
use super::wait;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The console binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_gameday");

/// Who the config file says is at the keyboard.
pub const FACILITATOR: &str = "tester";

pub struct Sandbox {
    dir: tempfile::TempDir,
}

/// Quote for `sh` (single quotes; embedded ones closed and escaped).
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new().prefix("gameday-e2e-").tempdir().expect("temp dir");
        std::fs::write(dir.path().join("config.yaml"), format!("facilitator: {FACILITATOR}\n")).expect("config");
        std::fs::create_dir_all(dir.path().join("data")).expect("data dir");
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Where sessions are created (`$GAMEDAY_DATA_DIR/sessions`).
    pub fn sessions_root(&self) -> PathBuf {
        self.path().join("data").join("sessions")
    }

    /// Write an experiment as JSON; returns its path.
    pub fn experiment(&self, name: &str, doc: &Value) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, serde_json::to_vec_pretty(doc).expect("json")).expect("write experiment");
        p
    }

    /// Write the launch script: `gameday ARGS`, then `EXIT=$?`, then
    /// `after` (shell lines, e.g. `stty -a`), then a sleep that keeps the
    /// pane open. `env` adds variables for the console.
    pub fn script(&self, name: &str, args: &[&str], env: &[(&str, &str)], after: &str) -> PathBuf {
        let mut s = String::from("# launch script for one console e2e test\n");
        s.push_str(&format!("cd {}\n", sh_quote(&self.path().display().to_string())));
        s.push_str("unset GAMEDAY_TEST_PANIC_KEY GAMEDAY_PYTHON GAMEDAY_THEME NO_COLOR\n");
        let data = self.path().join("data").display().to_string();
        let config = self.path().join("config.yaml").display().to_string();
        s.push_str(&format!("export GAMEDAY_DATA_DIR={}\n", sh_quote(&data)));
        s.push_str(&format!("export GAMEDAY_CONFIG={}\n", sh_quote(&config)));
        for (k, v) in env {
            s.push_str(&format!("export {k}={}\n", sh_quote(v)));
        }
        let mut line = sh_quote(BIN);
        for a in args {
            line.push(' ');
            line.push_str(&sh_quote(a));
        }
        s.push_str(&line);
        s.push_str("\necho EXIT=$?\n");
        s.push_str(after);
        s.push_str("\nsleep 30\n");
        let p = self.path().join(name);
        std::fs::write(&p, s).expect("write script");
        p
    }

    /// `gameday run EXPERIMENT --journal-path <sandbox>/journal-out.json`.
    pub fn run_script(&self, experiment: &Path, env: &[(&str, &str)], after: &str) -> PathBuf {
        let exp = experiment.display().to_string();
        let journal = self.journal_out().display().to_string();
        self.script("run.sh", &["run", &exp, "--journal-path", &journal], env, after)
    }

    /// The `--journal-path` the run script passes.
    pub fn journal_out(&self) -> PathBuf {
        self.path().join("journal-out.json")
    }

    /// The one session directory, once the console has created it.
    pub fn wait_session_dir(&self) -> PathBuf {
        wait::until(
            "the session directory with its events.jsonl",
            wait::DEFAULT,
            || {
                let dirs: Vec<PathBuf> = std::fs::read_dir(self.sessions_root())
                    .ok()?
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.join("events.jsonl").is_file())
                    .collect();
                match dirs.as_slice() {
                    [one] => Some(one.clone()),
                    _ => None,
                }
            },
            || format!("sessions root: {}", self.sessions_root().display()),
        )
    }
}

/// Every complete line of `events.jsonl` (a torn last line is left out).
pub fn events(session: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(session.join("events.jsonl")).unwrap_or_default();
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    complete
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad event line {l:?}: {e}")))
        .collect()
}

/// The `kind` of an event.
pub fn kind(ev: &Value) -> &str {
    ev["kind"].as_str().unwrap_or("")
}

/// Wait until an event matching `pred` has been written; returns it.
pub fn wait_event(session: &Path, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    wait_event_within(session, what, wait::DEFAULT, pred)
}

pub fn wait_event_within(session: &Path, what: &str, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Value {
    wait::until(
        &format!("event {what} in events.jsonl"),
        timeout,
        || events(session).into_iter().find(|e| pred(e)),
        || dump_events(session),
    )
}

/// The event log, one short line per event, for failure messages.
pub fn dump_events(session: &Path) -> String {
    events(session)
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if let Some(o) = e.as_object_mut() {
                o.remove("experiment");
                o.remove("output");
                o.remove("activity");
            }
            e.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The session's `journal.json`.
pub fn journal(session: &Path) -> Value {
    let p = session.join("journal.json");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()))
}

/// The journal entry (in `run` or `rollbacks`) of the activity named `name`.
pub fn entry<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .and_then(|a| a.iter().find(|r| r["activity"]["name"] == name))
        .unwrap_or_else(|| panic!("no journal entry for {name} in {list:#}"))
}

/// Wait (at most `within`) for the console `pid` to have exited; on timeout
/// the session's events explain where it stood.
pub fn wait_console_gone(pid: u32, session: &Path, within: Duration) {
    wait::until("the console to exit", within, || (!super::procs::alive(pid)).then_some(()), || dump_events(session));
}
