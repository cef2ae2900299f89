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
