//! HTTPS through the real binary against a loopback TLS server with a
//! self-signed certificate: `verify_tls: false` gets the answer; the default
//! (certificates checked against the system's roots) refuses the server.
//! This is the TLS stack (rustls with the ring provider) end to end.
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// Serve `connections` TLS connections on 127.0.0.1, answering each request
/// with 200 and `body` (of `content_type`); handshakes the client refuses
/// are simply dropped.
fn tls_server(connections: usize, body: &'static str, content_type: &'static str) -> u16 {
    let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let cert = CertificateDer::from(key.cert.der().to_vec());
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], private)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(tcp) = stream else { continue };
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
            let Ok(conn) = rustls::ServerConnection::new(Arc::clone(&config)) else { continue };
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            if request.is_empty() {
                continue;
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = tls.write_all(head.as_bytes());
            let _ = tls.write_all(body.as_bytes());
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    port
}

#[test]
fn https_with_and_without_certificate_checks() {
    let port = tls_server(2, "ok", "text/plain");
    let url = format!("https://127.0.0.1:{port}/health");
    let dir = tempfile::tempdir().unwrap();
    let experiment = json!({
        "title": "tls", "description": "self-signed loopback server",
        "method": [
            {"type": "probe", "name": "unchecked",
             "provider": {"type": "http", "url": url, "verify_tls": false, "timeout": 10}},
            {"type": "probe", "name": "checked",
             "provider": {"type": "http", "url": url, "timeout": 10}}
        ]
    });
    let exp = dir.path().join("tls.json");
    std::fs::write(&exp, serde_json::to_vec(&experiment).unwrap()).unwrap();
    let journal = dir.path().join("journal.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["run", "--headless", "--no-report", "--journal-path"])
        .arg(&journal)
        .arg(&exp)
        .env("GAMEDAY_DATA_DIR", dir.path().join("data"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let j: Value =
        serde_json::from_slice(&std::fs::read(&journal).unwrap()).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let run = j["run"].as_array().unwrap();
    assert_eq!(run[0]["status"], "succeeded", "{stderr}");
    assert_eq!(run[0]["output"]["status"], 200);
    assert_eq!(run[0]["output"]["body"], "ok");
    assert_eq!(run[1]["status"], "failed", "{stderr}");
    let error = run[1]["exception"].to_string().to_lowercase();
    assert!(error.contains("certificate"), "the refusal names the certificate: {error}");
}

/// `--no-verify-tls` is for loading the experiment itself from an https URL
/// (the http provider has `verify_tls`): refused by default, loaded with it.
#[test]
fn loading_an_experiment_over_https_with_and_without_checks() {
    const EXPERIMENT: &str = r#"{"title": "remote", "description": "served over TLS",
        "method": [{"type": "action", "name": "echo",
                    "provider": {"type": "process", "path": "echo", "arguments": ["remote"]}}]}"#;
    let port = tls_server(4, EXPERIMENT, "application/json");
    let url = format!("https://127.0.0.1:{port}/experiment.json");
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gameday"))
            .args(["run", "--headless", "--no-report", "--journal-path"])
            .arg(dir.path().join("journal.json"))
            .args(extra)
            .arg(&url)
            .env("GAMEDAY_DATA_DIR", dir.path().join("data"))
            .output()
            .unwrap()
    };
    let refused = run(&[]);
    let stderr = String::from_utf8_lossy(&refused.stderr).to_lowercase();
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("certificate"), "the refusal names the certificate: {stderr}");
    let loaded = run(&["--no-verify-tls"]);
    assert_eq!(loaded.status.code(), Some(0), "{}", String::from_utf8_lossy(&loaded.stderr));
    let j: Value = serde_json::from_slice(&std::fs::read(dir.path().join("journal.json")).unwrap()).unwrap();
    assert_eq!(j["run"][0]["output"]["stdout"], "remote\n");
    // `gameday validate` takes the same flag.
    let validate = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gameday"))
            .arg("validate")
            .args(extra)
            .arg(&url)
            .env("GAMEDAY_DATA_DIR", dir.path().join("data"))
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(validate(&[]), Some(1));
    assert_eq!(validate(&["--no-verify-tls"]), Some(0));
}
