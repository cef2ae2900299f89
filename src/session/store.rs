//! `events.jsonl`: append-only, one event per line, flushed with fsync before
//! an event counts as recorded. Reading detects (and can repair) a torn last
//! line left by a crash mid-write. A write that fails (a full disk) is cut
//! back to the last complete line at once, so the next event that can be
//! written starts on a line of its own and the log stays readable.
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

/// Where the log's bytes go: the file, or (in tests) a file that fails.
pub trait LogFile: Send + std::fmt::Debug {
    /// Write all of `bytes` at the end (part of them may land on failure).
    fn append_all(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Force the data written so far to the disk.
    fn sync_data(&mut self) -> io::Result<()>;
    /// Cut the file to `len` bytes (and make the cut durable).
    fn truncate(&mut self, len: u64) -> io::Result<()>;
}

impl LogFile for File {
    fn append_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write_all(bytes)
    }
    fn sync_data(&mut self) -> io::Result<()> {
        File::sync_data(self)
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.set_len(len)?;
        File::sync_data(self)
    }
}

/// The open log of one session.
#[derive(Debug)]
pub struct EventLog {
    file: Box<dyn LogFile>,
    /// Bytes of complete, written lines: where a failed append is cut back to.
    good_len: u64,
    /// A failed append could not be cut back yet: the file may end in part
    /// of a line, to be cut before anything else is written.
    torn: bool,
    /// The kind of the last event that could not be written.
    failed_kind: Option<String>,
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
        Ok(Self::on(Box::new(file), 0, path, durability))
    }

    /// A new log written to `file`, which already holds `len` good bytes.
    pub fn on(file: Box<dyn LogFile>, len: u64, path: &Path, durability: Durability) -> Self {
        Self {
            file,
            good_len: len,
            torn: false,
            failed_kind: None,
            path: path.to_path_buf(),
            next_seq: 1,
            started_at: Utc::now(),
            clock: Instant::now(),
            offset: 0.0,
            suspended_at: None,
            durability,
        }
    }

    /// Reopen an existing log to continue it after `last` (from [`read_events`]).
    pub fn reopen(path: &Path, events: &[Event], durability: Durability) -> io::Result<Self> {
        let file = OpenOptions::new().append(true).open(path)?;
        let good_len = file.metadata()?.len();
        let started_at = events.first().map(|e| e.at).unwrap_or_else(Utc::now);
        let last = events.last();
        // T+ continues from the last event: time while the console was dead
        // still passed for the people in the room.
        let elapsed = (Utc::now() - started_at).num_microseconds().unwrap_or(0) as f64 / 1e6;
        let last_t = last.map_or(0.0, |e| e.t);
        let last_at = last.map_or(started_at, |e| e.at);
        let drift = (last_at - started_at).num_microseconds().unwrap_or(0) as f64 / 1e6 - last_t;
        Ok(Self {
            file: Box::new(file),
            good_len,
            torn: false,
            failed_kind: None,
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

    /// Append an event; with [`Durability::EveryEvent`] it is on disk when
    /// this returns. On an error nothing of it stays in the file (or, if even
    /// the cut failed, the cut is tried again before the next event).
    pub fn append(&mut self, body: EventBody) -> io::Result<Event> {
        self.failed_kind = None;
        let event = Event { seq: self.next_seq, at: Utc::now(), t: (self.t_plus() * 1e6).round() / 1e6, body };
        let mut line = serde_json::to_vec(&event).map_err(io::Error::other)?;
        line.push(b'\n');
        if let Err(e) = self.cut_torn_tail() {
            self.failed_kind = Some(kind_of(&line));
            return Err(e);
        }
        if let Err(e) = self.write_line(&line) {
            self.failed_kind = Some(kind_of(&line));
            self.torn = true;
            // Best effort now; if it fails, the next append tries again first.
            let _cut_later = self.cut_torn_tail();
            return Err(e);
        }
        self.good_len += line.len() as u64;
        self.next_seq += 1;
        Ok(event)
    }

    /// The kind of the last event [`EventLog::append`] could not write.
    pub fn last_failed_kind(&self) -> Option<&str> {
        self.failed_kind.as_deref()
    }

    /// One write call per event keeps a crash from interleaving halves.
    fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        self.file.append_all(line)?;
        if self.durability == Durability::EveryEvent {
            self.file.sync_data()?;
        }
        Ok(())
    }

    /// Cut what a failed append left back to the last complete line.
    fn cut_torn_tail(&mut self) -> io::Result<()> {
        if self.torn {
            self.file.truncate(self.good_len)?;
            self.torn = false;
        }
        Ok(())
    }

    /// Force everything appended so far to disk.
    pub fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }
}

/// The `kind` of a serialized event (it follows `seq`, `at` and `t`, which
/// cannot contain it), without parsing the whole line again.
fn kind_of(line: &[u8]) -> String {
    const KEY: &[u8] = b"\"kind\":\"";
    let Some(start) = line.windows(KEY.len()).position(|w| w == KEY).map(|i| i + KEY.len()) else {
        return "an event".into();
    };
    let end = line[start..].iter().position(|b| *b == b'"').map_or(line.len(), |n| start + n);
    String::from_utf8_lossy(&line[start..end]).into_owned()
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
    let mut events = Vec::new();
    let mut out = scan_events(path, |ev| events.push(ev))?;
    out.events = events;
    Ok(out)
}

/// Read a log one line at a time, handing each good event to `each` and
/// keeping none (`events` stays empty): what a reader that folds the log
/// into something smaller (the journal, a report) uses, so a long run's log
/// is never in memory whole.
pub fn scan_events(path: &Path, mut each: impl FnMut(Event)) -> io::Result<ReadOutcome> {
    use std::io::BufRead;
    let mut reader = io::BufReader::with_capacity(64 * 1024, File::open(path)?);
    let mut out = ReadOutcome::default();
    let mut line = Vec::new();
    let mut pos = 0u64;
    let mut line_no = 0usize;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        line_no += 1;
        pos += read as u64;
        let complete = line.last() == Some(&b'\n');
        let text = if complete { &line[..line.len() - 1] } else { &line[..] };
        match serde_json::from_slice::<Event>(text) {
            Ok(ev) if complete => {
                each(ev);
                out.good_len = pos;
            }
            Ok(_) | Err(_) if !complete => {
                out.torn_tail = Some(String::from_utf8_lossy(text).into_owned());
            }
            Err(e) => {
                if text.iter().all(u8::is_ascii_whitespace) {
                    out.good_len = pos;
                } else {
                    out.bad_lines.push((line_no, e.to_string()));
                }
            }
            Ok(_) => {}
        }
    }
    Ok(out)
}

/// The one warning every reader gives for a line it skipped.
pub fn unreadable_line(path: &Path, line_no: usize, error: &str) -> String {
    format!("{}:{line_no}: unreadable line skipped ({error})", path.display())
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

    /// A file on a disk with `room` bytes left: a longer write lands in part
    /// and fails with ENOSPC, as a real full disk does.
    #[derive(Debug, Clone, Default)]
    struct FullDisk {
        bytes: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
        room: std::sync::Arc<std::sync::Mutex<usize>>,
        refuse_cuts: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl FullDisk {
        fn set_room(&self, n: usize) {
            *self.room.lock().unwrap() = n;
        }
        fn lines(&self) -> Vec<Event> {
            let bytes = self.bytes.lock().unwrap().clone();
            assert!(bytes.is_empty() || bytes.ends_with(b"\n"), "the log ends in part of a line: {bytes:?}");
            bytes
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .map(|l| serde_json::from_slice(l).unwrap_or_else(|e| panic!("unreadable line {l:?}: {e}")))
                .collect()
        }
    }

    impl LogFile for FullDisk {
        fn append_all(&mut self, data: &[u8]) -> io::Result<()> {
            let mut room = self.room.lock().unwrap();
            let n = data.len().min(*room);
            self.bytes.lock().unwrap().extend_from_slice(&data[..n]);
            *room -= n;
            if n < data.len() { Err(io::Error::from_raw_os_error(28)) } else { Ok(()) }
        }
        fn sync_data(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn truncate(&mut self, len: u64) -> io::Result<()> {
            let refused = self.refuse_cuts.load(std::sync::atomic::Ordering::SeqCst);
            if refused > 0 {
                self.refuse_cuts.store(refused - 1, std::sync::atomic::Ordering::SeqCst);
                return Err(io::Error::from_raw_os_error(5));
            }
            let mut bytes = self.bytes.lock().unwrap();
            let len = usize::try_from(len).unwrap();
            let freed = bytes.len().saturating_sub(len);
            bytes.truncate(len);
            *self.room.lock().unwrap() += freed;
            Ok(())
        }
    }

    fn note(text: &str) -> EventBody {
        EventBody::Warning { message: text.into() }
    }

    fn log_on(disk: &FullDisk) -> EventLog {
        EventLog::on(Box::new(disk.clone()), 0, Path::new("events.jsonl"), Durability::EveryEvent)
    }

    #[test]
    fn a_failed_append_leaves_no_part_of_its_line() {
        let disk = FullDisk::default();
        disk.set_room(10_000);
        let mut log = log_on(&disk);
        log.append(note("one")).unwrap();
        disk.set_room(20);
        let err = log.append(note("a note that does not fit")).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(28));
        assert_eq!(disk.lines().len(), 1, "only the first event is in the file");
        assert_eq!(log.last_failed_kind(), Some("warning"));
        // Space comes back: the next event is written whole, on its own line,
        // with the next number (the lost one never got one).
        disk.set_room(10_000);
        let e = log.append(note("two")).unwrap();
        assert_eq!(e.seq, 2);
        let seqs: Vec<u64> = disk.lines().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2]);
    }

    #[test]
    fn a_cut_that_failed_is_made_before_the_next_write() {
        let disk = FullDisk::default();
        disk.set_room(10_000);
        let mut log = log_on(&disk);
        log.append(note("one")).unwrap();
        disk.set_room(20);
        disk.refuse_cuts.store(1, std::sync::atomic::Ordering::SeqCst);
        assert!(log.append(note("cut back later")).is_err());
        assert!(!disk.bytes.lock().unwrap().ends_with(b"\n"), "the refused cut leaves part of a line for now");
        disk.set_room(10_000);
        log.append(note("two")).unwrap();
        let texts: Vec<String> = disk
            .lines()
            .into_iter()
            .map(|e| match e.body {
                EventBody::Warning { message } => message,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(texts, ["one", "two"]);
    }

    #[test]
    fn a_log_reopened_after_a_bad_line_keeps_appending_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("events.jsonl");
        let mut log = EventLog::create(&p, Durability::EveryEvent).unwrap();
        log.append(note("one")).unwrap();
        drop(log);
        std::fs::OpenOptions::new().append(true).open(&p).unwrap().write_all(b"garbage\n").unwrap();
        let r = read_events(&p).unwrap();
        assert_eq!(r.bad_lines.len(), 1);
        assert_eq!(r.bad_lines[0].0, 2);
        let mut log = EventLog::reopen(&p, &r.events, Durability::EveryEvent).unwrap();
        log.append(note("two")).unwrap();
        let r = read_events(&p).unwrap();
        assert_eq!(r.events.len(), 2);
        assert!(unreadable_line(&p, 2, "x").ends_with("events.jsonl:2: unreadable line skipped (x)"));
    }
}
