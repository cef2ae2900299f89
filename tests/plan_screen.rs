//! The Plan screen (`gameday plan FILE`): snapshots of a complete plan and
//! of one with gaps at 80×24 and 120×40 (drawn into ratatui's `TestBackend`
//! with the plain theme, so they read like a monochrome terminal), and the
//! keys that change the day: approving writes the day file next to the
//! playbook and leaves the playbook (and its comments) byte for byte alone.
//!
//! Fixtures: `tests/plan/complete.yaml` (with `complete.day.yaml`, which
//! ticks the preflight items and records one approval given on the day) and
//! `tests/plan/gaps.yaml`. Rewrite snapshots after a deliberate change with
//! `INSTA_UPDATE=always cargo test --test plan_screen`, then read each one.
use gameday::tui::plan::PlanScreen;
use gameday::tui::plan::day::{DayFile, day_path};
use gameday::tui::plan::screen::{Focus, Outcome, Overlay};
use gameday::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::{Path, PathBuf};

const NOW: &str = "2025-06-03T14:00:00+00:00";

fn open(path: &Path) -> PlanScreen {
    let mut s = PlanScreen::open(path, "tester", Theme::plain()).unwrap_or_else(|e| panic!("{e}"));
    s.clock = || NOW.to_string();
    s
}

fn render(s: &PlanScreen, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| gameday::tui::plan::draw::draw(f, s)).unwrap();
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

fn key(s: &mut PlanScreen, code: KeyCode) -> Outcome {
    s.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn keys(s: &mut PlanScreen, codes: &[KeyCode]) {
    for c in codes {
        assert_eq!(key(s, *c), Outcome::Continue, "{c:?} quit the screen");
    }
}

fn type_text(s: &mut PlanScreen, text: &str) {
    for ch in text.chars() {
        key(s, KeyCode::Char(ch));
    }
}

/// A copy of a fixture in a fresh folder (so the day file lands there).
fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join(name);
    std::fs::copy(Path::new("tests/plan").join(name), &to).unwrap();
    (dir, to)
}

#[test]
fn complete_plan_snapshots() {
    let mut s = open(Path::new("tests/plan/complete.yaml"));
    let steps = s.steps();
    assert!(steps.iter().all(|st| st.gaps.is_empty()), "{steps:#?}");
    insta::assert_snapshot!("plan_complete_80x24", render(&s, 80, 24));
    insta::assert_snapshot!("plan_complete_120x40", render(&s, 120, 40));
    // The experiment step: manual steps with their offsets and time boxes.
    keys(&mut s, &[KeyCode::Down; 5]);
    insta::assert_snapshot!("plan_complete_experiment_120x40", render(&s, 120, 40));
    // Approvals and preflight, with what was recorded on the day.
    keys(&mut s, &[KeyCode::Down, KeyCode::Tab]);
    insta::assert_snapshot!("plan_complete_approval_80x24", render(&s, 80, 24));
}

#[test]
fn plan_with_gaps_snapshots() {
    let mut s = open(Path::new("tests/plan/gaps.yaml"));
    let all: Vec<String> = s.steps().iter().flat_map(|st| st.gaps.iter().map(|g| g.text.clone())).collect();
    for want in [
        "no safety monitor",
        "approval pending: Bob",
        "production: confirm on the day",
        "no retrospective booked",
        "no rollbacks",
        "manual step add-latency has no time box",
        "preflight: 0 of 1 ticked",
    ] {
        assert!(all.iter().any(|g| g == want), "{want:?} not among {all:?}");
    }
    insta::assert_snapshot!("plan_gaps_80x24", render(&s, 80, 24));
    insta::assert_snapshot!("plan_gaps_120x40", render(&s, 120, 40));
    // The style step says what a dungeons-and-dragons day explores.
    keys(&mut s, &[KeyCode::Down]);
    let screen = render(&s, 120, 40);
    assert!(screen.contains("Explores how the team detects, diagnoses and responds."), "{screen}");
    // Help lists the keys.
    key(&mut s, KeyCode::Char('?'));
    insta::assert_snapshot!("plan_help_80x24", render(&s, 80, 24));
    key(&mut s, KeyCode::Esc);
    assert!(matches!(s.overlay, Overlay::None));
}

#[test]
fn approving_writes_the_day_file_and_never_the_playbook() {
    let (_dir, path) = copy_fixture("gaps.yaml");
    let before = std::fs::read(&path).unwrap();
    let mut s = open(&path);
    // Step 7, its rows; the first row with an action is Bob's pending approval.
    keys(&mut s, &[KeyCode::Down; 6]);
    keys(&mut s, &[KeyCode::Tab]);
    assert_eq!(s.focus, Focus::Detail);
    keys(&mut s, &[KeyCode::Char(' ')]);
    assert!(matches!(s.overlay, Overlay::Form(..)), "Space on an approval opens its form");
    insta::assert_snapshot!("plan_approval_form_80x24", render(&s, 80, 24));
    // Tab to the note (past "At" and "Recorded by"), type, Enter.
    keys(&mut s, &[KeyCode::Tab, KeyCode::Tab]);
    type_text(&mut s, "yes, by phone");
    keys(&mut s, &[KeyCode::Enter]);
    assert!(matches!(s.overlay, Overlay::None), "the form closes once saved");

    let day = DayFile::load(&day_path(&path)).unwrap();
    assert_eq!(day.approvals.len(), 1);
    let a = &day.approvals[0];
    assert_eq!(
        (a.name.as_str(), a.approved, a.at.as_deref(), a.by.as_deref(), a.note.as_deref()),
        ("Bob", true, Some(NOW), Some("tester"), Some("yes, by phone"))
    );
    assert_eq!(day.playbook.as_deref(), Some("gaps.yaml"));
    assert_eq!(std::fs::read(&path).unwrap(), before, "the playbook must never be rewritten");
    assert!(!s.steps()[6].gaps.iter().any(|g| g.text.contains("Bob")), "Bob is no longer pending");

    // Space again withdraws it (recorded, not deleted).
    keys(&mut s, &[KeyCode::Char(' '), KeyCode::Enter]);
    let day = DayFile::load(&day_path(&path)).unwrap();
    assert_eq!(day.approvals.len(), 1);
    assert!(!day.approvals[0].approved);
    assert!(s.steps()[6].gaps.iter().any(|g| g.text == "approval pending: Bob"));

    // A reopened screen reads the day file back; no temporary files are left.
    let s2 = open(&path);
    assert_eq!(s2.day, day);
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_bad_approval_time_is_refused_in_the_form() {
    let (_dir, path) = copy_fixture("gaps.yaml");
    let mut s = open(&path);
    keys(&mut s, &[KeyCode::Down; 6]);
    keys(&mut s, &[KeyCode::Tab, KeyCode::Char(' ')]);
    // Clear "At" and type something that is not a time.
    for _ in 0..NOW.len() {
        key(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "soon");
    keys(&mut s, &[KeyCode::Enter]);
    match &s.overlay {
        Overlay::Form(f, _) => assert!(f.error.as_deref().is_some_and(|e| e.contains("'soon'")), "{:?}", f.error),
        _ => panic!("the form must stay open with the problem"),
    }
    assert!(!day_path(&path).exists(), "nothing is written for a refused form");
    keys(&mut s, &[KeyCode::Esc]);
    assert!(matches!(s.overlay, Overlay::None));
}

#[test]
fn preflight_ticks_invitees_and_notes_are_saved() {
    let (_dir, path) = copy_fixture("gaps.yaml");
    let mut s = open(&path);
    keys(&mut s, &[KeyCode::Down; 6]);
    keys(&mut s, &[KeyCode::Tab]);
    // Move down to the preflight item (past Jennifer, a blank and a heading).
    let rows = s.rows();
    let target = rows.iter().position(|r| r.text.starts_with("[ ] The payment provider")).unwrap();
    while s.cursor < target {
        keys(&mut s, &[KeyCode::Down]);
    }
    keys(&mut s, &[KeyCode::Char(' ')]);
    let row = &s.rows()[s.cursor];
    assert!(row.text.starts_with("[x] The payment provider"), "the cursor stays on the ticked row: {row:?}");
    assert!(!s.steps()[6].gaps.iter().any(|g| g.text.starts_with("preflight")));

    // i: invite someone (name, role, reason).
    keys(&mut s, &[KeyCode::Char('i')]);
    type_text(&mut s, "Security on-call");
    keys(&mut s, &[KeyCode::Tab]);
    for _ in 0.."participant".len() {
        key(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "guest");
    keys(&mut s, &[KeyCode::Enter]);
    assert!(
        matches!(&s.overlay, Overlay::Form(f, _) if f.error.is_some()),
        "a role other than participant/observer is refused"
    );
    for _ in 0.."guest".len() {
        key(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "observer");
    keys(&mut s, &[KeyCode::Tab]);
    type_text(&mut s, "break-glass process");
    keys(&mut s, &[KeyCode::Enter]);
    assert!(matches!(s.overlay, Overlay::None));

    // n: a note.
    keys(&mut s, &[KeyCode::Char('n')]);
    type_text(&mut s, "room booked until noon");
    keys(&mut s, &[KeyCode::Enter]);

    let day = DayFile::load(&day_path(&path)).unwrap();
    assert_eq!(day.preflight.len(), 1);
    assert!(day.preflight[0].ticked && day.preflight[0].item == 0 && day.preflight[0].by.as_deref() == Some("tester"));
    assert_eq!(day.invite.len(), 1);
    assert_eq!(
        (day.invite[0].name.as_str(), day.invite[0].role.as_str(), day.invite[0].reason.as_deref()),
        ("Security on-call", "observer", Some("break-glass process"))
    );
    assert_eq!(day.notes.len(), 1);
    assert_eq!(day.notes[0].text, "room booked until noon");
    assert_eq!(day.notes[0].at.as_deref(), Some(NOW));
    // The day file is YAML with a comment saying what it is.
    let text = std::fs::read_to_string(day_path(&path)).unwrap();
    assert!(text.starts_with("# Filled in on the day by `gameday plan`"), "{text}");

    // Quit with q.
    assert_eq!(key(&mut s, KeyCode::Char('q')), Outcome::Quit);
}

#[test]
fn an_unwritable_day_file_is_reported_and_undone() {
    let (dir, path) = copy_fixture("gaps.yaml");
    // A directory where the day file should be: reading it fails …
    std::fs::create_dir(day_path(&path)).unwrap();
    let e = PlanScreen::open(&path, "tester", Theme::plain()).err().expect("an unreadable day file is an error");
    assert!(e.contains(".day.yaml"), "{e}");
    std::fs::remove_dir(day_path(&path)).unwrap();
    // … and once the screen is open, renaming the new file over it fails.
    let mut s = open(&path);
    std::fs::create_dir(day_path(&path)).unwrap();
    keys(&mut s, &[KeyCode::Down; 6]);
    keys(&mut s, &[KeyCode::Tab]);
    let target = s.rows().iter().position(|r| r.text.starts_with("[ ] ")).unwrap();
    while s.cursor < target {
        keys(&mut s, &[KeyCode::Down]);
    }
    keys(&mut s, &[KeyCode::Char(' ')]);
    assert!(s.flash.as_deref().is_some_and(|f| f.starts_with("NOT SAVED")), "{:?}", s.flash);
    assert!(s.day.preflight.is_empty(), "the tick is undone when it could not be saved");
    assert!(render(&s, 80, 24).contains("✖ NOT SAVED"));
    drop(dir);
}

#[test]
fn plain_experiments_and_broken_plans_are_refused_with_a_place() {
    let e = PlanScreen::open(Path::new("playbooks/demo-experiment.json"), "t", Theme::plain()).err().unwrap();
    assert!(e.contains("not a playbook"), "{e}");
    let e = PlanScreen::open(Path::new("tests/playbooks/invite-bad-role.yaml"), "t", Theme::plain()).err().unwrap();
    assert!(e.starts_with("tests/playbooks/invite-bad-role.yaml:"), "{e}");
    let loc: Vec<&str> = e.splitn(4, ':').collect();
    assert!(loc[1].parse::<usize>().is_ok() && loc[2].parse::<usize>().is_ok(), "file:line:col expected: {e}");
}

#[test]
fn the_people_drill_reads_whole() {
    let s = open(Path::new("playbooks/people-drill-expert-unavailable.yaml"));
    let steps = s.steps();
    let gaps: Vec<&str> = steps.iter().flat_map(|st| st.gaps.iter().map(|g| g.text.as_str())).collect();
    // Everything is planned; only the preflight ticks wait for the day.
    assert_eq!(gaps, ["preflight: 0 of 4 ticked"]);
    let screen = render(&s, 120, 40);
    assert!(screen.contains("dungeons-and-dragons: explores how the team detects, diagnoses and responds"), "{screen}");
}

/// At 80×24 the last preflight item of the people drill wraps onto a second
/// line at the bottom of the pane: selecting it scrolls far enough to show
/// all of it, so it can be read before it is ticked.
#[test]
fn the_selected_row_shows_whole_at_the_bottom() {
    let mut s = open(Path::new("playbooks/people-drill-expert-unavailable.yaml"));
    keys(&mut s, &[KeyCode::Down; 6]);
    keys(&mut s, &[KeyCode::Tab]);
    keys(&mut s, &[KeyCode::Down; 20]);
    let screen = render(&s, 80, 24);
    let at = screen.find("▶ [ ] The fake incident ticket is ready to be").unwrap_or_else(|| panic!("{screen}"));
    assert!(screen[at..].contains("opened."), "the selected item's second line is shown:\n{screen}");
}
