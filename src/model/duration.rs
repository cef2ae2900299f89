//! Durations as people write them in playbooks: `500ms`, `10s`, `2m`, `1h30m`,
//! or a plain number of seconds.
use serde_json::Value;
use std::time::Duration;

/// Parse a duration; `Err` explains what is expected.
pub fn parse(v: &Value) -> Result<Duration, String> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("{n} is not a duration in seconds")),
        Value::String(s) => parse_str(s),
        other => Err(format!("expected a duration like \"10s\" or \"2m\", got {other}")),
    }
}

/// Parse `1h30m`, `10s`, `500ms`, `2.5m`.
pub fn parse_str(s: &str) -> Result<Duration, String> {
    let bad = || format!("'{s}' is not a duration (use e.g. 500ms, 10s, 2m, 1h30m)");
    let t = s.trim();
    if t.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = t.parse::<f64>() {
        return parse(&Value::from(secs));
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
    if !total.is_finite() || total > 1e9 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(total))
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
}
