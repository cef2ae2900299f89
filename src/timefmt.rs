//! Timestamps exactly as Chaos Toolkit writes them.
use chrono::{DateTime, Utc};

/// `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`, the fraction dropped when it is zero
/// (Python's `datetime.isoformat()`).
pub fn iso(t: &DateTime<Utc>) -> String {
    let micros = t.timestamp_subsec_micros();
    if micros == 0 {
        t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
    } else {
        format!("{}.{:06}+00:00", t.format("%Y-%m-%dT%H:%M:%S"), micros)
    }
}

/// Time since a run started as `T+HH:MM:SS` (whole seconds; anything
/// negative or not a number reads as zero). The console, notifications and
/// the notes that refer to earlier notes all write it this way.
pub fn t_plus(secs: f64) -> String {
    let s = if secs.is_finite() && secs > 0.0 { secs as u64 } else { 0 };
    format!("T+{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn drops_zero_fraction_like_python() {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(iso(&t), "2026-01-01T00:00:00+00:00");
        let t = t + chrono::Duration::microseconds(42);
        assert_eq!(iso(&t), "2026-01-01T00:00:00.000042+00:00");
    }
}
