//! The single door through which everything that happens in a run is written
//! (to `events.jsonl`) and announced (to the console, `watch`, tests). Secret
//! values are masked here, so no later consumer can leak them.
use super::event::{Event, EventBody};
use super::store::EventLog;
use crate::providers::Stream;
use serde_json::Value;
use std::io;
use std::sync::Mutex;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// What subscribers receive.
// Events are by far the most common update; boxing them would cost an
// allocation each for the sake of the rarer, smaller live-output variant.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Update {
    /// A recorded (and, in the console, fsync'd) event.
    Event(Event),
    /// Live output of a running activity; not recorded (its final output is).
    Live { run: u64, stream: Stream, text: String },
}

/// Replaces secret values with a mask wherever they appear.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    secrets: Vec<String>,
}

/// What a masked secret looks like.
pub const MASK: &str = "***";

impl Masker {
    pub fn new(mut secrets: Vec<String>) -> Self {
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Self { secrets }
    }

    pub fn mask_str(&self, s: &str) -> String {
        let mut out = s.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }

    pub fn mask(&self, v: &Value) -> Value {
        if self.secrets.is_empty() {
            return v.clone();
        }
        match v {
            Value::String(s) => Value::String(self.mask_str(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.mask(x)).collect()),
            Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (self.mask_str(k), self.mask(x))).collect()),
            other => other.clone(),
        }
    }

    fn mask_body(&self, body: EventBody) -> EventBody {
        if self.secrets.is_empty() {
            return body;
        }
        // Round-trip through JSON so every string field of every kind is covered.
        match serde_json::to_value(&body) {
            Ok(v) => serde_json::from_value(self.mask(&v)).unwrap_or(body),
            Err(_) => body,
        }
    }
}

/// Records events and fans them out.
pub struct Recorder {
    log: Mutex<EventLog>,
    subscribers: Mutex<Vec<UnboundedSender<Update>>>,
    masker: Mutex<Masker>,
}

impl Recorder {
    pub fn new(log: EventLog) -> Self {
        Self { log: Mutex::new(log), subscribers: Mutex::new(Vec::new()), masker: Mutex::new(Masker::default()) }
    }

    /// Set the secret values to mask from now on.
    pub fn set_secrets(&self, secrets: Vec<String>) {
        if let Ok(mut m) = self.masker.lock() {
            *m = Masker::new(secrets);
        }
    }

    /// Where the events are written.
    pub fn log_path(&self) -> Option<std::path::PathBuf> {
        self.log.lock().ok().map(|l| l.path().to_path_buf())
    }

    /// A copy of the masker, for text that is shown but not recorded.
    pub fn masker(&self) -> Masker {
        self.masker.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Receive every update from now on.
    pub fn subscribe(&self) -> UnboundedReceiver<Update> {
        let (tx, rx) = unbounded_channel();
        if let Ok(mut subs) = self.subscribers.lock() {
            subs.push(tx);
        }
        rx
    }

    fn broadcast(&self, update: Update) {
        if let Ok(mut subs) = self.subscribers.lock() {
            subs.retain(|s| s.send(update.clone()).is_ok());
        }
    }

    /// Append an event (masked) and announce it once it is saved.
    pub fn record(&self, body: EventBody) -> io::Result<Event> {
        let body = self.masker().mask_body(body);
        let event = {
            let mut log = self.log.lock().map_err(|_| io::Error::other("event log lock poisoned"))?;
            log.append(body)?
        };
        self.broadcast(Update::Event(event.clone()));
        Ok(event)
    }

    /// Announce live output (masked, not recorded).
    pub fn live(&self, run: u64, stream: Stream, text: &str) {
        let text = self.masker().mask_str(text);
        self.broadcast(Update::Live { run, stream, text });
    }

    /// Current T+ in seconds.
    pub fn t_plus(&self) -> f64 {
        self.log.lock().map(|l| l.t_plus()).unwrap_or(0.0)
    }

    /// Freeze the T+ clock.
    pub fn suspend_clock(&self) {
        if let Ok(mut l) = self.log.lock() {
            l.suspend();
        }
    }

    /// Unfreeze it; returns the seconds it was frozen.
    pub fn resume_clock(&self) -> f64 {
        self.log.lock().map(|mut l| l.resume()).unwrap_or(0.0)
    }

    /// Exclude suspended time from T+.
    pub fn exclude(&self, secs: f64) {
        if let Ok(mut l) = self.log.lock() {
            l.exclude(secs);
        }
    }

    /// Force the log to disk.
    pub fn sync(&self) -> io::Result<()> {
        self.log.lock().map_err(|_| io::Error::other("event log lock poisoned"))?.sync()
    }
}
