//! `gameday plan` and `gameday backlog` in a bare pseudo-terminal that
//! answers nothing: the first frame must appear without the program asking
//! the terminal where its cursor is (`ESC [ 6 n`). ratatui 0.30's
//! `Terminal::clear()` asks, and a pty with nobody behind it (a CI runner, a
//! serial console, some multiplexers) never replies, so the screen stalled
//! before its first frame and then failed.
//!
//! The pty is driven by Python's standard `pty` module (python3 is needed by
//! the Chaos Toolkit tests anyway): it sets an 80×24 window in the child
//! before exec, reads what the program writes, presses `q` once the marker
//! text is on screen, and reports as JSON. Every wait is bounded.
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const DRIVER: &str = r#"
import fcntl, json, os, pty, select, signal, struct, sys, termios, time
marker = sys.argv[1].encode()
argv = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    os.environ["TERM"] = "xterm-256color"
    os.execv(argv[0], argv)
out = b""
seen_at = None
start = time.time()
status = None
while time.time() - start < 15:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        out += chunk
    if seen_at is None and marker in out:
        seen_at = time.time() - start
        os.write(fd, b"q")
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = os.waitstatus_to_exitcode(st)
        break
if status is None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
print(json.dumps({
    "asked_cursor": b"\x1b[6n" in out,
    "marker_after": seen_at,
    "exit": status,
    "tail": out[-400:].decode("utf-8", "replace"),
}))
"#;

fn drive(marker: &str, args: &[&str], file: &Path) -> Value {
    let out = Command::new("python3")
        .arg("-c")
        .arg(DRIVER)
        .arg(marker)
        .arg(env!("CARGO_BIN_EXE_gameday"))
        .args(args)
        .arg(file)
        // The config and data directories are the sandbox's, never the user's.
        .env("GAMEDAY_CONFIG", file.with_file_name("config.yaml"))
        .env("GAMEDAY_DATA_DIR", file.with_file_name("data"))
        .env("USER", "tester")
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "the pty driver failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn check(what: &str, r: &Value) {
    assert_eq!(r["asked_cursor"], false, "{what} asked the terminal for its cursor position: {r:#}");
    let first_frame = r["marker_after"].as_f64().unwrap_or_else(|| panic!("{what} never drew its first frame: {r:#}"));
    assert!(first_frame < 5.0, "{what} took {first_frame:.1}s to draw: {r:#}");
    assert_eq!(r["exit"], 0, "{what} did not quit cleanly on q: {r:#}");
}

fn copy(name: &str, dir: &Path) -> std::path::PathBuf {
    let to = dir.join(name);
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks").join(name), &to).expect("copy");
    to
}

#[test]
fn the_plan_screen_draws_without_asking_for_the_cursor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = copy("people-drill-expert-unavailable.yaml", dir.path());
    check("gameday plan", &drive("Seven steps", &["plan"], &file));
}

#[test]
fn the_backlog_screen_draws_without_asking_for_the_cursor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = copy("backlog.yaml", dir.path());
    check("gameday backlog", &drive("Likelihood", &["backlog"], &file));
}
