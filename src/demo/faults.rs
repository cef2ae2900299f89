//! The faults the demo service can suffer, with their deadlines.
//!
//! Plain state with no I/O and an explicit clock (`now` is always passed in),
//! so the rules can be tested without a server and without sleeping. Every
//! fault carries its own deadline: it is dropped by the first request or
//! background tick that sees the deadline passed, so a forgotten fault never
//! outlives its duration.
use serde_json::{Map, Value, json};
use std::time::{Duration, Instant};

/// The leak never holds more than this, whatever rate or duration was asked.
pub const LEAK_CAP_BYTES: u64 = 64 * 1024 * 1024;

/// The leak allocates in chunks of this size so that clearing it frees memory
/// in a few large steps rather than millions of small ones.
const LEAK_CHUNK_BYTES: u64 = 1024 * 1024;

/// Error rates are kept as integer parts per million so that the pattern of
/// failures is exact and repeatable (no floating-point drift).
const PPM: u32 = 1_000_000;

/// The four kinds of fault, in the order they are listed everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Latency,
    Errors,
    Outage,
    Leak,
}

impl FaultKind {
    pub const ALL: [FaultKind; 4] = [FaultKind::Latency, FaultKind::Errors, FaultKind::Outage, FaultKind::Leak];

    /// The name used in URLs, JSON and metric labels.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Latency => "latency",
            FaultKind::Errors => "errors",
            FaultKind::Outage => "outage",
            FaultKind::Leak => "leak",
        }
    }

    pub fn from_name(name: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// What a caller asked for, already checked (see `params`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultSpec {
    /// Added delay before `/api/orders` answers.
    Latency { ms: u64 },
    /// Share of `/api/orders` requests answered with a 500, in `0.0..=1.0`.
    Errors { rate: f64 },
    /// `/health` and `/api/orders` answer 503.
    Outage,
    /// Memory held and never used, growing at this rate up to the cap.
    Leak { mb_per_s: f64 },
}

impl FaultSpec {
    pub fn kind(&self) -> FaultKind {
        match self {
            FaultSpec::Latency { .. } => FaultKind::Latency,
            FaultSpec::Errors { .. } => FaultKind::Errors,
            FaultSpec::Outage => FaultKind::Outage,
            FaultSpec::Leak { .. } => FaultKind::Leak,
        }
    }
}

/// An error-rate fault: a Bresenham-style accumulator decides which requests
/// fail. The accumulator starts one step short of a failure, so the first
/// request after injection always fails, and over `n` requests exactly
/// `floor(n * rate + 1 - rate)` fail. Deterministic, so tests and the demo
/// experiment see the same thing every time.
#[derive(Debug, Clone)]
struct ErrorPattern {
    ppm: u32,
    acc: u32,
}

impl ErrorPattern {
    fn new(rate: f64) -> ErrorPattern {
        let ppm = (rate.clamp(0.0, 1.0) * f64::from(PPM)).round() as u32;
        ErrorPattern { ppm, acc: PPM - ppm }
    }

    fn next_fails(&mut self) -> bool {
        if self.ppm == 0 {
            return false;
        }
        self.acc += self.ppm;
        if self.acc >= PPM {
            self.acc -= PPM;
            true
        } else {
            false
        }
    }
}

/// Memory held on purpose. The chunks are filled with a non-zero byte so the
/// pages are really touched and show up in the process's resident memory.
#[derive(Debug, Default)]
struct Leak {
    bytes_per_s: f64,
    chunks: Vec<Vec<u8>>,
    held: u64,
}

impl Leak {
    /// Grow towards `rate * elapsed`, never past the cap.
    fn grow(&mut self, elapsed: Duration) {
        let wanted = (self.bytes_per_s * elapsed.as_secs_f64()).min(LEAK_CAP_BYTES as f64) as u64;
        // Bounded: at most LEAK_CAP_BYTES / LEAK_CHUNK_BYTES chunks ever exist.
        while self.held < wanted {
            let size = (wanted - self.held).min(LEAK_CHUNK_BYTES);
            self.chunks.push(vec![0xA5; size as usize]);
            self.held += size;
        }
    }
}

/// Who is asking: a real HTTP client, or the service's own simulated
/// customers. Each has its own error sequence, so background traffic never
/// changes which of a person's (or a probe's) requests fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Client,
    Simulated,
}

#[derive(Debug)]
struct Active {
    spec: FaultSpec,
    started: Instant,
    until: Instant,
    /// One error sequence per caller (indexed by `Caller as usize`).
    errors: Option<[ErrorPattern; 2]>,
    leak: Option<Leak>,
}

/// What `/api/orders` and `/health` must do for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub outage: bool,
    pub delay: Option<Duration>,
    pub fail: bool,
}

/// The set of active faults. At most one of each kind; injecting a kind that
/// is already active replaces it (and restarts its clock and pattern).
#[derive(Debug, Default)]
pub struct Faults {
    active: Vec<Active>,
}

impl Faults {
    pub fn new() -> Faults {
        Faults::default()
    }

    /// Start a fault for `duration` from `now`, replacing one of the same kind.
    pub fn inject(&mut self, spec: FaultSpec, duration: Duration, now: Instant) {
        self.active.retain(|a| a.spec.kind() != spec.kind());
        let errors = match spec {
            FaultSpec::Errors { rate } => Some([ErrorPattern::new(rate), ErrorPattern::new(rate)]),
            _ => None,
        };
        let leak = match spec {
            FaultSpec::Leak { mb_per_s } => Some(Leak { bytes_per_s: mb_per_s * 1024.0 * 1024.0, ..Leak::default() }),
            _ => None,
        };
        self.active.push(Active { spec, started: now, until: now.checked_add(duration).unwrap_or(now), errors, leak });
    }

    /// Drop every fault whose deadline has passed (freeing leaked memory).
    pub fn expire(&mut self, now: Instant) {
        self.active.retain(|a| a.until > now);
    }

    /// Clear everything at once; returns the names of what was active.
    pub fn clear(&mut self, now: Instant) -> Vec<&'static str> {
        self.expire(now);
        let names = self.active.iter().map(|a| a.spec.kind().name()).collect();
        self.active.clear();
        names
    }

    /// Advance the leak (called by the background tick).
    pub fn tick(&mut self, now: Instant) {
        self.expire(now);
        for a in &mut self.active {
            if let Some(leak) = a.leak.as_mut() {
                leak.grow(now.saturating_duration_since(a.started));
            }
        }
    }

    pub fn is_active(&self, kind: FaultKind) -> bool {
        self.active.iter().any(|a| a.spec.kind() == kind)
    }

    pub fn leaked_bytes(&self) -> u64 {
        self.active.iter().filter_map(|a| a.leak.as_ref()).map(|l| l.held).sum()
    }

    /// Decide what happens to one `/api/orders` request. This consumes one
    /// step of the error pattern, so call it exactly once per request.
    pub fn orders_verdict(&mut self, now: Instant, caller: Caller) -> Verdict {
        self.expire(now);
        let outage = self.is_active(FaultKind::Outage);
        let mut delay = None;
        let mut fail = false;
        for a in &mut self.active {
            match a.spec {
                FaultSpec::Latency { ms } => delay = Some(Duration::from_millis(ms)),
                FaultSpec::Errors { .. } if !outage => {
                    fail = a.errors.as_mut().is_some_and(|p| p[caller as usize].next_fails());
                }
                _ => {}
            }
        }
        Verdict { outage, delay: if outage { None } else { delay }, fail }
    }

    /// Whether `/health` should report the service as down.
    pub fn health_down(&mut self, now: Instant) -> bool {
        self.expire(now);
        self.is_active(FaultKind::Outage)
    }

    /// The active faults as JSON, keyed by name, with the seconds left.
    pub fn snapshot(&mut self, now: Instant) -> Value {
        self.expire(now);
        let mut out = Map::new();
        for kind in FaultKind::ALL {
            if let Some(a) = self.active.iter().find(|a| a.spec.kind() == kind) {
                out.insert(kind.name().to_string(), describe(a, now));
            }
        }
        Value::Object(out)
    }

    /// One fault as JSON (used in the answer to an injection).
    pub fn describe(&self, kind: FaultKind, now: Instant) -> Option<Value> {
        self.active.iter().find(|a| a.spec.kind() == kind).map(|a| describe(a, now))
    }
}

fn describe(a: &Active, now: Instant) -> Value {
    let left = a.until.saturating_duration_since(now).as_secs_f64();
    let left = (left * 1000.0).round() / 1000.0;
    let mut v = match a.spec {
        FaultSpec::Latency { ms } => json!({ "ms": ms }),
        FaultSpec::Errors { rate } => json!({ "rate": rate }),
        FaultSpec::Outage => json!({}),
        FaultSpec::Leak { mb_per_s } => json!({
            "mb_per_s": mb_per_s,
            "leaked_bytes": a.leak.as_ref().map_or(0, |l| l.held),
            "cap_bytes": LEAK_CAP_BYTES,
        }),
    };
    if let Value::Object(m) = &mut v {
        m.insert("seconds_left".into(), json!(left));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(rate: f64, n: usize) -> Vec<bool> {
        let mut p = ErrorPattern::new(rate);
        (0..n).map(|_| p.next_fails()).collect()
    }

    #[test]
    fn error_pattern_is_exact_and_starts_with_a_failure() {
        assert_eq!(failures(0.5, 6), vec![true, false, true, false, true, false]);
        assert_eq!(failures(1.0, 3), vec![true, true, true]);
        assert_eq!(failures(0.0, 3), vec![false, false, false]);
        let n = 200;
        for rate in [0.1, 0.25, 0.3, 0.5, 0.75, 0.9] {
            let got = failures(rate, n).iter().filter(|f| **f).count();
            let want = (n as f64 * rate + 1.0 - rate).floor() as usize;
            assert_eq!(got, want, "rate {rate}");
        }
    }

    #[test]
    fn simulated_traffic_has_its_own_error_sequence() {
        let t0 = Instant::now();
        let mut f = Faults::new();
        f.inject(FaultSpec::Errors { rate: 0.5 }, Duration::from_secs(5), t0);
        for _ in 0..3 {
            assert!(f.orders_verdict(t0, Caller::Simulated).fail);
            assert!(!f.orders_verdict(t0, Caller::Simulated).fail);
        }
        assert!(f.orders_verdict(t0, Caller::Client).fail);
        assert!(!f.orders_verdict(t0, Caller::Client).fail);
    }

    #[test]
    fn faults_expire_at_their_deadline() {
        let t0 = Instant::now();
        let mut f = Faults::new();
        f.inject(FaultSpec::Outage, Duration::from_secs(1), t0);
        assert!(f.health_down(t0 + Duration::from_millis(999)));
        assert!(!f.health_down(t0 + Duration::from_secs(1)));
        assert_eq!(f.snapshot(t0 + Duration::from_secs(2)), json!({}));
    }

    #[test]
    fn outage_hides_latency_and_errors() {
        let t0 = Instant::now();
        let mut f = Faults::new();
        f.inject(FaultSpec::Latency { ms: 300 }, Duration::from_secs(5), t0);
        f.inject(FaultSpec::Errors { rate: 1.0 }, Duration::from_secs(5), t0);
        let v = f.orders_verdict(t0, Caller::Client);
        assert_eq!(v.delay, Some(Duration::from_millis(300)));
        assert!(v.fail && !v.outage);
        f.inject(FaultSpec::Outage, Duration::from_secs(5), t0);
        let v = f.orders_verdict(t0, Caller::Client);
        assert!(v.outage && !v.fail && v.delay.is_none());
    }

    #[test]
    fn leak_grows_with_time_is_capped_and_freed() {
        let t0 = Instant::now();
        let mut f = Faults::new();
        f.inject(FaultSpec::Leak { mb_per_s: 2.0 }, Duration::from_secs(60), t0);
        f.tick(t0 + Duration::from_millis(1500));
        assert_eq!(f.leaked_bytes(), 3 * 1024 * 1024);
        f.inject(FaultSpec::Leak { mb_per_s: 1000.0 }, Duration::from_secs(60), t0);
        f.tick(t0 + Duration::from_secs(10));
        assert_eq!(f.leaked_bytes(), LEAK_CAP_BYTES);
        assert_eq!(f.clear(t0), vec!["leak"]);
        assert_eq!(f.leaked_bytes(), 0);
    }

    #[test]
    fn injecting_again_replaces_and_restarts() {
        let t0 = Instant::now();
        let mut f = Faults::new();
        f.inject(FaultSpec::Latency { ms: 100 }, Duration::from_secs(1), t0);
        f.inject(FaultSpec::Latency { ms: 200 }, Duration::from_secs(10), t0);
        let snap = f.snapshot(t0 + Duration::from_secs(2));
        assert_eq!(snap["latency"]["ms"], json!(200));
        assert_eq!(snap["latency"]["seconds_left"], json!(8.0));
    }
}
