//! One loop: terminal input (key presses only), engine updates, decisions to
//! ask, signals and a tick, in a `tokio::select!`. The screen is redrawn only
//! when something changed (or a visible clock moved), bursts of input such as
//! resizes are coalesced into one frame, and each frame is a synchronized
//! update so the terminal never shows half of one.
use super::app::{App, Modal};
use super::approver::Ask;
use super::views;
use crate::engine::{Outcome, StopRequest};
use crate::session::recorder::Update;
use futures::{FutureExt, StreamExt};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{Event as TermEvent, EventStream, KeyEventKind, MouseButton, MouseEventKind};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::layout::{Position, Rect};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;

/// Signals the console reacts to.
#[derive(Debug, Clone, Copy)]
enum Sig {
    Int,
    Term,
    Hup,
    /// Ctrl-Z from the shell's side, or `kill -TSTP`.
    Tstp,
    /// `fg` (or `kill -CONT`) after the process was stopped.
    Cont,
    /// Chaos Toolkit's graceful / ungraceful exit (`chaoslib.exit`).
    Usr1,
    Usr2,
}

fn watch_signals() -> UnboundedReceiver<Sig> {
    use tokio::signal::unix::{SignalKind, signal};
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    for (kind, sig) in [
        (SignalKind::interrupt(), Sig::Int),
        (SignalKind::terminate(), Sig::Term),
        (SignalKind::hangup(), Sig::Hup),
        (SignalKind::from_raw(libc::SIGTSTP), Sig::Tstp),
        (SignalKind::from_raw(libc::SIGCONT), Sig::Cont),
        (SignalKind::user_defined1(), Sig::Usr1),
        (SignalKind::user_defined2(), Sig::Usr2),
    ] {
        if let Ok(mut s) = signal(kind) {
            let tx = tx.clone();
            tokio::spawn(async move {
                while s.recv().await.is_some() {
                    if tx.send(sig).is_err() {
                        break;
                    }
                }
            });
        }
    }
    rx
}

fn handle_term_event(app: &mut App, ev: TermEvent, stop_rect: Rect) -> bool {
    match ev {
        // Key releases and repeats (kitty protocol, Windows) are not presses.
        TermEvent::Key(k) if k.kind == KeyEventKind::Press => {
            panic_hook_for_tests(&k);
            // Raw mode turns Ctrl-Z into a key; it means what it means in a shell.
            if k.code == ratatui::crossterm::event::KeyCode::Char('z')
                && k.modifiers.contains(ratatui::crossterm::event::KeyModifiers::CONTROL)
            {
                app.suspend_asked = true;
                return true;
            }
            app.on_key(k);
            true
        }
        TermEvent::Mouse(m) => {
            if let MouseEventKind::Down(MouseButton::Left) = m.kind
                && stop_rect.contains(Position::new(m.column, m.row))
            {
                app.press_stop("mouse");
                return true;
            }
            false
        }
        TermEvent::Paste(text) => {
            match &mut app.modal {
                Modal::Note(ed) => {
                    ed.text.insert_str(&text);
                }
                Modal::Skip(t)
                | Modal::Abort(t)
                | Modal::StopReason(t)
                | Modal::Author(t)
                | Modal::Search(t)
                | Modal::ManualDone(t)
                | Modal::ManualFailed(t)
                | Modal::EnvConfirm(t)
                | Modal::Override(t) => {
                    t.insert_str(text.replace(['\n', '\r'], " "));
                }
                _ => {}
            }
            true
        }
        TermEvent::Resize(_, _) => true,
        _ => false,
    }
}

/// Ctrl-Z or SIGTSTP. While a run is active, suspending would freeze STOP,
/// the safeguards and every timeout with the process, so it is refused and
/// said so; otherwise the console steps aside for the shell until `fg`.
/// Returns whether the screen must be repainted in full.
fn suspend_or_refuse(app: &mut App, what: &str) -> bool {
    if app.run_active() {
        app.flash = Some(format!(
            "{what}: not suspended while the run is active (STOP, safeguards and timeouts would freeze too). STOP or quit first."
        ));
        app.rec.record_or_flag(crate::session::event::EventBody::Warning {
            message: format!("{what} ignored: the console is not suspended while a run is active"),
        });
        return false;
    }
    let _ = super::terminal::suspend();
    true
}

/// Test hook: `GAMEDAY_TEST_PANIC_KEY=<char>` makes that key panic inside the
/// console, so tests can prove the terminal is restored after a panic.
fn panic_hook_for_tests(k: &ratatui::crossterm::event::KeyEvent) {
    if let Some(want) = std::env::var_os("GAMEDAY_TEST_PANIC_KEY")
        && let ratatui::crossterm::event::KeyCode::Char(c) = k.code
        && want.to_str().is_some_and(|w| w.starts_with(c))
    {
        panic!("test panic requested with GAMEDAY_TEST_PANIC_KEY");
    }
}

/// The console's screen, with its first frame drawn.
pub struct Screen {
    terminal: Terminal<CrosstermBackend<io::Stdout>>,
    stop_rect: Rect,
}

/// Draw `app`'s first frame, a full paint (traced as the first frame). The
/// terminal must already be entered (see [`super::terminal::enter`]).
pub fn first_frame(app: &App) -> io::Result<Screen> {
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    // Not `clear()`: it asks the terminal where its cursor is, and a
    // terminal that does not answer would stall us.
    let area = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, area.width, area.height))?;
    let mut stop_rect = Rect::default();
    let _ = execute!(io::stdout(), BeginSynchronizedUpdate);
    let drawn = terminal.draw(|f| stop_rect = views::draw(f, app));
    let _ = execute!(io::stdout(), EndSynchronizedUpdate);
    drawn?;
    crate::trace::line(&format!("first_frame {:.6}", crate::trace::since_start()));
    Ok(Screen { terminal, stop_rect })
}

/// Run the console until the person quits (or, unattended, the run ends),
/// on a screen from [`first_frame`].
pub async fn run_console(
    screen: Screen,
    mut app: App,
    engine: JoinHandle<Outcome>,
    mut updates: UnboundedReceiver<Update>,
    mut asks: UnboundedReceiver<Ask>,
    unattended: Arc<AtomicBool>,
) -> io::Result<Option<Outcome>> {
    let Screen { mut terminal, mut stop_rect } = screen;
    let mut events = EventStream::new();
    let mut signals = watch_signals();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut engine = Some(engine);
    let mut outcome = None;
    // The first frame is up; the next one comes with the first change.
    let mut dirty = false;
    let mut terminal_lost = false;
    let mut shown_second = -1i64;
    let mut resized = false;
    let mut requests = crate::session::requests::Reader::from_end(&app.session_dir);
    let mut failed_draws = 0u32;
    let mut keys_pending: Vec<std::time::Instant> = Vec::new();
    loop {
        if dirty && !terminal_lost {
            if resized {
                // After a resize burst, repaint everything: some terminals keep
                // stale cells that a diff-based redraw would never touch.
                if let Ok(size) = terminal.size() {
                    let _ = terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height));
                }
                resized = false;
            }
            let _ = execute!(io::stdout(), BeginSynchronizedUpdate);
            let drawn = terminal.draw(|f| stop_rect = views::draw(f, &app));
            let _ = execute!(io::stdout(), EndSynchronizedUpdate);
            if crate::trace::enabled() && drawn.is_ok() {
                for k in keys_pending.drain(..) {
                    crate::trace::line(&format!("key_to_frame {:.6}", k.elapsed().as_secs_f64()));
                }
            }
            dirty = false;
            match &drawn {
                Ok(_) => failed_draws = 0,
                Err(e) => {
                    // A draw can fail once while the terminal is being resized;
                    // try again on the next tick, and say so in the log.
                    failed_draws += 1;
                    dirty = true;
                    if failed_draws == 1 {
                        app.rec.record_or_flag(crate::session::event::EventBody::Warning {
                            message: format!("the screen could not be drawn: {e}"),
                        });
                    }
                }
            }
            // A terminal that keeps refusing to be drawn on is gone: behave as
            // on SIGHUP (STOP, roll back unattended, then quit) instead of
            // returning while the engine still runs a fault.
            if failed_draws >= 5 || (drawn.is_err() && !std::io::IsTerminal::is_terminal(&io::stdout())) {
                terminal_lost = true;
                app.nobody_left("signal", "terminal-lost", "the terminal went away");
            }
        }
        if app.should_quit && (outcome.is_some() || engine.is_none()) {
            break;
        }
        tokio::select! {
            ev = events.next(), if !terminal_lost => {
                match ev {
                    Some(Ok(ev)) => {
                        if matches!(ev, TermEvent::Key(_)) && crate::trace::enabled() {
                            keys_pending.push(std::time::Instant::now());
                        }
                        resized |= matches!(ev, TermEvent::Resize(..));
                        dirty |= handle_term_event(&mut app, ev, stop_rect);
                        // Coalesce a burst (typing, pasting, resizing) into one frame.
                        while let Some(Some(Ok(ev))) = events.next().now_or_never() {
                            resized |= matches!(ev, TermEvent::Resize(..));
                            dirty |= handle_term_event(&mut app, ev, stop_rect);
                        }
                        if std::mem::take(&mut app.suspend_asked) {
                            resized |= suspend_or_refuse(&mut app, "Ctrl-Z");
                        }
                    }
                    // The terminal is gone: behave as on SIGHUP.
                    Some(Err(_)) | None => {
                        terminal_lost = true;
                        app.nobody_left("signal", "terminal-lost", "the terminal went away");
                    }
                }
            }
            Some(u) = updates.recv() => {
                app.apply(u);
                while let Ok(u) = updates.try_recv() {
                    app.apply(u);
                }
                dirty = true;
            }
            Some((proposal, reply)) = asks.recv() => {
                app.propose(super::app::Pending { proposal, reply });
                dirty = true;
            }
            Some(sig) = signals.recv() => {
                // Every signal closes the note editor (a question, or the
                // end): what was typed in it is saved first, never dropped.
                match sig {
                    Sig::Tstp => {
                        resized |= suspend_or_refuse(&mut app, "SIGTSTP");
                        dirty = true;
                        continue;
                    }
                    Sig::Usr1 | Sig::Usr2 => {
                        // A driver or a chaosaddons safeguard asked the run
                        // to end: a STOP, its reason shown and recorded; an
                        // ungraceful exit plays no rollback, as in Chaos Toolkit.
                        if app.run_active() {
                            let graceful = matches!(sig, Sig::Usr1);
                            let mut req = StopRequest::exit_signal(graceful);
                            req.plays_rollbacks = graceful;
                            app.flash = req.reason.clone();
                            app.stop.stop(req);
                            app.stopped = true;
                            if let Some(p) = app.pending.take() {
                                drop(p);
                            }
                        }
                        dirty = true;
                        continue;
                    }
                    Sig::Cont => {
                        // Stopped from outside (SIGSTOP) and continued: the
                        // shell left the terminal in line mode; take it back
                        // and repaint everything.
                        let _ = super::terminal::reenter();
                        resized = true;
                        dirty = true;
                        continue;
                    }
                    _ => {}
                }
                app.save_draft(match sig {
                    Sig::Int => "SIGINT",
                    Sig::Term => "SIGTERM",
                    _ => "SIGHUP",
                });
                match sig {
                    Sig::Int => {
                        if app.run_active() {
                            app.modal = Modal::QuitConfirm;
                        } else {
                            app.should_quit = true;
                        }
                    }
                    Sig::Tstp | Sig::Cont | Sig::Usr1 | Sig::Usr2 => {}
                    Sig::Term | Sig::Hup => {
                        let (src, why) = match sig {
                            Sig::Hup => ("sighup", "SIGHUP: the terminal went away"),
                            _ => ("sigterm", "SIGTERM signal received"),
                        };
                        terminal_lost |= matches!(sig, Sig::Hup);
                        app.nobody_left("signal", src, why);
                    }
                }
                dirty = true;
            }
            res = async { match engine.as_mut() { Some(h) => h.await, None => std::future::pending().await } } => {
                engine = None;
                outcome = res.ok();
                // Let the last events arrive before a possible exit.
                while let Ok(u) = updates.try_recv() {
                    app.apply(u);
                }
                app.engine_finished(outcome.as_ref());
                if app.quit_after_run {
                    app.should_quit = true;
                }
                dirty = true;
            }
            _ = tick.tick() => {
                for req in requests.poll(&app.session_dir) {
                    match req {
                        crate::session::requests::Request::Stop { who, reason } => {
                            if app.run_active() {
                                if app.stopped || terminal_lost {
                                    // A second STOP, or nobody at this console:
                                    // the rollbacks play without asking.
                                    unattended.store(true, Ordering::SeqCst);
                                    if let Some(p) = app.pending.take() {
                                        drop(p);
                                    }
                                }
                                app.stop.stop(StopRequest::halt(&who, "remote", reason.as_deref()));
                                app.stopped = true;
                                dirty = true;
                            }
                        }
                    }
                }
                app.t_plus = app.rec.t_plus();
                app.check_timeboxes();
                let second = app.t_plus as i64;
                let running = app.output.started.is_some() && app.output.finished.is_none();
                // Redraw for the clock only when what it shows changes.
                if second != shown_second || running {
                    shown_second = second;
                    dirty = true;
                }
            }
        }
    }
    // ratatui's Terminal::drop reports a failure to show the cursor with
    // eprintln!, which panics when stderr is the same dead terminal.
    if terminal_lost {
        std::mem::forget(terminal);
    } else {
        drop(terminal);
    }
    Ok(outcome)
}
