//! Snapshot tests of the Run console: the `App` is driven purely by data
//! (engine events, live output, a waiting decision, key presses) and drawn
//! into ratatui's `TestBackend`. The snapshots are the screen's characters,
//! line by line, without colours (`Theme::plain()`), so they read like what a
//! facilitator sees on a monochrome terminal.
//!
//! Every event carries a fixed `t`/`at`, so nothing in a frame depends on the
//! wall clock — except the running step's elapsed timer, which the console
//! reads `App::now`, frozen by `freeze_elapsed`.
//!
//! Snapshots live in `tests/snapshots/`. To (re)write them after a deliberate
//! change: `INSTA_UPDATE=always cargo test --test tui_snapshots`, look at each
//! `.snap` as a user would, then run again without the variable.
use chrono::{DateTime, TimeZone, Utc};
use gameday::engine::substitute::{Scope, substitute};
use gameday::engine::{Decision, Proposal, StopHandle};
use gameday::providers::Stream;
use gameday::session::event::DecisionKind;
use gameday::session::recorder::{Masker, Update};
use gameday::session::{Durability, Event, EventBody, EventLog, Phase, Recorder};
use gameday::tui::App;
use gameday::tui::app::{Modal, Pending, Screen};
use gameday::tui::keymap::{Action, Keymap};
use gameday::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use tempfile::TempDir;
use tokio::sync::oneshot;

/// The secret the http action sends; it must never appear on screen.
const TOKEN: &str = "s3cr3t-t0ken-9f2c";

/// A small but realistic Game Day experiment: two SSH probes (shown before
/// and after), three method steps and one rollback, with `${}` references
/// to configuration and to a secret.
fn experiment() -> Value {
    json!({
        "version": "1.0.0",
        "title": "Orders survive losing a replica",
        "description": "Drain one orders replica and restart its worker; checkout keeps working.",
        "where": {"environment": "staging-eu"},
        "configuration": {"base_url": "http://127.0.0.1:8080", "replica": "2"},
        "secrets": {"orders": {"api_token": TOKEN}},
        "steady-state-hypothesis": {
            "title": "Checkout is healthy",
            "probes": [
                {
                    "type": "probe",
                    "name": "orders-api-responds",
                    "tolerance": 200,
                    "provider": {"type": "http", "url": "${base_url}/health", "timeout": 3}
                },
                {
                    "type": "probe",
                    "name": "error-rate-below-1pct",
                    "tolerance": {"type": "regex", "pattern": "^0\\.[0-9]%", "target": "stdout"},
                    "provider": {"type": "process", "path": "./scripts/error-rate.sh", "arguments": ["--window", "5m"]}
                }
            ]
        },
        "method": [
            {
                "type": "action",
                "name": "drain-orders-replica",
                "provider": {
                    "type": "http",
                    "method": "POST",
                    "url": "${base_url}/admin/replicas/${replica}/drain",
                    "headers": {"Authorization": "Bearer ${api_token}"},
                    "timeout": 10
                }
            },
            {
                "type": "action",
                "name": "restart-worker",
                "provider": {
                    "type": "process",
                    "path": "./scripts/restart-worker.sh",
                    "arguments": ["--replica", "2"],
                    "timeout": 30
                }
            },
            {
                "type": "probe",
                "name": "queue-depth",
                "provider": {"type": "process", "path": "./scripts/queue-depth.sh"}
            }
        ],
        "rollbacks": [
            {
                "type": "action",
                "name": "undrain-orders-replica",
                "provider": {
                    "type": "http",
                    "method": "POST",
                    "url": "${base_url}/admin/replicas/${replica}/undrain",
                    "headers": {"Authorization": "Bearer ${api_token}"}
                }
            }
        ]
    })
}

/// The activity at a step of the experiment (SSH probes serve before and after).
fn activity(phase: Phase, index: usize) -> Value {
    let x = experiment();
    let list = match phase {
        Phase::Before | Phase::After => &x["steady-state-hypothesis"]["probes"],
        Phase::Method => &x["method"],
        Phase::Rollbacks => &x["rollbacks"],
        other => panic!("no activities in {other:?}"),
    };
    list[index].clone()
}

/// What the engine shows for a decision: the provider substituted and its
/// secrets masked, computed with the crate's own substitution and masker.
fn preview(activity: &Value) -> Value {
    let x = experiment();
    let configuration = x["configuration"].as_object().cloned().unwrap_or_default();
    let secrets = x["secrets"].as_object().cloned().unwrap_or_default();
    let scope = Scope::new(&configuration, &secrets);
    let masker = Masker::new(vec![TOKEN.to_string()]);
    let mut p = activity.clone();
    let provider = masker.mask(&substitute(&activity["provider"], &scope));
    p["provider"] = provider;
    p
}

/// When the session started; every event is this plus its T+.
fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 14, 9, 0, 0).unwrap()
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new_with_kind(code, modifiers, KeyEventKind::Press)
}

/// An App plus what it needs to stay alive, and a fixed clock of events.
struct Console {
    app: App,
    stop: StopHandle,
    seq: u64,
    /// Keeps the decision channels open, as the engine would.
    replies: Vec<oneshot::Receiver<Decision>>,
    _dir: TempDir,
}

impl Console {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::create(&dir.path().join("events.jsonl"), Durability::EveryEvent).unwrap();
        let stop = StopHandle::new();
        let app = App::new(
            &experiment(),
            true,
            true,
            Keymap::default(),
            Theme::plain(),
            "alice".into(),
            // Shown in help: a fixed path, not the temporary directory.
            PathBuf::from("/srv/gameday/sessions/2025-06-14-orders"),
            Arc::new(Recorder::new(log)),
            stop.clone(),
        );
        Self { app, stop, seq: 0, replies: Vec::new(), _dir: dir }
    }

    fn event(&mut self, t: f64, body: EventBody) {
        self.seq += 1;
        let at = epoch() + chrono::Duration::milliseconds((t * 1000.0) as i64);
        self.app.apply(Update::Event(Event { seq: self.seq, at, t, body }));
    }

    fn phase(&mut self, t: f64, phase: Phase) {
        self.event(t, EventBody::PhaseChanged { phase });
    }

    fn started(&mut self, t: f64, run: u64, phase: Phase, index: usize) {
        let start =
            (epoch() + chrono::Duration::milliseconds((t * 1000.0) as i64)).format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
        self.event(t, EventBody::ActivityStarted { run, phase, index, activity: activity(phase, index), start });
    }

    #[allow(clippy::too_many_arguments)]
    fn finished(
        &mut self,
        t: f64,
        run: u64,
        status: Option<&str>,
        output: Value,
        exception: Option<Vec<String>>,
        duration: f64,
        tolerance_met: Option<bool>,
        gameday: Option<Value>,
    ) {
        let end =
            (epoch() + chrono::Duration::milliseconds((t * 1000.0) as i64)).format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
        self.event(
            t,
            EventBody::ActivityFinished {
                run,
                output,
                status: status.map(str::to_string),
                exception,
                end,
                duration,
                tolerance_met,
                gameday,
            },
        );
    }

    /// A plain success.
    fn ok(&mut self, t: f64, run: u64, output: Value, duration: f64, met: Option<bool>) {
        self.finished(t, run, Some("succeeded"), output, None, duration, met, None);
    }

    /// The engine asks about a step: its Proposal event, then the question.
    fn ask(&mut self, t: f64, phase: Phase, index: usize) {
        let a = activity(phase, index);
        let name = a["name"].as_str().unwrap_or_default().to_string();
        self.event(t, EventBody::Proposal { phase, index, name: name.clone() });
        let (reply, rx) = oneshot::channel();
        self.replies.push(rx);
        self.app
            .propose(Pending { proposal: Proposal { phase, index, name, preview: preview(&a), manual: false }, reply });
    }

    /// The answer as the engine records it (the console's own `pending` is
    /// cleared the way a key press would: by taking it).
    fn decided(&mut self, t: f64, phase: Phase, index: usize, decision: DecisionKind, reason: Option<&str>) {
        self.app.pending = None;
        let name = activity(phase, index)["name"].as_str().unwrap_or_default().to_string();
        self.event(
            t,
            EventBody::Decision {
                phase,
                index,
                name,
                decision,
                who: "alice".into(),
                reason: reason.map(str::to_string),
            },
        );
    }

    fn note(&mut self, t: f64, id: u64, kind: &str, author: &str, text: &str) {
        self.event(
            t,
            EventBody::Observation {
                id,
                kind: kind.into(),
                text: text.into(),
                author: author.into(),
                step: None,
                owner: None,
                due: None,
            },
        );
    }

    fn live(&mut self, run: u64, stream: Stream, text: &str) {
        self.app.apply(Update::Live { run, stream, text: text.into() });
    }

    fn press(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        self.app.on_key(key(code, modifiers));
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    /// The running step's elapsed timer reads `Instant::now()`; a snapshot
    /// cannot. Pin it to a fixed value (the console then shows it with two
    /// decimals instead of one; the word stays "running").
    fn freeze_elapsed(&mut self, secs: f64) {
        // The console reads "now" through `App::now`, which tests can freeze.
        let started = std::time::Instant::now();
        self.app.output.started = Some(started);
        self.app.frozen_now = Some(started + std::time::Duration::from_secs_f64(secs));
    }

    /// The screen's characters, one line per row, trailing blanks trimmed.
    fn render(&self, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|f| {
                gameday::tui::views::draw(f, &self.app);
            })
            .unwrap();
        let buf = terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let mut line = String::new();
            for x in 0..buf.area.width {
                line.push_str(buf[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Snapshot a state at both required sizes.
fn snap_both(c: &Console, name: &str) {
    insta::assert_snapshot!(format!("{name}_80x24"), c.render(80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), c.render(120, 40));
}

// ---------------------------------------------------------------------------
// The run, step by step. Each function continues from the previous one.
// ---------------------------------------------------------------------------

/// The before-hypothesis passed; the first method action waits for a decision.
fn waiting() -> Console {
    let mut c = Console::new();
    c.phase(0.0, Phase::Before);
    c.event(0.0, EventBody::HypothesisStarted { phase: Phase::Before });
    c.started(0.2, 1, Phase::Before, 0);
    c.ok(
        0.3,
        1,
        json!({"status": 200, "headers": {"content-type": "application/json"}, "body": {"status": "ok"}}),
        0.08,
        Some(true),
    );
    c.started(0.3, 2, Phase::Before, 1);
    c.ok(0.9, 2, json!({"status": 0, "stdout": "0.2%\n", "stderr": ""}), 0.61, Some(true));
    c.event(0.9, EventBody::HypothesisFinished { phase: Phase::Before, met: Some(true) });
    c.note(1.5, 1, "observation", "bob", "Dashboards green, p99 checkout 180 ms");
    c.phase(2.0, Phase::Method);
    c.ask(2.1, Phase::Method, 0);
    c
}

/// The drain ran; the worker restart is running and printing.
fn running() -> Console {
    let mut c = waiting();
    c.decided(14.2, Phase::Method, 0, DecisionKind::Confirm, None);
    c.started(14.2, 3, Phase::Method, 0);
    c.ok(14.5, 3, json!({"status": 202, "headers": {}, "body": {"drained": true, "replica": 2}}), 0.31, None);
    c.ask(15.0, Phase::Method, 1);
    c.decided(19.0, Phase::Method, 1, DecisionKind::Confirm, None);
    c.started(19.1, 4, Phase::Method, 1);
    c.live(4, Stream::Stdout, "stopping worker orders-worker-2\n");
    c.live(4, Stream::Stdout, "waiting for drain (3 jobs left)\n");
    c.live(4, Stream::Stderr, "warn: job 8812 retried\n");
    c.live(4, Stream::Stdout, "waiting for drain (1 job left)\n");
    c.event(21.0, EventBody::Milestone { milestone: "detected".into(), author: "bob".into() });
    c
}

/// The worker restart finished well.
fn succeeded() -> Console {
    let mut c = running();
    c.live(4, Stream::Stdout, "worker orders-worker-2 up after 11.9s\n");
    c.ok(
        31.4,
        4,
        json!({
            "status": 0,
            "stdout": "stopping worker orders-worker-2\nwaiting for drain (3 jobs left)\nwaiting for drain (1 job left)\nworker orders-worker-2 up after 11.9s\n",
            "stderr": "warn: job 8812 retried\n"
        }),
        12.3,
        None,
    );
    c
}

/// The worker restart timed out.
fn failed() -> Console {
    let mut c = running();
    c.finished(
        49.1,
        4,
        Some("failed"),
        Value::Null,
        Some(vec!["chaoslib.exceptions.ActivityFailed: process took too long to complete\n".into()]),
        30.0,
        None,
        None,
    );
    c
}

/// The worker restart was skipped, with a reason.
fn skipped() -> Console {
    let mut c = waiting();
    c.decided(14.2, Phase::Method, 0, DecisionKind::Confirm, None);
    c.started(14.2, 3, Phase::Method, 0);
    c.ok(14.5, 3, json!({"status": 202, "headers": {}, "body": {"drained": true, "replica": 2}}), 0.31, None);
    c.ask(15.0, Phase::Method, 1);
    let reason = "on-call already restarted the worker at 09:12";
    c.decided(22.4, Phase::Method, 1, DecisionKind::Skip, Some(reason));
    c.started(22.4, 4, Phase::Method, 1);
    c.finished(
        22.4,
        4,
        Some("succeeded"),
        Value::Null,
        None,
        0.0,
        None,
        Some(json!({"decision": "skip", "who": "alice", "reason": reason})),
    );
    c
}

/// The after-hypothesis missed its tolerance; rollbacks played; the run
/// ended completed but deviated.
fn deviated() -> Console {
    let mut c = succeeded();
    c.started(31.5, 5, Phase::Method, 2);
    c.ok(32.0, 5, json!({"status": 0, "stdout": "queue depth 1432\n", "stderr": ""}), 0.5, None);
    c.phase(32.1, Phase::After);
    c.event(32.1, EventBody::HypothesisStarted { phase: Phase::After });
    c.started(32.1, 6, Phase::After, 0);
    c.ok(32.2, 6, json!({"status": 200, "headers": {}, "body": {"status": "ok"}}), 0.07, Some(true));
    c.started(32.2, 7, Phase::After, 1);
    c.ok(32.9, 7, json!({"status": 0, "stdout": "4.7%\n", "stderr": ""}), 0.66, Some(false));
    c.event(32.9, EventBody::HypothesisFinished { phase: Phase::After, met: Some(false) });
    c.note(40.0, 2, "weakness", "bob", "Error rate stuck at 4.7%: retries pile up on the drained replica");
    c.phase(41.0, Phase::Rollbacks);
    c.ask(41.0, Phase::Rollbacks, 0);
    c.decided(47.5, Phase::Rollbacks, 0, DecisionKind::Confirm, None);
    c.started(47.5, 8, Phase::Rollbacks, 0);
    c.ok(47.8, 8, json!({"status": 200, "headers": {}, "body": {"drained": false, "replica": 2}}), 0.29, None);
    c.event(
        47.9,
        EventBody::RunFinished {
            status: "completed".into(),
            deviated: true,
            end: "2025-06-14T09:00:47.900000".into(),
            duration: 47.9,
        },
    );
    c.phase(47.9, Phase::Ended);
    c
}

/// STOP pressed while the worker restart ran; the step was interrupted and
/// the rollback waits for a decision.
fn stopped() -> Console {
    let mut c = running();
    c.press(KeyCode::F(12), KeyModifiers::NONE);
    assert!(matches!(c.app.modal, Modal::StopReason(_)));
    // The reason is optional and asked afterwards; skip it.
    c.press(KeyCode::Esc, KeyModifiers::NONE);
    c.event(22.3, EventBody::Stop { who: "alice".into(), source: "key".into(), reason: None });
    c.live(4, Stream::Info, "interrupted: process group terminated\n");
    c.finished(22.4, 4, None, Value::Null, None, 3.3, None, None);
    c.phase(22.4, Phase::Rollbacks);
    c.ask(22.5, Phase::Rollbacks, 0);
    c
}

// ---------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------

#[test]
fn run_waiting() {
    let c = waiting();
    let screen = c.render(120, 40);
    // The preview is substituted and the secret masked, never shown.
    assert!(screen.contains("POST http://127.0.0.1:8080/admin/replicas/2/drain"));
    assert!(screen.contains("Authorization: Bearer ***"));
    assert!(!screen.contains(TOKEN));
    snap_both(&c, "run_waiting");
}

#[test]
fn run_running() {
    let mut c = running();
    c.freeze_elapsed(4.2);
    assert!(c.render(120, 40).contains("waiting for drain (1 job left)"));
    snap_both(&c, "run_running");
}

#[test]
fn run_succeeded() {
    let c = succeeded();
    snap_both(&c, "run_succeeded");
}

#[test]
fn run_failed() {
    let c = failed();
    let screen = c.render(120, 40);
    // The output pane does not wrap, so the end of a long exception line is
    // cut off even at 120 columns ("…too long to complet"); only its start is
    // asserted until the pane wraps.
    assert!(screen.contains("ActivityFailed: process took too long"), "{screen}");
    snap_both(&c, "run_failed");
}

#[test]
fn run_skipped() {
    let c = skipped();
    snap_both(&c, "run_skipped");
}

#[test]
fn run_deviated() {
    let c = deviated();
    assert!(c.render(120, 40).contains("DEVIATED"));
    snap_both(&c, "run_deviated");
}

#[test]
fn run_stopped_rollback_waiting() {
    let c = stopped();
    assert_eq!(c.stop.count(), 1);
    snap_both(&c, "run_stopped_rollback_waiting");
}

#[test]
fn note_editor() {
    let mut c = running();
    c.freeze_elapsed(4.2);
    c.press(KeyCode::Char('n'), KeyModifiers::NONE);
    c.type_text("Checkout p99 jumped to 2.1 s; no alert fired!");
    assert!(matches!(c.app.modal, Modal::Note(_)));
    snap_both(&c, "note_editor");
}

#[test]
fn note_editor_action_item() {
    let mut c = running();
    c.freeze_elapsed(4.2);
    c.press(KeyCode::Char('n'), KeyModifiers::NONE);
    // observation → weakness → decision → question → action
    for _ in 0..4 {
        c.press(KeyCode::Char('t'), KeyModifiers::CONTROL);
    }
    c.type_text("Add an alert on checkout p99 above 1 s");
    c.press(KeyCode::Tab, KeyModifiers::NONE);
    c.type_text("sam");
    c.press(KeyCode::Tab, KeyModifiers::NONE);
    c.type_text("2025-07-01");
    snap_both(&c, "note_editor_action_item");
}

#[test]
fn help_overlay() {
    let mut c = waiting();
    c.press(KeyCode::Char('?'), KeyModifiers::NONE);
    assert!(matches!(c.app.modal, Modal::Help));
    snap_both(&c, "help_overlay");
}

#[test]
fn too_small_terminal() {
    let c = waiting();
    insta::assert_snapshot!("too_small_60x15", c.render(60, 15));
    insta::assert_snapshot!("too_small_20x5", c.render(20, 5));
}

#[test]
fn timeline_search() {
    let mut c = deviated();
    c.press(KeyCode::Char('t'), KeyModifiers::NONE);
    c.press(KeyCode::Char('/'), KeyModifiers::NONE);
    c.type_text("replica");
    c.press(KeyCode::Enter, KeyModifiers::NONE);
    assert!(c.app.modal.is_none());
    assert_eq!(c.app.timeline_query, "replica");
    snap_both(&c, "timeline_search");
}

/// The Report screen previews the report of the session on disk (here the
/// fixed session of the report golden tests), scrolls, and writes it out.
#[test]
fn report_preview_and_write() {
    let session = tempfile::tempdir().unwrap();
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/report/session-fixed/events.jsonl");
    std::fs::copy(&fixture, session.path().join("events.jsonl")).unwrap();
    let mut c = deviated();
    c.app.session_dir = session.path().to_path_buf();
    c.press(KeyCode::Char('r'), KeyModifiers::NONE);
    assert_eq!(c.app.screen, Screen::Report, "flash: {:?}", c.app.flash);
    assert!(c.app.report_lines.iter().any(|l| l.starts_with('#')), "a Markdown report");
    snap_both(&c, "report_preview");
    // Down moves into the report, Up back, never past either end.
    c.press(KeyCode::Down, KeyModifiers::NONE);
    c.press(KeyCode::Down, KeyModifiers::NONE);
    assert_eq!(c.app.report_scroll, 2);
    c.press(KeyCode::Up, KeyModifiers::NONE);
    c.press(KeyCode::Up, KeyModifiers::NONE);
    c.press(KeyCode::Up, KeyModifiers::NONE);
    assert_eq!(c.app.report_scroll, 0);
    for _ in 0..10_000 {
        c.press(KeyCode::PageDown, KeyModifiers::NONE);
    }
    assert_eq!(c.app.report_scroll, c.app.report_lines.len() - 1);
    c.press(KeyCode::Char('w'), KeyModifiers::NONE);
    assert!(session.path().join("report.md").is_file() && session.path().join("report.html").is_file());
    assert!(c.app.flash.as_deref().is_some_and(|f| f.starts_with("Wrote report.md")), "{:?}", c.app.flash);
    let written = std::fs::read_to_string(session.path().join("report.md")).unwrap();
    assert_eq!(written.lines().collect::<Vec<_>>(), c.app.report_lines, "the preview is the report written");
    c.press(KeyCode::Char('r'), KeyModifiers::NONE);
    assert_eq!(c.app.screen, Screen::Run);
}

#[test]
fn report_preview_of_a_missing_session_says_why() {
    let mut c = waiting();
    c.app.session_dir = PathBuf::from("/nonexistent/gameday-session");
    c.press(KeyCode::Char('r'), KeyModifiers::NONE);
    assert_eq!(c.app.screen, Screen::Run);
    assert!(c.app.flash.as_deref().is_some_and(|f| f.contains("cannot be made")), "{:?}", c.app.flash);
}

// ---------------------------------------------------------------------------
// Behaviour
// ---------------------------------------------------------------------------

/// The three STOP keys, as the terminal reports them.
fn stop_keys() -> [(&'static str, KeyEvent); 3] {
    [
        ("F12", key(KeyCode::F(12), KeyModifiers::NONE)),
        ("Ctrl-x", key(KeyCode::Char('x'), KeyModifiers::CONTROL)),
        ("!", key(KeyCode::Char('!'), KeyModifiers::SHIFT)),
    ]
}

#[test]
fn stop_keys_raise_stop_from_main_screen() {
    for (name, k) in stop_keys() {
        let mut c = running();
        c.app.on_key(k);
        assert_eq!(c.stop.count(), 1, "{name} on the main screen");
        let req = c.stop.request(1).unwrap();
        assert_eq!((req.who.as_str(), req.source.as_str()), ("alice", "key"));
        assert!(c.app.stopped, "{name}");
        // The reason is asked afterwards, never before.
        assert!(matches!(c.app.modal, Modal::StopReason(_)), "{name}");
    }
}

#[test]
fn stop_keys_in_note_editor() {
    for (name, k) in stop_keys() {
        let mut c = running();
        c.press(KeyCode::Char('n'), KeyModifiers::NONE);
        c.type_text("latency up");
        c.app.on_key(k);
        if name == "!" {
            // Typed into the note, not a STOP.
            assert_eq!(c.stop.count(), 0, "! in the note editor");
            match &c.app.modal {
                Modal::Note(ed) => assert_eq!(ed.text.lines().join("\n"), "latency up!"),
                _ => panic!("the note editor closed on '!'"),
            }
        } else {
            assert_eq!(c.stop.count(), 1, "{name} in the note editor");
            assert!(c.app.stopped, "{name}");
        }
    }
}

#[test]
fn stop_keys_from_help_overlay() {
    for (name, k) in stop_keys() {
        let mut c = waiting();
        c.press(KeyCode::Char('?'), KeyModifiers::NONE);
        assert!(matches!(c.app.modal, Modal::Help));
        c.app.on_key(k);
        assert_eq!(c.stop.count(), 1, "{name} over the help overlay");
        // A waiting decision is withdrawn: the engine sees the STOP.
        assert!(c.app.pending.is_none(), "{name}");
    }
}

#[test]
fn help_lists_every_action_with_its_keys() {
    let mut c = waiting();
    c.press(KeyCode::Char('?'), KeyModifiers::NONE);
    assert!(matches!(c.app.modal, Modal::Help));
    // Tall enough for the whole help text to fit.
    let screen = c.render(120, 40);
    let km = Keymap::default();
    for a in Action::ALL {
        let label = km.label(a);
        assert!(!label.is_empty(), "{a:?} has no key");
        let row = screen
            .lines()
            .find(|l| l.contains(a.describe()))
            .unwrap_or_else(|| panic!("help does not describe {a:?}:\n{screen}"));
        assert!(row.contains(&label), "help row for {a:?} lacks its keys '{label}': {row}");
    }
    // Rebinding shows in help: it is generated from the keymap.
    let mut overrides = std::collections::BTreeMap::new();
    overrides.insert(Action::Note, vec!["o".to_string(), "ctrl-n".to_string()]);
    c.app.keymap = Keymap::default().with_overrides(&overrides).unwrap();
    let screen = c.render(120, 40);
    let row = screen.lines().find(|l| l.contains(Action::Note.describe())).unwrap();
    assert!(row.contains("o/Ctrl-n"), "{row}");
}
