//! Following `events.jsonl` while the console appends to it. The console
//! writes each event with one write call and fsyncs it, so a reader only ever
//! sees whole lines plus, at most, the start of the next one; that partial
//! line is left for the next poll. Polling (no file-notification crate) keeps
//! this portable and is cheap: one `stat` and, when the file grew, one read.
use crate::session::event::Event;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Reads new complete events from a growing log.
#[derive(Debug)]
pub struct Tail {
    path: PathBuf,
    offset: u64,
    /// Complete lines read so far (the number of the last one).
    lines: usize,
    /// Complete lines that were not events (reported, then skipped).
    pub bad_lines: usize,
    /// Those not yet reported: (line number, why); see [`Tail::take_skipped`].
    skipped: Vec<(usize, String)>,
}

impl Tail {
    /// Follow `path` from its beginning.
    pub fn new(path: &Path) -> Self {
        Self { path: path.to_path_buf(), offset: 0, lines: 0, bad_lines: 0, skipped: Vec::new() }
    }

    /// The lines skipped since the last call, one warning each (as every
    /// reader of a log words them).
    pub fn take_skipped(&mut self) -> Vec<String> {
        let path = self.path.clone();
        self.skipped.drain(..).map(|(n, e)| crate::session::store::unreadable_line(&path, n, &e)).collect()
    }

    /// The file followed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Events completed since the last poll. A missing file is not an error
    /// (it may not exist yet); a file that shrank (repaired by `resume`) is
    /// followed from its new end.
    pub fn poll(&mut self) -> io::Result<Vec<Event>> {
        let mut f = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let len = f.metadata()?.len();
        if len < self.offset {
            self.offset = len;
            // Line numbers go on from the new end, as the file now has them.
            let mut kept = Vec::new();
            (&mut f).take(len).read_to_end(&mut kept)?;
            self.lines = kept.iter().filter(|b| **b == b'\n').count();
        }
        if len == self.offset {
            return Ok(Vec::new());
        }
        f.seek(SeekFrom::Start(self.offset))?;
        let mut buf = Vec::new();
        // Whatever was appended since the last poll (a big activity output
        // is one long line; it is read whole).
        f.take(len - self.offset).read_to_end(&mut buf)?;
        // Only the start of a line so far: wait for the rest of it.
        let Some(last_nl) = buf.iter().rposition(|b| *b == b'\n') else { return Ok(Vec::new()) };
        self.offset += last_nl as u64 + 1;
        let mut events = Vec::new();
        for line in buf[..last_nl].split(|b| *b == b'\n') {
            self.lines += 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Event>(line) {
                Ok(ev) => events.push(ev),
                Err(e) => {
                    self.bad_lines += 1;
                    self.skipped.push((self.lines, e.to_string()));
                }
            }
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::event::EventBody;
    use crate::session::store::{Durability, EventLog};
    use std::io::Write;

    #[test]
    fn follows_whole_lines_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("events.jsonl");
        let mut tail = Tail::new(&p);
        assert!(tail.poll().unwrap().is_empty());
        let mut log = EventLog::create(&p, Durability::EveryEvent).unwrap();
        log.append(EventBody::Warning { message: "one".into() }).unwrap();
        assert_eq!(tail.poll().unwrap().len(), 1);
        assert!(tail.poll().unwrap().is_empty());
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"seq\":2,\"at\":\"20").unwrap();
        assert!(tail.poll().unwrap().is_empty());
        f.write_all(b"24-01-01T00:00:00.000000Z\",\"t\":1.0,\"kind\":\"session_ended\"}\nnot json\n").unwrap();
        let got = tail.poll().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].body, EventBody::SessionEnded);
        assert_eq!(tail.bad_lines, 1);
        let warned = tail.take_skipped();
        assert_eq!(warned.len(), 1);
        assert!(warned[0].contains("events.jsonl:3: unreadable line skipped"), "{warned:?}");
        assert!(tail.take_skipped().is_empty());
    }
}
