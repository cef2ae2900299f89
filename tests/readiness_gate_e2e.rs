//! The readiness gate in the real console (`gameday run` in tmux):
//!
//! * blocked: with an approval pending, no safety monitor and a preflight
//!   item unticked, Enter does not start the run; it asks why, an empty
//!   reason is refused, Esc goes back to the gate with nothing decided;
//! * overridden: a reason typed, the run starts, and the override with its
//!   reason and what was missing is in `events.jsonl` and in the report;
//! * the day file: what the facilitator approved and ticked in
//!   `gameday plan` (`<stem>.day.yaml`) counts at the gate, so the same
//!   playbook starts green, the ticks recorded as made by whoever ticked
//!   them in the plan, and the playbook file is never touched.
//!
//! The playbook has one manual step and nothing that reaches a network.
//! tmux is required: these tests fail (never skip) without it.
mod e2e;

use e2e::sandbox::{BIN, FACILITATOR, Sandbox, dump_events, events, kind, wait_event_within};
use e2e::tmux::Tmux;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

const PLAYBOOK: &str = "\
# A gate drill: one approval pending, one preflight item to tick.
gameday: 1
title: Gate drill
description: A drill whose only step is manual.
style: informed-in-advance
roles:
  facilitator: Ada
where:
  environment: staging-eu
approvals:
  - name: Bob
    role: service owner
    approved: false
preflight:
  - Everyone knows where STOP is
method:
  - type: manual
    name: look-around
    instructions: Look at the dashboards and say what you see.
";

/// The playbook with a safety monitor, so only the approval and the tick
/// are missing (both of which the day file supplies).
fn with_monitor() -> String {
    PLAYBOOK.replace("  facilitator: Ada\n", "  facilitator: Ada\n  safety_monitor: Sam\n")
}

const DAY_FILE: &str = "\
playbook: gate.yaml
approvals:
  - name: Bob
    approved: true
    at: \"2025-06-03T13:40:00+00:00\"
    by: kim
    note: said yes in the stand-up
preflight:
  - item: 0
    text: Everyone knows where STOP is
    ticked: true
    by: kim
    at: \"2025-06-03T13:45:00+00:00\"
";

fn start(sb: &Sandbox, text: &str) -> (Tmux, PathBuf) {
    let file = sb.path().join("gate.yaml");
    std::fs::write(&file, text).expect("write the playbook");
    let script = sb.run_script(&file, &[], "");
    (Tmux::start("gate", &script), file)
}

/// Answer the one manual step, wait for the end, quit; the session dir.
fn finish(sb: &Sandbox, t: &Tmux) -> PathBuf {
    let session = sb.wait_session_dir();
    t.wait_decision("manual", "look-around");
    mark_done(t, &session, "look-around");
    wait_event_within(&session, "run_finished", Duration::from_secs(15), |e| kind(e) == "run_finished");
    t.keys(&["q"]);
    t.wait_exit();
    session
}

/// Enter marks a waiting manual step done; the console may first ask for
/// an optional outcome note, which a second Enter leaves empty.
fn mark_done(t: &Tmux, session: &Path, name: &str) {
    t.keys(&["Enter"]);
    let decided = |e: &Value| kind(e) == "decision" && e["name"] == name;
    e2e::wait::until(
        &format!("'{name}' marked done, or its outcome note asked for"),
        Duration::from_secs(10),
        || (events(session).iter().any(decided) || t.screen().contains("what happened?")).then_some(()),
        || t.screen(),
    );
    if !events(session).iter().any(decided) {
        t.keys(&["Enter"]);
    }
    let d = wait_event_within(session, "the manual step's decision", Duration::from_secs(10), decided);
    assert_eq!(d["decision"], "done", "{d}");
}

fn gate_decisions(session: &Path) -> Vec<Value> {
    events(session).into_iter().filter(|e| kind(e) == "decision" && e["phase"] == "readiness").collect()
}

fn report(sb: &Sandbox, session: &Path) -> String {
    let out = std::process::Command::new(BIN)
        .args(["report", &session.display().to_string()])
        .env("GAMEDAY_DATA_DIR", sb.path().join("data"))
        .env("GAMEDAY_CONFIG", sb.path().join("config.yaml"))
        .output()
        .expect("gameday report runs");
    let md = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "gameday report failed: {}\n{md}", String::from_utf8_lossy(&out.stderr));
    md
}

#[test]
fn a_gate_that_is_not_green_blocks_until_overridden_with_a_reason() {
    let sb = Sandbox::new();
    let (t, _) = start(&sb, PLAYBOOK);
    let screen = t.wait_for_within(&["READINESS CHECK", "☐ tick"], Duration::from_secs(20));
    assert!(screen.contains("waiting for: Bob"), "the pending approval is named:\n{screen}");
    assert!(!screen.contains("Readiness: all green"), "{screen}");
    let session = sb.wait_session_dir();

    // Enter asks why instead of starting; Esc goes back with nothing decided.
    t.keys(&["Enter"]);
    t.wait_for(&["Why start anyway?"]);
    t.keys(&["Escape"]);
    t.wait_gone("Why start anyway?");
    // An empty reason is refused.
    t.keys(&["Enter"]);
    t.wait_for(&["Why start anyway?"]);
    t.keys(&["Enter"]);
    t.wait_for(&["An override needs a reason."]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(gate_decisions(&session).is_empty(), "nothing decided yet:\n{}", dump_events(&session));
    assert!(!events(&session).iter().any(|e| kind(e) == "activity_started"), "{}", dump_events(&session));

    t.type_text("Bob said yes on the phone");
    t.keys(&["Enter"]);
    let session = finish(&sb, &t);

    let gate = gate_decisions(&session);
    assert_eq!(gate.len(), 1, "{}", dump_events(&session));
    assert_eq!(gate[0]["decision"], "override");
    assert_eq!(gate[0]["who"], FACILITATOR);
    let reason = gate[0]["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("Bob said yes on the phone (not ready: "), "{reason}");
    for gap in ["Approvals complete: waiting for: Bob", "Safety monitor named", "Everyone knows where STOP is"] {
        assert!(reason.contains(gap), "the override records what was missing ({gap}): {reason}");
    }
    // The gate was reached before the step: the override precedes it.
    let evs = events(&session);
    let pos = |pred: &dyn Fn(&Value) -> bool| evs.iter().position(pred);
    let overridden = pos(&|e| kind(e) == "decision" && e["decision"] == "override");
    let started = pos(&|e| kind(e) == "activity_started" || (kind(e) == "decision" && e["name"] == "look-around"));
    assert!(overridden < started, "{}", dump_events(&session));

    let md = report(&sb, &session);
    assert!(md.contains("**Readiness override**"), "the report shows the override:\n{md}");
    assert!(md.contains("Bob said yes on the phone"), "the report shows its reason:\n{md}");
}

#[test]
fn what_was_approved_and_ticked_in_the_plan_counts_at_the_gate() {
    let sb = Sandbox::new();
    let text = with_monitor();
    std::fs::write(sb.path().join("gate.day.yaml"), DAY_FILE).expect("write the day file");
    let (t, file) = start(&sb, &text);
    let screen = t.wait_for_within(&["READINESS CHECK", "Readiness: all green"], Duration::from_secs(20));
    assert!(screen.contains("ticked in the plan by kim"), "the tick says who made it:\n{screen}");
    assert!(screen.contains("1 of 1 approved"), "the approval from the day file counts:\n{screen}");
    t.keys(&["Enter"]);
    let session = finish(&sb, &t);

    let gate = gate_decisions(&session);
    assert_eq!(gate.len(), 1, "{}", dump_events(&session));
    assert_eq!(gate[0]["decision"], "confirm", "no override needed: {}", gate[0]);
    let evs = events(&session);
    let ticks: Vec<&Value> = evs.iter().filter(|e| kind(e) == "readiness_ticked").collect();
    assert_eq!(ticks.len(), 1, "{}", dump_events(&session));
    assert_eq!(ticks[0]["who"], "kim");
    assert_eq!(ticks[0]["label"], "Everyone knows where STOP is");
    let checked = evs.iter().find(|e| kind(e) == "readiness_checked").expect("readiness_checked");
    assert!(checked["items"].as_array().is_some_and(|a| a.iter().all(|i| i["ok"] == true)), "{checked}");
    // The run saw the day's approval: it is in the session's experiment and the report.
    let started = evs.iter().find(|e| kind(e) == "session_started").expect("session_started");
    assert_eq!(started["experiment"]["approvals"][0]["approved"], true, "{}", started["experiment"]);
    let md = report(&sb, &session);
    assert!(md.contains("said yes in the stand-up"), "the report shows the day's approval:\n{md}");
    // The playbook itself was never rewritten.
    assert_eq!(std::fs::read_to_string(&file).expect("playbook"), text);
}

/// A day file that cannot be read stops the run before it starts, naming
/// the file: starting without the approvals someone recorded would mislead.
#[test]
fn a_broken_day_file_is_refused_with_its_name() {
    let sb = Sandbox::new();
    std::fs::write(sb.path().join("gate.day.yaml"), "approvals: 3\n").expect("write the day file");
    let (t, _) = start(&sb, PLAYBOOK);
    let screen = t.wait_for_within(&["EXIT=1"], Duration::from_secs(20));
    assert!(screen.contains("gate.day.yaml"), "{screen}");
}
