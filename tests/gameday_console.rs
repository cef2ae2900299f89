//! The Game Day parts of the Run console, driven by data as in
//! `tui_snapshots.rs` (no terminal, no engine):
//!
//! * a manual step waiting for the facilitator: instructions and expected
//!   outcome, planned T+ beside the actual one, the time box counting down;
//!   snapshots in progress and overrun;
//! * the time box recorded in `events.jsonl`: nothing before 80 %, a warning
//!   at 80 %, an overrun at 100 %, each once;
//! * the Game Day clock: `p` suspends and resumes, T+ stands still while
//!   suspended and excludes that time afterwards, both recorded; decisions
//!   wait while the clock is suspended;
//! * the participant view (`gameday watch --participant`) of a
//!   dungeons-and-dragons run: the method's automated step and what it did
//!   are hidden, the manual step is shown; the facilitator's view of the
//!   same events shows everything.
//!
//! Snapshots are plain characters (`Theme::plain()` or no colours read), in
//! `tests/snapshots/`; rewrite with `INSTA_UPDATE=always` and read them.
use chrono::{DateTime, TimeZone, Utc};
use gameday::engine::{Decision, Proposal, StopHandle};
use gameday::session::event::DecisionKind;
use gameday::session::recorder::Update;
use gameday::session::{Durability, Event, EventBody, EventLog, Phase, Recorder};
use gameday::tui::App;
use gameday::tui::app::Pending;
use gameday::tui::keymap::Keymap;
use gameday::tui::theme::Theme;
use gameday::tui::watch::ParticipantFilter;
use gameday::tui::watch::screen::{Watch, WatchOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// The method's automated step, which participants of a
/// dungeons-and-dragons Game Day must not see.
const INJECT: &str = "inject-payment-latency";

/// A small playbook: a 2-hour Game Day, an automated injection, then a
/// manual step planned at T+10m with a 5-minute time box.
fn playbook(style: &str) -> Value {
    json!({
        "gameday": 1,
        "title": "Payments under latency",
        "description": "Checkout with a slow payment provider.",
        "style": style,
        "where": {"environment": "staging-eu"},
        "when": {"start": "2025-06-14T09:00:00Z", "duration": "2h"},
        "method": [
            {"type": "action", "name": INJECT,
             "provider": {"type": "process", "path": "tc", "arguments": "qdisc add dev eth0 root netem delay 800ms"}},
            {"type": "manual", "name": "page-the-on-call",
             "instructions": "Page the payments on-call and watch what they do first.",
             "expect": "They find the latency dashboard within 10 minutes.",
             "who": "facilitator", "at": "T+10m", "timebox": "5m"}
        ]
    })
}

fn manual_step() -> Value {
    playbook("informed-in-advance")["method"][1].clone()
}

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 14, 9, 0, 0).unwrap()
}

fn at(seq: u64, t: f64, body: EventBody) -> Event {
    Event { seq, at: epoch() + chrono::Duration::milliseconds((t * 1000.0) as i64), t, body }
}

fn screen_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A console on a playbook, with its event log in a temporary folder.
struct Console {
    app: App,
    dir: tempfile::TempDir,
    rec: Arc<Recorder>,
    replies: Vec<oneshot::Receiver<Decision>>,
}

impl Console {
    fn new(doc: &Value) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::create(&dir.path().join("events.jsonl"), Durability::EveryEvent).unwrap();
        let rec = Arc::new(Recorder::new(log));
        let app = App::new(
            doc,
            false,
            false,
            Keymap::default(),
            Theme::plain(),
            "alice".into(),
            PathBuf::from("/srv/gameday/sessions/2025-06-14-payments"),
            Arc::clone(&rec),
            StopHandle::new(),
        );
        Self { app, dir, rec, replies: Vec::new() }
    }

    fn event(&mut self, seq: u64, t: f64, body: EventBody) {
        self.app.apply(Update::Event(at(seq, t, body)));
    }

    /// The engine asks about the manual step (method step 2).
    fn ask_manual(&mut self) {
        let (reply, rx) = oneshot::channel();
        self.replies.push(rx);
        let proposal = Proposal {
            phase: Phase::Method,
            index: 1,
            name: "page-the-on-call".into(),
            preview: manual_step(),
            manual: true,
        };
        self.app.propose(Pending { proposal, reply });
    }

    /// The manual step has waited `secs` (the console measures from when it
    /// was asked; tests move that moment back instead of sleeping).
    fn waited(&mut self, secs: u64) {
        let since = Instant::now().checked_sub(Duration::from_secs(secs)).expect("a clock that old");
        self.app.pending_since = Some(since);
        self.app.frozen_now = Some(since + Duration::from_secs(secs));
    }

    fn press(&mut self, c: char) {
        self.app.on_key(KeyEvent::new_with_kind(KeyCode::Char(c), KeyModifiers::NONE, KeyEventKind::Press));
    }

    fn render(&self, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|f| {
                gameday::tui::views::draw(f, &self.app);
            })
            .unwrap();
        screen_text(terminal.backend().buffer())
    }

    fn events(&self) -> Vec<Value> {
        events_in(self.dir.path())
    }
}

fn events_in(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The run at T+12m: the injection done, the manual step waiting.
fn manual_waiting() -> Console {
    let mut c = Console::new(&playbook("informed-in-advance"));
    c.event(1, 0.0, EventBody::PhaseChanged { phase: Phase::Method });
    c.event(2, 720.0, EventBody::Proposal { phase: Phase::Method, index: 1, name: "page-the-on-call".into() });
    c.ask_manual();
    c
}

#[test]
fn a_manual_step_in_progress_and_overrun() {
    let mut c = manual_waiting();
    c.waited(90);
    let s = c.render(80, 24);
    for needle in [
        "manual · page-the-on-call",
        "Page the payments on-call",
        "latency dashboard",
        "⏱ 3m30s left of 5m",
        "Planned at T+00:10:00 · now T+00:12:00",
    ] {
        assert!(s.contains(needle), "{needle:?} is on the card:\n{s}");
    }
    insta::assert_snapshot!("manual_step_in_progress_80x24", s);
    insta::assert_snapshot!("manual_step_in_progress_120x40", c.render(120, 40));

    c.waited(6 * 60 + 20);
    let s = c.render(80, 24);
    assert!(s.contains("⏱ TIME BOX OVERRUN by 1m20s (5m planned)"), "{s}");
    insta::assert_snapshot!("manual_step_overrun_80x24", s);
    insta::assert_snapshot!("manual_step_overrun_120x40", c.render(120, 40));
}

#[test]
fn the_time_box_warns_at_80_percent_and_records_the_overrun_once() {
    let mut c = manual_waiting();
    let timeboxes = |c: &Console| -> Vec<Value> { c.events().into_iter().filter(|e| e["kind"] == "timebox").collect() };
    // 3m50s of 5m is under 80 %: nothing yet.
    c.app.pending_since = Instant::now().checked_sub(Duration::from_secs(230));
    c.app.check_timeboxes();
    assert!(timeboxes(&c).is_empty(), "{:?}", timeboxes(&c));
    // 4m01s: the warning, recorded once however often the console ticks.
    c.app.pending_since = Instant::now().checked_sub(Duration::from_secs(241));
    c.app.check_timeboxes();
    c.app.check_timeboxes();
    let tb = timeboxes(&c);
    assert_eq!(tb.len(), 1, "{tb:?}");
    assert_eq!(
        (tb[0]["name"].as_str(), tb[0]["state"].as_str(), tb[0]["limit"].as_f64()),
        (Some("page-the-on-call"), Some("warning"), Some(300.0))
    );
    assert!(tb[0]["elapsed"].as_f64().is_some_and(|e| (240.0..250.0).contains(&e)), "{}", tb[0]);
    // 5m05s: the overrun, once.
    c.app.pending_since = Instant::now().checked_sub(Duration::from_secs(305));
    c.app.check_timeboxes();
    c.app.check_timeboxes();
    let tb = timeboxes(&c);
    assert_eq!(tb.len(), 2, "{tb:?}");
    assert_eq!(tb[1]["state"], "overrun");
    assert!(tb[1]["elapsed"].as_f64().is_some_and(|e| e >= 300.0), "{}", tb[1]);
    // An overrun warns; it decides nothing: the step still waits.
    assert!(c.app.pending.is_some());
    assert!(c.replies[0].try_recv().is_err());
}

#[test]
fn suspending_the_clock_freezes_t_plus_and_both_are_recorded() {
    let mut c = manual_waiting();
    c.press('p');
    let frozen = c.rec.t_plus();
    assert!(c.app.suspended.is_some());
    assert!(c.render(80, 24).lines().next().unwrap_or("").contains("SUSPENDED"), "{}", c.render(80, 24));
    // While suspended, Enter decides nothing: the room has stopped.
    c.app.on_key(KeyEvent::new_with_kind(KeyCode::Enter, KeyModifiers::NONE, KeyEventKind::Press));
    assert!(c.app.pending.is_some() && c.replies[0].try_recv().is_err(), "no decision while suspended");
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(c.rec.t_plus(), frozen, "T+ stands still while suspended");
    c.press('p');
    assert!(c.app.suspended.is_none());
    let after_resume = c.rec.t_plus();
    assert!(after_resume - frozen < 0.1, "T+ continues from where it stopped: {frozen} → {after_resume}");
    // The next event: its wall clock moved on by the pause, its T+ did not.
    c.rec.record(EventBody::Warning { message: "after the pause".into() }).unwrap();

    let evs = c.events();
    let find = |k: &str| evs.iter().find(|e| e["kind"] == k).unwrap_or_else(|| panic!("no {k}: {evs:#?}"));
    let (suspended, resumed, later) = (find("clock_suspended"), find("clock_resumed"), find("warning"));
    assert_eq!(suspended["who"], "alice");
    assert_eq!(resumed["who"], "alice");
    let paused = resumed["suspended"].as_f64().unwrap();
    assert!((0.4..2.0).contains(&paused), "the pause is recorded with its length: {paused}");
    let wall = |e: &Value| DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).unwrap();
    let wall_gap = (wall(later) - wall(suspended)).num_milliseconds() as f64 / 1000.0;
    let t_gap = later["t"].as_f64().unwrap() - suspended["t"].as_f64().unwrap();
    assert!(wall_gap >= 0.4, "{wall_gap}");
    assert!(t_gap < 0.1, "T+ excludes the suspended time: {t_gap}s of T+ across {wall_gap}s of wall clock");
    // Decisions work again.
    c.app.on_key(KeyEvent::new_with_kind(KeyCode::Enter, KeyModifiers::NONE, KeyEventKind::Press));
    if c.app.pending.is_some() {
        // The console may ask for an optional outcome note first.
        c.app.on_key(KeyEvent::new_with_kind(KeyCode::Enter, KeyModifiers::NONE, KeyEventKind::Press));
    }
    assert_eq!(c.replies[0].try_recv().map(|d| d.kind), Ok(DecisionKind::Done));
}

/// What the console records for a dungeons-and-dragons run up to the manual
/// step: the injection confirmed, run, its output, then the manual step asked.
fn dnd_events() -> Vec<Event> {
    let doc = playbook("dungeons-and-dragons");
    let inject = doc["method"][0].clone();
    let bodies = vec![
        (
            0.0,
            EventBody::SessionStarted {
                experiment: doc,
                source: "payments.yaml".into(),
                mode: "console".into(),
                platform: "linux".into(),
                node: "n".into(),
                facilitator: Some("alice".into()),
                argv: vec!["gameday".into(), "run".into(), "payments.yaml".into()],
                cwd: String::new(),
                source_sha256: None,
            },
        ),
        (0.0, EventBody::PhaseChanged { phase: Phase::Method }),
        (1.0, EventBody::Proposal { phase: Phase::Method, index: 0, name: INJECT.into() }),
        (
            2.0,
            EventBody::Decision {
                phase: Phase::Method,
                index: 0,
                name: INJECT.into(),
                decision: DecisionKind::Confirm,
                who: "alice".into(),
                reason: None,
            },
        ),
        (
            2.0,
            EventBody::ActivityStarted {
                run: 1,
                phase: Phase::Method,
                index: 0,
                activity: inject,
                start: String::new(),
            },
        ),
        (
            2.5,
            EventBody::ActivityFinished {
                run: 1,
                output: json!({"status": 0, "stdout": "netem delay 800ms on eth0\n", "stderr": ""}),
                status: Some("succeeded".into()),
                exception: None,
                end: String::new(),
                duration: 0.5,
                tolerance_met: None,
                gameday: None,
            },
        ),
        (600.0, EventBody::Proposal { phase: Phase::Method, index: 1, name: "page-the-on-call".into() }),
    ];
    bodies.into_iter().enumerate().map(|(i, (t, b))| at(i as u64 + 1, t, b)).collect()
}

fn watch_view(participant: bool) -> String {
    let mut filter = if participant { ParticipantFilter::from_style() } else { ParticipantFilter::new(false) };
    let kept: Vec<Event> = dnd_events().into_iter().filter_map(|e| filter.filter(e)).collect();
    let experiment = kept
        .iter()
        .find_map(|e| match &e.body {
            EventBody::SessionStarted { experiment, .. } => Some(experiment.clone()),
            _ => None,
        })
        .expect("session_started passes the filter");
    let opts = WatchOptions {
        session_dir: PathBuf::from("/srv/gameday/sessions/2025-06-14-payments"),
        allow_stop: false,
        participant,
        who: "pat".into(),
        keymap: Keymap::default(),
        before: false,
        after: false,
    };
    let mut w = Watch::new(opts, &experiment, &filter).unwrap();
    for ev in kept {
        w.apply(ev);
    }
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| {
            gameday::tui::watch::draw::draw(f, &w);
        })
        .unwrap();
    screen_text(terminal.backend().buffer())
}

#[test]
fn the_participant_view_of_a_dungeons_and_dragons_run_shows_no_method() {
    let players = watch_view(true);
    for secret in [INJECT, "netem", "800ms", "qdisc", "eth0"] {
        assert!(!players.contains(secret), "{secret:?} is shown to participants:\n{players}");
    }
    assert!(players.contains("page-the-on-call"), "the manual step stays visible:\n{players}");
    assert!(players.contains("hidden step 1"), "the hidden step keeps its place:\n{players}");
    insta::assert_snapshot!("participant_view_dnd_80x24", players);

    // The facilitator's view of the same events shows the method.
    let facilitator = watch_view(false);
    assert!(facilitator.contains(INJECT), "{facilitator}");
}
