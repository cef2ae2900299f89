//! One private tmux server per test, on its own socket, with no user config
//! and `escape-time 0`. Dropping the handle kills the server, so a failing
//! test leaves nothing behind.
use super::wait;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Width and height the console is started with.
pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 40;

/// The only session's name; commands aimed at it reach its one pane.
const TARGET: &str = "e2e";

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A tmux server running one session with one pane.
pub struct Tmux {
    socket: String,
    /// The socket file; tmux leaves it behind after `kill-server`.
    socket_path: Option<std::path::PathBuf>,
}

/// Fail loudly (never skip) when tmux is missing: `scripts/test` installs it.
pub fn require_tmux() {
    match Command::new("tmux").arg("-V").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!("`tmux -V` failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => panic!(
            "tmux is required for the console end-to-end tests but cannot be run ({e}); \
             install it (scripts/test does) — these tests are never skipped"
        ),
    }
}

impl Tmux {
    /// Start a detached session of WIDTH×HEIGHT running `sh SCRIPT`.
    pub fn start(label: &str, script: &Path) -> Tmux {
        require_tmux();
        let socket = format!("gameday-e2e-{}-{}-{label}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let mut t = Tmux { socket, socket_path: None };
        let command = format!("sh '{}'", script.display());
        t.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            TARGET,
            "-x",
            &WIDTH.to_string(),
            "-y",
            &HEIGHT.to_string(),
            &command,
            ";",
            "set-option",
            "-s",
            "escape-time",
            "0",
        ]);
        let path = t.run(&["display-message", "-p", "#{socket_path}"]);
        t.socket_path = Some(path.trim().into()).filter(|p: &std::path::PathBuf| !p.as_os_str().is_empty());
        t
    }

    fn raw(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux {args:?}: {e}"))
    }

    /// Run a tmux command that must succeed; returns its stdout.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.raw(args);
        assert!(out.status.success(), "tmux {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Send key names (`Enter`, `F12`, `C-t`, `q`), one tmux call. Send
    /// `Escape` on its own so the console does not read it as a sequence.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", TARGET];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Type literal text.
    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", TARGET, "-l", text]);
    }

    /// The visible screen.
    pub fn screen(&self) -> String {
        let out = self.raw(&["capture-pane", "-p", "-t", TARGET]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The visible screen plus the scrollback above it.
    pub fn screen_with_history(&self) -> String {
        let out = self.raw(&["capture-pane", "-p", "-t", TARGET, "-S", "-200"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Wait until the screen holds every one of `needles`; returns the screen.
    pub fn wait_for(&self, needles: &[&str]) -> String {
        self.wait_for_within(needles, wait::DEFAULT)
    }

    pub fn wait_for_within(&self, needles: &[&str], timeout: Duration) -> String {
        wait::until(
            &format!("the screen to show {needles:?}"),
            timeout,
            || {
                let s = self.screen();
                needles.iter().all(|n| s.contains(n)).then_some(s)
            },
            || self.screen(),
        )
    }

    /// Wait until the screen no longer shows `needle`.
    pub fn wait_gone(&self, needle: &str) -> String {
        wait::until(
            &format!("the screen to stop showing {needle:?}"),
            wait::DEFAULT,
            || {
                let s = self.screen();
                (!s.contains(needle)).then_some(s)
            },
            || self.screen(),
        )
    }

    /// Wait until the console waits for a decision on the step `kind · name`:
    /// the card shows the step and either the header says it waits or the
    /// card shows the decision hint (after a STOP the header says STOPPING).
    /// Keys sent before that would find nothing to decide.
    pub fn wait_decision(&self, kind: &str, name: &str) -> String {
        let title = format!("{kind} · {name} ");
        wait::until(
            &format!("a decision on '{name}'"),
            wait::DEFAULT,
            || {
                let s = self.screen();
                let waits = s.contains("WAITING FOR YOU") || s.contains("Enter/c run");
                (s.contains(&title) && waits).then_some(s)
            },
            || self.screen(),
        )
    }

    /// Wait until the step list shows `name` with the state `glyph`
    /// (○ pending, ◆ waiting, ▶ running, ✔ ok, ✖ failed, ↷ skipped, ■ stopped).
    pub fn wait_step(&self, name: &str, glyph: &str) -> String {
        wait::until(
            &format!("step '{name}' to show {glyph}"),
            wait::DEFAULT,
            || {
                let s = self.screen();
                step_row(&s, name).is_some_and(|row| row.starts_with(glyph)).then_some(s)
            },
            || self.screen(),
        )
    }

    /// Wait until the observation log shows an entry of `kind` by the
    /// facilitator reading `text`.
    pub fn wait_note(&self, kind: &str, text: &str) -> String {
        let said = format!("{}: {text}", super::sandbox::FACILITATOR);
        wait::until(
            &format!("the log to show the {kind} {text:?}"),
            wait::DEFAULT,
            || {
                let s = self.screen();
                s.lines().any(|l| l.split_whitespace().any(|w| w == kind) && l.contains(&said)).then_some(s)
            },
            || self.screen(),
        )
    }

    /// Wait until the console has exited and the launch script printed
    /// `EXIT=<code>`; returns the code.
    pub fn wait_exit(&self) -> i32 {
        wait::until(
            "the console to exit (EXIT=… line)",
            wait::DEFAULT,
            || {
                let s = self.screen_with_history();
                // After a crash the terminal may be left raw, so the line can
                // start anywhere.
                s.lines().find_map(|l| {
                    let rest = &l[l.find("EXIT=")? + "EXIT=".len()..];
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse::<i32>().ok()
                })
            },
            || self.screen_with_history(),
        )
    }

    /// Is the pane on the alternate screen?
    pub fn alternate_on(&self) -> bool {
        self.run(&["display-message", "-p", "-t", TARGET, "#{alternate_on}"]).trim() == "1"
    }

    /// `capture-pane -a` fails when there is no alternate screen.
    pub fn alternate_capture_fails(&self) -> bool {
        let out = self.raw(&["capture-pane", "-p", "-a", "-t", TARGET]);
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("no alternate screen")
    }

    /// The pane's first process (the launch script's shell).
    pub fn pane_pid(&self) -> u32 {
        let s = self.run(&["display-message", "-p", "-t", TARGET, "#{pane_pid}"]);
        s.trim().parse().unwrap_or_else(|_| panic!("pane_pid is not a number: {s:?}"))
    }

    /// Resize the window (the pane follows).
    pub fn resize(&self, width: u16, height: u16) {
        self.run(&["resize-window", "-t", TARGET, "-x", &width.to_string(), "-y", &height.to_string()]);
    }

    /// Close the window: the pane's terminal goes away (the console sees a hangup).
    pub fn kill_window(&self) {
        self.run(&["kill-window", "-t", TARGET]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.raw(&["kill-server"]);
        if let Some(p) = &self.socket_path {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// The step list's row for `name` (trimmed), found as a pane segment that
/// ends with the step's name.
pub fn step_row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    let tail = format!(" {name}");
    screen.lines().flat_map(|l| l.split('│')).map(str::trim).find(|seg| seg.ends_with(&tail))
}
