//! http(s) sources, as `chaoslib/loader.py` fetches them: one GET with
//! `Accept: application/json, application/x-yaml`, an optional
//! `Authorization` header, anything but 200 refused with the body text, and
//! the body parsed according to its Content-Type. Unlike Chaos Toolkit the
//! request has a timeout and the body is capped at [`MAX_DOCUMENT_BYTES`].
use super::{Format, LoadError, LoadOptions, Loaded, MAX_DOCUMENT_BYTES, parse_document};

/// Fetch `url` and parse it.
pub(super) async fn fetch(url: &str, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let client = crate::net::client_builder()
        .timeout(opts.timeout)
        .connect_timeout(opts.timeout.min(std::time::Duration::from_secs(10)))
        .tls_danger_accept_invalid_certs(!opts.verify_tls)
        .build()
        .map_err(|e| LoadError::Fetch(format!("cannot set up an HTTP client: {}", crate::net::describe_error(&e))))?;
    let mut request = client.get(url).header("Accept", "application/json, application/x-yaml");
    if let Some(auth) = authorization(url, opts) {
        request = request.header("Authorization", auth);
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| LoadError::Fetch(format!("cannot reach {url}: {}", crate::net::describe_error(&e))))?;
    let status = response.status();
    let content_type =
        response.headers().get("Content-Type").and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if response.content_length().is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64) {
        return Err(too_large(url));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        LoadError::Fetch(format!("reading the body of {url} failed: {}", crate::net::describe_error(&e)))
    })? {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(too_large(url));
        }
        body.extend_from_slice(&chunk);
    }
    if status != reqwest::StatusCode::OK {
        return Err(LoadError::Fetch(String::from_utf8_lossy(&body).into_owned()));
    }
    let (doc, format) = parse_body(url, &body, &content_type)?;
    Ok(Loaded { doc, origin: url.to_string(), format, raw: String::from_utf8_lossy(&body).into_owned() })
}

fn too_large(url: &str) -> LoadError {
    LoadError::TooLarge { file: url.to_string(), limit: MAX_DOCUMENT_BYTES }
}

/// `bearer <token>` from the environment token (trimmed, ignored when
/// empty), else the settings entry whose netloc matches the URL's.
fn authorization(url: &str, opts: &LoadOptions) -> Option<String> {
    if let Some(token) = opts.bearer_token.as_deref().filter(|t| !t.is_empty()) {
        return Some(format!("bearer {}", token.trim()));
    }
    let netloc = netloc(url);
    opts.auths.iter().find(|a| a.netloc == netloc).map(|a| format!("{} {}", a.kind, a.value))
}

/// The URL's authority exactly as written (Python's `urlparse(...).netloc`).
fn netloc(url: &str) -> &str {
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

/// The parsers to try, in order, for a Content-Type (already lower-cased).
fn formats_for(url: &str, content_type: &str) -> Vec<Format> {
    if content_type.contains("application/json") {
        vec![Format::Json]
    } else if content_type.contains("application/x-yaml") || content_type.contains("text/yaml") {
        vec![Format::Yaml]
    } else if content_type.contains("text/plain") {
        vec![Format::Json, Format::Yaml]
    } else {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        if path.ends_with(".json") {
            vec![Format::Json]
        } else if path.ends_with(".yaml") || path.ends_with(".yml") {
            vec![Format::Yaml]
        } else {
            vec![Format::Json, Format::Yaml]
        }
    }
}

/// Parse with each candidate format; when all fail, report the error of the
/// one the text most looks like (JSON if it starts with `{` or `[`).
fn parse_body(url: &str, body: &[u8], content_type: &str) -> Result<(serde_json::Value, Format), LoadError> {
    let formats = formats_for(url, content_type);
    let looks_json = body.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b == b'{' || *b == b'[');
    let mut reported = None;
    for format in formats {
        match parse_document(url, body, format) {
            Ok(doc) => return Ok((doc, format)),
            Err(e) => {
                let preferred = (format == Format::Json) == looks_json;
                if reported.is_none() || preferred {
                    reported = Some(e);
                }
            }
        }
    }
    Err(reported.unwrap_or_else(|| LoadError::Fetch(format!("{url}: nothing to parse"))))
}

#[cfg(test)]
mod tests {
    use super::super::{LoadOptions, SourceAuth, load_with};
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant};

    /// A one-shot HTTP server on 127.0.0.1 that answers with `status`,
    /// `content_type` and `body`, and hands back the request it received.
    /// Everything is bounded by timeouts so a broken test cannot hang.
    fn serve_once(status: &str, content_type: &str, body: &str) -> (String, JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let handle = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut stream = loop {
                match listener.accept() {
                    Ok((s, _)) => break s,
                    Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                    Err(e) => panic!("no client connected: {e}"),
                }
            };
            stream.set_nonblocking(false).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65536 {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            stream.write_all(response.as_bytes()).unwrap();
            String::from_utf8_lossy(&request).into_owned()
        });
        (base, handle)
    }

    fn header<'a>(request: &'a str, name: &str) -> Option<&'a str> {
        request.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    #[tokio::test]
    async fn json_200_is_parsed_and_accept_header_sent() {
        let (base, server) = serve_once("200 OK", "application/json", r#"{"title": "t"}"#);
        let loaded = load_with(&format!("{base}/exp"), &LoadOptions::default()).await.unwrap();
        assert_eq!(loaded.doc["title"], "t");
        assert_eq!(loaded.format, Format::Json);
        assert_eq!(loaded.raw, r#"{"title": "t"}"#);
        let request = server.join().unwrap();
        assert!(request.starts_with("GET /exp HTTP/1.1"), "{request}");
        assert_eq!(header(&request, "accept"), Some("application/json, application/x-yaml"));
        assert_eq!(header(&request, "authorization"), None);
    }

    #[tokio::test]
    async fn yaml_200_is_parsed() {
        let (base, server) = serve_once("200 OK", "application/x-yaml", "title: t\ntags: [a]\n");
        let loaded = load_with(&format!("{base}/e"), &LoadOptions::default()).await.unwrap();
        assert_eq!(loaded.doc["tags"][0], "a");
        assert_eq!(loaded.format, Format::Yaml);
        server.join().unwrap();
    }

    #[tokio::test]
    async fn text_plain_tries_json_then_yaml() {
        let (base, server) = serve_once("200 OK", "text/plain; charset=utf-8", "title: t\n");
        let loaded = load_with(&format!("{base}/e"), &LoadOptions::default()).await.unwrap();
        assert_eq!(loaded.format, Format::Yaml);
        server.join().unwrap();
    }

    #[tokio::test]
    async fn not_found_reports_the_body() {
        let (base, server) = serve_once("404 Not Found", "text/plain", "no such experiment");
        let err = load_with(&format!("{base}/missing.json"), &LoadOptions::default()).await.unwrap_err();
        assert_eq!(err.to_string(), "Failed to fetch the experiment: no such experiment");
        server.join().unwrap();
    }

    #[tokio::test]
    async fn bearer_token_is_sent_trimmed() {
        let (base, server) = serve_once("200 OK", "application/json", "{}");
        let opts = LoadOptions {
            bearer_token: Some(" s3cret \n".into()),
            auths: vec![SourceAuth {
                netloc: base.trim_start_matches("http://").into(),
                kind: "basic".into(),
                value: "ignored".into(),
            }],
            ..LoadOptions::default()
        };
        load_with(&format!("{base}/e.json"), &opts).await.unwrap();
        let request = server.join().unwrap();
        assert_eq!(header(&request, "authorization"), Some("bearer s3cret"));
    }

    #[tokio::test]
    async fn settings_auth_matches_netloc() {
        let (base, server) = serve_once("200 OK", "application/json", "{}");
        let opts = LoadOptions {
            auths: vec![SourceAuth {
                netloc: base.trim_start_matches("http://").into(),
                kind: "digest".into(),
                value: "UIY".into(),
            }],
            ..LoadOptions::default()
        };
        load_with(&format!("{base}/e.json"), &opts).await.unwrap();
        let request = server.join().unwrap();
        assert_eq!(header(&request, "authorization"), Some("digest UIY"));
    }

    #[tokio::test]
    async fn bad_json_body_points_at_the_url() {
        let (base, server) = serve_once("200 OK", "application/json", "{\"a\": }");
        let url = format!("{base}/e.json");
        let err = load_with(&url, &LoadOptions::default()).await.unwrap_err();
        assert!(err.to_string().starts_with(&format!("{url}:1:7: ")), "{err}");
        server.join().unwrap();
    }

    #[tokio::test]
    async fn unreachable_server_is_a_fetch_error() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let opts = LoadOptions { timeout: Duration::from_secs(5), ..LoadOptions::default() };
        let err = load_with(&format!("http://127.0.0.1:{port}/e.json"), &opts).await.unwrap_err();
        assert!(err.to_string().starts_with("Failed to fetch the experiment: cannot reach"), "{err}");
    }

    #[test]
    fn content_type_and_extension_pick_the_parser() {
        assert_eq!(formats_for("http://h/x", "application/json; charset=utf-8"), [Format::Json]);
        assert_eq!(formats_for("http://h/x.json", "text/yaml"), [Format::Yaml]);
        assert_eq!(formats_for("http://h/x.yml?v=1", "text/html"), [Format::Yaml]);
        assert_eq!(formats_for("http://h/x", ""), [Format::Json, Format::Yaml]);
        assert_eq!(netloc("https://u@h:8443/p?q"), "u@h:8443");
    }
}
