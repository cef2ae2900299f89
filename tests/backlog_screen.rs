//! The Backlog screen (`gameday backlog FILE`): snapshots of the likelihood ×
//! impact map of `playbooks/backlog.yaml` (14 cards, four cells holding two
//! each) and of the filtered, ranked lists, at 80×24 and 120×40 with the
//! plain theme; and the keys that change things: advancing a status and
//! marking a card acceptable save the backlog; converting a card writes a
//! playbook that validates, and never over an existing file.
//!
//! Rewrite snapshots after a deliberate change with
//! `INSTA_UPDATE=always cargo test --test backlog_screen`, then read each one.
use gameday::load::ValidateOptions;
use gameday::load::validate::validate_file;
use gameday::model::backlog::{Backlog, Status};
use gameday::model::playbook::Playbook;
use gameday::tui::backlog::screen::file_stem;
use gameday::tui::backlog::{BacklogScreen, Filter, Outcome};
use gameday::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::{Path, PathBuf};

const BACKLOG: &str = "playbooks/backlog.yaml";

fn render(s: &BacklogScreen, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| gameday::tui::backlog::draw::draw(f, s)).unwrap();
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

fn key(s: &mut BacklogScreen, code: KeyCode) -> Outcome {
    s.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn keys(s: &mut BacklogScreen, codes: &[KeyCode]) {
    for c in codes {
        assert_eq!(key(s, *c), Outcome::Continue, "{c:?} quit the screen");
    }
}

fn open_repo_backlog() -> BacklogScreen {
    BacklogScreen::open(Path::new(BACKLOG), Path::new("playbooks"), Theme::plain()).unwrap()
}

/// A copy of the repository's backlog in a fresh folder, with a `playbooks/` beside it.
fn copy_backlog() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backlog.yaml");
    std::fs::copy(BACKLOG, &path).unwrap();
    let playbooks = dir.path().join("playbooks");
    (dir, path, playbooks)
}

fn selected_id(s: &BacklogScreen) -> String {
    s.selected().map(|c| c.id.clone()).unwrap_or_default()
}

#[test]
fn the_map_places_every_card_and_shows_shared_cells() {
    let mut s = open_repo_backlog();
    assert!(s.backlog.cards.len() >= 12);
    // The top-right-most card is selected first: PAY-SLOW and PEOPLE-HERO share 4×4.
    assert_eq!(s.cell, (4, 4));
    assert_eq!(s.cell_cards(4, 4).iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["PAY-SLOW", "PEOPLE-HERO"]);
    insta::assert_snapshot!("backlog_map_80x24", render(&s, 80, 24));
    insta::assert_snapshot!("backlog_map_120x40", render(&s, 120, 40));
    // Tab cycles the cards of the cell; arrows move between cells.
    keys(&mut s, &[KeyCode::Tab]);
    assert_eq!(selected_id(&s), "PEOPLE-HERO");
    keys(&mut s, &[KeyCode::Tab]);
    assert_eq!(selected_id(&s), "PAY-SLOW");
    keys(&mut s, &[KeyCode::Down, KeyCode::Left]);
    assert_eq!(s.cell, (3, 3));
    keys(&mut s, &[KeyCode::Tab]);
    assert_eq!(selected_id(&s), "QUEUE-BACKLOG");
    insta::assert_snapshot!("backlog_map_second_in_cell_80x24", render(&s, 80, 24));
    // An empty cell: nothing selected, nothing to change.
    keys(&mut s, &[KeyCode::Up, KeyCode::Up, KeyCode::Left, KeyCode::Left]);
    assert_eq!(s.cell, (5, 1));
    keys(&mut s, &[KeyCode::Right]);
    assert!(s.selected().is_none());
    keys(&mut s, &[KeyCode::Char('s')]);
    assert!(s.flash.as_deref().is_some_and(|f| f.starts_with("No card selected")), "{:?}", s.flash);
    // The map stays on the 5×5 grid at its edges.
    keys(&mut s, &[KeyCode::Up, KeyCode::Up, KeyCode::Right, KeyCode::Right, KeyCode::Right, KeyCode::Right]);
    assert_eq!(s.cell, (5, 5));
    key(&mut s, KeyCode::Char('?'));
    insta::assert_snapshot!("backlog_help_80x24", render(&s, 80, 24));
    key(&mut s, KeyCode::Esc);
    assert!(!s.help);
    assert_eq!(key(&mut s, KeyCode::Char('q')), Outcome::Quit);
}

#[test]
fn filters_rank_the_candidates() {
    let mut s = open_repo_backlog();
    keys(&mut s, &[KeyCode::Char('1')]);
    assert_eq!(s.filter, Filter::HighImpactLikelihood);
    let ids: Vec<String> = s.ranked().iter().map(|c| c.id.clone()).collect();
    // Only candidates: backlog status, not acceptable.
    assert_eq!(ids[0], "PEOPLE-HERO", "{ids:?}");
    for gone in ["PAY-SLOW", "DB1-DOWN", "SEARCH-SLOW-ADMIN", "CERT-EXPIRY", "RETRY-STORM"] {
        assert!(!ids.contains(&gone.to_string()), "{gone} is not a candidate: {ids:?}");
    }
    insta::assert_snapshot!("backlog_filter_high_80x24", render(&s, 80, 24));
    insta::assert_snapshot!("backlog_filter_high_120x40", render(&s, 120, 40));

    keys(&mut s, &[KeyCode::Char('2')]);
    assert_eq!(s.filter, Filter::SafeStart);
    assert_eq!(selected_id(&s), "K8S-POD-KILL", "the safest start (impact 2, the more likely) is selected");
    insta::assert_snapshot!("backlog_filter_safe_120x40", render(&s, 120, 40));

    keys(&mut s, &[KeyCode::Char('3')]);
    assert_eq!(s.ranked()[0].id, "QUEUE-BACKLOG");
    insta::assert_snapshot!("backlog_filter_most_ilities_80x24", render(&s, 80, 24));

    // ] walks the ranked list; the map follows.
    keys(&mut s, &[KeyCode::Char(']')]);
    let second = s.ranked()[1].id.clone();
    assert_eq!(selected_id(&s), second);

    // i picks the key -ility of rule 1: the ranking keeps cards touching it.
    keys(&mut s, &[KeyCode::Char('i')]);
    assert_eq!(s.filter, Filter::HighImpactLikelihood);
    assert_eq!(s.key_ility.as_deref(), Some("reliability"));
    assert!(s.ranked().iter().all(|c| c.ilities.iter().any(|i| i == "reliability")));
    keys(&mut s, &[KeyCode::Char('0')]);
    assert_eq!(s.ranked().len(), 14);
}

#[test]
fn advancing_a_status_saves_the_backlog() {
    let (_dir, path, playbooks) = copy_backlog();
    let mut s = BacklogScreen::open(&path, &playbooks, Theme::plain()).unwrap();
    keys(&mut s, &[KeyCode::Tab]);
    assert_eq!(selected_id(&s), "PEOPLE-HERO");
    keys(&mut s, &[KeyCode::Char('s')]);
    let saved = Backlog::load(&path).unwrap();
    assert_eq!(saved.card("PEOPLE-HERO").unwrap().status, Status::GameDay);
    assert!(s.flash.as_deref().is_some_and(|f| f.contains("backlog → game-day")), "{:?}", s.flash);
    // Through the whole lifecycle, then a clear refusal.
    keys(&mut s, &[KeyCode::Char('s'), KeyCode::Char('s'), KeyCode::Char('s')]);
    assert_eq!(Backlog::load(&path).unwrap().card("PEOPLE-HERO").unwrap().status, Status::ChaosTest);
    keys(&mut s, &[KeyCode::Char('s')]);
    assert!(s.flash.as_deref().is_some_and(|f| f.contains("already at chaos-test")), "{:?}", s.flash);
    // Every other card is as it was.
    let before = Backlog::load(Path::new(BACKLOG)).unwrap();
    let after = Backlog::load(&path).unwrap();
    for (a, b) in before.cards.iter().zip(&after.cards) {
        if a.id != "PEOPLE-HERO" {
            assert_eq!(a, b);
        }
    }
}

#[test]
fn marking_acceptable_saves_and_leaves_the_selections() {
    let (_dir, path, playbooks) = copy_backlog();
    let mut s = BacklogScreen::open(&path, &playbooks, Theme::plain()).unwrap();
    keys(&mut s, &[KeyCode::Char('1')]);
    assert_eq!(selected_id(&s), "PEOPLE-HERO");
    keys(&mut s, &[KeyCode::Char('x')]);
    assert!(Backlog::load(&path).unwrap().card("PEOPLE-HERO").unwrap().acceptable);
    assert!(!s.ranked().iter().any(|c| c.id == "PEOPLE-HERO"), "acceptable cards are no candidates");
    keys(&mut s, &[KeyCode::Char('0')]);
    let _ = s.cell_cards(4, 4).iter().position(|c| c.id == "PEOPLE-HERO").expect("still on the map");
}

#[test]
fn converting_a_card_writes_a_valid_playbook_once() {
    let (_dir, path, playbooks) = copy_backlog();
    let mut s = BacklogScreen::open(&path, &playbooks, Theme::plain()).unwrap();
    keys(&mut s, &[KeyCode::Tab]);
    assert_eq!(selected_id(&s), "PEOPLE-HERO");
    keys(&mut s, &[KeyCode::Char('c')]);
    let written = playbooks.join("people-hero.yaml");
    assert!(written.is_file(), "{:?}", s.flash);
    validate_file(&written, &ValidateOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let doc = gameday::load::load_path(&written).unwrap().doc;
    let pb = Playbook::from_doc(&doc).unwrap();
    let h = pb.hypothesis.expect("a hypothesis from the card");
    assert_eq!(h.backlog.as_deref(), Some("PEOPLE-HERO"));
    assert_eq!(h.ilities, ["reliability", "safety"]);
    // The card links to it, and that was saved.
    let link = written.display().to_string();
    assert!(Backlog::load(&path).unwrap().card("PEOPLE-HERO").unwrap().links.contains(&link));

    // Again: refused, the file untouched.
    let first = std::fs::read(&written).unwrap();
    std::fs::write(&written, b"# edited by hand\n").unwrap();
    keys(&mut s, &[KeyCode::Char('c')]);
    assert!(s.flash.as_deref().is_some_and(|f| f.contains("already exists")), "{:?}", s.flash);
    assert_eq!(std::fs::read(&written).unwrap(), b"# edited by hand\n");
    assert_ne!(first, b"# edited by hand\n");
    let leftovers: Vec<_> = std::fs::read_dir(&playbooks)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["people-hero.yaml"], "no temporary files are left behind");
}

#[test]
fn an_unwritable_backlog_is_reported_and_undone() {
    let (dir, path, playbooks) = copy_backlog();
    let mut s = BacklogScreen::open(&path, &playbooks, Theme::plain()).unwrap();
    // The backlog's folder goes away: saving must fail.
    let moved = dir.path().with_extension("gone");
    std::fs::rename(dir.path(), &moved).unwrap();
    keys(&mut s, &[KeyCode::Tab, KeyCode::Char('s')]);
    std::fs::rename(&moved, dir.path()).unwrap();
    assert!(s.flash.as_deref().is_some_and(|f| f.starts_with("NOT SAVED")), "{:?}", s.flash);
    assert_eq!(s.backlog.card("PEOPLE-HERO").unwrap().status, Status::Backlog, "undone on screen");
    assert!(render(&s, 80, 24).contains("✖ NOT SAVED"));
}

#[test]
fn file_names_from_ids() {
    assert_eq!(file_stem("PEOPLE-HERO"), "people-hero");
    assert_eq!(file_stem("a/b c"), "a-b-c");
    assert_eq!(file_stem("../.."), "card");
}

#[test]
fn a_broken_backlog_is_refused_with_its_place() {
    let e = BacklogScreen::open(Path::new("tests/backlog/likelihood-six.yaml"), Path::new("playbooks"), Theme::plain())
        .err()
        .unwrap();
    assert!(e.starts_with("tests/backlog/likelihood-six.yaml:"), "{e}");
}
