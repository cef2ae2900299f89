//! A full disk during a Game Day, through the real console in tmux: the
//! session's data dir is a small tmpfs (mounted here; the tests run as root
//! and fail, never skip, when the mount is refused), filled while a step
//! runs and freed later. Whatever cannot be saved is cut back out of
//! `events.jsonl`, the facilitator is told on the screen (not over it), the
//! run's end is known although it could not be saved, and the console quits.
mod e2e;

use e2e::sandbox::{self, Sandbox, kind, wait_event};
use e2e::tmux::Tmux;
use e2e::wait;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs of `size` mounted on `dir`, unmounted on drop.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run mount: {e}"));
        assert!(
            out.status.success(),
            "mounting a tmpfs on {} failed (these tests need root, and are never skipped): {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs { dir: dir.to_path_buf() }
    }

    /// Fill every free byte with `filler`; returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.dir.join("filler");
        let mut f = std::fs::File::create(&path).expect("create the filler");
        let chunk = vec![0u8; 4096];
        while f.write_all(&chunk).is_ok() {}
        // What is left is less than a page: take it byte by byte.
        while f.write_all(&[0]).is_ok() {}
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

fn process_action(name: &str, path: &str, arguments: Value) -> Value {
    json!({"type": "action", "name": name, "provider": {"type": "process", "path": path, "arguments": arguments}})
}

/// Every line of the log, parsed strictly: a partial or glued line fails.
fn strict_events(session: &Path) -> Vec<Value> {
    let bytes = std::fs::read(session.join("events.jsonl")).expect("read events.jsonl");
    assert!(bytes.ends_with(b"\n"), "events.jsonl ends in part of a line: {:?}", String::from_utf8_lossy(&bytes));
    let text = String::from_utf8(bytes).expect("events.jsonl is UTF-8");
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("line {} of events.jsonl is unreadable ({e}): {l:.200}", i + 1))
        })
        .collect()
}

fn log_len(session: &Path) -> u64 {
    std::fs::metadata(session.join("events.jsonl")).map(|m| m.len()).unwrap_or(0)
}

/// Bytes left in the last page of a file of `len` bytes.
fn page_slack(len: u64) -> u64 {
    (4096 - len % 4096) % 4096
}

/// Open the note editor and paste `text` into it (bracketed paste: typing
/// thousands of keys would take long).
fn paste_note(tmux: &Tmux, text: &str) {
    tmux.keys(&["n"]);
    tmux.wait_for(&["New observation"]);
    tmux.run(&["set-buffer", "--", text]);
    tmux.run(&["paste-buffer", "-p", "-t", "e2e"]);
}

/// Write a note and wait until it is saved; returns the length of its line.
fn saved_note(tmux: &Tmux, session: &Path, text: &str) -> u64 {
    let before = log_len(session);
    paste_note(tmux, text);
    tmux.keys(&["Enter"]);
    wait_event(session, "the note", |e| kind(e) == "observation" && e["text"] == text);
    tmux.wait_gone("New observation");
    log_len(session) - before
}

/// Notes, a STOP and a rollback while the disk is full; then space is freed.
#[test]
fn a_full_disk_keeps_every_line_readable_tells_the_facilitator_and_still_quits() {
    let sb = Sandbox::new();
    let disk = Tmpfs::mount(&sb.path().join("data"), "2m");
    let undone = sb.path().join("undone.txt");
    let doc = json!({
        "version": "1.0.0",
        "title": "Full disk",
        "description": "the event log's disk fills during the run",
        "method": [process_action("long-running", "sh", json!(["-c", "echo start; sleep 30"]))],
        "rollbacks": [process_action(
            "undo-it",
            "sh",
            json!(["-c", format!("echo undone > {}", sandbox::sh_quote(&undone.display().to_string()))])
        )],
    });
    let exp = sb.experiment("experiment.json", &doc);
    let tmux = Tmux::start("fulldisk", &sb.run_script(&exp, &[], ""));
    let session = sb.wait_session_dir();

    tmux.wait_decision("action", "long-running");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Output · long-running · running"]);
    wait_event(&session, "process_started", |e| kind(e) == "process_started");

    // tmpfs counts whole pages: what is left of the log's last page still
    // takes small events once the disk is full. Notes sized from a first
    // one use that up, so the events after them really find no room.
    let base = saved_note(&tmux, &session, "calibrate").saturating_sub("calibrate".len() as u64);
    if page_slack(log_len(&session)) < base + 40 {
        saved_note(&tmux, &session, &"y".repeat(200));
    }
    let filler = disk.fill();
    let fit = page_slack(log_len(&session)) - base - 15;
    saved_note(&tmux, &session, &"z".repeat(usize::try_from(fit).unwrap_or(0)));
    assert!(page_slack(log_len(&session)) < 40, "the log's last page is nearly used up");

    // Longer than what is left: part of it lands, and must be cut back.
    let long_note = "the disk is full now ".repeat(250);
    paste_note(&tmux, &long_note);
    tmux.wait_for(&["disk is full now the disk is full now"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(&["NOT SAVED", "EVENT LOG: 1 event(s) NOT SAVED (last: observation)"]);
    assert!(screen.contains("✖ 1 NOT SAVED"), "the header counts what was lost:\n{screen}");
    strict_events(&session);
    tmux.keys(&["Escape"]);

    // STOP and the rollback while nothing can be saved.
    tmux.keys(&["F12"]);
    tmux.wait_for(&["STOPPED — why?"]);
    tmux.keys(&["Escape"]);
    tmux.wait_decision("action", "undo-it");
    tmux.keys(&["Enter"]);
    wait::until("the rollback's side effect", wait::DEFAULT, || undone.is_file().then_some(()), || tmux.screen());
    // The run's end could not be saved, and the screen knows it anyway.
    let screen = tmux.wait_for(&["✖ INTERRUPTED", "EVENT LOG:"]);
    assert!(!screen.contains("could not write the event log"), "printed over the screen:\n{screen}");
    strict_events(&session);

    // Space again: the next note is saved whole, the banner goes, the count stays.
    std::fs::remove_file(&filler).expect("free the space");
    tmux.keys(&["n"]);
    tmux.type_text("after the disk was freed");
    tmux.keys(&["Enter"]);
    tmux.wait_note("observation", "after the disk was freed");
    let screen = tmux.wait_gone("EVENT LOG:");
    assert!(screen.contains("NOT SAVED"), "the header still counts what was lost:\n{screen}");

    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_exit(), 1, "an interrupted run exits 1");
    let after = tmux.screen_with_history();
    assert!(after.contains("event(s) were NOT SAVED in events.jsonl"), "the loss is said on the way out:\n{after}");

    let evs = strict_events(&session);
    let seqs: Vec<u64> = evs.iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "seq numbers run on without gaps: {seqs:?}");
    let texts: Vec<&str> = evs.iter().filter(|e| kind(e) == "observation").filter_map(|e| e["text"].as_str()).collect();
    assert!(!texts.contains(&long_note.as_str()), "the note shown as NOT SAVED is not in the log");
    assert_eq!(texts.last(), Some(&"after the disk was freed"), "{}", sandbox::dump_events(&session));
    // What could not be saved is gone, and said to be: the STOP among it.
    assert!(!evs.iter().any(|e| kind(e) == "run_finished"), "{}", sandbox::dump_events(&session));
    assert_eq!(evs.last().map(kind), Some("session_ended"));
    let journal = sandbox::journal(&session);
    assert!(journal.get("experiment").is_some(), "journal.json is written at quit: {journal:#}");
    assert!(session.join("report.md").is_file(), "the report is written once there is space");
    assert!(after.contains("Report:"), "{after}");
}

/// A report that cannot be written is said, and its path is not printed.
#[test]
fn a_report_that_was_not_written_is_never_announced() {
    let sb = Sandbox::new();
    let doc = json!({
        "version": "1.0.0",
        "title": "No report",
        "description": "report.md cannot be written",
        "method": [process_action("quick", "echo", json!("hello"))],
    });
    let exp = sb.experiment("experiment.json", &doc);
    let tmux = Tmux::start("noreport", &sb.run_script(&exp, &[], ""));
    let session = sb.wait_session_dir();
    // A directory where report.md should go: renaming the report over it fails.
    std::fs::create_dir_all(session.join("report.md").join("blocker")).expect("block report.md");
    tmux.wait_decision("action", "quick");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["✔ COMPLETED"]);
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_exit(), 0);
    let after = tmux.screen_with_history();
    assert!(after.contains("reports could not be written"), "{after}");
    assert!(!after.contains("Report:"), "a report path that was not written is printed:\n{after}");
    assert!(after.contains("Journal:"), "{after}");
}
