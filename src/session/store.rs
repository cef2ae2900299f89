//! `events.jsonl`: append-only, one event per line, flushed with fsync before
//! an event counts as recorded. Reading detects (and can repair) a torn last
//! line left by a crash mid-write.
use super::event::{Event, EventBody};
use chrono::{DateTime, Utc};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// When appended events reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync after every event (the console: nothing shown as saved is lost).
    EveryEvent,
    /// fsync at checkpoints and at the end (headless runs, where nobody is
    /// shown anything as saved; matches `chaos run`, which fsyncs nothing).
    Checkpoints,
}

/// The open log of one session.
#[derive(Debug)]
pub struct EventLog {
    file: File,
    path: PathBuf,
    next_seq: u64,
    started_at: DateTime<Utc>,
    clock: Instant,
    /// Seconds of T+ that do not count (a suspended clock).
    offset: f64,
    /// While the clock is suspended: since when.
    suspended_at: Option<Instant>,
    durability: Durability,
}

impl EventLog {
    /// Create a new log (fails if it exists).
    pub fn create(path: &Path, durability: Durability) -> io::Result<Self> {
        let file = OpenOptions::new().create_new(true).append(true).open(path)?;
        Ok(Self {
            file,
            path: path.to_path_buf(),
            next_seq: 1,
            started_at: Utc::now(),
            clock: Instant::now(),
            offset: 0.0,
            suspended_at: None,
            durability,
        })
    }

    /// Reopen an existing log to continue it after `last` (from [`read_events`]).
    pub fn reopen(path: &Path, events: &[Event], durability: Durability) -> io::Result<Self> {
        let file = OpenOptions::new().append(true).open(path)?;
        let started_at = events.first().map(|e| e.at).unwrap_or_else(Utc::now);
        let last = events.last();
        // T+ continues from the last event: time while the console was dead
        // still passed for the people in the room.
        let elapsed = (Utc::now() - started_at).num_microseconds().unwrap_or(0) as f64 / 1e6;
        let last_t = last.map_or(0.0, |e| e.t);
        let last_at = last.map_or(started_at, |e| e.at);
        let drift = (last_at - started_at).num_microseconds().unwrap_or(0) as f64 / 1e6 - last_t;
        Ok(Self {
            file,
            path: path.to_path_buf(),
            next_seq: last.map_or(1, |e| e.seq + 1),
            started_at,
            clock: Instant::now(),
            offset: -(elapsed - drift),
            suspended_at: None,
            durability,
        })
    }

    /// Where the log lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// When the session started.
    pub fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    /// Current T+ in seconds (frozen while the clock is suspended).
    pub fn t_plus(&self) -> f64 {
        let now = match self.suspended_at {
            Some(at) => at.duration_since(self.clock).as_secs_f64(),
            None => self.clock.elapsed().as_secs_f64(),
        };
        (now - self.offset).max(0.0)
    }

    /// Freeze T+ (no-op when already frozen).
    pub fn suspend(&mut self) {
        self.suspended_at.get_or_insert_with(Instant::now);
    }

    /// Unfreeze T+; returns how long it was frozen (0 when it was not).
    pub fn resume(&mut self) -> f64 {
        match self.suspended_at.take() {
            Some(at) => {
                let secs = at.elapsed().as_secs_f64();
                self.offset += secs;
                secs
            }
            None => 0.0,
        }
    }

    /// Exclude `secs` from T+ from now on (suspended clock).
    pub fn exclude(&mut self, secs: f64) {
        self.offset += secs;
    }

    /// Append an event; with [`Durability::EveryEvent`] it is on disk when this returns.
    pub fn append(&mut self, body: EventBody) -> io::Result<Event> {
        let event = Event { seq: self.next_seq, at: Utc::now(), t: (self.t_plus() * 1e6).round() / 1e6, body };
        let mut line = serde_json::to_vec(&event).map_err(io::Error::other)?;
        line.push(b'\n');
        // One write call per event keeps a crash from interleaving halves.
        self.file.write_all(&line)?;
        if self.durability == Durability::EveryEvent {
            self.file.sync_data()?;
        }
        self.next_seq += 1;
        Ok(event)
    }

    /// Force everything appended so far to disk.
    pub fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }
}

/// What reading a log found.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    pub events: Vec<Event>,
    /// A half-written last line (a crash mid-append), if any.
    pub torn_tail: Option<String>,
    /// Byte length of the good prefix (where a repair truncates to).
    pub good_len: u64,
    /// Lines in the middle that could not be parsed: (line number, error).
    pub bad_lines: Vec<(usize, String)>,
}

/// Read every event of a log.
pub fn read_events(path: &Path) -> io::Result<ReadOutcome> {
    let bytes = std::fs::read(path)?;
    let mut out = ReadOutcome::default();
    let mut pos = 0usize;
    let mut line_no = 0usize;
    while pos < bytes.len() {
        line_no += 1;
        let end = bytes[pos..].iter().position(|&b| b == b'\n');
        let (line, next, complete) = match end {
            Some(e) => (&bytes[pos..pos + e], pos + e + 1, true),
            None => (&bytes[pos..], bytes.len(), false),
        };
        match serde_json::from_slice::<Event>(line) {
            Ok(ev) if complete => {
                out.events.push(ev);
                out.good_len = next as u64;
            }
            Ok(_) | Err(_) if !complete => {
                out.torn_tail = Some(String::from_utf8_lossy(line).into_owned());
            }
            Err(e) => {
                if line.iter().all(u8::is_ascii_whitespace) {
                    out.good_len = next as u64;
                } else {
                    out.bad_lines.push((line_no, e.to_string()));
                }
            }
            Ok(_) => {}
        }
        pos = next;
    }
    Ok(out)
}

/// Cut a torn tail off so appends continue on a clean line boundary.
pub fn repair(path: &Path, outcome: &ReadOutcome) -> io::Result<()> {
    if outcome.torn_tail.is_some() {
        let f = OpenOptions::new().write(true).open(path)?;
        f.set_len(outcome.good_len)?;
        f.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_tail_is_detected_and_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("events.jsonl");
        let mut log = EventLog::create(&p, Durability::EveryEvent).unwrap();
        log.append(EventBody::SessionEnded).unwrap();
        log.append(EventBody::Warning { message: "x".into() }).unwrap();
        drop(log);
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"seq\":3,\"at\":\"20").unwrap();
        let r = read_events(&p).unwrap();
        assert_eq!(r.events.len(), 2);
        assert!(r.torn_tail.is_some());
        repair(&p, &r).unwrap();
        let r2 = read_events(&p).unwrap();
        assert_eq!(r2.events.len(), 2);
        assert!(r2.torn_tail.is_none());
        let mut log = EventLog::reopen(&p, &r2.events, Durability::EveryEvent).unwrap();
        let e = log.append(EventBody::SessionEnded).unwrap();
        assert_eq!(e.seq, 3);
    }
}
