//! The console on a large session (1,000 steps, 100,000 observations): the
//! step list, the observation log and the Timeline build only the rows that
//! fit, so these check that what they show is still what a full list would
//! show — the selection on screen, the newest entries, the right counts.
use chrono::{TimeZone, Utc};
use gameday::engine::StopHandle;
use gameday::session::recorder::Update;
use gameday::session::{Durability, Event, EventBody, EventLog, Recorder};
use gameday::tui::App;
use gameday::tui::app::Screen;
use gameday::tui::keymap::Keymap;
use gameday::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

const STEPS: usize = 1000;
const OBSERVATIONS: u64 = 100_000;

fn big_app(dir: &tempfile::TempDir) -> App {
    let method: Vec<_> = (0..STEPS)
        .map(|i| json!({"type": "action", "name": format!("step-{i:04}"), "provider": {"type": "process", "path": "true"}}))
        .collect();
    let exp = json!({"title": "big", "description": "many steps", "method": method});
    let log = EventLog::create(&dir.path().join("events.jsonl"), Durability::Checkpoints).unwrap();
    let mut app = App::new(
        &exp,
        false,
        false,
        Keymap::default(),
        Theme::plain(),
        "bench".into(),
        PathBuf::from("/srv/gameday/sessions/big"),
        Arc::new(Recorder::new(log)),
        StopHandle::new(),
    );
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    for i in 0..OBSERVATIONS {
        let body = EventBody::Observation {
            id: i + 1,
            kind: "observation".into(),
            text: format!("observation {i}: p99 latency at {} ms", 200 + i % 50),
            author: "bench".into(),
            step: None,
            owner: None,
            due: None,
        };
        app.apply(Update::Event(Event { seq: i + 1, at, t: 1.0 + i as f64 * 0.01, body }));
    }
    app
}

fn render(app: &App, width: u16, height: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| {
            let _stop_button = gameday::tui::views::draw(f, app);
        })
        .unwrap();
    let buf = terminal.backend().buffer();
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect::<String>().trim_end().to_string())
        .collect()
}

/// Rows (screen line numbers) that show `text`.
fn rows_with(screen: &[String], text: &str) -> Vec<usize> {
    screen.iter().enumerate().filter(|(_, l)| l.contains(text)).map(|(i, _)| i).collect()
}

#[test]
fn step_list_shows_the_selection_wherever_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = big_app(&dir);
    // At the top: the phase heading, then the first steps in order.
    let top = render(&app, 120, 40);
    let first = rows_with(&top, "A step-0000")[0];
    assert_eq!(rows_with(&top, "A step-0001"), vec![first + 1]);
    assert!(top[first - 1].contains("Method"), "{top:#?}");
    // Deep in the list: the selected step is the pane's last row, its
    // predecessors above it, as ratatui's List shows a fresh selection.
    app.selected_step = 500;
    let mid = render(&app, 120, 40);
    let row = rows_with(&mid, "A step-0500");
    assert_eq!(row.len(), 1, "{mid:#?}");
    assert_eq!(rows_with(&mid, "A step-0499"), vec![row[0] - 1]);
    assert!(rows_with(&mid, "A step-0501").is_empty(), "{mid:#?}");
    assert!(rows_with(&mid, "A step-0000").is_empty());
    // The pane's bottom border is right below the selection.
    assert!(mid[row[0] + 1].starts_with('└'), "{mid:#?}");
    // The last step.
    app.selected_step = STEPS - 1;
    let end = render(&app, 120, 40);
    let row = rows_with(&end, "A step-0999");
    assert_eq!(row.len(), 1);
    assert_eq!(rows_with(&end, "A step-0998"), vec![row[0] - 1]);
    // A selection past the end selects nothing and shows the top.
    app.selected_step = STEPS + 5;
    assert_eq!(rows_with(&render(&app, 120, 40), "A step-0000").len(), 1);
}

#[test]
fn observation_log_shows_the_newest_and_counts_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = big_app(&dir);
    let screen = render(&app, 120, 40);
    assert_eq!(rows_with(&screen, &format!("Observation log ({OBSERVATIONS})")).len(), 1, "{screen:#?}");
    let newest = rows_with(&screen, "observation 99999:");
    assert_eq!(newest.len(), 1);
    assert_eq!(rows_with(&screen, "observation 99998:"), vec![newest[0] - 1]);
    // Scrolled back five entries: the sixth newest is at the bottom.
    app.log_scroll = 5;
    let back = render(&app, 120, 40);
    assert!(rows_with(&back, "observation 99999:").is_empty());
    assert_eq!(rows_with(&back, "observation 99994:"), vec![newest[0]], "{back:#?}");
}

#[test]
fn timeline_counts_and_searches_the_whole_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = big_app(&dir);
    app.screen = Screen::Timeline;
    let screen = render(&app, 120, 40);
    assert_eq!(rows_with(&screen, &format!("Timeline · {OBSERVATIONS} of {OBSERVATIONS}")).len(), 1, "{screen:#?}");
    assert_eq!(rows_with(&screen, "observation 99999:").len(), 1);
    // Case-insensitive, over every entry: one in fifty says "249 ms".
    app.timeline_query = "LATENCY AT 249 MS".into();
    let found = render(&app, 120, 40);
    let n = OBSERVATIONS / 50;
    assert_eq!(rows_with(&found, &format!("Timeline · {n} of {OBSERVATIONS}")).len(), 1, "{found:#?}");
    assert_eq!(rows_with(&found, "observation 99999:").len(), 1);
    assert!(rows_with(&found, "observation 99998:").is_empty());
    // Non-ASCII text falls back to full lowercasing.
    app.timeline_query = "Ä".into();
    assert_eq!(rows_with(&render(&app, 120, 40), &format!("Timeline · 0 of {OBSERVATIONS}")).len(), 1);
}
