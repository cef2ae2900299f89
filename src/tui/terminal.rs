//! Entering and leaving the full-screen terminal, and making sure we always
//! leave it: on return, on error, on panic (the hook restores first, then
//! reports), and from signal handlers. Modes are undone in reverse order.
use ratatui::crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static ACTIVE: AtomicBool = AtomicBool::new(false);
static SESSION: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Put the terminal back as we found it. Safe to call many times.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        leave();
    }
}

/// Give the terminal back as it was: main screen, cursor, line mode.
fn leave() {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Put the terminal back as the console wants it (raw mode, alternate
/// screen, mouse and paste) after the process was stopped and continued:
/// while it was stopped, the shell took the terminal back in line mode.
pub fn reenter() -> io::Result<()> {
    if !ACTIVE.load(Ordering::SeqCst) {
        return Ok(());
    }
    // crossterm remembers that it enabled raw mode and would do nothing:
    // forget that first, so the terminal's real (line) mode is replaced.
    let _ = disable_raw_mode();
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture, EnableBracketedPaste)
}

/// Job control: give the terminal back to the shell (main screen, line
/// mode), stop this process as Ctrl-Z would, and take the terminal again
/// when `fg` continues it.
pub fn suspend() -> io::Result<()> {
    if ACTIVE.load(Ordering::SeqCst) {
        leave();
    }
    // SIGSTOP rather than SIGTSTP: the console catches SIGTSTP itself.
    nix::sys::signal::raise(nix::sys::signal::Signal::SIGSTOP).map_err(io::Error::other)?;
    reenter()
}

pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Enter raw mode, the alternate screen, mouse capture and bracketed paste.
pub fn enter(session_dir: PathBuf) -> io::Result<Guard> {
    if let Ok(mut s) = SESSION.lock() {
        *s = Some(session_dir);
    }
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    if let Err(e) = execute!(out, EnterAlternateScreen, EnableMouseCapture, EnableBracketedPaste) {
        restore();
        return Err(e);
    }
    Ok(Guard)
}

fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Restore first, so the report is readable and the shell usable.
        restore();
        previous(info);
        if let Ok(s) = SESSION.lock()
            && let Some(dir) = s.as_ref()
        {
            // Never eprintln! here: a write error would panic inside the
            // panic hook, and that aborts the process.
            let _ = writeln!(
                io::stderr(),
                "\ngameday crashed. Nothing recorded is lost: the session is in {}\nContinue it with: gameday resume {}",
                dir.display(),
                dir.display()
            );
        }
    }));
}
