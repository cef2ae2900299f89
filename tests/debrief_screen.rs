//! The Debrief screen: snapshots of what the facilitator sees after a run
//! (verdict, response times, weaknesses, questions, action items), and what
//! its follow-ups write — action items, answers and backlog cards — read
//! back from the session's `events.jsonl` and the backlog file.
//!
//! The harness is a trimmed copy of `tui_snapshots.rs`: events are applied
//! to `App` directly with fixed times; what the console itself records goes
//! through the real recorder into a temporary session directory, and is fed
//! back to the `App` the way the event loop would (`pump`).
//!
//! To (re)write the snapshots: `INSTA_UPDATE=always cargo test --test
//! debrief_screen`, read every `.snap`, then run again without the variable.
use chrono::{DateTime, TimeZone, Utc};
use gameday::engine::StopHandle;
use gameday::model::backlog::{Backlog, Status};
use gameday::session::recorder::Update;
use gameday::session::{Durability, Event, EventBody, EventLog, Phase, Recorder, read_events};
use gameday::tui::App;
use gameday::tui::app::{Modal, Screen};
use gameday::tui::keymap::Keymap;
use gameday::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde_json::{Value, json};
use std::sync::Arc;
use tempfile::TempDir;
use tokio::sync::mpsc::UnboundedReceiver;

const TITLE: &str = "Orders survive losing a replica";

fn experiment() -> Value {
    json!({
        "title": TITLE,
        "where": {"environment": "staging-eu"},
        "hypothesis": {"statement": "Checkout keeps working", "backlog": "QUEUE-BACKLOG"},
        "steady-state-hypothesis": {"title": "Checkout is healthy", "probes": [
            {"type": "probe", "name": "orders-api-responds", "tolerance": 200,
             "provider": {"type": "http", "url": "http://127.0.0.1:8080/health"}}
        ]},
        "method": [
            {"type": "action", "name": "drain-orders-replica",
             "provider": {"type": "http", "method": "POST", "url": "http://127.0.0.1:8080/drain"}}
        ],
        "rollbacks": []
    })
}

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 14, 9, 0, 0).unwrap()
}

struct Console {
    app: App,
    seq: u64,
    updates: UnboundedReceiver<Update>,
    _stop: StopHandle,
    /// The directory the run was started in: the playbook is `playbooks/day.yaml` in it.
    root: TempDir,
}

impl Console {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let session = root.path().join("sessions/2025-06-14-orders");
        std::fs::create_dir_all(&session).unwrap();
        std::fs::create_dir_all(root.path().join("playbooks")).unwrap();
        let log = EventLog::create(&session.join("events.jsonl"), Durability::EveryEvent).unwrap();
        let rec = Arc::new(Recorder::new(log));
        let updates = rec.subscribe();
        let stop = StopHandle::new();
        let app = App::new(
            &experiment(),
            true,
            true,
            Keymap::default(),
            Theme::plain(),
            "alice".into(),
            session,
            rec,
            stop.clone(),
        );
        let mut c = Self { app, seq: 0, updates, _stop: stop, root };
        let cwd = c.root.path().display().to_string();
        c.event(
            0.0,
            EventBody::SessionStarted {
                experiment: experiment(),
                source: "playbooks/day.yaml".into(),
                mode: "console".into(),
                platform: "linux".into(),
                node: "test".into(),
                facilitator: Some("alice".into()),
                argv: vec![],
                cwd,
                source_sha256: None,
            },
        );
        c
    }

    fn event(&mut self, t: f64, body: EventBody) {
        self.seq += 1;
        let at = epoch() + chrono::Duration::milliseconds((t * 1000.0) as i64);
        self.app.apply(Update::Event(Event { seq: self.seq, at, t, body }));
    }

    fn note(&mut self, t: f64, id: u64, kind: &str, text: &str, owner: Option<&str>, due: Option<&str>) {
        self.event(
            t,
            EventBody::Observation {
                id,
                kind: kind.into(),
                text: text.into(),
                author: if kind == "question" { "bob".into() } else { "alice".into() },
                step: None,
                owner: owner.map(str::to_string),
                due: due.map(str::to_string),
            },
        );
    }

    /// What the console recorded, applied to it as the event loop would.
    fn pump(&mut self) {
        while let Ok(u) = self.updates.try_recv() {
            self.app.apply(u);
        }
    }

    fn press(&mut self, code: KeyCode) {
        let m = if matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        self.app.on_key(KeyEvent::new_with_kind(code, m, KeyEventKind::Press));
        self.pump();
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    /// Observations recorded by the console (not the scripted ones).
    fn recorded(&self) -> Vec<EventBody> {
        let out = read_events(&self.app.session_dir.join("events.jsonl")).unwrap();
        out.events.into_iter().map(|e| e.body).filter(|b| matches!(b, EventBody::Observation { .. })).collect()
    }

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

/// A run that deviated: two weaknesses, two questions (one answered), two
/// action items (one without an owner), detected and diagnosed milestones.
fn after_the_run() -> Console {
    let mut c = Console::new();
    c.event(0.0, EventBody::PhaseChanged { phase: Phase::Before });
    c.event(5.0, EventBody::HypothesisFinished { phase: Phase::Before, met: Some(true) });
    c.event(10.0, EventBody::PhaseChanged { phase: Phase::Method });
    c.event(
        60.0,
        EventBody::ActivityStarted {
            run: 1,
            phase: Phase::Method,
            index: 0,
            activity: experiment()["method"][0].clone(),
            start: "2025-06-14T09:01:00".into(),
        },
    );
    let lag =
        "Nobody noticed the order queue backing up for four minutes: the lag alert goes to a channel nobody watches";
    c.note(250.0, 1, "weakness", lag, None, None);
    c.note(280.0, 2, "weakness", "The worker restart runbook points at the old cluster", None, None);
    c.note(300.0, 3, "question", "Who owns the pager rotation for the orders team?", None, None);
    c.event(310.0, EventBody::Milestone { milestone: "detected".into(), author: "alice".into() });
    c.note(330.0, 4, "question", "Why did the retry budget not kick in?", None, None);
    c.event(420.0, EventBody::Milestone { milestone: "diagnosed".into(), author: "alice".into() });
    c.note(
        500.0,
        5,
        "action",
        "Send the lag alert to the on-call channel (from weakness #1, T+00:04:10)",
        Some("carol"),
        Some("2025-06-30"),
    );
    c.note(510.0, 6, "action", "Update the runbook", None, None);
    c.note(520.0, 7, "note", "Answer to question #3 (asked at T+00:05:00): Dana, since May", None, None);
    c.event(600.0, EventBody::PhaseChanged { phase: Phase::After });
    c.event(610.0, EventBody::HypothesisFinished { phase: Phase::After, met: Some(false) });
    c.event(
        620.0,
        EventBody::RunFinished { status: "completed".into(), deviated: true, end: "x".into(), duration: 620.0 },
    );
    c.event(620.0, EventBody::PhaseChanged { phase: Phase::Ended });
    c.app.flash = None;
    c
}

fn snap_both(c: &Console, name: &str) {
    insta::assert_snapshot!(format!("{name}_80x24"), c.render(80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), c.render(120, 40));
}

#[test]
fn the_run_screen_suggests_the_debrief_once_the_run_has_ended() {
    let c = after_the_run();
    let screen = c.render(120, 40);
    assert!(screen.contains("d debrief"), "{screen}");
    assert!(screen.lines().next().unwrap().contains("│ Debrief │"), "{screen}");
}

#[test]
fn debrief_lists_the_findings() {
    let mut c = after_the_run();
    c.press(KeyCode::Char('d'));
    assert_eq!(c.app.screen, Screen::Debrief);
    snap_both(&c, "debrief_weaknesses");
    // Tab to the questions: #3, the answered one, is selected first.
    c.press(KeyCode::Tab);
    snap_both(&c, "debrief_questions");
    c.press(KeyCode::Tab);
    c.press(KeyCode::Down);
    insta::assert_snapshot!("debrief_actions_120x40", c.render(120, 40));
    c.press(KeyCode::Char('d'));
    assert_eq!(c.app.screen, Screen::Run);
}

#[test]
fn an_action_item_made_from_a_weakness_has_owner_due_and_its_source() {
    let mut c = after_the_run();
    c.press(KeyCode::Char('d'));
    c.press(KeyCode::Down); // weakness #2
    c.press(KeyCode::Char('i'));
    assert!(matches!(c.app.modal, Modal::Note(_)));
    insta::assert_snapshot!("debrief_action_item_editor_80x24", c.render(80, 24));
    c.type_text("erin");
    c.press(KeyCode::Tab);
    c.type_text("2025-07-04");
    c.press(KeyCode::Enter);
    assert!(c.app.modal.is_none());
    let last = c.recorded().pop().expect("a note was recorded");
    let EventBody::Observation { kind, text, owner, due, step, .. } = last else { unreachable!() };
    assert_eq!(kind, "action");
    assert_eq!(text, "The worker restart runbook points at the old cluster (from weakness #2, T+00:04:40)");
    assert_eq!((owner.as_deref(), due.as_deref(), step), (Some("erin"), Some("2025-07-04"), None));
    // The Debrief shows the follow-up on the weakness and the new action item.
    assert_eq!(c.app.debrief.follow_ups.get(&2).map(Vec::as_slice), Some(&["action #8".to_string()][..]));
    assert_eq!(c.app.debrief.of(gameday::tui::debrief::List::Actions).len(), 3);
}

#[test]
fn answering_a_question_records_the_answer() {
    let mut c = after_the_run();
    c.press(KeyCode::Char('d'));
    c.press(KeyCode::Tab);
    c.press(KeyCode::Down); // question #4
    c.press(KeyCode::Char('A'));
    assert!(matches!(c.app.modal, Modal::Debrief(_)));
    c.type_text("the budget is per pod!");
    c.press(KeyCode::Enter);
    assert!(c.app.modal.is_none(), "the `!` is text in the answer, not STOP");
    assert!(!c.app.stopped);
    let EventBody::Observation { kind, text, .. } = c.recorded().pop().unwrap() else { unreachable!() };
    assert_eq!(kind, "note");
    assert_eq!(text, "Answer to question #4 (asked at T+00:05:30): the budget is per pod!");
    assert_eq!(c.app.debrief.answers.get(&4).map(String::as_str), Some("the budget is per pod!"));
    assert!(c.render(120, 40).contains("✔ answered: the budget is per pod!"));
    // A weakness cannot be answered.
    c.press(KeyCode::Tab);
    c.press(KeyCode::Tab);
    c.press(KeyCode::Char('A'));
    assert!(c.app.modal.is_none());
    assert!(c.app.flash.as_deref().unwrap_or("").contains("Select a question"));
}

fn card_id(note: u64) -> String {
    let date = epoch().with_timezone(&chrono::Local).format("%Y%m%d");
    format!("GD-{date}-{note}")
}

#[test]
fn a_weakness_goes_to_the_backlog_beside_the_playbook_keeping_its_comments() {
    let mut c = after_the_run();
    let file = c.root.path().join("playbooks/backlog.yaml");
    let original = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/playbooks/backlog.yaml")).unwrap();
    std::fs::write(&file, &original).unwrap();
    let before = Backlog::load(&file).unwrap();
    c.press(KeyCode::Char('d'));
    c.press(KeyCode::Char('b'));
    assert!(c.app.modal.is_none(), "an existing backlog is appended to without asking");
    let id = card_id(1);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with(&original), "the earlier text, comments included, is kept as it was");
    let after = Backlog::load(&file).expect("the backlog still loads");
    assert_eq!(after.cards.len(), before.cards.len() + 1);
    for card in &before.cards {
        assert_eq!(after.card(&card.id), Some(card));
    }
    let card = after.card(&id).expect("the new card");
    assert!(card.description.starts_with("Nobody noticed the order queue"));
    assert_eq!(card.status, Status::Backlog);
    assert_eq!(card.links, vec![c.app.session_dir.display().to_string()]);
    assert!(text.contains(&format!("origin: \"Game Day {TITLE}, 2025-06-14\"")), "{text}");
    // The event says which file and which card, and the Debrief shows it.
    let EventBody::Observation { kind, text, .. } = c.recorded().pop().unwrap() else { unreachable!() };
    assert_eq!(kind, "note");
    assert!(text.starts_with(&format!("Added card {id} to the backlog ")), "{text}");
    assert!(text.contains("backlog.yaml (from weakness #1, T+00:04:10)"), "{text}");
    assert_eq!(c.app.flash.as_deref(), Some(format!("Card {id} added to {}", file.display()).as_str()));
    assert!(c.app.debrief.follow_ups[&1].contains(&format!("card {id}")));
    // Twice is a second card, never a clash of ids.
    c.press(KeyCode::Char('b'));
    let again = Backlog::load(&file).unwrap();
    assert!(again.card(&format!("{id}-2")).is_some());
}

#[test]
fn without_a_backlog_the_path_is_asked_and_the_file_created() {
    let mut c = after_the_run();
    c.press(KeyCode::Char('d'));
    c.press(KeyCode::Tab);
    c.press(KeyCode::Char('b'));
    assert!(matches!(c.app.modal, Modal::Debrief(_)));
    let file = c.root.path().join("playbooks/backlog.yaml");
    assert!(!file.exists(), "nothing is created before it is confirmed");
    let screen = c.render(120, 40);
    assert!(screen.contains("No backlog yet — create this file?"), "{screen}");
    assert!(screen.contains("playbooks/backlog.yaml"), "{screen}");
    c.press(KeyCode::Enter);
    let b = Backlog::load(&file).expect("a new backlog that loads");
    assert_eq!(b.cards.len(), 1);
    assert_eq!(b.cards[0].id, card_id(3));
    assert_eq!(b.cards[0].description, "Who owns the pager rotation for the orders team?");
    assert!(matches!(c.recorded().pop(), Some(EventBody::Observation { .. })));
}
