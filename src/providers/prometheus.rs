//! The `prometheus` provider: one instant query through Prometheus' HTTP API
//! (`GET {url}/api/v1/query?query=…`), so a steady-state probe or a
//! safeguard can check a live metric against a tolerance without Python.
//!
//! ```json
//! {"type": "prometheus", "url": "http://127.0.0.1:9090",
//!  "query": "sum(rate(http_requests_total{status=~\"5..\"}[1m]))", "timeout": 10}
//! ```
//!
//! `url` and `query` go through `${}` substitution like the http provider's.
//! `timeout` (seconds, default [`DEFAULT_TIMEOUT`]) bounds the whole request
//! and is also passed to Prometheus so it stops evaluating too; either way a
//! timeout fails the activity with "activity took too long to complete".
//! What the answer becomes (numbers, lists, NaN handling) is described in
//! [`result`].
mod result;

use super::http::body::BodyError;
use super::{Context, ProviderError};
use crate::engine::pyvalue::py_str;
use crate::engine::substitute::substitute;
use result::Outcome;
use serde_json::{Map, Value};
use std::time::Duration;

/// Time limit when the activity sets none: a probe that hangs must not hold
/// a drill (or a safeguard) forever.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The message for every kind of timeout, as for the other providers.
const TOO_LONG: &str = "activity took too long to complete";

/// Validate a prometheus provider block; `Err` is the message.
pub fn validate(provider: &Map<String, Value>, activity: &str) -> Result<(), String> {
    if provider.get("url").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(format!("a Prometheus activity must have a URL, in activity '{activity}'"));
    }
    if provider.get("query").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(format!("a Prometheus activity must have a query, in activity '{activity}'"));
    }
    match provider.get("timeout") {
        // A string may be a `${name}` resolved at run time.
        None | Some(Value::String(_)) => {}
        Some(t) if t.as_f64().is_some_and(|s| s.is_finite() && s > 0.0) => {}
        Some(_) => {
            return Err(format!(
                "a Prometheus activity's timeout must be a positive number of seconds, in activity '{activity}'"
            ));
        }
    }
    Ok(())
}

/// The `timeout` field after substitution, or why it is unusable.
fn timeout(provider: &Value, ctx: &Context<'_>) -> Result<Duration, ProviderError> {
    let Some(raw) = provider.get("timeout") else {
        return Ok(DEFAULT_TIMEOUT);
    };
    let v = substitute(raw, &ctx.scope);
    let secs = match &v {
        Value::String(s) => s.trim().parse::<f64>().ok(),
        other => other.as_f64(),
    };
    match secs {
        Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(Duration::from_secs_f64(s)),
        _ => Err(ProviderError::Failed(format!(
            "the timeout must be a positive number of seconds, not {}",
            crate::engine::pyvalue::py_repr(&v)
        ))),
    }
}

/// The start of a body, for messages about answers that are not Prometheus'.
fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Run an instant query.
pub async fn run(provider: &Value, ctx: &Context<'_>) -> Result<Value, ProviderError> {
    let base = py_str(&substitute(provider.get("url").unwrap_or(&Value::Null), &ctx.scope));
    let query = py_str(&substitute(provider.get("query").unwrap_or(&Value::Null), &ctx.scope));
    let limit = timeout(provider, ctx)?;
    let endpoint = format!("{}/api/v1/query", base.trim_end_matches('/'));
    if let Err(e) = reqwest::Url::parse(&endpoint) {
        return Err(ProviderError::Failed(format!("'{base}' is not a valid Prometheus URL: {e}")));
    }
    let client = crate::net::client_builder()
        .timeout(limit)
        .build()
        .map_err(|e| ProviderError::Crashed(format!("could not build an HTTP client: {e}")))?;
    let work = async {
        let server_limit = format!("{}", limit.as_secs_f64());
        let request = client.get(&endpoint).query(&[("query", query.as_str()), ("timeout", server_limit.as_str())]);
        let mut resp = match request.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Err(ProviderError::Failed(TOO_LONG.into())),
            Err(e) => {
                return Err(ProviderError::Failed(format!(
                    "cannot reach Prometheus at {base}: {}",
                    crate::net::describe_error(&e)
                )));
            }
        };
        let status = resp.status();
        let bytes = match super::http::body::read_capped(&mut resp).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => {
                return Err(ProviderError::Failed(format!(
                    "Prometheus' answer is larger than {} MiB; narrow the query",
                    super::http::body::cap_mib()
                )));
            }
            Err(BodyError::Timeout) => return Err(ProviderError::Failed(TOO_LONG.into())),
            Err(BodyError::Broken(e)) => {
                return Err(ProviderError::Failed(format!(
                    "the connection to Prometheus at {base} broke: {}",
                    crate::net::describe_error(&e)
                )));
            }
        };
        // Prometheus answers its own errors (400, 422, 503) with its JSON
        // envelope; any other answer means the URL points somewhere else.
        let body =
            serde_json::from_slice::<Value>(&bytes).ok().filter(|b| b.get("status").is_some_and(Value::is_string));
        let Some(body) = body else {
            let msg = if status.is_success() {
                format!("the answer from {endpoint} is not Prometheus' JSON: {}", snippet(&bytes))
            } else {
                format!("Prometheus at {base} answered HTTP {}: {}", status.as_u16(), snippet(&bytes))
            };
            return Err(ProviderError::Failed(msg));
        };
        match result::interpret(&body) {
            Outcome::Output { value, warnings } => {
                for w in warnings {
                    ctx.live.warn(&format!("Prometheus: {w}"));
                }
                Ok(value)
            }
            Outcome::Failed(msg) if !status.is_success() => {
                Err(ProviderError::Failed(format!("{msg} (HTTP {})", status.as_u16())))
            }
            Outcome::Failed(msg) => Err(ProviderError::Failed(msg)),
            Outcome::TimedOut => Err(ProviderError::Failed(TOO_LONG.into())),
        }
    };
    tokio::select! {
        r = work => r,
        _ = ctx.cancel.cancelled() => Err(ProviderError::Interrupted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(provider: Value) -> Result<(), String> {
        validate(provider.as_object().unwrap(), "p")
    }

    #[test]
    fn validation() {
        assert!(check(json!({"type": "prometheus", "url": "http://x", "query": "up"})).is_ok());
        assert!(check(json!({"url": "http://x", "query": "up", "timeout": 2.5})).is_ok());
        assert!(check(json!({"url": "http://x", "query": "up", "timeout": "${t}"})).is_ok());
        assert_eq!(
            check(json!({"query": "up"})).unwrap_err(),
            "a Prometheus activity must have a URL, in activity 'p'"
        );
        assert_eq!(
            check(json!({"url": "http://x", "query": ""})).unwrap_err(),
            "a Prometheus activity must have a query, in activity 'p'"
        );
        for bad in [json!(0), json!(-1), json!(true), json!([1])] {
            assert!(check(json!({"url": "http://x", "query": "up", "timeout": bad})).is_err(), "{bad}");
        }
    }

    #[test]
    fn snippets_are_short_and_char_safe() {
        let long = "é".repeat(500);
        let s = snippet(long.as_bytes());
        assert_eq!(s.chars().count(), 201);
        assert_eq!(snippet(b"  404 page not found\n"), "404 page not found");
    }
}
