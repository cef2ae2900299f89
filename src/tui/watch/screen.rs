//! The full-screen watch view: the console's own [`App`] and screens, fed
//! from `events.jsonl` instead of the engine, with keys limited to looking
//! around. Decisions, notes and milestones belong to the console; the only
//! thing a watcher can send is a STOP request, and only with `--allow-stop`.
use super::filter::{self, ParticipantFilter};
use super::tail::Tail;
use crate::engine::StopHandle;
use crate::session::event::{Event, EventBody};
use crate::session::heartbeat;
use crate::session::recorder::{Recorder, Update};
use crate::session::requests::{self, Request};
use crate::session::store::{Durability, EventLog};
use crate::tui::app::{App, Modal, Screen};
use crate::tui::keymap::{Action, Keymap};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use futures::{FutureExt, StreamExt};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    Event as TermEvent, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the log is polled for new events (the issue asks for ≤ 200 ms).
pub const POLL: Duration = Duration::from_millis(100);

/// The reason recorded with a STOP sent from a watcher.
pub const STOP_REASON: &str = "requested from gameday watch";

/// How the watcher was started.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub session_dir: PathBuf,
    /// May send STOP requests.
    pub allow_stop: bool,
    /// `--participant` was given.
    pub participant: bool,
    /// Who STOP requests are sent as.
    pub who: String,
    pub keymap: Keymap,
    /// Steady-state steps shown before and after the method.
    pub before: bool,
    pub after: bool,
}

/// Everything the watch view knows.
pub struct Watch {
    pub app: App,
    pub opts: WatchOptions,
    /// Hides the method (a dungeons-and-dragons session, `--participant`).
    pub hiding: bool,
    /// The style the session declared.
    pub style: Option<String>,
    pub help: bool,
    /// The console wrote `session_ended`.
    pub session_ended: bool,
    /// What became of this watcher's STOP request, shown until it is answered.
    pub stop_note: Option<String>,
    pub should_quit: bool,
    /// The newest event's T+ and wall-clock time, to keep the clock moving.
    last: Option<(f64, DateTime<Utc>)>,
    /// When each running activity started (for the elapsed time).
    started: HashMap<u64, DateTime<Utc>>,
    /// The facilitator suspended the Game Day clock.
    clock_suspended: bool,
    /// How long the console has not beaten, while it is silent.
    pub silent: Option<Duration>,
    /// The App needs a recorder; this one writes to a private temporary
    /// file and is never used to record (no key that records reaches App).
    _scratch: tempfile::TempDir,
}

fn scratch_recorder() -> io::Result<(tempfile::TempDir, Arc<Recorder>)> {
    let dir = tempfile::Builder::new().prefix("gameday-watch-").tempdir()?;
    let log = EventLog::create(&dir.path().join("unused.jsonl"), Durability::Checkpoints)?;
    Ok((dir, Arc::new(Recorder::new(log))))
}

impl Watch {
    /// Build the view from the session's `session_started` event (already
    /// filtered) and its style.
    pub fn new(opts: WatchOptions, experiment: &Value, filter: &ParticipantFilter) -> io::Result<Watch> {
        let (scratch, rec) = scratch_recorder()?;
        let app = App::new(
            experiment,
            opts.before,
            opts.after,
            opts.keymap.clone(),
            Theme::from_env(),
            opts.who.clone(),
            opts.session_dir.clone(),
            rec,
            StopHandle::new(),
        );
        Ok(Watch {
            app,
            hiding: opts.participant && filter.hides(),
            style: filter.style().map(str::to_string),
            opts,
            help: false,
            session_ended: false,
            stop_note: None,
            should_quit: false,
            last: None,
            started: HashMap::new(),
            clock_suspended: false,
            silent: None,
            _scratch: scratch,
        })
    }

    /// Apply one (already filtered) event.
    pub fn apply(&mut self, ev: Event) {
        match &ev.body {
            EventBody::ActivityStarted { run, .. } => {
                self.started.insert(*run, ev.at);
            }
            EventBody::ActivityFinished { run, .. } => {
                self.started.remove(run);
            }
            EventBody::SessionEnded => self.session_ended = true,
            // A resumed session goes on after an earlier `session_ended`.
            EventBody::SessionStarted { .. } => self.session_ended = false,
            EventBody::Stop { .. } if self.stop_note.is_some() => {
                self.stop_note = Some("STOP raised by the console".into());
            }
            _ => {}
        }
        // By name, so this keeps working whatever else those events carry.
        match super::lines::kind(&ev.body).as_str() {
            "clock_suspended" => self.clock_suspended = true,
            "clock_resumed" => self.clock_suspended = false,
            _ => {}
        }
        self.last = Some((ev.t, ev.at));
        self.app.apply(Update::Event(ev));
        if self.hiding {
            filter::drop_hidden_step_lines(&mut self.app.log);
        }
    }

    /// After a batch: move the clocks to now.
    pub fn settle(&mut self) {
        let now = Utc::now();
        let silent = if self.session_ended { None } else { heartbeat::silence(&self.opts.session_dir) };
        if self.silent.is_some() && silent.is_none() && !self.session_ended {
            self.app.flash = Some("console back: the facilitator's console is beating again".into());
        }
        self.silent = silent;
        if let Some((t, at)) = self.last
            && self.app.ended.is_none()
            && !self.session_ended
            && !self.clock_suspended
            && self.silent.is_none()
        {
            let since = (now - at).num_milliseconds().max(0) as f64 / 1000.0;
            self.app.t_plus = t + since;
        }
        // App stamps a step's start when it hears of it; an observer who
        // joins later sees how long it has really been running.
        let o = &mut self.app.output;
        if o.finished.is_none()
            && let Some(at) = self.started.get(&o.run)
        {
            let ago = (now - *at).to_std().unwrap_or_default();
            o.started = Instant::now().checked_sub(ago).or(o.started);
        }
    }

    /// The run's status for a watcher (the console's own header speaks to the
    /// facilitator: "waiting for you").
    pub fn status(&self) -> (String, bool) {
        let app = &self.app;
        if let Some(age) = self.silent {
            return (format!("■ {}", heartbeat::silent_text(age)), true);
        }
        if app.ended.is_some() || app.stopped {
            return crate::tui::widgets::header::status_text(app);
        }
        if self.session_ended {
            return ("■ CONSOLE CLOSED, RUN UNFINISHED".into(), true);
        }
        if app.steps.iter().any(|s| s.state == crate::tui::steps::StepState::Waiting) {
            return ("◆ WAITING FOR THE FACILITATOR".into(), false);
        }
        crate::tui::widgets::header::status_text(app)
    }

    /// Send a STOP request to the console, if this watcher may.
    pub fn request_stop(&mut self) {
        if !self.opts.allow_stop {
            self.app.flash = Some("watching only: STOP is the facilitator's (use --allow-stop)".into());
            return;
        }
        if self.app.ended.is_some() {
            self.app.flash = Some("The run has ended; nothing to stop.".into());
            return;
        }
        if self.session_ended {
            self.app.flash = Some("The console has closed this session; nothing to stop.".into());
            return;
        }
        let req = Request::Stop { who: self.opts.who.clone(), reason: Some(STOP_REASON.into()) };
        match requests::send(&self.opts.session_dir, &req) {
            Ok(()) => {
                self.stop_note = Some(format!("STOP request sent as {}; waiting for the console", self.opts.who));
            }
            Err(e) => self.app.flash = Some(format!("STOP request NOT sent: {e}")),
        }
    }

    /// Handle a key press.
    pub fn on_key(&mut self, key: KeyEvent) {
        self.app.flash = None;
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.should_quit = true;
            return;
        }
        let action = self.app.keymap.action(&key);
        let searching = matches!(self.app.modal, Modal::Search(_));
        let printable = matches!(key.code, KeyCode::Char(_)) && !key.modifiers.contains(KeyModifiers::CONTROL);
        if action == Some(Action::Stop) && !(searching && printable) {
            self.request_stop();
            return;
        }
        if self.help {
            if key.code == KeyCode::Esc || matches!(action, Some(Action::Help | Action::Quit)) {
                self.help = false;
            }
            return;
        }
        if searching {
            // Typing into the search box only changes what the timeline shows.
            self.app.on_key(key);
            return;
        }
        if key.code == KeyCode::Esc && self.app.screen == Screen::Timeline {
            self.app.screen = Screen::Run;
            return;
        }
        match action {
            Some(Action::Quit) => self.should_quit = true,
            Some(Action::Help) => self.help = true,
            Some(
                Action::Timeline
                | Action::Search
                | Action::Filter
                | Action::FocusNext
                | Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown,
            ) => self.app.on_key(key),
            Some(Action::Stop) | None => {}
            // Everything else (decide, note, milestone, author, clock) changes the run.
            Some(_) => {
                self.app.flash = Some("read-only: decisions and notes are made at the console".into());
            }
        }
    }

    fn on_term_event(&mut self, ev: TermEvent, stop_rect: Rect) -> bool {
        match ev {
            TermEvent::Key(k) if k.kind == KeyEventKind::Press => {
                self.on_key(k);
                true
            }
            TermEvent::Mouse(m) => {
                if let MouseEventKind::Down(MouseButton::Left) = m.kind
                    && stop_rect.contains(Position::new(m.column, m.row))
                {
                    self.request_stop();
                    return true;
                }
                false
            }
            TermEvent::Paste(text) => {
                if let Modal::Search(t) = &mut self.app.modal {
                    t.insert_str(text.replace(['\n', '\r'], " "));
                    self.app.timeline_query = t.lines().join(" ").trim().to_string();
                    return true;
                }
                false
            }
            TermEvent::Resize(..) => true,
            _ => false,
        }
    }
}

/// Poll the log once and apply what is new; true when something was.
pub fn pull(w: &mut Watch, tail: &mut Tail, filter: &mut ParticipantFilter) -> bool {
    let mut changed = false;
    match tail.poll() {
        Ok(events) => {
            changed |= !events.is_empty();
            for ev in events {
                if let Some(ev) = filter.filter(ev) {
                    w.apply(ev);
                }
            }
            if let Some(last) = tail.take_skipped().pop() {
                w.app.flash = Some(last);
                changed = true;
            }
        }
        Err(e) => {
            w.app.flash = Some(format!("cannot read {}: {e}", tail.path().display()));
            changed = true;
        }
    }
    changed
}

/// Show the view until the person quits. The terminal must already be
/// entered (see [`crate::tui::terminal::enter`]).
pub async fn run(mut w: Watch, mut tail: Tail, mut filter: ParticipantFilter) -> io::Result<()> {
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    // Not `clear()`: it asks the terminal for its cursor position.
    let area = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, area.width, area.height))?;
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut hangup = signal(tokio::signal::unix::SignalKind::hangup());
    let mut term = signal(tokio::signal::unix::SignalKind::terminate());
    let mut dirty = true;
    let mut resized = false;
    let mut stop_rect = Rect::default();
    let mut shown_second = -1i64;
    let mut terminal_lost = false;
    while !w.should_quit {
        if dirty {
            if resized {
                if let Ok(size) = terminal.size() {
                    let _ = terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height));
                }
                resized = false;
            }
            let _ = execute!(io::stdout(), BeginSynchronizedUpdate);
            let drawn = terminal.draw(|f| stop_rect = super::draw::draw(f, &w));
            let _ = execute!(io::stdout(), EndSynchronizedUpdate);
            if drawn.is_err() && !std::io::IsTerminal::is_terminal(&io::stdout()) {
                terminal_lost = true;
                break;
            }
            dirty = false;
        }
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => {
                    resized |= matches!(ev, TermEvent::Resize(..));
                    dirty |= w.on_term_event(ev, stop_rect);
                    while let Some(Some(Ok(ev))) = input.next().now_or_never() {
                        resized |= matches!(ev, TermEvent::Resize(..));
                        dirty |= w.on_term_event(ev, stop_rect);
                    }
                }
                Some(Err(_)) | None => {
                    terminal_lost = true;
                    break;
                }
            },
            _ = tick.tick() => {
                dirty |= pull(&mut w, &mut tail, &mut filter);
                w.settle();
                let second = w.app.t_plus as i64;
                let running = w.app.output.started.is_some() && w.app.output.finished.is_none();
                if second != shown_second || running {
                    shown_second = second;
                    dirty = true;
                }
            }
            _ = recv(&mut hangup) => {
                terminal_lost = true;
                break;
            }
            _ = recv(&mut term) => break,
        }
    }
    // As in the console: dropping a Terminal whose tty is gone would report
    // the failure with eprintln!, which panics.
    if terminal_lost {
        std::mem::forget(terminal);
    } else {
        drop(terminal);
    }
    Ok(())
}

fn signal(kind: tokio::signal::unix::SignalKind) -> Option<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind).ok()
}

async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
    match s {
        Some(s) => {
            if s.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}
