//! STOP: can be raised from anywhere (a key, a signal, a safeguard, another
//! process) at any moment. Each request bumps a counter; a phase listens for
//! requests newer than the ones it has already handled, so a second STOP
//! during rollbacks drops the remaining rollbacks, as Chaos Toolkit does.
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Who or what asked to stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopRequest {
    pub who: String,
    /// `key`, `mouse`, `sigint`, `sigterm`, `sighup`, `abort`, `safeguard`, `remote`.
    pub source: String,
    pub reason: Option<String>,
    /// Skip the rollbacks outright (Chaos Toolkit's ungraceful exit).
    pub skip_rollbacks: bool,
}

impl StopRequest {
    pub fn new(who: &str, source: &str, reason: Option<&str>) -> Self {
        Self { who: who.into(), source: source.into(), reason: reason.map(str::to_string), skip_rollbacks: false }
    }
}

/// A cloneable handle to raise and observe STOP.
#[derive(Clone, Debug)]
pub struct StopHandle {
    count: Arc<watch::Sender<u64>>,
    requests: Arc<Mutex<Vec<StopRequest>>>,
}

impl Default for StopHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl StopHandle {
    pub fn new() -> Self {
        Self { count: Arc::new(watch::Sender::new(0)), requests: Arc::new(Mutex::new(Vec::new())) }
    }

    /// Raise STOP. Never blocks.
    pub fn stop(&self, req: StopRequest) {
        if let Ok(mut r) = self.requests.lock() {
            r.push(req);
        }
        self.count.send_modify(|c| *c += 1);
    }

    /// How many requests so far.
    pub fn count(&self) -> u64 {
        *self.count.borrow()
    }

    /// The n-th request (1-based).
    pub fn request(&self, n: u64) -> Option<StopRequest> {
        let i = usize::try_from(n.checked_sub(1)?).ok()?;
        self.requests.lock().ok()?.get(i).cloned()
    }

    /// Resolves once there have been more than `seen` requests.
    pub async fn wait_beyond(&self, seen: u64) {
        let mut rx = self.count.subscribe();
        let _ = rx.wait_for(|c| *c > seen).await;
    }

    /// A token cancelled by the first request beyond `seen`; the watcher task
    /// ends when the token is dropped by everyone or cancelled.
    pub fn token_beyond(&self, seen: u64) -> CancellationToken {
        let token = CancellationToken::new();
        let t = token.clone();
        let me = self.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = me.wait_beyond(seen) => t.cancel(),
                _ = t.cancelled() => {}
            }
        });
        token
    }
}
