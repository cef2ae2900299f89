//! `gameday watch`: a second process follows a real console session live.
//! The console runs in a tmux pane (see `tests/e2e/`); watchers run as child
//! processes (`--follow-lines`) or in a second tmux window (full screen).
//! tmux is required: these tests fail, never skip, without it.
mod e2e;

use chrono::Utc;
use e2e::procs;
use e2e::sandbox::{self, BIN, Sandbox, events, kind, wait_event};
use e2e::tmux::Tmux;
use e2e::wait;
use gameday::session::event::{DecisionKind, Event, EventBody, Phase};
use gameday::tui::watch::{ParticipantFilter, participant_filter};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- helpers

fn process_action(name: &str, script: &str) -> Value {
    json!({"type": "action", "name": name, "provider": {"type": "process", "path": "sh", "arguments": ["-c", script]}})
}

/// `sh -c 'echo start; sleep 30'`: runs until stopped.
fn long_action(name: &str) -> Value {
    process_action(name, "echo start; sleep 30")
}

fn experiment(title: &str, method: Vec<Value>) -> Value {
    json!({"version": "1.0.0", "title": title, "description": "watch test", "method": method})
}

/// Start the console on `doc`; returns the sandbox, the pane and the session.
fn start_console(label: &str, doc: &Value) -> (Sandbox, Tmux, PathBuf) {
    let sb = Sandbox::new();
    let exp = sb.experiment("experiment.json", doc);
    let script = sb.run_script(&exp, &[], "");
    let tmux = Tmux::start(label, &script);
    let session = sb.wait_session_dir();
    (sb, tmux, session)
}

/// Confirm the long action `name` and wait until its process group runs.
fn run_long_action(tmux: &Tmux, session: &Path, name: &str) -> procs::GroupGuard {
    tmux.wait_decision("action", name);
    tmux.keys(&["Enter"]);
    let started =
        wait_event(session, "activity_started", |e| kind(e) == "activity_started" && e["activity"]["name"] == name);
    let run = started["run"].clone();
    let ev = wait_event(session, "process_started", |e| kind(e) == "process_started" && e["run"] == run);
    let pgid = ev["pgid"].as_u64().and_then(|p| u32::try_from(p).ok()).expect("pgid in process_started");
    wait::until(
        &format!("process group {pgid} to run"),
        wait::DEFAULT,
        || (!procs::group_members(pgid).is_empty()).then_some(()),
        || sandbox::dump_events(session),
    );
    procs::GroupGuard(pgid)
}

fn wait_group_gone(pgid: u32, session: &Path) {
    wait::until(
        &format!("process group {pgid} to be gone"),
        wait::DEFAULT,
        || procs::group_members(pgid).is_empty().then_some(()),
        || format!("still alive: {:?}\nevents:\n{}", procs::group_members(pgid), sandbox::dump_events(session)),
    );
}

/// A `gameday watch --follow-lines` child; killed on drop. Each printed
/// line arrives with the instant it was read.
struct Follower {
    child: Child,
    lines: Receiver<(Instant, String)>,
    seen: Vec<String>,
}

impl Follower {
    /// `gameday watch [SESSION] --follow-lines EXTRA…`; no session: the default.
    fn start(sb: &Sandbox, session: Option<&Path>, extra: &[&str]) -> Follower {
        let mut child = Command::new(BIN)
            .arg("watch")
            .args(session)
            .arg("--follow-lines")
            .args(extra)
            .env("GAMEDAY_DATA_DIR", sb.path().join("data"))
            .env("GAMEDAY_CONFIG", sb.path().join("config.yaml"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start gameday watch");
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send((Instant::now(), line)).is_err() {
                    break;
                }
            }
        });
        Follower { child, lines: rx, seen: Vec::new() }
    }

    /// Wait (≤ `timeout`) for a line containing `needle`; returns when it was read.
    fn wait_line(&mut self, needle: &str, timeout: Duration) -> (Instant, String) {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((at, line)) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return (at, line);
                    }
                }
                Err(_) => {
                    panic!("no line with {needle:?} within {timeout:?}; printed so far:\n{}", self.seen.join("\n"))
                }
            }
        }
    }

    /// Wait (≤ 10 s) for the process to exit; returns its status code and
    /// every line it printed.
    fn wait_exit(mut self) -> (i32, Vec<String>) {
        let status = wait::until(
            "gameday watch --follow-lines to exit",
            wait::DEFAULT,
            || self.child.try_wait().ok().flatten(),
            String::new,
        );
        // The reader thread ends with the pipe.
        while let Ok((_, line)) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.seen.push(line);
        }
        (status.code().unwrap_or(-1), std::mem::take(&mut self.seen))
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `gameday watch ARGS` full screen in a second tmux window named `name`.
fn watch_window(sb: &Sandbox, tmux: &Tmux, name: &str, args: &[&str]) {
    let mut all = vec!["watch"];
    all.extend_from_slice(args);
    let script = sb.script(&format!("{name}.sh"), &all, &[], "");
    let command = format!("sh '{}'", script.display());
    tmux.run(&["new-window", "-d", "-t", "e2e", "-n", name, &command]);
}

fn window_target(name: &str) -> String {
    format!("e2e:{name}")
}

fn window_screen(tmux: &Tmux, name: &str) -> String {
    tmux.run(&["capture-pane", "-p", "-t", &window_target(name)])
}

fn window_wait(tmux: &Tmux, name: &str, needles: &[&str]) -> String {
    wait::until(
        &format!("window {name} to show {needles:?}"),
        wait::DEFAULT,
        || {
            let s = window_screen(tmux, name);
            needles.iter().all(|n| s.contains(n)).then_some(s)
        },
        || window_screen(tmux, name),
    )
}

fn window_keys(tmux: &Tmux, name: &str, keys: &[&str]) {
    let target = window_target(name);
    let mut args = vec!["send-keys", "-t", target.as_str()];
    args.extend_from_slice(keys);
    tmux.run(&args);
}

// ---------------------------------------------------------------- live follow

/// A note typed in the console is printed by a `--follow-lines` watcher
/// within one second of being saved to `events.jsonl`.
#[test]
fn follow_lines_prints_a_new_observation_within_a_second() {
    let doc = experiment("Watch latency", vec![long_action("long-running")]);
    let (sb, tmux, session) = start_console("follow", &doc);
    let mut follower = Follower::start(&sb, Some(&session), &[]);
    follower.wait_line("session_started", wait::DEFAULT);
    // Without a session named, the newest unfinished one is followed.
    let mut default = Follower::start(&sb, None, &[]);
    default.wait_line("Watch latency", wait::DEFAULT);
    let group = run_long_action(&tmux, &session, "long-running");
    follower.wait_line("'long-running' runs as process group", wait::DEFAULT);

    let text = "watcher sees this note";
    tmux.keys(&["n"]);
    tmux.type_text(text);
    tmux.keys(&["Enter"]);
    // The moment the note is saved: poll the log tightly until it holds it.
    let saved = wait::until(
        "the observation in events.jsonl",
        wait::DEFAULT,
        || {
            let found = events(&session).iter().any(|e| kind(e) == "observation" && e["text"] == text);
            found.then(Instant::now)
        },
        || sandbox::dump_events(&session),
    );
    let (printed, line) = follower.wait_line(text, Duration::from_secs(5));
    let latency = printed.saturating_duration_since(saved);
    println!("watch latency (saved → printed): {} ms", latency.as_millis());
    assert!(latency < Duration::from_secs(1), "the watcher printed the note {latency:?} after it was saved");
    assert!(line.contains("observation"), "the line names the kind: {line}");
    assert!(line.starts_with("T+"), "the line starts with T+: {line}");
    default.wait_line(text, wait::DEFAULT);

    // End the run: STOP at the console, then quit; the watcher stops with it.
    let pgid = group.0;
    tmux.keys(&["F12"]);
    wait_group_gone(pgid, &session);
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["✖ INTERRUPTED"]);
    tmux.keys(&["q"]);
    tmux.wait_exit();
    let (code, lines) = follower.wait_exit();
    assert_eq!(code, 0, "the watcher exits 0 when the session ends:\n{}", lines.join("\n"));
    assert!(lines.iter().any(|l| l.contains("stop") && l.contains("via key")), "{}", lines.join("\n"));
    assert!(lines.last().is_some_and(|l| l.contains("session_ended")), "{}", lines.join("\n"));
}

// ---------------------------------------------------------------- STOP from a watcher

/// Without `--allow-stop` the STOP keys only explain; with it, F12 in the
/// watcher makes the console STOP (source "remote") and kill the process group.
#[test]
fn allow_stop_watcher_stops_the_console() {
    let doc = experiment("Watch stop", vec![long_action("long-running")]);
    let (sb, tmux, session) = start_console("stop", &doc);
    let group = run_long_action(&tmux, &session, "long-running");
    let pgid = group.0;
    let dir = session.display().to_string();

    watch_window(&sb, &tmux, "plain", &[&dir]);
    window_wait(&tmux, "plain", &["WATCHING", "read-only", "long-running", "running"]);
    window_keys(&tmux, "plain", &["F12"]);
    window_wait(&tmux, "plain", &["watching only: STOP is the facilitator's (use --allow-stop)"]);
    window_keys(&tmux, "plain", &["Enter"]);
    window_wait(&tmux, "plain", &["read-only: decisions and notes are made at the console"]);
    assert!(!session.join("requests.jsonl").exists(), "a watcher without --allow-stop sent a request");
    assert!(!procs::group_members(pgid).is_empty(), "the action must still run");

    watch_window(&sb, &tmux, "stopper", &[&dir, "--allow-stop", "--as", "observer-1"]);
    window_wait(&tmux, "stopper", &["WATCHING", "REQUEST STOP", "long-running"]);
    window_keys(&tmux, "stopper", &["F12"]);
    let stop = wait_event(&session, "a remote stop", |e| kind(e) == "stop");
    assert_eq!(stop["source"], "remote", "{stop}");
    assert_eq!(stop["who"], "observer-1", "{stop}");
    wait_group_gone(pgid, &session);
    window_wait(&tmux, "stopper", &["STOP by observer-1 via remote"]);
    window_wait(&tmux, "stopper", &["The run has ended", "INTERRUPTED"]);
    // The plain watcher followed too.
    window_wait(&tmux, "plain", &["INTERRUPTED"]);

    // Small terminals get the compact view, STOP line included.
    tmux.run(&["resize-window", "-t", &window_target("stopper"), "-x", "60", "-y", "14"]);
    window_wait(&tmux, "stopper", &["WATCHING", "REQUEST STOP", "The run has ended"]);

    for w in ["plain", "stopper"] {
        window_keys(&tmux, w, &["q"]);
        window_wait(&tmux, w, &["EXIT=0"]);
    }
}

// ---------------------------------------------------------------- participants

fn at(body: EventBody) -> Event {
    Event { seq: 1, at: Utc::now(), t: 1.0, body }
}

fn dnd_experiment() -> Value {
    json!({
        "title": "DB day",
        "style": "dungeons-and-dragons",
        "description": "we inject-db-latency on the primary",
        "hypothesis": {"statement": "orders survive inject-db-latency"},
        "method": [
            process_action("inject-db-latency", "echo SECRET-OUTPUT"),
            {"type": "manual", "name": "ask on-call", "instructions": "ask whether the pager fired"}
        ],
        "rollbacks": [process_action("remove-db-latency", "echo undone")],
    })
}

fn started(experiment: Value) -> Event {
    at(EventBody::SessionStarted {
        experiment,
        source: "x.json".into(),
        mode: "console".into(),
        platform: "linux".into(),
        node: "n".into(),
        facilitator: Some("tester".into()),
        argv: vec![],
        cwd: String::new(),
        source_sha256: None,
    })
}

#[test]
fn participant_filter_hides_the_method_of_a_dnd_session() {
    let mut f = ParticipantFilter::from_style();
    let evs = vec![
        started(dnd_experiment()),
        at(EventBody::Proposal { phase: Phase::Method, index: 0, name: "inject-db-latency".into() }),
        at(EventBody::Decision {
            phase: Phase::Method,
            index: 0,
            name: "inject-db-latency".into(),
            decision: DecisionKind::Confirm,
            who: "tester".into(),
            reason: Some("go inject-db-latency".into()),
        }),
        at(EventBody::ActivityStarted {
            run: 1,
            phase: Phase::Method,
            index: 0,
            activity: process_action("inject-db-latency", "echo SECRET-OUTPUT"),
            start: String::new(),
        }),
        at(EventBody::ActivityFinished {
            run: 1,
            output: json!({"status": 0, "stdout": "SECRET-OUTPUT\n", "stderr": ""}),
            status: Some("succeeded".into()),
            exception: None,
            end: String::new(),
            duration: 0.1,
            tolerance_met: None,
            gameday: None,
        }),
        at(EventBody::Proposal { phase: Phase::Method, index: 1, name: "ask on-call".into() }),
        at(EventBody::Observation {
            id: 1,
            kind: "observation".into(),
            text: "latency from inject-db-latency is visible".into(),
            author: "tester".into(),
            step: Some("inject-db-latency".into()),
            owner: None,
            due: None,
        }),
        at(EventBody::Milestone { milestone: "detected".into(), author: "tester".into() }),
        at(EventBody::Proposal { phase: Phase::Rollbacks, index: 0, name: "remove-db-latency".into() }),
    ];
    let kept: Vec<Event> = evs.into_iter().filter_map(|e| f.filter(e)).collect();
    let text = serde_json::to_string(&kept).unwrap();
    for secret in ["inject-db-latency", "remove-db-latency", "SECRET-OUTPUT", "echo"] {
        assert!(!text.contains(secret), "{secret:?} reached the participant view: {text}");
    }
    assert!(text.contains("hidden step 1"), "{text}");
    assert!(text.contains("ask on-call"), "manual steps stay visible: {text}");
    assert!(text.contains("latency from hidden step 1 is visible"), "observations stay: {text}");
    assert!(kept.iter().any(|e| matches!(e.body, EventBody::Milestone { .. })), "milestones stay");
    assert!(!kept.iter().any(|e| matches!(e.body, EventBody::Decision { .. })), "decisions on hidden steps go");

    // Not a dungeons-and-dragons day: everything passes, untouched.
    let mut plain = dnd_experiment();
    plain["style"] = json!("informed-in-advance");
    let mut f = ParticipantFilter::from_style();
    let ev = started(plain);
    assert_eq!(f.filter(ev.clone()), Some(ev));
    assert!(!f.hides());

    // One event on its own: the method step is hidden, its output too.
    let p =
        participant_filter(at(EventBody::Proposal { phase: Phase::Method, index: 2, name: "kill-db".into() }), true);
    assert!(matches!(p, Some(Event { body: EventBody::Proposal { ref name, .. }, .. }) if name == "hidden step 3"));
    let steady = at(EventBody::Proposal { phase: Phase::Before, index: 0, name: "orders-ok".into() });
    assert_eq!(participant_filter(steady.clone(), true), Some(steady));
}

/// A real dungeons-and-dragons session: the participant `--follow-lines`
/// output never names the method's activities nor shows their output; the
/// facilitator's output does (so the check can fail).
#[test]
fn follow_lines_participant_view_of_a_dnd_session() {
    let mut doc = experiment(
        "DnD watch",
        vec![
            process_action("inject-db-latency", "echo SECRET-OUTPUT"),
            json!({"type": "manual", "name": "ask on-call", "instructions": "ask whether the pager fired"}),
        ],
    );
    doc["style"] = json!("dungeons-and-dragons");
    doc["rollbacks"] = json!([process_action("remove-db-latency", "echo undone")]);
    let (sb, tmux, session) = start_console("dnd", &doc);
    let live = Follower::start(&sb, Some(&session), &["--participant"]);
    tmux.wait_decision("action", "inject-db-latency");
    tmux.keys(&["Enter"]);
    wait_event(&session, "the action's end", |e| kind(e) == "activity_finished");
    tmux.wait_decision("manual", "ask on-call");
    // Done asks what happened (optional): Enter again saves it empty.
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["What happened?"]);
    tmux.keys(&["Enter"]);
    tmux.wait_decision("action", "remove-db-latency");
    tmux.keys(&["n"]);
    tmux.type_text("pager fired late");
    tmux.keys(&["Enter"]);
    tmux.wait_note("observation", "pager fired late");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["✔ COMPLETED"]);
    tmux.keys(&["q"]);
    tmux.wait_exit();

    let (code, participant) = live.wait_exit();
    assert_eq!(code, 0);
    let all = participant.join("\n");
    for secret in ["inject-db-latency", "remove-db-latency", "SECRET-OUTPUT"] {
        assert!(!all.contains(secret), "{secret:?} is shown to participants:\n{all}");
    }
    assert!(all.contains("hidden step 1"), "{all}");
    assert!(all.contains("ask on-call"), "manual steps stay:\n{all}");
    assert!(all.contains("pager fired late"), "observations stay:\n{all}");
    let evs = events(&session);
    assert!(evs.iter().any(|e| e["activity"]["name"] == "inject-db-latency"), "the session did run the action");

    // The facilitator's view of the same (finished) session shows everything.
    let (code, full) = Follower::start(&sb, Some(&session), &[]).wait_exit();
    assert_eq!(code, 0);
    let all = full.join("\n");
    assert!(all.contains("inject-db-latency") && all.contains("remove-db-latency"), "{all}");

    // The full-screen participant view of the same session, on the timeline too.
    let dir = session.display().to_string();
    watch_window(&sb, &tmux, "players", &[&dir, "--participant"]);
    let screen = window_wait(&tmux, "players", &["participant view, method hidden", "hidden step 1", "ask on-call"]);
    assert!(!screen.contains("inject-db-latency") && !screen.contains("SECRET-OUTPUT"), "{screen}");
    window_keys(&tmux, "players", &["t"]);
    let screen = window_wait(&tmux, "players", &["Timeline", "pager fired late"]);
    assert!(!screen.contains("inject-db-latency") && !screen.contains("remove-db-latency"), "{screen}");
    window_keys(&tmux, "players", &["q"]);
    window_wait(&tmux, "players", &["EXIT=0"]);

    // Every session is finished now: nothing to follow by default.
    let out = Command::new(BIN)
        .args(["watch", "--follow-lines"])
        .env("GAMEDAY_DATA_DIR", sb.path().join("data"))
        .output()
        .expect("run gameday watch");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no unfinished session"), "{out:?}");
}
