//! A fast reading of the commonest line of `events.jsonl`: an observation.
//! [`Event`] is an internally tagged enum flattened into a struct, which
//! serde reads by buffering every field first; that made parsing most of the
//! time of a report of 100,000 notes. An observation is read here in one
//! pass into a plain struct instead. Anything else — another kind, a missing
//! or mistyped field, a bad time — returns `None`, and the line is read as
//! an [`Event`] as usual (which also gives the proper error message). A test
//! checks that both readings give the same event.
use crate::session::{Event, EventBody};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::borrow::Cow;

/// The fields of an observation line (other keys are ignored, as [`Event`]
/// ignores them).
#[derive(Deserialize)]
struct Line<'a> {
    seq: u64,
    // Borrowed from the line when it has no escapes: neither is kept.
    #[serde(borrow)]
    at: Cow<'a, str>,
    t: f64,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    id: u64,
    #[serde(rename = "type")]
    kind_of_note: String,
    text: String,
    author: String,
    #[serde(default)]
    step: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    due: Option<String>,
}

/// The event on this line, if it is a well-formed observation.
pub fn read(line: &[u8]) -> Option<Event> {
    let l: Line = serde_json::from_slice(line).ok()?;
    if l.kind != "observation" {
        return None;
    }
    // As the event's own `at` is read (session/event.rs, `mod utc`).
    let at = DateTime::parse_from_rfc3339(&l.at).ok()?.with_timezone(&Utc);
    Some(Event {
        seq: l.seq,
        at,
        t: l.t,
        body: EventBody::Observation {
            id: l.id,
            kind: l.kind_of_note,
            text: l.text,
            author: l.author,
            step: l.step,
            owner: l.owner,
            due: l.due,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(line: &str) -> (Option<Event>, Option<Event>) {
        (read(line.as_bytes()), serde_json::from_str::<Event>(line).ok())
    }

    #[test]
    fn reads_an_observation_as_the_event_parser_does() {
        // Every field named: a field added to observations breaks this test
        // until the fast reading learns it.
        let ev = Event {
            seq: 7,
            at: DateTime::parse_from_rfc3339("2026-01-01T09:00:01.250000Z").map(|t| t.with_timezone(&Utc)).unwrap(),
            t: 1.25,
            body: EventBody::Observation {
                id: 3,
                kind: "action".into(),
                text: "Fix the \"dashboard\" \\ <now>\n".into(),
                author: "sam".into(),
                step: Some("step-1".into()),
                owner: Some("kim".into()),
                due: Some("2026-02-01".into()),
            },
        };
        let line = serde_json::to_string(&ev).unwrap();
        assert_eq!(read(line.as_bytes()), Some(ev));
        let bare = r#"{"seq":2,"at":"2026-01-01T09:00:01Z","t":1.0,"kind":"observation","id":1,"type":"note","text":"hi","author":"a","step":null,"extra":[1]}"#;
        let (fast, slow) = both(bare);
        assert!(fast.is_some());
        assert_eq!(fast, slow);
    }

    #[test]
    fn leaves_anything_else_to_the_event_parser() {
        for line in [
            r#"{"seq":1,"at":"2026-01-01T09:00:00Z","t":0.0,"kind":"warning","message":"m"}"#,
            r#"{"seq":2,"at":"2026-01-01T09:00:01Z","t":1.0,"kind":"observation","id":1,"type":"note","author":"a"}"#,
            r#"{"seq":2,"at":"yesterday","t":1.0,"kind":"observation","id":1,"type":"note","text":"x","author":"a"}"#,
            r#"{"seq":2,"at":"2026-01-01T09:00:01Z","t":1.0,"kind":"observation","id":-1,"type":"note","text":"x","author":"a"}"#,
            "not json",
        ] {
            assert_eq!(read(line.as_bytes()), None, "{line}");
        }
    }
}
