//! The messages between gameday and its spawner, over a `SOCK_SEQPACKET`
//! socket pair (each `send` arrives as one packet, in order). Byte strings
//! are sent as they are (a program, argument or variable need not be
//! UTF-8). A spawn request larger than one packet is cut into pieces: the
//! first carries the child's three descriptors and the total length.
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// The largest packet either side sends (well under the socket buffer).
pub const PACKET: usize = 32 * 1024;

/// First packet of a spawn request: tag, id, total body length, body start.
pub const SPAWN: u8 = b'S';
/// A further piece of a spawn request's body.
pub const MORE: u8 = b'C';
/// Signal a child of the spawner (only while it has not been reaped).
pub const KILL: u8 = b'K';

/// The spawner is up: its pid and whether it is a child subreaper.
pub const HELLO: u8 = b'H';
/// A request's child runs: its pid (which leads its own process group).
pub const SPAWNED: u8 = b'P';
/// A request failed: the errno.
pub const FAILED: u8 = b'F';
/// A child ended: its raw wait status.
pub const EXITED: u8 = b'X';

/// What a child is to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spawn {
    pub program: OsString,
    pub args: Vec<OsString>,
    /// The whole environment, `KEY=value` each.
    pub env: Vec<OsString>,
    /// Empty: the spawner's own.
    pub cwd: OsString,
}

/// A message from the spawner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Hello { pid: i32, subreaper: bool },
    Spawned { id: u64, pid: i32 },
    Failed { id: u64, errno: i32 },
    Exited { pid: i32, status: i32 },
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&u32::try_from(b.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(b);
}

fn put_list(out: &mut Vec<u8>, items: &[OsString]) {
    out.extend_from_slice(&u32::try_from(items.len()).unwrap_or(u32::MAX).to_le_bytes());
    for i in items {
        put_bytes(out, i.as_bytes());
    }
}

impl Spawn {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4096);
        put_bytes(&mut out, self.program.as_bytes());
        put_bytes(&mut out, self.cwd.as_bytes());
        put_list(&mut out, &self.args);
        put_list(&mut out, &self.env);
        out
    }

    pub fn decode(body: &[u8]) -> Option<Spawn> {
        let mut r = Reader(body);
        let program = r.os_string()?;
        let cwd = r.os_string()?;
        let args = r.list()?;
        let env = r.list()?;
        r.0.is_empty().then_some(Spawn { program, args, env, cwd })
    }
}

/// The packets of one spawn request (the first carries the descriptors).
pub fn spawn_packets(id: u64, body: &[u8]) -> Vec<Vec<u8>> {
    let mut first = vec![SPAWN];
    first.extend_from_slice(&id.to_le_bytes());
    first.extend_from_slice(&u64::try_from(body.len()).unwrap_or(u64::MAX).to_le_bytes());
    let room = PACKET - first.len();
    let (head, mut rest) = body.split_at(body.len().min(room));
    first.extend_from_slice(head);
    let mut packets = vec![first];
    while !rest.is_empty() {
        let (piece, tail) = rest.split_at(rest.len().min(PACKET - 1));
        let mut p = Vec::with_capacity(piece.len() + 1);
        p.push(MORE);
        p.extend_from_slice(piece);
        packets.push(p);
        rest = tail;
    }
    packets
}

pub fn kill_packet(pid: i32, signal: i32) -> Vec<u8> {
    let mut p = vec![KILL];
    p.extend_from_slice(&pid.to_le_bytes());
    p.extend_from_slice(&signal.to_le_bytes());
    p
}

impl Reply {
    pub fn encode(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(17);
        match *self {
            Reply::Hello { pid, subreaper } => {
                p.push(HELLO);
                p.extend_from_slice(&pid.to_le_bytes());
                p.push(u8::from(subreaper));
            }
            Reply::Spawned { id, pid } => {
                p.push(SPAWNED);
                p.extend_from_slice(&id.to_le_bytes());
                p.extend_from_slice(&pid.to_le_bytes());
            }
            Reply::Failed { id, errno } => {
                p.push(FAILED);
                p.extend_from_slice(&id.to_le_bytes());
                p.extend_from_slice(&errno.to_le_bytes());
            }
            Reply::Exited { pid, status } => {
                p.push(EXITED);
                p.extend_from_slice(&pid.to_le_bytes());
                p.extend_from_slice(&status.to_le_bytes());
            }
        }
        p
    }

    pub fn decode(packet: &[u8]) -> Option<Reply> {
        let (&tag, rest) = packet.split_first()?;
        let mut r = Reader(rest);
        let reply = match tag {
            HELLO => Reply::Hello { pid: r.i32()?, subreaper: r.u8()? != 0 },
            SPAWNED => Reply::Spawned { id: r.u64()?, pid: r.i32()? },
            FAILED => Reply::Failed { id: r.u64()?, errno: r.i32()? },
            EXITED => Reply::Exited { pid: r.i32()?, status: r.i32()? },
            _ => return None,
        };
        r.0.is_empty().then_some(reply)
    }
}

/// Reads fields off the front of a packet; `None` when it is too short.
pub struct Reader<'a>(pub &'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.take(4)?.try_into().ok().map(u32::from_le_bytes)
    }

    pub fn i32(&mut self) -> Option<i32> {
        self.take(4)?.try_into().ok().map(i32::from_le_bytes)
    }

    pub fn u64(&mut self) -> Option<u64> {
        self.take(8)?.try_into().ok().map(u64::from_le_bytes)
    }

    /// What is left of the packet.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }

    fn os_string(&mut self) -> Option<OsString> {
        let n = usize::try_from(self.u32()?).ok()?;
        self.take(n).map(|b| OsString::from_vec(b.to_vec()))
    }

    fn list(&mut self) -> Option<Vec<OsString>> {
        let n = self.u32()?;
        // Each item takes at least its 4-byte length: a count larger than
        // that is a broken packet, not a reason to reserve memory.
        if usize::try_from(n).ok()? > self.0.len() / 4 {
            return None;
        }
        (0..n).map(|_| self.os_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spawn_request_survives_the_round_trip_in_pieces() {
        let big = OsString::from("x".repeat(3 * PACKET));
        let s = Spawn {
            program: "/bin/sh".into(),
            args: vec!["-c".into(), big, OsString::from_vec(vec![0xff, b'a'])],
            env: vec!["A=1".into(), "PATH=/bin".into()],
            cwd: "/tmp".into(),
        };
        let body = s.encode();
        let packets = spawn_packets(7, &body);
        assert!(packets.len() >= 4 && packets.iter().all(|p| p.len() <= PACKET));
        let mut r = Reader(&packets[0][1..]);
        assert_eq!((r.u64(), r.u64()), (Some(7), Some(body.len() as u64)));
        let mut joined = r.rest().to_vec();
        for p in &packets[1..] {
            assert_eq!(p[0], MORE);
            joined.extend_from_slice(&p[1..]);
        }
        assert_eq!(Spawn::decode(&joined), Some(s));
    }

    #[test]
    fn replies_round_trip_and_garbage_is_refused() {
        for r in [
            Reply::Hello { pid: 12, subreaper: true },
            Reply::Spawned { id: u64::MAX, pid: 4242 },
            Reply::Failed { id: 3, errno: 2 },
            Reply::Exited { pid: 9, status: 0x0900 },
        ] {
            assert_eq!(Reply::decode(&r.encode()), Some(r));
        }
        assert_eq!(Reply::decode(b""), None);
        assert_eq!(Reply::decode(b"P\x01"), None);
        assert_eq!(Spawn::decode(&[0xff, 0xff, 0xff, 0xff]), None);
    }
}
