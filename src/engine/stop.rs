//! STOP: can be raised from anywhere (a key, a signal, a safeguard, another
//! process) at any moment. Each request bumps a counter; a phase listens for
//! requests newer than the ones it has already handled.
//!
//! Two kinds of request exist. An *interrupt* behaves as Chaos Toolkit's
//! (SIGINT, SIGTERM in a headless run, a control's interruption, an abort):
//! rollbacks follow the rollback strategy, and an interrupt that arrives while
//! they play drops the remaining ones. A gameday *STOP* (the STOP key, a
//! safeguard, a STOP from `gameday watch`, a signal or a lost terminal at the
//! console) promises the rollbacks: the default strategy plays them, and a
//! further STOP while they play never cuts them short.
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
    /// A gameday STOP rather than an interrupt (see the module comment).
    pub plays_rollbacks: bool,
}

impl StopRequest {
    /// An interrupt with Chaos Toolkit's semantics.
    pub fn new(who: &str, source: &str, reason: Option<&str>) -> Self {
        Self {
            who: who.into(),
            source: source.into(),
            reason: reason.map(str::to_string),
            skip_rollbacks: false,
            plays_rollbacks: false,
        }
    }

    /// A gameday STOP: halt actions, then every rollback.
    pub fn halt(who: &str, source: &str, reason: Option<&str>) -> Self {
        Self { plays_rollbacks: true, ..Self::new(who, source, reason) }
    }

    /// Chaos Toolkit's exit signals (`chaoslib.exit`): SIGUSR1 asks for a
    /// graceful exit (an interrupt: rollbacks per strategy), SIGUSR2 for an
    /// ungraceful one (no rollback at all). chaosaddons' safeguards and
    /// drivers send them; so may anyone, to gameday's pid.
    pub fn exit_signal(graceful: bool) -> Self {
        if graceful {
            Self::new("signal", "sigusr1", Some("SIGUSR1: a graceful exit was asked for (chaoslib exit_gracefully)"))
        } else {
            Self {
                skip_rollbacks: true,
                ..Self::new(
                    "signal",
                    "sigusr2",
                    Some(
                        "SIGUSR2: an ungraceful exit was asked for (chaoslib exit_ungracefully); no rollback is played",
                    ),
                )
            }
        }
    }

    /// Does this request cut short rollbacks that are already playing?
    pub fn cuts_rollbacks(&self) -> bool {
        !self.plays_rollbacks
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

    /// Is any request beyond `seen` one that `which` picks?
    pub fn any_beyond(&self, seen: u64, which: fn(&StopRequest) -> bool) -> bool {
        let Ok(all) = self.requests.lock() else { return false };
        let from = usize::try_from(seen).unwrap_or(usize::MAX);
        all.iter().skip(from).any(which)
    }

    /// Has any request so far been one that `which` picks?
    pub fn any(&self, which: fn(&StopRequest) -> bool) -> bool {
        self.any_beyond(0, which)
    }

    /// Resolves once a request beyond `seen` is one that `which` picks;
    /// requests it does not pick are passed over.
    pub async fn wait_beyond_where(&self, seen: u64, which: fn(&StopRequest) -> bool) {
        let mut rx = self.count.subscribe();
        loop {
            // Read the count before looking, so a request raised in between
            // still wakes us.
            let now = *rx.borrow_and_update();
            if self.any_beyond(seen, which) {
                return;
            }
            if rx.wait_for(|c| *c > now).await.is_err() {
                return;
            }
        }
    }

    /// A token cancelled by the first request beyond `seen`; the watcher task
    /// ends when the token is dropped by everyone or cancelled.
    pub fn token_beyond(&self, seen: u64) -> CancellationToken {
        self.token_beyond_where(seen, |_| true)
    }

    /// A token cancelled by the first request beyond `seen` that `which` picks.
    pub fn token_beyond_where(&self, seen: u64, which: fn(&StopRequest) -> bool) -> CancellationToken {
        let token = CancellationToken::new();
        let t = token.clone();
        let me = self.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = me.wait_beyond_where(seen, which) => t.cancel(),
                _ = t.cancelled() => {}
            }
        });
        token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stop_while_rolling_back_does_not_cut_them_short_but_an_interrupt_does() {
        let stop = StopHandle::new();
        stop.stop(StopRequest::halt("ann", "key", None));
        let seen = stop.count();
        let token = stop.token_beyond_where(seen, StopRequest::cuts_rollbacks);
        stop.stop(StopRequest::halt("ann", "key", None));
        tokio::task::yield_now().await;
        assert!(!stop.any_beyond(seen, StopRequest::cuts_rollbacks));
        assert!(!token.is_cancelled());
        stop.stop(StopRequest::new("signal", "sigint", None));
        tokio::time::timeout(std::time::Duration::from_secs(2), token.cancelled()).await.ok();
        assert!(token.is_cancelled());
        assert!(stop.any(|r| r.plays_rollbacks));
    }
}
