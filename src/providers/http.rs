//! The `http` provider, with Chaos Toolkit's rules for where arguments go
//! (query string for GET, JSON body only with the exact `Content-Type:
//! application/json` request header, a form body otherwise), its timeouts
//! (`t` or `[connect, read]`), retries on connection errors, and redirects
//! always followed. Unlike Chaos Toolkit (whose timeouts are per read, so a
//! server that drips a byte at a time holds a call forever), the timeout
//! also bounds the whole call, body included; see [`deadline`].
use super::{Context, ProviderError};
use crate::engine::pyvalue::{py_str, py_truthy};
use crate::engine::substitute::substitute;
use serde_json::{Map, Value, json};
use std::time::Duration;

pub mod body;
use body::BodyError;

/// The request as it will be sent, for display and for execution.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    /// The `timeout` as a bound on the whole call (see [`deadline`]).
    pub total_timeout: Option<Duration>,
    pub verify_tls: bool,
    pub max_retries: u64,
    /// A header the HTTP client would refuse (the activity then aborts the run).
    pub invalid: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Body {
    None,
    Query(Vec<(String, String)>),
    Json(Value),
    Form(Vec<(String, String)>),
    Raw(String),
}

/// The longest a call without a `timeout` may take, body included
/// (Chaos Toolkit would wait forever): long enough for an API that blocks
/// while it fails a database over, short enough that a hung server cannot
/// hold a Game Day.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(600);

/// How long the whole call (every attempt, the response and its body) may
/// take: the `timeout` (for `[connect, read]`, their sum: the budget given
/// for the two phases), or [`DEFAULT_DEADLINE`] without one.
pub fn deadline(req: &Request) -> Duration {
    req.total_timeout.unwrap_or(DEFAULT_DEADLINE)
}

/// A timeout in seconds; one beyond a week (only a `${name}` resolved at run
/// time can be, validation refuses a written one) is a week, so the sum of
/// a `[connect, read]` pair cannot overflow.
fn secs(v: &Value) -> Option<Duration> {
    v.as_f64().filter(|t| *t >= 0.0).map(crate::model::duration::seconds_clamped)
}

/// requests' encoding of a params/data mapping: lists repeat the key, None is dropped.
fn pairs(args: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Value::Object(map) = args {
        for (k, v) in map {
            match v {
                Value::Null => {}
                Value::Array(items) => {
                    for i in items.iter().filter(|i| !i.is_null()) {
                        out.push((k.clone(), py_str(i)));
                    }
                }
                other => out.push((k.clone(), py_str(other))),
            }
        }
    }
    out
}

/// Build the request from the provider block, substituted.
pub fn request(provider: &Value, scope: &crate::engine::substitute::Scope) -> Request {
    let url = py_str(&substitute(provider.get("url").unwrap_or(&Value::Null), scope));
    let method = provider.get("method").map(py_str).unwrap_or_else(|| "GET".into()).to_uppercase();
    let headers_v = provider.get("headers").map(|h| substitute(h, scope));
    let mut bad_header = None;
    let headers: Vec<(String, String)> = match &headers_v {
        Some(Value::Object(m)) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                // Like requests: a header value must be text (a `${n}` that
                // substitutes to a number is refused, and the run aborts).
                if !v.is_string() && bad_header.is_none() {
                    bad_header = Some(format!(
                        "Header part ({}) from ('{k}', {}) must be of type str or bytes",
                        crate::engine::pyvalue::py_repr(v),
                        crate::engine::pyvalue::py_repr(v)
                    ));
                }
                (k.clone(), py_str(v))
            })
            .collect(),
        _ => Vec::new(),
    };
    let timeout = provider.get("timeout").map(|t| substitute(t, scope));
    let (connect_timeout, read_timeout, total_timeout) = match &timeout {
        // Both phases bounded: the whole call gets their sum. One left
        // unbounded (`null`): the default cap.
        Some(Value::Array(a)) if a.len() == 2 => {
            let (c, r) = (secs(&a[0]), secs(&a[1]));
            (c, r, c.zip(r).map(|(c, r)| c + r))
        }
        Some(t) => (secs(t), secs(t), secs(t)),
        None => (None, None, None),
    };
    let mut arguments = provider.get("arguments").cloned().unwrap_or(Value::Null);
    if py_truthy(&arguments) && !scope.is_empty() {
        arguments = substitute(&arguments, scope);
    }
    let json_header = matches!(&headers_v, Some(Value::Object(m))
        if m.get("Content-Type").and_then(Value::as_str) == Some("application/json"));
    let body = if arguments.is_null() {
        Body::None
    } else if method == "GET" {
        Body::Query(pairs(&arguments))
    } else if json_header {
        Body::Json(arguments)
    } else if let Value::String(s) = arguments {
        Body::Raw(s)
    } else {
        Body::Form(pairs(&arguments))
    };
    Request {
        method,
        url,
        headers,
        body,
        connect_timeout,
        read_timeout,
        total_timeout,
        verify_tls: provider.get("verify_tls").is_none_or(py_truthy),
        max_retries: provider.get("max_retries").and_then(Value::as_u64).unwrap_or(0),
        invalid: bad_header,
    }
}

/// `Content-Type` → `Content-Type`; reqwest lower-cases header names, and
/// most servers send them in this canonical form.
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

async fn send_once(req: &Request, client: &reqwest::Client) -> Result<reqwest::Response, reqwest::Error> {
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut rb = client.request(method, &req.url);
    for (k, v) in &req.headers {
        rb = rb.header(k, v);
    }
    rb = match &req.body {
        // requests sends `Content-Length: 0` on bodiless requests other than GET/HEAD.
        Body::None if req.method != "GET" && req.method != "HEAD" => {
            rb.header(reqwest::header::CONTENT_LENGTH, "0").body(Vec::new())
        }
        Body::None => rb,
        Body::Query(q) => rb.query(q),
        // Serialized as Python's json.dumps does (", " and ": ", ASCII only).
        Body::Json(v) => rb.header("Content-Type", "application/json").body(python_json(v)),
        Body::Form(f) => rb.form(f),
        Body::Raw(s) => rb.body(s.clone()),
    };
    rb.send().await
}

/// What `requests` (urllib3's `Retry`) retries when `max_retries` is set: a
/// connection that could not be made, and — for the methods it deems
/// idempotent — one that was dropped before a response came back. Never a
/// timeout: the activity's `timeout` bounds the whole call.
fn retryable(e: &reqwest::Error, method: &str) -> bool {
    const IDEMPOTENT: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "PUT", "TRACE"];
    if e.is_timeout() {
        return false;
    }
    e.is_connect() || (e.is_request() && IDEMPOTENT.contains(&method.to_ascii_uppercase().as_str()))
}

/// Run an http activity.
pub async fn run(provider: &Value, has_tolerance: bool, ctx: &Context<'_>) -> Result<Value, ProviderError> {
    let req = request(provider, &ctx.scope);
    if let Some(why) = &req.invalid {
        return Err(ProviderError::Crashed(why.clone()));
    }
    if reqwest::Url::parse(&req.url).is_err() {
        return Err(ProviderError::Crashed(format!("Invalid URL '{}'", req.url)));
    }
    let mut builder = crate::net::configure(crate::net::client_builder(), req.verify_tls)
        .redirect(reqwest::redirect::Policy::limited(30));
    if let Some(t) = req.connect_timeout {
        builder = builder.connect_timeout(t);
    }
    if let Some(t) = req.read_timeout {
        builder = builder.read_timeout(t);
    }
    let client = builder.build().map_err(|e| ProviderError::Crashed(format!("could not build an HTTP client: {e}")))?;
    let work = async {
        let mut attempt = 0;
        let resp = loop {
            match send_once(&req, &client).await {
                Ok(r) => break r,
                Err(e) if attempt < req.max_retries && retryable(&e, &req.method) => attempt += 1,
                Err(e) if e.is_timeout() => {
                    return Err(ProviderError::Failed("activity took too long to complete".into()));
                }
                Err(e) if e.is_connect() || e.is_request() => {
                    return Err(ProviderError::Failed(format!(
                        "failed to connect to {}: {}",
                        req.url,
                        crate::net::describe_error(&e)
                    )));
                }
                Err(e) => return Err(ProviderError::Crashed(crate::net::describe_error(&e))),
            }
        };
        let status = resp.status().as_u16();
        let mut headers = Map::new();
        for (name, value) in resp.headers() {
            let key = canonical(name.as_str());
            let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
            match headers.get_mut(&key) {
                Some(Value::String(prev)) => {
                    prev.push_str(", ");
                    prev.push_str(&v);
                }
                _ => {
                    headers.insert(key, Value::String(v));
                }
            }
        }
        let is_json = headers.get("Content-Type").and_then(Value::as_str) == Some("application/json");
        let mut resp = resp;
        let bytes = match body::read_capped(&mut resp).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => {
                return Err(ProviderError::Failed(format!("the response body is larger than {} MiB", body::cap_mib())));
            }
            Err(BodyError::Timeout) => {
                return Err(ProviderError::Failed("activity took too long to complete".into()));
            }
            Err(BodyError::Broken(e)) => {
                return Err(ProviderError::Failed(format!(
                    "failed to connect to {}: {}",
                    req.url,
                    crate::net::describe_error(&e)
                )));
            }
        };
        let body = if is_json {
            serde_json::from_slice(&bytes)
                .map_err(|e| ProviderError::Crashed(format!("the response claims to be JSON but is not: {e}")))?
        } else {
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        };
        Ok(json!({"status": status, "headers": headers, "body": body}))
    };
    let limit = deadline(&req);
    let out = tokio::select! {
        r = work => r?,
        _ = ctx.cancel.cancelled() => return Err(ProviderError::Interrupted),
        _ = tokio::time::sleep(limit) => return Err(too_long(&req, limit)),
    };
    if !has_tolerance && out.get("status").and_then(Value::as_u64).is_some_and(|s| s > 399) {
        ctx.live.warn("This HTTP call returned a status code above 400, which may not be what you expected.");
    }
    Ok(out)
}

/// The failure when the whole call outlives its [`deadline`]: Chaos
/// Toolkit's words for a timeout, and (without a `timeout`) which cap hit.
fn too_long(req: &Request, limit: Duration) -> ProviderError {
    let mut msg = String::from("activity took too long to complete");
    if req.total_timeout.is_none() {
        msg.push_str(&format!(" (no timeout was set; gameday stops an http call after {} s)", limit.as_secs()));
    }
    ProviderError::Failed(msg)
}

/// `json.dumps(v)` with Python's defaults: `", "` and `": "` separators,
/// non-ASCII escaped as `\uXXXX`.
pub fn python_json(v: &Value) -> String {
    let mut out = String::new();
    write_py_json(v, &mut out);
    out
}

fn write_py_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&crate::engine::pyvalue::py_repr(&Value::Number(n.clone()))),
        Value::String(s) => write_py_str(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py_json(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py_str(k, out);
                out.push_str(": ");
                write_py_json(x, out);
            }
            out.push('}');
        }
    }
}

fn write_py_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(provider: Value) -> Request {
        let empty = Map::new();
        request(&provider, &crate::engine::substitute::Scope::new(&empty, &empty))
    }

    fn with_timeout(t: Value) -> Request {
        req(json!({"type": "http", "url": "http://x", "timeout": t}))
    }

    #[test]
    fn deadline_is_the_timeout_or_the_default_cap() {
        assert_eq!(deadline(&with_timeout(json!(1.5))), Duration::from_millis(1500));
        assert_eq!(deadline(&with_timeout(json!([2, 3]))), Duration::from_secs(5));
        assert_eq!(deadline(&with_timeout(json!([2, 2]))), Duration::from_secs(4));
        assert_eq!(deadline(&with_timeout(json!([null, 3]))), DEFAULT_DEADLINE);
        let none = req(json!({"type": "http", "url": "http://x"}));
        assert_eq!(deadline(&none), DEFAULT_DEADLINE);
        assert!(matches!(too_long(&none, DEFAULT_DEADLINE), ProviderError::Failed(m) if m.contains("600 s")));
    }

    #[test]
    fn json_body_matches_python() {
        assert_eq!(
            python_json(&json!({"k": "v", "n": 1, "nested": {"l": [1, 2.5]}})),
            r#"{"k": "v", "n": 1, "nested": {"l": [1, 2.5]}}"#
        );
        assert_eq!(python_json(&json!("é\"\n")), r#""\u00e9\"\n""#);
        assert_eq!(python_json(&json!("😀")), r#""\ud83d\ude00""#);
    }
}
