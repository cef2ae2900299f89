//! Signals delivered to the real console (in tmux) in every phase of a run:
//! a slow steady-state probe, a running method process, a slow rollback,
//! and the note editor open while a decision waits.
//!
//! * SIGTERM and SIGHUP: STOP, rollbacks played unattended, the journal
//!   complete, the process exits, the terminal restored.
//! * SIGINT: the console asks "Quit?" while a run is active and stays up;
//!   `y` then STOPs, rolls back and exits.
//! * With the note editor open, whatever signal: the unfinished draft is
//!   saved as an observation, marked as a draft, and a warning names it.
//!
//! Before each signal the window is shrunk to 20×5 and restored: no phase
//! may panic on a resize. Assertions are on events.jsonl, journal.json and
//! `#{alternate_on}`.
mod e2e;

use e2e::procs;
use e2e::sandbox::{self, Sandbox, events, journal, kind, wait_event};
use e2e::tmux::Tmux;
use e2e::wait;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq)]
enum PhaseUnderTest {
    SlowProbe,
    MethodProcess,
    SlowRollback,
    NoteEditor,
}

fn process(kind: &str, name: &str, script: &str) -> Value {
    json!({"type": kind, "name": name, "provider": {"type": "process", "path": "sh", "arguments": ["-c", script]}})
}

fn doc(phase: PhaseUnderTest) -> Value {
    let mut d = json!({
        "version": "1.0.0",
        "title": format!("Signals {phase:?}"),
        "description": "a signal in one phase",
        "method": [process("action", "long-running", "echo start; sleep 30")],
        "rollbacks": [process("action", "undo-it", "echo undone")],
    });
    match phase {
        PhaseUnderTest::SlowProbe => {
            let mut probe = process("probe", "slow-probe", "sleep 30; echo ok");
            probe["tolerance"] = json!(0);
            d["steady-state-hypothesis"] = json!({"title": "slow", "probes": [probe]});
        }
        PhaseUnderTest::SlowRollback => {
            d["method"] = json!([process("action", "quick", "echo quick")]);
            d["rollbacks"] = json!([process("action", "undo-it", "echo start; sleep 6; echo undone")]);
        }
        PhaseUnderTest::MethodProcess | PhaseUnderTest::NoteEditor => {}
    }
    d
}

fn console_pid(tmux: &Tmux) -> u32 {
    let shell = tmux.pane_pid();
    wait::until(
        "the gameday process in the pane",
        wait::DEFAULT,
        || procs::child_named(shell, "gameday"),
        || format!("pane shell pid {shell}"),
    )
}

/// The process group of the activity `name` once it runs.
fn running_group(session: &Path, name: &str) -> procs::GroupGuard {
    let started =
        wait_event(session, "activity_started", |e| kind(e) == "activity_started" && e["activity"]["name"] == name);
    let run = started["run"].clone();
    let ev = wait_event(session, "process_started", |e| kind(e) == "process_started" && e["run"] == run);
    procs::GroupGuard(ev["pgid"].as_u64().and_then(|p| u32::try_from(p).ok()).expect("pgid"))
}

/// Drive the console into `phase`; returns the group of what runs then.
fn reach(phase: PhaseUnderTest, tmux: &Tmux, session: &Path) -> Option<procs::GroupGuard> {
    match phase {
        PhaseUnderTest::SlowProbe => {
            tmux.wait_decision("probe", "slow-probe");
            tmux.keys(&["Enter"]);
            Some(running_group(session, "slow-probe"))
        }
        PhaseUnderTest::MethodProcess => {
            tmux.wait_decision("action", "long-running");
            tmux.keys(&["Enter"]);
            Some(running_group(session, "long-running"))
        }
        PhaseUnderTest::SlowRollback => {
            tmux.wait_decision("action", "quick");
            tmux.keys(&["Enter"]);
            tmux.wait_decision("action", "undo-it");
            tmux.keys(&["Enter"]);
            Some(running_group(session, "undo-it"))
        }
        PhaseUnderTest::NoteEditor => {
            tmux.wait_decision("action", "long-running");
            tmux.keys(&["n"]);
            tmux.type_text(DRAFT);
            tmux.wait_for(&[DRAFT]);
            None
        }
    }
}

/// Shrink to 20×5 and back; the console must survive it in this phase
/// (it shows its "enlarge" hint or, with a modal open, the modal).
fn resize_round_trip(tmux: &Tmux, pid: u32) {
    tmux.resize(20, 5);
    std::thread::sleep(Duration::from_millis(250));
    assert!(procs::alive(pid), "the console died on a resize to 20×5:\n{}", tmux.screen_with_history());
    tmux.resize(e2e::tmux::WIDTH, e2e::tmux::HEIGHT);
    std::thread::sleep(Duration::from_millis(250));
    assert!(procs::alive(pid), "the console died on a resize back:\n{}", tmux.screen_with_history());
}

/// One console at a time in this file: a dozen consoles, their processes
/// and tmux servers at once on a two-core machine make 10 s waits flaky.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn start(label: &str, phase: PhaseUnderTest) -> (Sandbox, Tmux, PathBuf) {
    let sb = Sandbox::new();
    let exp = sb.experiment("experiment.json", &doc(phase));
    let script = sb.run_script(&exp, &[], "");
    let tmux = Tmux::start(label, &script);
    let session = sb.wait_session_dir();
    (sb, tmux, session)
}

fn wait_dead(pid: u32, session: &Path) {
    sandbox::wait_console_gone(pid, session, Duration::from_secs(15));
}

/// The state every signal ends in: a STOP, the session ended, a complete
/// interrupted journal, every rollback that ran finished, nothing of the
/// activity left, the terminal back on the main screen.
fn assert_documented_end(tmux: &Tmux, session: &Path, group: Option<procs::GroupGuard>, source: &str) {
    let evs = events(session);
    let dump = || sandbox::dump_events(session);
    let stop = evs.iter().find(|e| kind(e) == "stop").unwrap_or_else(|| panic!("no stop event:\n{}", dump()));
    assert_eq!(stop["source"], source, "{}", dump());
    // One signal, one STOP.
    assert_eq!(evs.iter().filter(|e| kind(e) == "stop").count(), 1, "{}", dump());
    assert_eq!(evs.last().map(kind), Some("session_ended"), "{}", dump());
    let j = journal(session);
    assert_eq!(j["status"], "interrupted", "{j:#}");
    assert!(j.get("end").is_some() && j.get("duration").is_some(), "journal incomplete: {j:#}");
    for rb in j["rollbacks"].as_array().expect("rollbacks list") {
        assert!(rb.get("end").is_some(), "a rollback entry is unfinished: {rb:#}");
    }
    if let Some(g) = group {
        wait::until(
            "the activity's group to be gone",
            wait::DEFAULT,
            || procs::group_members(g.0).is_empty().then_some(()),
            || format!("{:?}", procs::group_members(g.0)),
        );
    }
    assert!(!tmux.alternate_on(), "#{{alternate_on}} should be 0 after the console exits");
    let all = tmux.screen_with_history();
    assert!(!all.contains("panicked"), "{all}");
}

/// The text typed into the note editor in [`PhaseUnderTest::NoteEditor`].
const DRAFT: &str = "a draft nobody saved";

/// The draft typed before `signal` was saved: once, as an observation by
/// the facilitator, its text marked as an unfinished draft, with a warning.
fn assert_draft_saved(session: &Path, signal: &str) {
    let evs = events(session);
    let dump = || sandbox::dump_events(session);
    let saved: Vec<&Value> = evs
        .iter()
        .filter(|e| kind(e) == "observation" && e["text"].as_str().is_some_and(|t| t.starts_with(DRAFT)))
        .collect();
    assert_eq!(saved.len(), 1, "the draft must be saved exactly once:\n{}", dump());
    let text = saved[0]["text"].as_str().unwrap_or_default();
    assert!(text.contains(gameday::tui::app::DRAFT_MARK) && text.contains(signal), "not marked: {text:?}");
    assert_eq!(saved[0]["type"], "observation", "{}", dump());
    assert!(
        evs.iter().any(|e| kind(e) == "warning"
            && e["message"].as_str().is_some_and(|m| m.contains("unfinished draft") && m.contains(signal))),
        "no warning names the saved draft:\n{}",
        dump()
    );
    // Saved before the session ended, so the report written at the end has it.
    let ended = evs.iter().position(|e| kind(e) == "session_ended").unwrap_or(usize::MAX);
    let at = evs.iter().position(|e| std::ptr::eq(e, saved[0])).unwrap_or(usize::MAX);
    assert!(at < ended, "the draft was saved after the session ended:\n{}", dump());
}

/// SIGTERM or SIGHUP: unattended all the way out.
fn term_or_hup(phase: PhaseUnderTest, sig: i32, source: &str) {
    let (_sb, tmux, session) = start(&format!("{source}{phase:?}"), phase);
    let group = reach(phase, &tmux, &session);
    let pid = console_pid(&tmux);
    resize_round_trip(&tmux, pid);
    procs::signal(pid, sig);
    wait_dead(pid, &session);
    let evs = events(&session);
    // Rollbacks that were decided were decided by nobody at the keyboard.
    let rollback_decisions: Vec<&Value> =
        evs.iter().filter(|e| kind(e) == "decision" && e["phase"] == "rollbacks").collect();
    if phase == PhaseUnderTest::SlowRollback {
        assert_eq!(rollback_decisions.len(), 1, "{}", sandbox::dump_events(&session));
    } else {
        assert!(
            rollback_decisions.iter().all(|d| d["who"] == "auto"),
            "a rollback waited for a person after {source}:\n{}",
            sandbox::dump_events(&session)
        );
    }
    if matches!(phase, PhaseUnderTest::MethodProcess | PhaseUnderTest::SlowRollback) {
        let rb = sandbox::entry(&journal(&session)["rollbacks"], "undo-it").clone();
        assert!(rb.get("end").is_some(), "{rb:#}");
    }
    if phase == PhaseUnderTest::NoteEditor {
        assert_draft_saved(&session, &source.to_uppercase());
    }
    assert_documented_end(&tmux, &session, group, source);
}

/// SIGINT: "Quit?" while the run is active, the console stays up; `y` →
/// STOP, roll back (confirming whatever the console asks), exit.
fn interrupt(phase: PhaseUnderTest) {
    let (_sb, tmux, session) = start(&format!("int{phase:?}"), phase);
    let group = reach(phase, &tmux, &session);
    let pid = console_pid(&tmux);
    resize_round_trip(&tmux, pid);
    procs::signal(pid, libc::SIGINT);
    tmux.wait_for(&["Quit?"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(procs::alive(pid), "SIGINT must not end the console while a run is active");
    assert!(!events(&session).iter().any(|e| kind(e) == "stop"), "SIGINT alone must not STOP");
    tmux.keys(&["y"]);
    // Confirm any rollback the console offers, until it exits.
    wait::until(
        "the console to stop, roll back and exit after y",
        Duration::from_secs(20),
        || {
            if !procs::alive(pid) {
                return Some(());
            }
            let s = tmux.screen();
            if s.contains("· undo-it ") && (s.contains("WAITING FOR YOU") || s.contains("Enter/c run")) {
                tmux.keys(&["Enter"]);
                std::thread::sleep(Duration::from_millis(100));
            } else if s.contains("STOPPED — why?") {
                tmux.keys(&["Escape"]);
            }
            None
        },
        || format!("{}\n{}", tmux.screen(), sandbox::dump_events(&session)),
    );
    if phase == PhaseUnderTest::NoteEditor {
        assert_draft_saved(&session, "SIGINT");
    }
    assert_documented_end(&tmux, &session, group, "quit");
}

#[test]
fn sigterm_during_slow_probe() {
    let _one_at_a_time = serial();
    term_or_hup(PhaseUnderTest::SlowProbe, libc::SIGTERM, "sigterm");
}
#[test]
fn sigterm_during_method_process() {
    let _one_at_a_time = serial();
    term_or_hup(PhaseUnderTest::MethodProcess, libc::SIGTERM, "sigterm");
}
#[test]
fn sigterm_during_slow_rollback() {
    let _one_at_a_time = serial();
    term_or_hup(PhaseUnderTest::SlowRollback, libc::SIGTERM, "sigterm");
}
#[test]
fn sigterm_with_note_editor_open() {
    let _one_at_a_time = serial();
    term_or_hup(PhaseUnderTest::NoteEditor, libc::SIGTERM, "sigterm");
}
#[test]
fn sighup_during_slow_probe() {
    let _one_at_a_time = serial();
    term_or_hup(PhaseUnderTest::SlowProbe, libc::SIGHUP, "sighup");
}
#[test]
fn sighup_during_method_process() {
    let _one_at_a_time = serial();
    term_or_hup(PhaseUnderTest::MethodProcess, libc::SIGHUP, "sighup");
}
#[test]
fn sighup_during_slow_rollback() {
    let _one_at_a_time = serial();
    term_or_hup(PhaseUnderTest::SlowRollback, libc::SIGHUP, "sighup");
}
#[test]
fn sighup_with_note_editor_open() {
    let _one_at_a_time = serial();
    term_or_hup(PhaseUnderTest::NoteEditor, libc::SIGHUP, "sighup");
}
#[test]
fn sigint_during_slow_probe() {
    let _one_at_a_time = serial();
    interrupt(PhaseUnderTest::SlowProbe);
}
#[test]
fn sigint_during_method_process() {
    let _one_at_a_time = serial();
    interrupt(PhaseUnderTest::MethodProcess);
}
#[test]
fn sigint_during_slow_rollback() {
    let _one_at_a_time = serial();
    interrupt(PhaseUnderTest::SlowRollback);
}
#[test]
fn sigint_with_note_editor_open() {
    let _one_at_a_time = serial();
    interrupt(PhaseUnderTest::NoteEditor);
}

/// After the run has ended (the summary screen waits for `q`), SIGTERM or
/// SIGHUP must still end the console: nothing is left to stop.
fn after_completion(sig: i32, label: &str) {
    let (_sb, tmux, session) = start(label, PhaseUnderTest::SlowRollback);
    tmux.wait_decision("action", "quick");
    tmux.keys(&["Enter"]);
    tmux.wait_decision("action", "undo-it");
    tmux.keys(&["Enter"]);
    tmux.wait_for_within(&["✔ COMPLETED"], Duration::from_secs(15));
    let pid = console_pid(&tmux);
    procs::signal(pid, sig);
    wait_dead(pid, &session);
    let evs = events(&session);
    assert_eq!(evs.last().map(kind), Some("session_ended"), "{}", sandbox::dump_events(&session));
    assert_eq!(journal(&session)["status"], "completed");
    assert!(!tmux.alternate_on(), "#{{alternate_on}} should be 0 after the console exits");
}

#[test]
fn sigterm_after_the_run_completed() {
    let _one_at_a_time = serial();
    after_completion(libc::SIGTERM, "termdone");
}
#[test]
fn sighup_after_the_run_completed() {
    let _one_at_a_time = serial();
    after_completion(libc::SIGHUP, "hupdone");
}

/// SIGTERM sent around the moment a 1 s rollback ends (delays from 0.7 s to
/// 1.3 s after it starts): whichever side of the end it lands on, the
/// console must exit with a complete journal.
#[test]
fn sigterm_racing_the_end_of_the_rollback() {
    let _one_at_a_time = serial();
    for (i, delay_ms) in [700u64, 850, 950, 1000, 1050, 1150, 1300].into_iter().enumerate() {
        let sb = Sandbox::new();
        let mut d = doc(PhaseUnderTest::SlowRollback);
        d["rollbacks"] = json!([process("action", "undo-it", "echo start; sleep 1; echo undone")]);
        let exp = sb.experiment("experiment.json", &d);
        let script = sb.run_script(&exp, &[], "");
        let tmux = Tmux::start(&format!("race{i}"), &script);
        let session = sb.wait_session_dir();
        tmux.wait_decision("action", "quick");
        tmux.keys(&["Enter"]);
        tmux.wait_decision("action", "undo-it");
        tmux.keys(&["Enter"]);
        let _group = running_group(&session, "undo-it");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let pid = console_pid(&tmux);
        procs::signal(pid, libc::SIGTERM);
        wait::until(
            &format!("the console to exit (SIGTERM {delay_ms} ms into a 1 s rollback)"),
            Duration::from_secs(10),
            || (!procs::alive(pid)).then_some(()),
            || format!("{}\n{}", tmux.screen(), sandbox::dump_events(&session)),
        );
        let evs = events(&session);
        assert_eq!(evs.last().map(kind), Some("session_ended"), "{}", sandbox::dump_events(&session));
        let j = journal(&session);
        assert!(j.get("end").is_some(), "{j:#}");
        assert!(!tmux.alternate_on());
    }
}
