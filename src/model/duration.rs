//! Durations as people write them in playbooks: `500ms`, `10s`, `2m`, `1h30m`,
//! or a plain number of seconds.
//!
//! Every number of seconds read from a file goes through [`seconds`] (or
//! [`seconds_clamped`] on the run path), never `Duration::from_secs_f64`,
//! which panics on values beyond about 1.8e19 s: one week is the longest
//! wait gameday accepts, so an absurd value is refused where it is written.
use serde_json::Value;
use std::time::Duration;

/// The longest timeout, pause, time box, safeguard interval or Game Day
/// length accepted: one week. Nothing in a Game Day should wait longer,
/// and the bound keeps every later sum of durations far from overflowing.
pub const LONGEST: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// `secs` as a duration; `None` for NaN, infinity, a negative value or one
/// above [`LONGEST`].
pub fn seconds(secs: f64) -> Option<Duration> {
    if secs.is_nan() || secs < 0.0 || secs > LONGEST.as_secs_f64() {
        return None;
    }
    Some(Duration::from_secs_f64(secs))
}

/// `secs` forced into `0..=LONGEST` (NaN and negatives are zero): for the
/// run path, where a value validation could not see (a `${name}` resolved at
/// run time, a hand-edited session) must still not panic.
pub fn seconds_clamped(secs: f64) -> Duration {
    if secs.is_nan() || secs <= 0.0 {
        return Duration::ZERO;
    }
    seconds(secs).unwrap_or(LONGEST)
}

/// `secs` checked against [`LONGEST`]; `written` is how the value appears in
/// the file, for the message.
pub fn within_limit(secs: f64, written: &str) -> Result<Duration, String> {
    if secs.is_nan() {
        return Err(format!("{written} is not a number of seconds"));
    }
    if secs < 0.0 {
        return Err(format!("{written} is not a duration in seconds"));
    }
    seconds(secs)
        .ok_or_else(|| format!("{written} is longer than gameday accepts: at most a week ({} s)", LONGEST.as_secs()))
}

/// Parse a duration; `Err` explains what is expected.
pub fn parse(v: &Value) -> Result<Duration, String> {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(secs) => within_limit(secs, &n.to_string()),
            None => Err(format!("{n} is not a duration in seconds")),
        },
        Value::String(s) => parse_str(s),
        other => Err(format!("expected a duration like \"10s\" or \"2m\", got {other}")),
    }
}

/// Parse `1h30m`, `10s`, `500ms`, `2.5m`.
pub fn parse_str(s: &str) -> Result<Duration, String> {
    within_limit(seconds_in(s)?, &format!("'{s}'"))
}

/// The number of seconds `1h30m`, `10s`, `500ms`, `2.5m` or `3` stands for,
/// before any range check (see [`within_limit`]).
pub fn seconds_in(s: &str) -> Result<f64, String> {
    let bad = || format!("'{s}' is not a duration (use e.g. 500ms, 10s, 2m, 1h30m)");
    let t = s.trim();
    if t.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = t.parse::<f64>() {
        // Rust's parser takes `inf` and `NaN` too: neither is a duration.
        return if secs.is_finite() { Ok(secs) } else { Err(bad()) };
    }
    let mut total = 0f64;
    let mut rest = t;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return Err(bad());
        }
        let n: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match rest[..unit_len].trim() {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hrs" => 3600.0,
            _ => return Err(bad()),
        };
        total += n * factor;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// `1h05m`, `2m30s`, `45s` — compact, for screens and reports.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s / 60) % 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, sec) => format!("{m}m{sec:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

/// [`human`] of a number of seconds computed by the console (elapsed, left,
/// overrun), which may come from a session file: negatives and NaN show as
/// `0s`, and a value too large for a `Duration` as the largest one.
pub fn human_secs(secs: f64) -> String {
    human(Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(Duration::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forms() {
        assert_eq!(parse(&json!("10s")).unwrap(), Duration::from_secs(10));
        assert_eq!(parse(&json!("500ms")).unwrap(), Duration::from_millis(500));
        assert_eq!(parse(&json!("1h30m")).unwrap(), Duration::from_secs(5400));
        assert_eq!(parse(&json!(2.5)).unwrap(), Duration::from_millis(2500));
        assert_eq!(parse(&json!("3")).unwrap(), Duration::from_secs(3));
        for bad in [json!("ten"), json!("5x"), json!(-1), json!(null), json!("")] {
            assert!(parse(&bad).is_err(), "{bad}");
        }
        assert_eq!(human(Duration::from_secs(150)), "2m30s");
    }

    #[test]
    fn a_week_is_the_longest_and_absurd_values_are_refused() {
        assert_eq!(parse(&json!(604800)).unwrap(), LONGEST);
        assert_eq!(parse(&json!("168h")).unwrap(), LONGEST);
        for absurd in [json!(1e308), json!(1e20), json!(604800.5), json!("1e308"), json!("1e19"), json!("169h")] {
            let e = parse(&absurd).unwrap_err();
            assert!(e.contains("at most a week"), "{absurd}: {e}");
        }
        for not_a_number in ["inf", "-inf", "NaN", "infinity"] {
            assert!(parse_str(not_a_number).is_err(), "{not_a_number}");
        }
        let digits = format!("{}h", "9".repeat(400));
        assert!(parse_str(&digits).unwrap_err().contains("at most a week"));
    }

    #[test]
    fn run_path_conversions_never_panic() {
        assert_eq!(seconds(f64::NAN), None);
        assert_eq!(seconds(-0.5), None);
        assert_eq!(seconds(1e308), None);
        assert_eq!(seconds_clamped(-1.0), Duration::ZERO);
        assert_eq!(seconds_clamped(f64::NAN), Duration::ZERO);
        assert_eq!(seconds_clamped(f64::INFINITY), LONGEST);
        assert_eq!(seconds_clamped(2.5), Duration::from_millis(2500));
        assert_eq!(human_secs(-3.0), "0s");
        assert_eq!(human_secs(f64::NAN), "0s");
        assert!(human_secs(1e308).ends_with('m'));
        assert_eq!(human_secs(90.0), "1m30s");
    }
}
