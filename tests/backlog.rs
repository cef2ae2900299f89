//! The hypothesis backlog: load and validate (precise messages with
//! file:line:col), save round trip, the three selection rules, the grid,
//! and a card turned into a playbook that validates.
use gameday::load::ValidateOptions;
use gameday::load::validate::validate_file;
use gameday::model::backlog::{Area, Backlog, Source, Status, grid, high_impact_likelihood, most_ilities, safe_start};
use gameday::model::playbook::Playbook;
use gameday::model::playbook::template::TemplateParams;
use std::path::{Path, PathBuf};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/backlog.yaml")
}

fn ids<'a>(cards: impl IntoIterator<Item = &'a gameday::model::backlog::Card>) -> Vec<&'a str> {
    cards.into_iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn the_example_backlog_loads() {
    let b = Backlog::load(&example()).unwrap();
    assert!(b.cards.len() >= 12);
    let db = b.card("DB1-DOWN").unwrap();
    assert_eq!(db.source, Some(Source::Incident));
    assert_eq!(db.areas, [Area::Infrastructure, Area::Platform]);
    assert_eq!((db.likelihood, db.impact), (3, 5));
    assert_eq!(db.status, Status::GameDay);
    assert_eq!(db.links, ["playbooks/database-failover.yaml"]);
    assert!(b.ilities.contains(&"performability".to_string()));
    // Every linked playbook exists.
    for c in &b.cards {
        for l in &c.links {
            assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(l).is_file(), "{}: {l}", c.id);
        }
    }
}

#[test]
fn broken_backlogs_give_precise_messages_with_places() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("likelihood-six", 9, 17, "the likelihood of card 'B' must be a whole number from 1 to 5, not 6"),
        ("duplicate-id", 10, 9, "the card id 'A' is already used by card 1 of the list; ids must be unique"),
        (
            "bad-area",
            5,
            23,
            "'kitchen' is not a dark-debt area; use one of infrastructure, platform, application, people-practices-processes",
        ),
        (
            "bad-status",
            8,
            13,
            "the `status` of card 'A' must be one of backlog, game-day, weakness-found, improved, chaos-test, not 'done'",
        ),
        ("bad-source", 5, 13, "the `source` of card 'A' must be one of incident, brainstorm, not 'rumour'"),
        ("no-impact", 2, 5, "card 'A' has no `impact`; add one, a whole number from 1 to 5"),
        ("acceptable-text", 8, 17, "the `acceptable` flag of card 'A' must be true or false, not text ('perhaps')"),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/backlog");
    let mut failures = Vec::new();
    for (name, line, column, message) in cases {
        let path = dir.join(format!("{name}.yaml"));
        match Backlog::load(&path) {
            Ok(_) => failures.push(format!("{name}: loaded but should not")),
            Err(e) => {
                let got = (e.line.unwrap_or(0), e.column.unwrap_or(0), e.message.as_str());
                if got != (*line, *column, *message) {
                    failures.push(format!(
                        "{name}: expected {line}:{column}: {message}\n      got {}:{}: {}",
                        got.0, got.1, got.2
                    ));
                    continue;
                }
                assert!(e.to_string().starts_with(&format!("{}:{line}:{column}: ", path.display())), "{e}");
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn save_round_trip_keeps_data_order_and_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backlog.yaml");
    let b = Backlog::load(&example()).unwrap();
    b.save(&path).unwrap();
    let again = Backlog::load(&path).unwrap();
    assert_eq!(again.cards, b.cards);
    assert_eq!(again.ilities, b.ilities);

    // Edit, save, reload: the change is there, keys keep their order, and a
    // key we do not know survives.
    let text =
        "cards:\n  - id: A\n    title: T\n    owner: team-x\n    description: D\n    likelihood: 2\n    impact: 3\n";
    std::fs::write(&path, text).unwrap();
    let mut b = Backlog::load(&path).unwrap();
    let card = b.card_mut("A").unwrap();
    card.status = card.status.next().unwrap();
    card.links.push("sessions/2025-03-14".into());
    b.save(&path).unwrap();
    let saved = std::fs::read_to_string(&path).unwrap();
    let doc = gameday::load::load_path(&path).unwrap().doc;
    let keys: Vec<&str> = doc["cards"][0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "title", "owner", "description", "likelihood", "impact", "status", "links"], "{saved}");
    assert_eq!(Backlog::load(&path).unwrap().card("A").unwrap().status, Status::GameDay);
}

#[test]
fn selection_rules() {
    let b = Backlog::load(&example()).unwrap();
    let key = vec!["availability".to_string()];
    let top = high_impact_likelihood(&b.cards, &key);
    // PAY-SLOW (4x4) is in a Game Day already; PEOPLE-HERO (4x4) and
    // DASHBOARD-WRONG (3x4) do not touch availability. Ties (3x3) go by id.
    assert_eq!(ids(top.iter().copied().take(3)), ["DNS-TTL", "QUEUE-BACKLOG", "AZ-INSTANCES"]);
    assert!(top.iter().all(|c| c.ilities.iter().any(|i| i == "availability")));
    assert!(top.iter().all(|c| c.status == Status::Backlog && !c.acceptable));

    let all = high_impact_likelihood(&b.cards, &[]);
    assert_eq!(ids(all.iter().copied().take(2)), ["PEOPLE-HERO", "DASHBOARD-WRONG"]);

    let safe = safe_start(&b.cards);
    // SEARCH-SLOW-ADMIN (impact 1) is acceptable, so it is never chosen.
    assert_eq!(ids(safe.iter().copied().take(2)), ["K8S-POD-KILL", "CACHE-COLD"]);

    let most = most_ilities(&b.cards);
    assert_eq!(most[0].id, "QUEUE-BACKLOG");
    assert_eq!(most[1].id, "CONFIG-TYPO");
}

#[test]
fn grid_places_cards_several_per_cell() {
    let b = Backlog::load(&example()).unwrap();
    let g = grid(&b.cards);
    assert_eq!(ids(g.cell(4, 4).iter().copied()), ["PAY-SLOW", "PEOPLE-HERO"]);
    assert_eq!(ids(g.cell(3, 5).iter().copied()), ["DB1-DOWN"]);
    assert_eq!(ids(g.cell(5, 1).iter().copied()), ["SEARCH-SLOW-ADMIN"]);
    assert!(g.cell(1, 1).is_empty());
    assert!(g.cell(0, 9).is_empty());
    let placed: usize = (1..=5).flat_map(|l| (1..=5).map(move |i| (l, i))).map(|(l, i)| g.cell(l, i).len()).sum();
    assert_eq!(placed, b.cards.len());
    assert_eq!(g.max_in_cell(), 2);
}

#[test]
fn a_card_becomes_a_hypothesis_and_a_valid_playbook() {
    let b = Backlog::load(&example()).unwrap();
    let card = b.card("QUEUE-BACKLOG").unwrap();
    let h = card.to_hypothesis();
    assert!(
        h.statement.starts_with("When this happens — The order queue backs up — the system keeps"),
        "{}",
        h.statement
    );
    assert_eq!(h.backlog.as_deref(), Some("QUEUE-BACKLOG"));
    // A card with its own statement keeps it.
    assert_eq!(
        b.card("DB1-DOWN").unwrap().to_hypothesis().statement,
        "The system will meet its SLOs if database cluster DB1 loses its primary."
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.yaml");
    std::fs::write(&path, card.to_playbook(TemplateParams::default())).unwrap();
    validate_file(&path, &ValidateOptions::default()).unwrap();
    let p = Playbook::from_doc(&gameday::load::load_path(&path).unwrap().doc).unwrap();
    assert_eq!(p.hypothesis.as_ref().unwrap().ilities, card.ilities);
    assert_eq!(p.title, "Game Day: The order queue backs up");
    assert!(p.manual_steps()[0].instructions.contains("Consumers fall behind"));
}
