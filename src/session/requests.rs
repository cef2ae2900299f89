//! Requests from other processes to a running console (e.g. `gameday watch
//! --allow-stop`): JSON lines appended to `requests.jsonl` in the session
//! directory. The console reads new lines on every tick.
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// File name inside the session directory.
pub const REQUESTS: &str = "requests.jsonl";

/// One request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    Stop { who: String, reason: Option<String> },
}

/// Append a request (one write, then fsync).
pub fn send(session: &Path, req: &Request) -> io::Result<()> {
    let mut line = serde_json::to_vec(req).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(session.join(REQUESTS))?;
    f.write_all(&line)?;
    f.sync_data()
}

/// Reads requests appended since the last call.
#[derive(Debug, Default)]
pub struct Reader {
    offset: u64,
}

impl Reader {
    /// Start after whatever is already in the file (old requests are history).
    pub fn from_end(session: &Path) -> Self {
        let offset = std::fs::metadata(session.join(REQUESTS)).map(|m| m.len()).unwrap_or(0);
        Self { offset }
    }

    /// New complete requests; a half-written last line waits for the next call.
    pub fn poll(&mut self, session: &Path) -> Vec<Request> {
        let Ok(mut f) = std::fs::File::open(session.join(REQUESTS)) else { return Vec::new() };
        if f.seek(SeekFrom::Start(self.offset)).is_err() {
            return Vec::new();
        }
        let mut buf = Vec::new();
        if f.take(1 << 20).read_to_end(&mut buf).is_err() {
            return Vec::new();
        }
        let Some(last_nl) = buf.iter().rposition(|b| *b == b'\n') else { return Vec::new() };
        self.offset += last_nl as u64 + 1;
        buf[..last_nl].split(|b| *b == b'\n').filter_map(|l| serde_json::from_slice(l).ok()).collect()
    }
}
