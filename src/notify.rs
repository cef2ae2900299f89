//! Webhook notifications: tell people outside the room (a Slack channel, an
//! incident bot) that a Game Day started, was stopped, tripped a safeguard,
//! deviated, ended, or that someone shared an observation.
//!
//! A playbook opts in with:
//!
//! ```yaml
//! notify:
//!   webhook: https://hooks.slack.com/services/…   # http or https
//!   format: slack        # or plain (the gameday-notify/1 JSON event); default slack
//!   timeout: 5           # seconds per request; default 5
//!   retries: 3           # extra attempts after a failure; default 3
//!   headers:             # optional, sent with every request
//!     Authorization: Bearer ${notify_token}
//! ```
//!
//! The webhook and the header values take `${name}` from the experiment's
//! configuration and secrets (see [`resolve`]), so the URL's secret part can
//! come from the environment instead of the playbook; the notifier only
//! ever sends masked events, and never shows more of the URL than its host.
//!
//! The notifier reads the recorder's updates (so it only ever sees masked
//! events) in its own task. Nothing it does can slow the console: the
//! recorder's channel is unbounded, and notifications wait in a bounded
//! queue that drops its oldest entry when the webhook falls behind. Failures
//! (after retries) and drops are handed to a `report` callback; the webhook
//! URL itself is never put in a message, since it is usually a secret.
//! Which events are sent and what they look like: see [`message`].
pub mod message;
mod queue;

pub use message::{Format, Notice, SCHEMA, SHARE_PREFIX};

use crate::session::event::EventBody;
use crate::session::recorder::Update;
use queue::Queue;
use serde_json::Value;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

/// Per-request time limit when the playbook sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Extra attempts after a failed request when the playbook sets none.
pub const DEFAULT_RETRIES: u32 = 3;
/// Notifications waiting to be sent before the oldest are dropped.
pub const QUEUE_CAP: usize = 64;
/// First pause between attempts; it doubles each time, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(4);
/// Drops are reported at most this often (with a count), not one by one.
const DROP_REPORT_EVERY: Duration = Duration::from_secs(10);

/// Where and how to send notifications.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyConfig {
    pub webhook: String,
    pub format: Format,
    /// Per-request time limit.
    pub timeout: Duration,
    /// Extra attempts after a failure (connection error, timeout, 408, 429, 5xx).
    pub retries: u32,
    /// Sent with every request, as written (after substitution).
    pub headers: Vec<(String, String)>,
}

/// Read `notify:` from a playbook; `Ok(None)` when it has none, `Err` with a
/// message for people when it is there but unusable.
pub fn parse(doc: &Value) -> Result<Option<NotifyConfig>, String> {
    let Some(n) = doc.get("notify") else {
        return Ok(None);
    };
    let Some(n) = n.as_object() else {
        return Err("'notify' must be a mapping with at least a 'webhook'".into());
    };
    let webhook = match n.get("webhook") {
        Some(Value::String(w)) if !w.trim().is_empty() => w.trim().to_string(),
        _ => return Err("'notify' needs a 'webhook' URL".into()),
    };
    // A URL with `${…}` in it is checked once substituted ([`resolve`]).
    match url::Url::parse(&webhook) {
        _ if webhook.contains('$') => {}
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => return Err("the notify webhook must be an http:// or https:// URL".into()),
    }
    let headers = match n.get("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(m)) => {
            let mut out = Vec::new();
            for (k, v) in m {
                let Some(v) = v.as_str() else {
                    return Err(format!("the notify header '{k}' must be a string"));
                };
                out.push((k.clone(), v.to_string()));
            }
            out
        }
        Some(_) => return Err("the notify headers must be a mapping of names to strings".into()),
    };
    let format = match n.get("format").map(|f| f.as_str().map(str::to_ascii_lowercase)) {
        None => Format::Slack,
        Some(Some(f)) if f == "slack" => Format::Slack,
        Some(Some(f)) if f == "plain" => Format::Plain,
        Some(_) => return Err("the notify format must be 'slack' or 'plain'".into()),
    };
    let timeout = match n.get("timeout") {
        None => DEFAULT_TIMEOUT,
        Some(t) => match t.as_f64() {
            Some(s) if s.is_finite() && s > 0.0 && s <= 300.0 => Duration::from_secs_f64(s),
            _ => return Err("the notify timeout must be a number of seconds between 0 and 300".into()),
        },
    };
    let retries = match n.get("retries") {
        None => DEFAULT_RETRIES,
        Some(r) => match r.as_u64() {
            Some(r) if r <= 10 => r as u32,
            _ => return Err("the notify retries must be a whole number from 0 to 10".into()),
        },
    };
    Ok(Some(NotifyConfig { webhook, format, timeout, retries, headers }))
}

/// [`parse`], with `${name}` in the webhook and the header values taken
/// from the run's configuration and secrets (as activities take them).
pub fn resolve(
    doc: &Value,
    configuration: &serde_json::Map<String, Value>,
    secrets: &serde_json::Map<String, Value>,
) -> Result<Option<NotifyConfig>, String> {
    let Some(mut cfg) = parse(doc)? else { return Ok(None) };
    let scope = crate::engine::substitute::Scope::new(configuration, secrets);
    let text = |s: &str| crate::engine::pyvalue::py_str(&crate::engine::substitute::substitute_str(s, &scope));
    cfg.webhook = text(&cfg.webhook);
    for (_, v) in cfg.headers.iter_mut() {
        *v = text(v);
    }
    match url::Url::parse(&cfg.webhook) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(Some(cfg)),
        _ => Err("the notify webhook, once substituted, must be an http:// or https:// URL".into()),
    }
}

/// `notify:` from a playbook, or `None` when absent or unusable (use
/// [`parse`] to tell the user why).
pub fn from_doc(doc: &Value) -> Option<NotifyConfig> {
    parse(doc).ok().flatten()
}

/// The webhook's host, the only part of its URL safe to show.
fn host_of(webhook: &str) -> String {
    url::Url::parse(webhook).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_else(|| "?".into())
}

fn describe(e: &reqwest::Error) -> String {
    use std::error::Error;
    // reqwest's own text names the URL; keep only the causes.
    let mut parts = Vec::new();
    let mut src = e.source();
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    if parts.is_empty() {
        if e.is_connect() { "could not connect".into() } else { "the request failed".into() }
    } else {
        parts.join(": ")
    }
}

/// Post one payload, retrying with backoff; `Err` says why it finally failed.
async fn deliver(client: &reqwest::Client, cfg: &NotifyConfig, body: &Value) -> Result<(), String> {
    let mut attempt: u32 = 0;
    let mut pause = FIRST_BACKOFF;
    loop {
        let mut request = client.post(&cfg.webhook).json(body);
        for (name, value) in &cfg.headers {
            request = request.header(name, value);
        }
        let why = match request.send().await {
            Ok(resp) if resp.status().is_success() => return Ok(()),
            Ok(resp) => {
                let s = resp.status();
                let retry = s.is_server_error() || s.as_u16() == 429 || s.as_u16() == 408;
                if !retry {
                    return Err(format!("the webhook refused it (HTTP {})", s.as_u16()));
                }
                format!("HTTP {}", s.as_u16())
            }
            Err(e) if e.is_timeout() => format!("no answer within {:.1} s", cfg.timeout.as_secs_f64()),
            Err(e) => describe(&e),
        };
        if attempt >= cfg.retries {
            let n = attempt + 1;
            return Err(format!("{why} (gave up after {n} attempt{})", if n == 1 { "" } else { "s" }));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_BACKOFF);
        attempt += 1;
    }
}

/// Start notifying. The task reads `rx` until a `session_ended` event (or
/// until the recorder goes away), then sends what is still queued and
/// returns. At exit, wait for the handle with a time limit and abort it if
/// the webhook is still failing (aborting stops everything it runs).
pub fn spawn(
    mut rx: UnboundedReceiver<Update>,
    cfg: NotifyConfig,
    title: String,
    session: String,
    report: impl Fn(String) + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // One task runs both halves, so aborting the handle stops both; the
        // mutex only makes `report` shareable between them.
        let report = Mutex::new(report);
        let say = |msg: String| {
            if let Ok(f) = report.lock() {
                f(msg);
            }
        };
        let host = host_of(&cfg.webhook);
        let queue: Queue<(&'static str, Value)> = Queue::new(QUEUE_CAP);

        let reader = async {
            let mut dropped = 0u64;
            let mut last_report: Option<Instant> = None;
            while let Some(update) = rx.recv().await {
                let Update::Event(event) = update else { continue };
                for n in message::notices(&event) {
                    let body = message::payload(&n, cfg.format, &title, &session);
                    if queue.push((n.event, body)).is_some() {
                        dropped += 1;
                        if last_report.is_none_or(|t| t.elapsed() >= DROP_REPORT_EVERY) {
                            say(format!(
                                "notifications to {host} are falling behind: dropped {dropped} (the oldest waiting)"
                            ));
                            dropped = 0;
                            last_report = Some(Instant::now());
                        }
                    }
                }
                if matches!(event.body, EventBody::SessionEnded) {
                    break;
                }
            }
            if dropped > 0 {
                say(format!("notifications to {host} fell behind: dropped {dropped} more (the oldest waiting)"));
            }
            queue.close();
        };

        let sender = async {
            let client = match crate::net::client_builder().timeout(cfg.timeout).build() {
                Ok(c) => c,
                Err(e) => {
                    say(format!("notifications are off: could not build an HTTP client: {e}"));
                    // Keep draining so the reader finishes normally.
                    while queue.pop().await.is_some() {}
                    return;
                }
            };
            while let Some((event, body)) = queue.pop().await {
                if let Err(why) = deliver(&client, &cfg, &body).await {
                    say(format!("could not notify {host} of '{event}': {why}"));
                }
            }
        };

        tokio::join!(reader, sender);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_reads_the_playbook_block() {
        assert_eq!(parse(&json!({"title": "x"})), Ok(None));
        let cfg = parse(&json!({"notify": {"webhook": "https://hooks.example.com/T/B/x"}})).unwrap().unwrap();
        assert_eq!(
            cfg,
            NotifyConfig {
                webhook: "https://hooks.example.com/T/B/x".into(),
                format: Format::Slack,
                timeout: DEFAULT_TIMEOUT,
                retries: DEFAULT_RETRIES,
                headers: Vec::new(),
            }
        );
        let cfg = parse(
            &json!({"notify": {"webhook": "http://127.0.0.1:9/h", "format": "Plain", "timeout": 1.5, "retries": 0}}),
        )
        .unwrap()
        .unwrap();
        assert_eq!((cfg.format, cfg.timeout, cfg.retries), (Format::Plain, Duration::from_millis(1500), 0));
    }

    #[test]
    fn parse_explains_what_is_wrong() {
        for (doc, msg) in [
            (json!({"notify": "x"}), "'notify' must be a mapping"),
            (json!({"notify": {}}), "needs a 'webhook'"),
            (json!({"notify": {"webhook": "ftp://x/y"}}), "http:// or https://"),
            (json!({"notify": {"webhook": "not a url"}}), "http:// or https://"),
            (json!({"notify": {"webhook": "http://x", "format": "teams"}}), "'slack' or 'plain'"),
            (json!({"notify": {"webhook": "http://x", "timeout": 0}}), "timeout"),
            (json!({"notify": {"webhook": "http://x", "retries": -1}}), "retries"),
        ] {
            let err = parse(&doc).unwrap_err();
            assert!(err.contains(msg), "{doc}: {err}");
            assert_eq!(from_doc(&doc), None);
        }
    }

    #[test]
    fn only_the_host_is_shown() {
        assert_eq!(host_of("https://hooks.slack.com/services/T000/B000/secret"), "hooks.slack.com");
        assert_eq!(host_of("nope"), "?");
    }
}
