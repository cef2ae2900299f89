//! Bounded polling. Tests never sleep for a fixed long time: they poll for
//! what they expect, and give up with a useful message at a deadline.
use std::time::{Duration, Instant};

/// How long any single expectation may take before the test fails.
pub const DEFAULT: Duration = Duration::from_secs(10);

/// Poll `probe` every few milliseconds until it yields a value or `timeout`
/// passes; then panic with `what` and whatever `context` describes (usually
/// the screen), so a failure says what was on screen instead.
pub fn until<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut() -> Option<T>,
    context: impl FnOnce() -> String,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}\n--- context ---\n{}", context());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
