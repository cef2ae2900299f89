//! Optional timing trace for benchmarks: with `GAMEDAY_TRACE_FRAMES=<file>`,
//! the console appends when its first complete frame was drawn (since the
//! process started) and, for every key press, how long it took from reading
//! the key to the end of the frame that shows its effect.
use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();
static SINK: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();

/// Note the process start (call first thing in `main`).
pub fn mark_start() {
    START.get_or_init(Instant::now);
}

fn sink() -> Option<&'static Mutex<std::fs::File>> {
    SINK.get_or_init(|| {
        let path = std::env::var_os("GAMEDAY_TRACE_FRAMES")?;
        std::fs::OpenOptions::new().create(true).append(true).open(path).ok().map(Mutex::new)
    })
    .as_ref()
}

/// Is tracing on?
pub fn enabled() -> bool {
    sink().is_some()
}

/// Write one trace line.
pub fn line(text: &str) {
    if let Some(f) = sink()
        && let Ok(mut f) = f.lock()
    {
        let _ = writeln!(f, "{text}");
    }
}

/// Seconds since the process started.
pub fn since_start() -> f64 {
    START.get().map_or(0.0, |s| s.elapsed().as_secs_f64())
}
