//! Simulated customers: a steady trickle of orders requests made inside the
//! service, so that during a Game Day the metrics move on their own (latency
//! shows in the histogram, injected errors in the 500 counter) without
//! anyone having to generate load.
//!
//! The requests skip the network and call the orders handler directly, and
//! they have their own error sequence (see `faults::Caller`), so they never
//! change what a person or a probe sees.
use super::faults::Caller;
use super::routes::{Shared, answer_orders};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The most simulated requests per second (more is load testing, not a demo).
pub const MAX_PER_S: u32 = 50;

/// Simulated requests waiting on a latency fault at the same time, at most;
/// beyond that a tick is skipped, so memory and tasks stay bounded.
const MAX_IN_FLIGHT: usize = 64;

/// Send `per_s` simulated requests a second until the service is cancelled.
pub async fn run(shared: Arc<Shared>, per_s: u32) {
    let per_s = per_s.clamp(1, MAX_PER_S);
    let mut interval = tokio::time::interval(Duration::from_secs(1) / per_s);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let in_flight = Arc::new(AtomicUsize::new(0));
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            () = shared.cancel.cancelled() => break,
        }
        if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
            continue;
        }
        in_flight.fetch_add(1, Ordering::Relaxed);
        let shared = shared.clone();
        let in_flight = in_flight.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let response = answer_orders(&shared, Caller::Simulated).await;
            shared.record("/api/orders", response.status(), started.elapsed());
            in_flight.fetch_sub(1, Ordering::Relaxed);
        });
    }
}
