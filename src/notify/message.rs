//! Which recorded events are worth telling people outside the room about,
//! and how each one reads, in Slack's shape or as a plain JSON event.
//!
//! Notified events (`event` in the plain schema):
//!
//! | `event`             | recorded event                              | `details`                                   |
//! |---------------------|---------------------------------------------|---------------------------------------------|
//! | `started`           | `session_started`                           | `mode`, `platform`, `node`, `facilitator`   |
//! | `stopped`           | `stop` whose `source` is not `safeguard`    | `who`, `source`, `reason`                   |
//! | `safeguard_tripped` | `stop` with `source: "safeguard"`           | `who`, `source`, `reason`                   |
//! | `deviated`          | `run_finished` with `deviated: true`        | `status`                                    |
//! | `ended`             | `run_finished` (always, after `deviated`)   | `status`, `deviated`, `duration`            |
//! | `shared`            | `observation` whose text starts `!share `   | `id`, `type`, `author`, `text`, `step`      |
//!
//! **Sharing rule.** An observation is shared when its text starts with
//! `!share` followed by whitespace, whatever its type: it can be typed in the
//! note box as it is, without a new kind. The prefix is removed from what is
//! sent (the recorded note keeps it).
//!
//! Plain payloads follow the `gameday-notify/1` schema:
//! `{"schema", "event", "session", "title", "at" (RFC 3339 UTC), "t_plus"
//! (seconds), "summary" (the readable line), "details"}`. Slack payloads are
//! `{"text": summary}` with `&`, `<` and `>` escaped as Slack requires.
use crate::session::event::{Event, EventBody};
use serde_json::{Value, json};

/// The schema name in plain payloads; bump it when a field changes meaning.
pub const SCHEMA: &str = "gameday-notify/1";

/// The prefix that marks an observation to share.
pub const SHARE_PREFIX: &str = "!share";

/// How payloads are shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `{"text": "..."}`: Slack incoming webhooks (and Mattermost, Rocket.Chat, …).
    #[default]
    Slack,
    /// The documented `gameday-notify/1` JSON event.
    Plain,
}

/// One thing to announce.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub event: &'static str,
    pub at: String,
    pub t_plus: f64,
    /// The readable line (without the title).
    pub summary: String,
    pub details: Value,
}

pub use crate::timefmt::t_plus;

/// The observation text without its share marker, when it has one.
pub fn shared_text(text: &str) -> Option<&str> {
    let rest = text.strip_prefix(SHARE_PREFIX)?;
    let first = rest.chars().next()?;
    first.is_whitespace().then(|| rest.trim()).filter(|t| !t.is_empty())
}

/// The notices an event gives (none for most events).
pub fn notices(event: &Event) -> Vec<Notice> {
    let at = crate::timefmt::iso(&event.at);
    let when = t_plus(event.t);
    let notice = |name: &'static str, summary: String, details: Value| Notice {
        event: name,
        at: at.clone(),
        t_plus: event.t,
        summary,
        details,
    };
    match &event.body {
        EventBody::SessionStarted { mode, platform, node, facilitator, .. } => {
            let by = facilitator.as_ref().map(|f| format!(", facilitated by {f}")).unwrap_or_default();
            vec![notice(
                "started",
                format!("Game Day started ({mode} on {node}{by})"),
                json!({"mode": mode, "platform": platform, "node": node, "facilitator": facilitator}),
            )]
        }
        EventBody::Stop { who, source, reason } => {
            let why = reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default();
            let details = json!({"who": who, "source": source, "reason": reason});
            if source == "safeguard" {
                vec![notice(
                    "safeguard_tripped",
                    format!("Safeguard tripped at {when}, stopping the run{why}"),
                    details,
                )]
            } else {
                vec![notice("stopped", format!("STOP by {who} ({source}) at {when}{why}"), details)]
            }
        }
        EventBody::RunFinished { status, deviated, duration, .. } => {
            let mut out = Vec::new();
            if *deviated {
                out.push(notice(
                    "deviated",
                    format!("The steady state deviated at {when}: a weakness may have been found"),
                    json!({"status": status}),
                ));
            }
            let shown = if *deviated { "deviated" } else { status.as_str() };
            out.push(notice(
                "ended",
                format!("Run ended at {when} with status {shown} (ran {:.0} s)", duration),
                json!({"status": status, "deviated": deviated, "duration": duration}),
            ));
            out
        }
        EventBody::Observation { id, kind, text, author, step, .. } => match shared_text(text) {
            Some(shared) => {
                let on = step.as_ref().map(|s| format!(" (during '{s}')")).unwrap_or_default();
                vec![notice(
                    "shared",
                    format!("{author} at {when}{on}: {shared}"),
                    json!({"id": id, "type": kind, "author": author, "text": shared, "step": step}),
                )]
            }
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Slack's three characters that must be escaped in `text`.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The JSON body to post.
pub fn payload(n: &Notice, format: Format, title: &str, session: &str) -> Value {
    match format {
        Format::Slack => json!({"text": slack_escape(&format!("[{title}] {}", n.summary))}),
        Format::Plain => json!({
            "schema": SCHEMA,
            "event": n.event,
            "session": session,
            "title": title,
            "at": n.at,
            "t_plus": n.t_plus,
            "summary": n.summary,
            "details": n.details,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn ev(t: f64, body: EventBody) -> Event {
        Event { seq: 1, at: Utc::now(), t, body }
    }

    #[test]
    fn share_rule() {
        assert_eq!(shared_text("!share the cache is cold"), Some("the cache is cold"));
        assert_eq!(shared_text("!share\tx"), Some("x"));
        assert_eq!(shared_text("!sharex"), None);
        assert_eq!(shared_text("!share "), None);
        assert_eq!(shared_text("!share"), None);
        assert_eq!(shared_text("note !share x"), None);
    }

    #[test]
    fn t_plus_reads_as_a_clock() {
        assert_eq!(t_plus(0.4), "T+00:00:00");
        assert_eq!(t_plus(3725.9), "T+01:02:05");
        assert_eq!(t_plus(f64::NAN), "T+00:00:00");
    }

    #[test]
    fn deviation_gives_two_notices() {
        let e = ev(
            65.0,
            EventBody::RunFinished { status: "completed".into(), deviated: true, end: String::new(), duration: 64.6 },
        );
        let n = notices(&e);
        assert_eq!(n.iter().map(|n| n.event).collect::<Vec<_>>(), ["deviated", "ended"]);
        assert_eq!(n[1].summary, "Run ended at T+00:01:05 with status deviated (ran 65 s)");
    }

    #[test]
    fn safeguard_stops_are_their_own_event() {
        let stop = |source: &str| {
            notices(&ev(
                1.0,
                EventBody::Stop { who: "gameday".into(), source: source.into(), reason: Some("p99 > 1s".into()) },
            ))
        };
        assert_eq!(stop("safeguard")[0].event, "safeguard_tripped");
        assert_eq!(stop("console")[0].event, "stopped");
        assert_eq!(stop("console")[0].summary, "STOP by gameday (console) at T+00:00:01: p99 > 1s");
    }

    #[test]
    fn slack_text_is_escaped() {
        let n = Notice {
            event: "shared",
            at: String::new(),
            t_plus: 0.0,
            summary: "a <b> & c".into(),
            details: Value::Null,
        };
        assert_eq!(payload(&n, Format::Slack, "T", "s"), json!({"text": "[T] a &lt;b&gt; &amp; c"}));
    }

    #[test]
    fn quiet_events_give_nothing() {
        assert!(notices(&ev(0.0, EventBody::Warning { message: "x".into() })).is_empty());
        assert!(notices(&ev(0.0, EventBody::SessionEnded)).is_empty());
    }
}
