//! A session's `events.jsonl` → its report and its Chaos Toolkit journal, in
//! one pass, one line at a time: a Game Day with 100,000 notes never has its
//! whole log in memory. The reading rules are those of
//! [`crate::session::read_events`]: a torn last line (no newline: the console
//! stopped mid-write) is left out with a note, blank lines are skipped, and
//! any other line that is not an event is skipped too: the report says which
//! (and the caller warns), as resume, watch and the console's replay do.
use super::build::SessionBuilder;
use super::model::Report;
use super::obs_line;
use crate::session::journal::Projection;
use crate::session::{Event, EventBody};
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// One session, read.
pub struct Session {
    pub report: Report,
    pub journal: Value,
    /// Lines that are not events: (line number, why), for the caller's warnings.
    pub skipped: Vec<(usize, String)>,
}

/// Read an `events.jsonl` file.
pub fn read(path: &Path) -> Result<Session, String> {
    let file = File::open(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    from_reader(BufReader::with_capacity(1 << 16, file), path)
}

/// Read events from `input`; `path` names it in messages.
pub fn from_reader(mut input: impl BufRead, path: &Path) -> Result<Session, String> {
    let mut report = SessionBuilder::new();
    let mut journal = Projection::default();
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    let mut first: Option<bool> = None;
    let mut torn = false;
    let mut skipped = Vec::new();
    loop {
        buf.clear();
        let n = input.read_until(b'\n', &mut buf).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let complete = buf.last() == Some(&b'\n');
        if !complete {
            // Only the last line can lack its newline.
            torn = true;
            break;
        }
        let line = &buf[..buf.len() - 1];
        let parsed = match obs_line::read(line) {
            Some(ev) => Ok(ev),
            None => serde_json::from_slice::<Event>(line),
        };
        match parsed {
            Ok(ev) => {
                first.get_or_insert(matches!(ev.body, EventBody::SessionStarted { .. }));
                journal.apply(&ev);
                report.apply(ev);
            }
            Err(_) if line.iter().all(u8::is_ascii_whitespace) => {}
            Err(e) => skipped.push((line_no, e.to_string())),
        }
    }
    match first {
        None => Err(format!("{}: no events recorded", path.display())),
        Some(false) => Err(format!("{}:1: the log does not begin with a session_started event", path.display())),
        Some(true) => {
            let mut notes = Vec::new();
            if !skipped.is_empty() {
                notes.push(skipped_note(&skipped));
            }
            if torn {
                notes.push(format!(
                    "The last line of {} is incomplete (written when the console stopped) and was left out.",
                    path.display()
                ));
            }
            Ok(Session { report: report.finish(notes), journal: journal.finish(), skipped })
        }
    }
}

/// "2 unreadable line(s) skipped: lines 3, 7".
fn skipped_note(skipped: &[(usize, String)]) -> String {
    let numbers: Vec<String> = skipped.iter().map(|(n, _)| n.to_string()).collect();
    let word = if numbers.len() == 1 { "line" } else { "lines" };
    format!("{} unreadable line(s) skipped: {word} {}", numbers.len(), numbers.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str = r#"{"seq":1,"at":"2026-01-01T09:00:00Z","t":0.0,"kind":"session_started","experiment":{"title":"T","method":[]},"source":"x.yaml","mode":"console","platform":"Linux","node":"n"}"#;
    const NOTE: &str = r#"{"seq":2,"at":"2026-01-01T09:00:01Z","t":1.0,"kind":"observation","id":1,"type":"note","text":"hello","author":"sam"}"#;

    fn read_str(s: &str) -> Result<Session, String> {
        from_reader(s.as_bytes(), Path::new("events.jsonl"))
    }

    #[test]
    fn reads_every_complete_line() {
        let s = read_str(&format!("{START}\n\n{NOTE}\n")).unwrap();
        assert_eq!(s.report.title, "T");
        assert_eq!(s.report.observations.len(), 1);
        assert_eq!(s.report.observations[0].text, "hello");
        assert_eq!(s.journal["experiment"]["title"], "T");
        // Only the note about the missing end: nothing was torn.
        assert_eq!(s.report.input_notes.len(), 1, "{:?}", s.report.input_notes);
    }

    #[test]
    fn torn_last_line_is_left_out_with_a_note() {
        // The torn line would parse on its own; without its newline it is still left out.
        let s = read_str(&format!("{START}\n{NOTE}")).unwrap();
        assert!(s.report.observations.is_empty());
        assert!(s.report.input_notes[0].contains("is incomplete"), "{:?}", s.report.input_notes);
        assert!(s.report.input_notes[1].contains("never recorded its end"));
        let s = read_str(&format!("{START}\n{{\"seq\":2,\"at\"")).unwrap();
        assert!(s.report.input_notes[0].contains("is incomplete"));
    }

    #[test]
    fn a_bad_line_is_skipped_and_named() {
        let s = read_str(&format!("{START}\n{NOTE}\nnot json\n{NOTE}\n")).unwrap();
        assert_eq!(s.report.observations.len(), 2);
        assert_eq!(s.skipped.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [3]);
        assert_eq!(s.report.input_notes[0], "1 unreadable line(s) skipped: line 3");
    }

    #[test]
    fn empty_or_headless_logs_are_refused() {
        assert_eq!(read_str("").err().unwrap(), "events.jsonl: no events recorded");
        assert_eq!(read_str("\n").err().unwrap(), "events.jsonl: no events recorded");
        let e = read_str(&format!("{NOTE}\n")).err().unwrap();
        assert_eq!(e, "events.jsonl:1: the log does not begin with a session_started event");
    }
}
