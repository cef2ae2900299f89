//! A small loopback HTTP/1.1 server for integration tests.
//!
//! It exists so that experiments can be run against the real `chaos` and
//! against `gameday` with byte-identical answers: every response has a fixed
//! set of headers (no `Date`, no `Server`), one request per connection
//! (`Connection: close`), and endpoints whose output depends only on the
//! request and on a small shared state (healthy/broken, request counter).
//!
//! Endpoints:
//! * `GET /health` → 200 `{"status":"ok"}` (`Content-Type: application/json`),
//!   or 500 `{"status":"broken"}` while the state is broken. Counted.
//! * `GET /text` → 200 `text/plain` body `hello 42\n`.
//! * `GET /json-charset` → 200 `{"status":"ok"}` as `application/json; charset=utf-8`.
//! * `/status/<code>` → that status, `text/plain` body `status <code>`.
//! * `/slow/<ms>` → sleeps (at most 10 s), then 200 `{"slept_ms":<ms>}`.
//! * `/redirect` → 302 to `/health`.
//! * `/echo` → 200 JSON `{method, path, query, headers, body}`; headers are
//!   lower-cased, sorted, without the ones that differ between HTTP clients.
//! * `POST /break`, `POST /repair` → flip the shared state.
//! * `GET /count` → 200 `{"count":<requests to /health so far>}`.
//! * `GET /items` → 200 JSON with arrays, for jsonpath tolerances.
//! * anything else → 404 `text/plain` `not found`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Longest sleep `/slow/<ms>` honours.
const MAX_SLOW_MS: u64 = 10_000;
/// Connections served at the same time; extra ones are answered 503.
const MAX_CONNECTIONS: usize = 64;
/// Largest request head (request line + headers) accepted.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Request headers left out of `/echo` because clients set them differently.
const CLIENT_SPECIFIC_HEADERS: &[&str] = &["user-agent", "accept-encoding", "connection", "host", "keep-alive", "te"];

/// Shared state behind the endpoints.
#[derive(Default)]
struct State {
    broken: AtomicBool,
    health_requests: AtomicUsize,
    open_connections: AtomicUsize,
    stopping: AtomicBool,
    /// Every request seen, as `"METHOD /path?query"`, in arrival order.
    log: Mutex<Vec<String>>,
}

/// A running server; it stops accepting connections when dropped.
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<State>,
    acceptor: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Binds `127.0.0.1:0` and serves in background threads.
    pub fn start() -> std::io::Result<TestServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::default());
        let accept_state = Arc::clone(&state);
        let acceptor = std::thread::Builder::new()
            .name("test-http-accept".into())
            .spawn(move || accept_loop(listener, accept_state))?;
        Ok(TestServer { addr, state, acceptor: Some(acceptor) })
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full URL of `path` (which should start with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url(), path)
    }

    /// Whether `/break` was called more recently than `/repair`.
    pub fn is_broken(&self) -> bool {
        self.state.broken.load(Ordering::SeqCst)
    }

    /// Sets the healthy/broken state directly.
    pub fn set_broken(&self, broken: bool) {
        self.state.broken.store(broken, Ordering::SeqCst);
    }

    /// Number of requests made to `/health` so far.
    pub fn health_count(&self) -> usize {
        self.state.health_requests.load(Ordering::SeqCst)
    }

    /// Every request seen so far, as `"METHOD /path?query"`.
    pub fn request_log(&self) -> Vec<String> {
        match self.state.log.lock() {
            Ok(log) => log.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.state.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept() so the loop sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(handle) = self.acceptor.take() {
            let _ = handle.join();
        }
    }
}

/// A port on 127.0.0.1 on which nothing listens (bound, then released).
pub fn closed_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let port = listener.local_addr()?.port();
    drop(listener);
    Ok(port)
}

fn accept_loop(listener: TcpListener, state: Arc<State>) {
    for stream in listener.incoming() {
        if state.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else { continue };
        if state.open_connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            state.open_connections.fetch_sub(1, Ordering::SeqCst);
            let _ = write_response(&mut stream, &Response::text(503, "too many connections"), true);
            continue;
        }
        let conn_state = Arc::clone(&state);
        let spawned = std::thread::Builder::new().name("test-http-conn".into()).spawn(move || {
            serve_connection(stream, &conn_state);
            conn_state.open_connections.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            state.open_connections.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// A parsed request.
struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A response ready to be written.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response { status, headers: vec![("Content-Type".into(), content_type.into())], body: body.into() }
    }

    fn json(status: u16, value: &serde_json::Value) -> Response {
        Response::new(status, "application/json", value.to_string())
    }

    fn text(status: u16, body: &str) -> Response {
        Response::new(status, "text/plain", body)
    }
}

fn serve_connection(stream: TcpStream, state: &State) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    let mut head_request = false;
    let response = match read_request(&mut reader) {
        Ok(Some(request)) => {
            head_request = request.method.eq_ignore_ascii_case("HEAD");
            if let Ok(mut log) = state.log.lock() {
                let entry = if request.query.is_empty() {
                    format!("{} {}", request.method, request.path)
                } else {
                    format!("{} {}?{}", request.method, request.path, request.query)
                };
                log.push(entry);
            }
            route(&request, state)
        }
        Ok(None) => return,
        Err(message) => Response::text(400, &message),
    };
    let _ = write_response(&mut writer, &response, !head_request);
    let _ = writer.flush();
    let _ = writer.shutdown(Shutdown::Write);
    // Drain what the client may still send so the close is not a reset.
    let _ = reader.get_mut().set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 1024];
    while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
}

/// Reads one request; `Ok(None)` when the peer closed without sending one.
fn read_request(reader: &mut impl BufRead) -> Result<Option<Request>, String> {
    let mut head_bytes = 0usize;
    let mut line = String::new();
    let n = reader.read_line(&mut line).map_err(|e| format!("bad request line: {e}"))?;
    if n == 0 {
        return Ok(None);
    }
    head_bytes += n;
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    if method.is_empty() || target.is_empty() {
        return Err("malformed request line".into());
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.clone(), String::new()),
    };
    let mut headers = Vec::new();
    loop {
        let mut header_line = String::new();
        let n = reader.read_line(&mut header_line).map_err(|e| format!("bad header: {e}"))?;
        head_bytes += n;
        if head_bytes > MAX_HEAD_BYTES {
            return Err("request head too large".into());
        }
        let trimmed = header_line.trim_end();
        if n == 0 || trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    if length > MAX_BODY_BYTES {
        return Err("request body too large".into());
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).map_err(|e| format!("short body: {e}"))?;
    Ok(Some(Request { method, path, query, headers, body }))
}

fn route(request: &Request, state: &State) -> Response {
    let path = request.path.as_str();
    let method = request.method.as_str();
    match path {
        "/health" => {
            state.health_requests.fetch_add(1, Ordering::SeqCst);
            if state.broken.load(Ordering::SeqCst) {
                Response::json(500, &serde_json::json!({"status": "broken"}))
            } else {
                Response::json(200, &serde_json::json!({"status": "ok"}))
            }
        }
        "/text" => Response::text(200, "hello 42\n"),
        "/json-charset" => {
            Response::new(200, "application/json; charset=utf-8", serde_json::json!({"status": "ok"}).to_string())
        }
        "/redirect" => {
            let mut response = Response::text(302, "redirecting");
            response.headers.push(("Location".into(), "/health".into()));
            response
        }
        "/echo" => Response::json(200, &echo(request)),
        "/break" | "/repair" if method == "POST" => {
            let broken = path == "/break";
            state.broken.store(broken, Ordering::SeqCst);
            let label = if broken { "broken" } else { "ok" };
            Response::json(200, &serde_json::json!({"state": label}))
        }
        "/break" | "/repair" => Response::text(405, "method not allowed"),
        "/count" => Response::json(200, &serde_json::json!({"count": state.health_requests.load(Ordering::SeqCst)})),
        "/items" => Response::json(
            200,
            &serde_json::json!({
                "n": 3,
                "items": [
                    {"id": 1, "name": "alpha", "tags": ["a", "x"]},
                    {"id": 2, "name": "beta", "tags": ["b"]},
                    {"id": 3, "name": "gamma", "tags": []}
                ],
                "ready": true
            }),
        ),
        _ => {
            if let Some(code) = path.strip_prefix("/status/") {
                match code.parse::<u16>() {
                    Ok(code) if (200..600).contains(&code) => {
                        let body = if matches!(code, 204 | 304) { String::new() } else { format!("status {code}") };
                        Response::text(code, &body)
                    }
                    _ => Response::text(400, "bad status code"),
                }
            } else if let Some(ms) = path.strip_prefix("/slow/") {
                match ms.parse::<u64>() {
                    Ok(ms) => {
                        let ms = ms.min(MAX_SLOW_MS);
                        std::thread::sleep(Duration::from_millis(ms));
                        Response::json(200, &serde_json::json!({"slept_ms": ms}))
                    }
                    Err(_) => Response::text(400, "bad duration"),
                }
            } else {
                Response::text(404, "not found")
            }
        }
    }
}

/// What `/echo` answers: the request as the server saw it.
fn echo(request: &Request) -> serde_json::Value {
    let mut headers = BTreeMap::new();
    for (name, value) in &request.headers {
        let lower = name.to_ascii_lowercase();
        if CLIENT_SPECIFIC_HEADERS.contains(&lower.as_str()) {
            continue;
        }
        headers.insert(lower, value.clone());
    }
    serde_json::json!({
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": headers,
        "body": String::from_utf8_lossy(&request.body),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Writes `response`; the body is left out for HEAD requests (`with_body` false),
/// while `Content-Length` still says how long it would be.
fn write_response(stream: &mut impl Write, response: &Response, with_body: bool) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status));
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    head.push_str("Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes())?;
    if with_body {
        stream.write_all(&response.body)?;
    }
    Ok(())
}
