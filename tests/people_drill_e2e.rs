//! The people drill (`playbooks/people-drill-expert-unavailable.yaml`) run
//! entirely by keyboard in the real console, from the readiness gate to the
//! report: `gameday run` in a tmux pane (GAMEDAY_DATA_DIR and a config naming
//! the facilitator `tester`), the preflight items ticked with Space, every
//! manual step answered (done, failed with a note, skipped with a reason),
//! an observation and a milestone written, then the session's files and
//! `gameday report` checked.
//!
//! The playbook's steady-state probe asks `${billing_url}/health`; the test
//! points `billing_url` at a loopback server with `--var`, nothing else of
//! the playbook is changed. Its shortest time box is five minutes, too long
//! to overrun here, so the main test checks that the time box is shown on
//! the step card, and a second test runs a copy whose first time box is cut
//! to two seconds (the only line changed) and waits for the overrun.
//!
//! tmux is required: these tests fail (never skip) without it. Every wait is
//! bounded, every tmux server has its own socket and is killed on drop.
mod e2e;
#[path = "common/server.rs"]
#[allow(dead_code)]
mod server;

use e2e::sandbox::{BIN, FACILITATOR, Sandbox, dump_events, events, kind, wait_event_within};
use e2e::tmux::Tmux;
use e2e::wait;
use serde_json::Value;
use server::TestServer;
use std::path::{Path, PathBuf};
use std::time::Duration;

const PLAYBOOK: &str = "playbooks/people-drill-expert-unavailable.yaml";

/// Method steps, in order.
const METHOD: [&str; 6] = [
    "open-the-incident",
    "bob-cannot-be-reached",
    "find-the-runbook",
    "get-the-credentials",
    "rerun-the-batch-in-staging",
    "declare-recovery",
];
const ROLLBACKS: [&str; 2] = ["bring-bob-back", "close-the-fake-incident"];

fn playbook_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(PLAYBOOK)
}

/// Start `gameday run FILE --var billing_url=…` in a fresh tmux server.
fn start(label: &str, sb: &Sandbox, playbook: &Path, srv: &TestServer) -> Tmux {
    let var = format!("billing_url={}", srv.base_url());
    let journal = sb.journal_out().display().to_string();
    let file = playbook.display().to_string();
    let script = sb.script("run.sh", &["run", &file, "--var", &var, "--journal-path", &journal], &[], "");
    Tmux::start(label, &script)
}

/// Wait until the console waits for a decision on step `name` of `kind`
/// (the card shows the step and its decision hint).
fn wait_step_decision(t: &Tmux, kind: &str, name: &str) -> String {
    let title = format!("{kind} · {name} ");
    let hint = if kind == "manual" { "done · F failed" } else { "run · " };
    wait::until(
        &format!("a decision on {kind} '{name}'"),
        Duration::from_secs(15),
        || {
            let s = t.screen();
            (s.contains(&title) && s.contains(hint)).then_some(s)
        },
        || t.screen(),
    )
}

/// Tick the four preflight items (the rows after the items the plan
/// decides) and start.
fn pass_the_readiness_gate(t: &Tmux) {
    let screen = t.wait_for_within(&["READINESS CHECK", "☐ tick"], Duration::from_secs(20));
    for item in ["Approvals complete", "Safety monitor named", "Bob is out of reach"] {
        assert!(screen.contains(item), "the gate lists {item:?}:\n{screen}");
    }
    let rows: Vec<&str> =
        screen.lines().filter(|l| ["✔ ready", "✖ ", "☐ tick", "☑ ticked"].iter().any(|m| l.contains(m))).collect();
    let plan_rows = rows.iter().take_while(|l| !l.contains("☐ tick")).count();
    assert_eq!(rows.len() - plan_rows, 4, "four preflight items to tick:\n{screen}");
    let mut keys = vec!["Down"; plan_rows];
    keys.push("Space");
    for _ in 0..3 {
        keys.extend(["Down", "Space"]);
    }
    t.keys(&keys);
    t.wait_for(&["Readiness: all green"]);
    t.keys(&["Enter"]);
}

/// Wait until the header shows how the run ended (then `q` quits at once).
/// Mark the waiting manual step done: Enter asks what happened, `outcome`
/// is typed (or nothing), Enter saves.
fn mark_done(t: &Tmux, outcome: &str) {
    t.keys(&["Enter"]);
    t.wait_for(&["What happened?"]);
    if !outcome.is_empty() {
        t.type_text(outcome);
    }
    t.keys(&["Enter"]);
}

fn wait_run_ended(t: &Tmux) -> String {
    wait::until(
        "the header to show the run's end",
        Duration::from_secs(15),
        || {
            let s = t.screen();
            let header = s.lines().next().unwrap_or("");
            ["COMPLETED", "DEVIATED", "FAILED", "INTERRUPTED", "ABORTED"]
                .iter()
                .any(|w| header.contains(w))
                .then_some(s)
        },
        || t.screen(),
    )
}

fn decision<'a>(evs: &'a [Value], name: &str) -> &'a Value {
    evs.iter().find(|e| kind(e) == "decision" && e["name"] == name).unwrap_or_else(|| {
        panic!("no decision on {name}:\n{}", evs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))
    })
}

#[test]
fn the_people_drill_by_keyboard_from_readiness_to_report() {
    let srv = TestServer::start().expect("test server");
    let sb = Sandbox::new();
    let t = start("drill", &sb, &playbook_path(), &srv);

    pass_the_readiness_gate(&t);
    let session = sb.wait_session_dir();

    // The steady state before: the probe asks the loopback server.
    wait_step_decision(&t, "probe", "billing-staging-health");
    t.keys(&["Enter"]);

    // 1. done; the card shows the time box and what to do.
    let screen = wait_step_decision(&t, "manual", METHOD[0]);
    assert!(screen.contains("Time box: 5m"), "the time box is on the card:\n{screen}");
    assert!(screen.contains("left of 5m"), "the time box counts down:\n{screen}");
    mark_done(&t, "Carol found the runbook in the wiki after 3 minutes");

    // 2. an observation and a milestone while it waits, then done.
    wait_step_decision(&t, "manual", METHOD[1]);
    t.keys(&["n"]);
    t.type_text("Two people tried to call Bob before anyone opened the runbook");
    t.keys(&["Enter"]);
    t.wait_note("observation", "Two people tried to call Bob");
    t.keys(&["1"]);
    t.wait_note("milestone", "detected");
    mark_done(&t, "");

    // 3. failed, with what happened.
    wait_step_decision(&t, "manual", METHOD[2]);
    t.keys(&["F"]);
    t.wait_for(&["What went wrong?"]);
    t.type_text("the runbook link in the catalogue is dead");
    t.keys(&["Enter"]);

    // 4. skipped, with a reason.
    wait_step_decision(&t, "manual", METHOD[3]);
    t.keys(&["s"]);
    t.type_text("no break-glass account in staging");
    t.keys(&["Enter"]);

    // 5 and 6: done.
    for name in &METHOD[4..] {
        wait_step_decision(&t, "manual", name);
        mark_done(&t, "");
    }

    // Steady state after, then both rollbacks.
    wait_step_decision(&t, "probe", "billing-staging-health");
    t.keys(&["Enter"]);
    for name in ROLLBACKS {
        wait_step_decision(&t, "manual", name);
        mark_done(&t, "");
    }
    wait_event_within(&session, "run_finished", Duration::from_secs(15), |e| kind(e) == "run_finished");
    wait_run_ended(&t);
    t.keys(&["q"]);
    let code = t.wait_exit();

    // The event log: the gate, every manual outcome, the notes.
    let evs = events(&session);
    let gate = evs
        .iter()
        .find(|e| kind(e) == "decision" && e["phase"] == "readiness")
        .unwrap_or_else(|| panic!("no readiness decision:\n{}", dump_events(&session)));
    assert_eq!(gate["decision"], "confirm");
    assert_eq!(gate["who"], FACILITATOR);
    let ticks = evs.iter().filter(|e| kind(e) == "readiness_ticked" && e["ticked"] == true).count();
    assert_eq!(ticks, 4, "four preflight ticks:\n{}", dump_events(&session));
    let expected = [
        (METHOD[0], "done", Some("Carol found the runbook in the wiki after 3 minutes")),
        (METHOD[1], "done", None),
        (METHOD[2], "failed", Some("the runbook link in the catalogue is dead")),
        (METHOD[3], "skip", Some("no break-glass account in staging")),
        (METHOD[4], "done", None),
        (METHOD[5], "done", None),
        (ROLLBACKS[0], "done", None),
        (ROLLBACKS[1], "done", None),
    ];
    for (name, what, reason) in expected {
        let d = decision(&evs, name);
        assert_eq!(d["decision"], what, "{name}: {d}");
        assert_eq!(d["who"], FACILITATOR, "{name}: {d}");
        if let Some(r) = reason {
            assert_eq!(d["reason"], r, "{name}: {d}");
        }
    }
    let obs = evs.iter().find(|e| kind(e) == "observation").expect("the observation");
    assert_eq!(obs["text"], "Two people tried to call Bob before anyone opened the runbook");
    assert_eq!(obs["author"], FACILITATOR);
    let ms = evs.iter().find(|e| kind(e) == "milestone").expect("the milestone");
    assert_eq!(ms["milestone"], "detected");
    assert!(session.join("journal.json").is_file(), "journal.json in {}", session.display());
    let journal: Value =
        serde_json::from_str(&std::fs::read_to_string(session.join("journal.json")).unwrap()).expect("JSON journal");
    assert_eq!(journal["steady_states"]["before"]["steady_state_met"], true, "{:#}", journal["steady_states"]);
    assert_eq!(journal["run"].as_array().map(Vec::len), Some(6), "{:#}", journal["run"]);
    assert_eq!(code, if journal["status"] == "completed" { 0 } else { 1 }, "exit code and journal agree");

    // The report mentions the manual steps and the observation.
    let out = std::process::Command::new(BIN)
        .args(["report", &session.display().to_string()])
        .env("GAMEDAY_DATA_DIR", sb.path().join("data"))
        .env("GAMEDAY_CONFIG", sb.path().join("config.yaml"))
        .output()
        .expect("gameday report runs");
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "gameday report failed: {}\n{md}", String::from_utf8_lossy(&out.stderr));
    for needle in METHOD.iter().chain(ROLLBACKS.iter()) {
        assert!(md.contains(needle), "the report names the manual step {needle}:\n{md}");
    }
    assert!(md.contains("the runbook link in the catalogue is dead"), "the failure note is in the report:\n{md}");
    assert!(md.contains("Two people tried to call Bob"), "the observation is in the report:\n{md}");
}

/// A copy of the playbook whose first time box is two seconds: the console
/// warns, then records the overrun, while the step waits.
#[test]
fn a_short_time_box_overruns_and_is_recorded() {
    let srv = TestServer::start().expect("test server");
    let sb = Sandbox::new();
    let original = std::fs::read_to_string(playbook_path()).expect("the playbook");
    let changed = original.replacen("    timebox: 5m\n", "    timebox: 2s\n", 1);
    let diff: Vec<(&str, &str)> = original.lines().zip(changed.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(diff, [("    timebox: 5m", "    timebox: 2s")], "only the first time box changes");
    let copy = sb.path().join("people-drill-short-timebox.yaml");
    std::fs::write(&copy, changed).expect("write the copy");
    let t = start("timebox", &sb, &copy, &srv);

    pass_the_readiness_gate(&t);
    let session = sb.wait_session_dir();
    wait_step_decision(&t, "probe", "billing-staging-health");
    t.keys(&["Enter"]);
    wait_step_decision(&t, "manual", METHOD[0]);
    let warning = wait_event_within(&session, "time box warning", Duration::from_secs(10), |e| {
        kind(e) == "timebox" && e["name"] == METHOD[0] && e["state"] == "warning"
    });
    let overrun = wait_event_within(&session, "time box overrun", Duration::from_secs(10), |e| {
        kind(e) == "timebox" && e["name"] == METHOD[0] && e["state"] == "overrun"
    });
    assert_eq!(warning["limit"], 2.0);
    assert!(overrun["elapsed"].as_f64().is_some_and(|x| x >= 2.0), "{overrun}");
    t.wait_for(&["TIME BOX OVERRUN"]);
    // Still waiting for the facilitator: an overrun warns, it decides nothing.
    mark_done(&t, "");
    wait_step_decision(&t, "manual", METHOD[1]);
    assert_eq!(decision(&events(&session), METHOD[0])["decision"], "done");
    // Quit mid-run: confirm, the run is stopped and nothing waits for the
    // facilitator who is leaving: the manual rollbacks, which nobody can
    // do any more, are recorded as skipped by `auto`, then the console exits.
    t.keys(&["q"]);
    t.wait_for(&["Quit?"]);
    t.keys(&["y"]);
    t.wait_exit();
    let evs = events(&session);
    for name in ROLLBACKS {
        let d = evs
            .iter()
            .find(|e| kind(e) == "decision" && e["phase"] == "rollbacks" && e["name"] == name)
            .unwrap_or_else(|| panic!("no decision on the rollback {name}"));
        assert_eq!((d["decision"].as_str(), d["who"].as_str()), (Some("skip"), Some("auto")), "{d}");
    }
    assert!(session.join("journal.json").is_file());
}
