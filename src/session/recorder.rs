//! The single door through which everything that happens in a run is written
//! (to `events.jsonl`) and announced (to the console, `watch`, tests). Secret
//! values are masked here, so no later consumer can leak them.
use super::event::{Event, EventBody};
use super::store::EventLog;
use crate::providers::Stream;
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

pub use super::mask::{MASK, Masker};

/// The body of an event with every string in it masked.
fn mask_body(masker: &Masker, body: EventBody) -> EventBody {
    if masker.is_empty() {
        return body;
    }
    // Round-trip through JSON so every string field of every kind is covered.
    match serde_json::to_value(&body) {
        Ok(v) => serde_json::from_value(masker.mask(&v)).unwrap_or(body),
        Err(_) => body,
    }
}

/// Whether the event log is being written: what was lost stays counted after
/// the log works again, so the console can always say what is missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogHealth {
    /// Events (and syncs) that could not be written, over the whole session.
    pub unsaved: u64,
    /// What the lost events were, oldest first (the first few).
    pub lost: Vec<String>,
    /// The error of the last write, while writes keep failing; `None` once
    /// a later write succeeded.
    pub failing: Option<String>,
}

impl LogHealth {
    /// How many lost events are named in [`LogHealth::lost`].
    pub const NAMED: usize = 20;

    /// Is everything recorded so far on disk?
    pub fn is_ok(&self) -> bool {
        self.unsaved == 0
    }

    /// One sentence for the end of a session, or `None` when nothing was lost.
    pub fn summary(&self) -> Option<String> {
        if self.is_ok() {
            return None;
        }
        let mut what = self.lost.join(", ");
        if self.unsaved > self.lost.len() as u64 {
            what.push_str(&format!(", and {} more", self.unsaved - self.lost.len() as u64));
        }
        Some(format!("{} event(s) were NOT SAVED in events.jsonl: {what}", self.unsaved))
    }
}

/// Told about each failed write (headless runs print it at once).
pub type FailureHook = Box<dyn Fn(&str) + Send + Sync>;

/// Records events and fans them out.
pub struct Recorder {
    log: Mutex<EventLog>,
    subscribers: Mutex<Vec<UnboundedSender<Update>>>,
    masker: Mutex<Masker>,
    /// Per run and stream, the end of the live output held back because it
    /// may be the start of a secret the next chunk completes.
    live_pending: Mutex<Vec<((u64, Stream), String)>>,
    health: Mutex<LogHealth>,
    on_failure: Mutex<Option<FailureHook>>,
}

impl Recorder {
    pub fn new(log: EventLog) -> Self {
        Self {
            log: Mutex::new(log),
            subscribers: Mutex::new(Vec::new()),
            masker: Mutex::new(Masker::default()),
            live_pending: Mutex::new(Vec::new()),
            health: Mutex::new(LogHealth::default()),
            on_failure: Mutex::new(None),
        }
    }

    /// The state of the log's writes so far.
    pub fn health(&self) -> LogHealth {
        self.health.lock().map(|h| h.clone()).unwrap_or_else(|_| LogHealth {
            unsaved: 1,
            lost: Vec::new(),
            failing: Some("the recorder's state is unreadable".into()),
        })
    }

    /// Call `hook` with a message for every write that fails from now on.
    pub fn on_failure(&self, hook: FailureHook) {
        if let Ok(mut h) = self.on_failure.lock() {
            *h = Some(hook);
        }
    }

    fn note_saved(&self) {
        if let Ok(mut h) = self.health.lock()
            && h.failing.is_some()
        {
            h.failing = None;
        }
    }

    fn note_lost(&self, what: &str, error: &io::Error) {
        if let Ok(mut h) = self.health.lock() {
            h.unsaved += 1;
            if h.lost.len() < LogHealth::NAMED {
                h.lost.push(what.to_string());
            }
            h.failing = Some(error.to_string());
        }
        if let Ok(hook) = self.on_failure.lock()
            && let Some(hook) = hook.as_ref()
        {
            hook(&format!("could not write {what} to the event log: {error}"));
        }
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

    /// Append an event (masked) and announce it once it is saved. A failure
    /// is also kept in [`Recorder::health`], so it is shown even where the
    /// caller has nobody to tell.
    pub fn record(&self, body: EventBody) -> io::Result<Event> {
        let body = mask_body(&self.masker(), body);
        let appended = match self.log.lock() {
            Ok(mut log) => log.append(body).map_err(|e| (log.last_failed_kind().unwrap_or("an event").to_string(), e)),
            Err(_) => Err(("an event".to_string(), io::Error::other("event log lock poisoned"))),
        };
        let event = match appended {
            Ok(ev) => ev,
            Err((what, e)) => {
                self.note_lost(&what, &e);
                return Err(e);
            }
        };
        self.note_saved();
        self.broadcast(Update::Event(event.clone()));
        Ok(event)
    }

    /// [`Recorder::record`] for callers that have nobody to tell: a failure
    /// is kept in [`Recorder::health`] (shown by the console's header and
    /// banner, and at the end of the session).
    pub fn record_or_flag(&self, body: EventBody) -> Option<Event> {
        self.record(body).ok()
    }

    /// Announce live output (masked, not recorded). A secret split across
    /// chunks is masked too: the end of each chunk that could begin a secret
    /// is held back until the next chunk or [`Recorder::live_end`].
    pub fn live(&self, run: u64, stream: Stream, text: &str) {
        let masker = self.masker();
        let shown = match self.live_pending.lock() {
            Ok(mut pending) => {
                let key = (run, stream);
                let at = match pending.iter().position(|(k, _)| *k == key) {
                    Some(i) => i,
                    None => {
                        pending.push((key, String::new()));
                        pending.len() - 1
                    }
                };
                masker.mask_piece(&mut pending[at].1, text)
            }
            Err(_) => masker.mask_str(text),
        };
        if !shown.is_empty() {
            self.broadcast(Update::Live { run, stream, text: shown });
        }
    }

    /// The run's output is complete: show what [`Recorder::live`] held back.
    pub fn live_end(&self, run: u64) {
        let masker = self.masker();
        let ended: Vec<((u64, Stream), String)> = match self.live_pending.lock() {
            Ok(mut pending) => {
                let (ended, kept) = std::mem::take(&mut *pending).into_iter().partition(|((r, _), _)| *r == run);
                *pending = kept;
                ended
            }
            Err(_) => Vec::new(),
        };
        for ((run, stream), mut rest) in ended {
            let text = masker.flush(&mut rest);
            if !text.is_empty() {
                self.broadcast(Update::Live { run, stream, text });
            }
        }
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
        let synced = match self.log.lock() {
            Ok(mut log) => log.sync(),
            Err(_) => Err(io::Error::other("event log lock poisoned")),
        };
        if let Err(e) = &synced {
            self.note_lost("the final sync", e);
        }
        synced
    }

    /// [`Recorder::sync`], a failure kept in [`Recorder::health`].
    pub fn sync_or_flag(&self) {
        // `sync` has kept a failure in the health state: nothing else to do.
        self.sync().ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::store::{Durability, LogFile};
    use std::path::Path;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A log file whose writes fail while `full` is set.
    #[derive(Debug, Clone, Default)]
    struct Switch {
        full: Arc<AtomicBool>,
    }

    impl LogFile for Switch {
        fn append_all(&mut self, _: &[u8]) -> io::Result<()> {
            if self.full.load(Ordering::SeqCst) { Err(io::Error::from_raw_os_error(28)) } else { Ok(()) }
        }
        fn sync_data(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn truncate(&mut self, _: u64) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failed_write_is_kept_until_a_later_one_succeeds_and_stays_counted() {
        let file = Switch::default();
        let rec = Recorder::new(EventLog::on(Box::new(file.clone()), 0, Path::new("e"), Durability::EveryEvent));
        let mut updates = rec.subscribe();
        rec.record_or_flag(EventBody::SessionEnded);
        assert!(rec.health().is_ok());
        file.full.store(true, Ordering::SeqCst);
        assert!(rec.record_or_flag(EventBody::Warning { message: "lost".into() }).is_none());
        assert!(rec.record(EventBody::PhaseChanged { phase: super::super::Phase::Ended }).is_err());
        let h = rec.health();
        assert_eq!(h.unsaved, 2);
        assert_eq!(h.lost, ["warning", "phase_changed"]);
        assert!(h.failing.as_deref().is_some_and(|e| e.contains("No space left")), "{h:?}");
        file.full.store(false, Ordering::SeqCst);
        rec.record_or_flag(EventBody::SessionEnded);
        let h = rec.health();
        assert_eq!((h.unsaved, h.failing.as_deref()), (2, None));
        assert!(h.summary().is_some_and(|s| s.starts_with("2 event(s) were NOT SAVED")), "{h:?}");
        // Only what was saved was announced.
        let mut seen = Vec::new();
        while let Ok(Update::Event(e)) = updates.try_recv() {
            seen.push(e.seq);
        }
        assert_eq!(seen, [1, 2]);
    }
}
