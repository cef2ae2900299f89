//! The Home screen (`gameday` with no arguments): what it lists, how it
//! looks at 80×24 and 120×40, and what each key chooses.
use gameday::session::catalog::{PlaybookEntry, SessionEntry};
use gameday::tui::home::{Choice, Home};
use gameday::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use std::path::PathBuf;

fn playbook(path: &str, title: &str, game_day: bool) -> PlaybookEntry {
    PlaybookEntry { path: PathBuf::from(path), title: title.into(), game_day, problem: None }
}

fn session(dir: &str, title: &str, verdict: &str, started: &str, notes: usize) -> SessionEntry {
    SessionEntry {
        dir: PathBuf::from(dir),
        title: title.into(),
        started: started.into(),
        verdict: verdict.into(),
        finished: verdict != "unfinished",
        observations: notes,
    }
}

fn home() -> Home {
    let mut broken = playbook("playbooks/broken.yaml", "", true);
    broken.problem = Some("playbooks/broken.yaml:3:7: did not find expected key".into());
    Home::new(
        vec![
            playbook("playbooks/demo.yaml", "Demo Game Day: the orders API under latency and errors", true),
            playbook("playbooks/demo-experiment.json", "The orders API stays healthy when it slows down", false),
            playbook(
                "playbooks/people-drill-expert-unavailable.yaml",
                "The team can recover the billing batch without its one expert, even on a Friday afternoon",
                true,
            ),
            broken,
        ],
        vec![
            session("/data/s/3", "Database failover", "unfinished", "2026-11-21 14:02", 7),
            session("/data/s/2", "Demo Game Day", "deviated", "2026-11-20 10:15", 12),
            session("/data/s/1", "Demo Game Day", "completed", "2026-11-19 09:30", 3),
        ],
        Some((PathBuf::from("playbooks/backlog.yaml"), 14)),
        Theme::plain(),
    )
}

fn render(h: &Home, w: u16, height: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, height)).unwrap();
    t.draw(|f| h.draw(f)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn key(h: &mut Home, code: KeyCode) -> Option<Choice> {
    h.on_key(code, KeyModifiers::NONE)
}

#[test]
fn home_lists_playbooks_sessions_and_the_backlog() {
    let h = home();
    insta::assert_snapshot!("home_80x24", render(&h, 80, 24));
    insta::assert_snapshot!("home_120x40", render(&h, 120, 40));
    let screen = render(&h, 120, 40);
    for needle in
        ["Game Day    Demo Game Day", "experiment  The orders API", "✖ playbooks/broken.yaml:", "◆ unfinished"]
    {
        assert!(screen.contains(needle), "{needle:?} missing:\n{screen}");
    }
    // A title too long for 80 columns is cut with an ellipsis, not silently.
    assert!(render(&h, 80, 24).contains('…'));
}

#[test]
fn keys_choose_what_to_open() {
    let mut h = home();
    // The first playbook is selected; headers and notes are never selected.
    assert_eq!(key(&mut h, KeyCode::Enter), Some(Choice::Run(PathBuf::from("playbooks/demo.yaml"))));
    assert_eq!(key(&mut h, KeyCode::Char('p')), Some(Choice::Plan(PathBuf::from("playbooks/demo.yaml"))));
    assert_eq!(key(&mut h, KeyCode::Char('b')), Some(Choice::Backlog(PathBuf::from("playbooks/backlog.yaml"))));
    assert_eq!(key(&mut h, KeyCode::Char('d')), Some(Choice::Demo));
    // A plain experiment runs but has no plan.
    key(&mut h, KeyCode::Down);
    assert_eq!(key(&mut h, KeyCode::Char('p')), None);
    assert_eq!(key(&mut h, KeyCode::Enter), Some(Choice::Run(PathBuf::from("playbooks/demo-experiment.json"))));
    // Down past the playbooks: a broken one cannot be run or planned.
    for _ in 0..2 {
        assert_eq!(key(&mut h, KeyCode::Down), None);
    }
    assert_eq!(key(&mut h, KeyCode::Enter), None);
    assert_eq!(key(&mut h, KeyCode::Char('p')), None);
    // Across the "Unfinished sessions" header: resume.
    key(&mut h, KeyCode::Down);
    assert_eq!(key(&mut h, KeyCode::Enter), Some(Choice::Resume(PathBuf::from("/data/s/3"))));
    assert_eq!(key(&mut h, KeyCode::Char('p')), None, "a session has no plan to open");
    // A finished session: review.
    key(&mut h, KeyCode::Down);
    assert_eq!(key(&mut h, KeyCode::Enter), Some(Choice::Review(PathBuf::from("/data/s/2"))));
    // The last row stays selected; up goes back over the header.
    for _ in 0..5 {
        key(&mut h, KeyCode::Down);
    }
    assert_eq!(key(&mut h, KeyCode::Enter), Some(Choice::Review(PathBuf::from("/data/s/1"))));
    key(&mut h, KeyCode::Up);
    key(&mut h, KeyCode::Up);
    assert_eq!(key(&mut h, KeyCode::Enter), Some(Choice::Resume(PathBuf::from("/data/s/3"))));
    assert_eq!(key(&mut h, KeyCode::Char('q')), Some(Choice::Quit));
    assert_eq!(key(&mut h, KeyCode::Esc), Some(Choice::Quit));
    assert_eq!(h.on_key(KeyCode::Char('c'), KeyModifiers::CONTROL), Some(Choice::Quit));
}

#[test]
fn coming_back_from_the_plan_selects_the_same_playbook() {
    let mut h = home();
    h.select_path(std::path::Path::new("playbooks/people-drill-expert-unavailable.yaml"));
    assert_eq!(
        key(&mut h, KeyCode::Char('p')),
        Some(Choice::Plan(PathBuf::from("playbooks/people-drill-expert-unavailable.yaml")))
    );
}

#[test]
fn without_a_backlog_b_does_nothing_and_empty_lists_say_so() {
    let mut h = Home::new(Vec::new(), Vec::new(), None, Theme::plain());
    assert_eq!(key(&mut h, KeyCode::Char('b')), None);
    assert_eq!(key(&mut h, KeyCode::Enter), None);
    let screen = render(&h, 80, 24);
    assert!(screen.contains("try `gameday demo`"), "{screen}");
    assert!(!screen.contains("b backlog"), "{screen}");
}
