//! Small text helpers shared by the report builders: times, durations,
//! concise values and truncation. Pure functions, no I/O.
use serde_json::Value;

/// Longest output excerpt kept in a report, in characters.
pub const OUTPUT_LIMIT: usize = 600;
/// Longest one-line value in a steady-state table, in characters.
pub const VALUE_LIMIT: usize = 120;

/// `T+hh:mm:ss` (negative offsets get a minus sign).
pub fn t_plus(t: f64) -> String {
    let mut s = String::with_capacity(12);
    // Writing into a String cannot fail.
    let _ = super::times::write_t_plus(&mut s, t);
    s
}

/// A duration for people: `0.42 s`, `12 s`, `3 min 5 s`, `1 h 2 min`.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "?".into();
    }
    let neg = secs < 0.0;
    let a = secs.abs();
    let body = if a < 10.0 {
        format!("{a:.2} s")
    } else if a < 60.0 {
        format!("{} s", a.round() as u64)
    } else if a < 3600.0 {
        let s = a.round() as u64;
        format!("{} min {} s", s / 60, s % 60)
    } else {
        let m = (a / 60.0).round() as u64;
        format!("{} h {} min", m / 60, m % 60)
    };
    if neg { format!("-{body}") } else { body }
}

/// Cut `s` to at most `limit` characters, saying how much was left out.
pub fn truncate(s: &str, limit: usize) -> String {
    let count = s.chars().count();
    if count <= limit {
        return s.to_string();
    }
    let kept: String = s.chars().take(limit).collect();
    format!("{kept}… ({} more characters)", count - limit)
}

/// One line: newlines and runs of spaces collapsed.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value as a short single line: HTTP and process outputs are summarised
/// (`200 {"status":"ok"}`, `exit 0: hello`), anything else is compact JSON.
pub fn concise(v: &Value) -> String {
    let s = match v {
        Value::Null => "null".to_string(),
        Value::String(s) => one_line(s),
        Value::Object(m) if m.contains_key("status") && (m.contains_key("body") || m.contains_key("headers")) => {
            let body = m.get("body").map(body_text).unwrap_or_default();
            one_line(&format!("{} {}", scalar(m.get("status")), body))
        }
        Value::Object(m) if m.contains_key("status") && (m.contains_key("stdout") || m.contains_key("stderr")) => {
            let out = m.get("stdout").and_then(Value::as_str).unwrap_or("");
            let err = m.get("stderr").and_then(Value::as_str).unwrap_or("");
            let text = if out.trim().is_empty() { err } else { out };
            one_line(&format!("exit {}: {}", scalar(m.get("status")), text))
        }
        other => serde_json::to_string(other).unwrap_or_default(),
    };
    truncate(s.trim(), VALUE_LIMIT)
}

/// The whole output as readable text (for excerpts), truncated.
pub fn excerpt(v: &Value) -> Option<String> {
    let s = match v {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        Value::Object(m) if m.contains_key("status") && (m.contains_key("stdout") || m.contains_key("stderr")) => {
            let mut s = format!("exit status: {}", scalar(m.get("status")));
            for k in ["stdout", "stderr"] {
                if let Some(t) = m.get(k).and_then(Value::as_str).filter(|t| !t.trim().is_empty()) {
                    s.push_str(&format!("\n{k}:\n{}", t.trim_end()));
                }
            }
            s
        }
        Value::Object(m) if m.contains_key("status") && m.contains_key("body") => {
            format!("HTTP {}\n{}", scalar(m.get("status")), m.get("body").map(body_text).unwrap_or_default())
        }
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    Some(truncate(s.trim_end(), OUTPUT_LIMIT))
}

fn body_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn scalar(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "?".into(),
        Some(other) => other.to_string(),
    }
}

/// The last meaningful line of a Python-style exception list.
pub fn exception(lines: &[Value]) -> Option<String> {
    let joined: String = lines.iter().filter_map(Value::as_str).collect();
    let last = joined.lines().rev().find(|l| !l.trim().is_empty())?;
    Some(truncate(last.trim(), OUTPUT_LIMIT))
}

/// A wall-clock time (RFC 3339 or Python isoformat) as `HH:MM:SS` UTC.
pub fn clock(at: &str) -> String {
    let mut s = String::with_capacity(8);
    match super::times::write_clock(&mut s, at) {
        Some(_) => s,
        None => at.to_string(),
    }
}

/// Seconds between two Python-isoformat timestamps.
pub fn seconds_between(from: &str, to: &str) -> Option<f64> {
    let a = parse_time(from)?;
    let b = parse_time(to)?;
    Some((b - a).num_microseconds()? as f64 / 1e6)
}

/// Parse a journal timestamp; Chaos Toolkit writes naive UTC times
/// (`2026-01-01T10:00:00.5`) as well as offsets.
pub fn parse_time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc())
}

/// A JSON value as plain text for a plan field.
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Null => String::new(),
        Value::Array(a) => a.iter().map(plain).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_and_durations() {
        assert_eq!(t_plus(3725.9), "T+01:02:05");
        assert_eq!(t_plus(-5.0), "T+-00:00:05");
        assert_eq!(duration(0.5), "0.50 s");
        assert_eq!(duration(125.0), "2 min 5 s");
        assert_eq!(duration(3720.0), "1 h 2 min");
    }

    #[test]
    fn concise_outputs() {
        assert_eq!(concise(&json!({"status": 200, "headers": {}, "body": {"ok": true}})), "200 {\"ok\":true}");
        assert_eq!(concise(&json!({"status": 0, "stdout": "hi\nthere\n", "stderr": ""})), "exit 0: hi there");
        let long = "x".repeat(500);
        assert!(concise(&json!(long)).ends_with("(380 more characters)"));
    }

    #[test]
    fn exception_last_line() {
        let e = json!(["Traceback\n", "  File x\n", "chaoslib.exceptions.ActivityFailed: boom\n"]);
        assert_eq!(exception(e.as_array().unwrap()).unwrap(), "chaoslib.exceptions.ActivityFailed: boom");
    }

    #[test]
    fn clock_as_chrono_formats_it() {
        for at in [
            "2026-01-01T09:00:00+00:00",
            "2026-01-01T09:00:00.123456+00:00",
            "2026-01-01T23:59:60.5Z",
            "2026-06-30T01:30:00+02:00",
            "2026-01-01T10:00:00",
            "not a time",
        ] {
            let by_chrono = chrono::DateTime::parse_from_rfc3339(at)
                .map(|t| t.with_timezone(&chrono::Utc).format("%H:%M:%S").to_string())
                .unwrap_or_else(|_| at.to_string());
            assert_eq!(clock(at), by_chrono, "{at}");
        }
        assert_eq!(clock("2026-06-30T01:30:00+02:00"), "23:30:00");
    }

    #[test]
    fn journal_times() {
        assert_eq!(seconds_between("2026-01-01T10:00:00", "2026-01-01T10:00:01.5"), Some(1.5));
        assert_eq!(seconds_between("2026-01-01T10:00:00+00:00", "2026-01-01T10:01:00+00:00"), Some(60.0));
    }
}
