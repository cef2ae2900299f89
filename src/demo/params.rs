//! Reading the parameters of a fault injection.
//!
//! Parameters may come from the query string (`?ms=300&duration=60`), a form
//! body, or a JSON object body, so that a Chaos Toolkit http action works
//! whichever way it sends its `arguments` (form by default, JSON with the
//! exact `Content-Type: application/json` header). Every value is checked
//! and bounded here; a bad one is a 400 with a message saying which.
use super::faults::{FaultKind, FaultSpec, LEAK_CAP_BYTES};
use serde_json::Value;
use std::time::Duration;

/// A fault lasts 60 s unless the caller says otherwise.
pub const DEFAULT_DURATION_S: f64 = 60.0;
/// The longest a fault may last: a demo fault should never outlive the demo.
pub const MAX_DURATION_S: f64 = 3600.0;
/// The longest added latency: one minute.
pub const MAX_LATENCY_MS: u64 = 60_000;

/// The parameters of one injection, as name/value text pairs.
pub type Pairs = Vec<(String, String)>;

/// Collect pairs from the query string and the body. A body that is neither
/// a JSON object nor a form is refused.
pub fn collect(query: Option<&str>, content_type: Option<&str>, body: &[u8]) -> Result<Pairs, String> {
    let mut pairs: Pairs =
        query.map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(pairs);
    }
    let is_json = content_type
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        let value: Value = serde_json::from_slice(body).map_err(|e| format!("the JSON body could not be read: {e}"))?;
        let Value::Object(map) = value else {
            return Err("the JSON body must be an object of parameters".into());
        };
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                other => return Err(format!("parameter '{k}' must be a number, not {other}")),
            };
            pairs.push((k, text));
        }
    } else {
        pairs.extend(url::form_urlencoded::parse(body).into_owned());
    }
    Ok(pairs)
}

/// Turn the pairs into a checked fault and its duration.
pub fn parse(kind: FaultKind, pairs: &Pairs) -> Result<(FaultSpec, Duration), String> {
    let allowed: &[&str] = match kind {
        FaultKind::Latency => &["ms", "duration"],
        FaultKind::Errors => &["rate", "duration"],
        FaultKind::Outage => &["duration"],
        FaultKind::Leak => &["mb_per_s", "duration"],
    };
    for (k, _) in pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(format!(
                "unknown parameter '{k}' for the {} fault (expected: {})",
                kind.name(),
                allowed.join(", ")
            ));
        }
    }
    let duration = match number(pairs, "duration")? {
        None => DEFAULT_DURATION_S,
        Some(d) if d > 0.0 && d <= MAX_DURATION_S => d,
        Some(d) => {
            return Err(format!("duration must be more than 0 and at most {MAX_DURATION_S} seconds, not {d}"));
        }
    };
    let spec = match kind {
        FaultKind::Latency => {
            let ms = required(pairs, "ms")?;
            if !(0.0..=MAX_LATENCY_MS as f64).contains(&ms) || ms.fract() != 0.0 {
                return Err(format!("ms must be a whole number from 0 to {MAX_LATENCY_MS}, not {ms}"));
            }
            FaultSpec::Latency { ms: ms as u64 }
        }
        FaultKind::Errors => {
            let rate = required(pairs, "rate")?;
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("rate must be from 0 to 1, not {rate}"));
            }
            FaultSpec::Errors { rate }
        }
        FaultKind::Outage => FaultSpec::Outage,
        FaultKind::Leak => {
            let mb = required(pairs, "mb_per_s")?;
            let cap_mb = (LEAK_CAP_BYTES / (1024 * 1024)) as f64;
            if !(mb > 0.0 && mb <= cap_mb) {
                return Err(format!("mb_per_s must be more than 0 and at most {cap_mb}, not {mb}"));
            }
            FaultSpec::Leak { mb_per_s: mb }
        }
    };
    Ok((spec, Duration::from_secs_f64(duration)))
}

fn required(pairs: &Pairs, name: &str) -> Result<f64, String> {
    number(pairs, name)?.ok_or_else(|| format!("parameter '{name}' is required"))
}

/// The last value given for `name`, as a finite number.
fn number(pairs: &Pairs, name: &str) -> Result<Option<f64>, String> {
    let Some((_, text)) = pairs.iter().rev().find(|(k, _)| k == name) else {
        return Ok(None);
    };
    match text.trim().parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(format!("parameter '{name}' must be a number, not '{text}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &str) -> Pairs {
        collect(Some(q), None, b"").unwrap()
    }

    #[test]
    fn query_form_and_json_all_work() {
        let want = (FaultSpec::Latency { ms: 300 }, Duration::from_secs(5));
        assert_eq!(parse(FaultKind::Latency, &p("ms=300&duration=5")), Ok(want));
        let form = collect(None, Some("application/x-www-form-urlencoded"), b"ms=300&duration=5").unwrap();
        assert_eq!(parse(FaultKind::Latency, &form), Ok(want));
        let json = collect(None, Some("application/json"), br#"{"ms": 300, "duration": "5"}"#).unwrap();
        assert_eq!(parse(FaultKind::Latency, &json), Ok(want));
    }

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(parse(FaultKind::Outage, &p("")), Ok((FaultSpec::Outage, Duration::from_secs(60))));
        for bad in ["duration=0", "duration=-1", "duration=nan", "duration=1e9", "duration=x"] {
            assert!(parse(FaultKind::Outage, &p(bad)).is_err(), "{bad}");
        }
        for bad in ["", "rate=1.5", "rate=-0.1", "rate=inf", "rat=0.5"] {
            assert!(parse(FaultKind::Errors, &p(bad)).is_err(), "{bad}");
        }
        for bad in ["ms=-1", "ms=1.5", "ms=600000"] {
            assert!(parse(FaultKind::Latency, &p(bad)).is_err(), "{bad}");
        }
        for bad in ["mb_per_s=0", "mb_per_s=65"] {
            assert!(parse(FaultKind::Leak, &p(bad)).is_err(), "{bad}");
        }
        assert!(collect(None, Some("application/json"), b"[1]").is_err());
        assert!(collect(None, Some("application/json"), b"{\"ms\": [1]}").is_err());
        assert!(collect(None, Some("application/json"), b"{").is_err());
    }
}
