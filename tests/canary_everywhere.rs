//! Canary secrets, from the environment and inline (YAML escaped, folded,
//! literal and `''` forms), used everywhere a run can use them — process
//! arguments echoed in one write, across two writes and across a 16 KiB
//! read, URLs (query string, path, GET arguments a dead server makes into an
//! error), headers, JSON and form bodies reflected URL-encoded by a loopback
//! server, a python probe's result, its printed output and its exception, the
//! title, next to an invalid byte — appear in no output of the session, in no
//! form: not as written, URL-encoded, JSON-escaped, base64-encoded or read as
//! Latin-1. Searched: every file and path the session wrote, every report
//! format, stderr and stdout, `gameday sessions`, `watch --follow-lines` and
//! `--follow-json`, and the bodies the webhook received; and, for a run in
//! the console, the console's and a watcher's screens (tmux `capture-pane`,
//! taken over and over while the run goes on, scroll-back included).
mod common;
mod e2e;

use common::server::TestServer;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

const AWS: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY+EXAMPLEKEY";
const TOK: &str = "S3cr3tTokABCDEFGH";
const UNI: &str = "pässwörd-ünï-42x";
const FOLDED: &str = "folded-canary-5b1e words";
const LITERAL: &str = "literal-canary-8c2d";
const QUOTED: &str = "it's-a-canary-9f2";
const HOOK: &str = "T0HOOK/B0HOOK/xoxbWebhookCanary";

/// Every form of `s` an output might carry it in.
fn forms(s: &str) -> Vec<String> {
    let mut out = vec![s.to_string()];
    let pct = |keep: &dyn Fn(u8) -> bool, plus: bool| -> String {
        s.bytes()
            .map(|b| {
                if keep(b) {
                    char::from(b).to_string()
                } else if plus && b == b' ' {
                    "+".into()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    out.push(pct(&|b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b), false));
    out.push(pct(&|b: u8| b.is_ascii_alphanumeric() || b"*-._".contains(&b), true));
    let json = serde_json::to_string(s).unwrap();
    out.push(json[1..json.len() - 1].to_string());
    let ascii: String =
        s.chars().map(|c| if c.is_ascii() { c.to_string() } else { format!("\\u{:04x}", c as u32) }).collect();
    out.push(ascii);
    out.push(base64(s.as_bytes()));
    out.push(s.bytes().map(char::from).collect());
    out.sort();
    out.dedup();
    out
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            out.push(if i <= chunk.len() { char::from(A[((n >> (18 - 6 * i)) & 63) as usize]) } else { '=' });
        }
    }
    out.trim_end_matches('=').to_string()
}

fn all_secrets() -> Vec<&'static str> {
    vec![AWS, TOK, UNI, FOLDED, LITERAL, QUOTED, HOOK]
}

/// Panics naming `what` and the form when `text` holds any form of any secret.
fn assert_clean(what: &str, text: &str) {
    for secret in all_secrets() {
        for form in forms(secret) {
            assert!(!text.contains(&form), "{what} shows {secret:?} as {form:?}:\n{}", excerpt(text, &form));
        }
    }
}

fn excerpt(text: &str, form: &str) -> String {
    let at = text.find(form).unwrap_or(0);
    let chars_before = text[..at].chars().count();
    text.chars().skip(chars_before.saturating_sub(200)).take(400 + form.chars().count()).collect()
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        out.push(p.clone());
        if p.is_dir() {
            all_files(&p, out);
        }
    }
}

/// A webhook receiver on loopback: keeps every request's target and body.
fn webhook_receiver() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            keep.lock().unwrap().push(format!("{head}\n{}", String::from_utf8_lossy(&body)));
            let _ = reader.get_mut().write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    (port, seen)
}

fn experiment(base: &str, dead: &str, hook_port: u16) -> String {
    format!(
        r#"title: "Canary ${{tok}} day"
description: secrets everywhere
notify:
  webhook: "http://127.0.0.1:{hook_port}/${{hook}}"
  format: plain
  retries: 0
  headers:
    X-Hook: "${{hook}}"
configuration:
  base_url: "{base}"
  dead_url: "{dead}"
secrets:
  canary:
    aws: {{type: env, key: GD_CANARY_AWS}}
    hook: {{type: env, key: GD_CANARY_HOOK}}
    tok: "S3cr3t\x54ok\u0041BCDEFGH"
    uni: "p\xe4ssw\u00f6rd-\u00fcn\u00ef-42x"
    folded: >-
      folded-canary-5b1e
      words
    literal: |-
      literal-canary-8c2d
    quoted: 'it''s-a-canary-9f2'
steady-state-hypothesis:
  title: echo works
  probes:
    - type: probe
      name: header
      tolerance: 200
      provider: {{type: http, url: "${{base_url}}/echo", headers: {{Authorization: "Bearer ${{tok}}", X-Aws: "${{aws}}"}}}}
method:
  - type: action
    name: query
    provider: {{type: http, url: "${{base_url}}/echo?key=${{aws}}&u=${{uni}}&f=${{folded}}"}}
  - type: action
    name: get-arguments
    provider: {{type: http, url: "${{base_url}}/echo", arguments: {{aws: "${{aws}}", q: "${{quoted}}", l: "${{literal}}"}}}}
  - type: action
    name: path
    provider: {{type: http, url: "${{base_url}}/nothing/${{aws}}/${{tok}}"}}
  - type: action
    name: dead-server-error
    provider: {{type: http, url: "${{dead_url}}/x", arguments: {{aws: "${{aws}}", tok: "${{tok}}"}}}}
  - type: action
    name: json-body
    provider: {{type: http, method: POST, url: "${{base_url}}/echo", headers: {{Content-Type: application/json}}, arguments: {{aws: "${{aws}}", uni: "${{uni}}", q: "${{quoted}}"}}}}
  - type: action
    name: form-body
    provider: {{type: http, method: POST, url: "${{base_url}}/echo", arguments: {{aws: "${{aws}}", f: "${{folded}}"}}}}
  - type: action
    name: one-write
    provider: {{type: process, path: echo, arguments: ["token=${{tok}}", "${{aws}}", "${{quoted}}"]}}
  - type: action
    name: two-writes
    provider:
      type: process
      path: sh
      arguments: ["-c", "printf 'token=%s' \"$(printf %s \"$0\" | cut -c1-6)\"; sleep 0.3; printf '%s\\n' \"$(printf %s \"$0\" | cut -c7-)\"", "${{tok}}"]
  - type: action
    name: across-16k
    provider:
      type: process
      path: python3
      arguments: ["-c", "import os,sys; os.write(1, b'x' * 16375 + sys.argv[1].encode() + b'\\n' + b'y' * 16370 + sys.argv[2].encode() + b'\\n')", "${{tok}}", "${{aws}}"]
  - type: action
    name: invalid-byte
    provider:
      type: process
      path: python3
      arguments: ["-c", "import os,sys; os.write(1, sys.argv[1].encode() + b' \\xff\\n'); os.write(2, sys.argv[1].encode() + b'\\n')", "${{uni}}"]
  - type: probe
    name: python-result
    provider: {{type: python, module: os.path, func: join, arguments: {{a: "${{tok}}"}}}}
  - type: probe
    name: python-prints
    provider: {{type: python, module: builtins, func: print, arguments: {{end: "${{aws}} ${{uni}}\n"}}}}
  - type: action
    name: python-raises
    provider: {{type: python, module: os.path, func: getsize, arguments: {{filename: "/nonexistent/${{tok}}/${{aws}}"}}}}
"#
    )
}

fn gameday(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gameday"));
    c.env("GAMEDAY_DATA_DIR", data).env("GD_CANARY_AWS", AWS).env("GD_CANARY_HOOK", HOOK);
    c
}

#[test]
fn no_output_holds_a_secret_in_any_form() {
    let server = TestServer::start().unwrap();
    let dead = format!("http://127.0.0.1:{}", common::server::closed_port().unwrap());
    let (hook_port, hooks) = webhook_receiver();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let exp = dir.path().join("canary.yaml");
    std::fs::write(&exp, experiment(&server.base_url(), &dead, hook_port)).unwrap();
    let journal = dir.path().join("journal-out.json");
    let out = gameday(&data).args(["run", "--headless", "--journal-path"]).arg(&journal).arg(&exp).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(journal.is_file(), "the run did not finish: {stderr}");
    // The secrets really went out (so there was something to mask).
    let requests = server.request_log().join("\n");
    assert!(requests.contains("EXAMPLEKEY") && requests.contains("ABCDEFGH"), "{requests}");
    let hooks_seen = hooks.lock().unwrap().join("\n----\n");
    assert!(hooks_seen.contains("\"started\"") || hooks_seen.contains("started"), "no webhook arrived: {hooks_seen}");
    assert!(hooks_seen.contains("POST /T0HOOK/B0HOOK/xoxbWebhookCanary"), "the webhook URL was not substituted");
    // What the server received is not ours to check; from here on, all is.
    let hook_bodies: Vec<String> = hooks
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.split_once("\n\n").map(|(_, b)| b.to_string()).unwrap_or_default())
        .collect();
    assert_clean("a webhook body", &hook_bodies.join("\n"));
    assert_clean("stderr", &stderr);
    assert_clean("stdout", &String::from_utf8_lossy(&out.stdout));
    let mut files = vec![journal.clone()];
    all_files(&data, &mut files);
    let session = files.iter().find(|p| p.ends_with("events.jsonl")).unwrap().parent().unwrap().to_path_buf();
    for f in &files {
        assert_clean("a path", &f.display().to_string());
        if f.is_file() {
            assert_clean(&f.display().to_string(), &String::from_utf8_lossy(&std::fs::read(f).unwrap()));
        }
    }
    // The outputs were kept, masked (not dropped): the live and recorded text.
    let events = std::fs::read_to_string(session.join("events.jsonl")).unwrap();
    for masked in ["token=***", "x***\\n", "y***\\n", "*** ÿ", "/nonexistent/***/***"] {
        assert!(events.contains(masked), "no {masked:?} in events.jsonl");
    }
    for format in ["md", "html", "json"] {
        let r = gameday(&data).args(["report", "--format", format]).arg(&session).output().unwrap();
        assert!(r.status.success(), "report --format {format}: {}", String::from_utf8_lossy(&r.stderr));
        assert_clean(&format!("report --format {format}"), &String::from_utf8_lossy(&r.stdout));
    }
    let listed = gameday(&data).arg("sessions").output().unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("Canary"), "{listed:?}");
    assert_clean("gameday sessions", &String::from_utf8_lossy(&listed.stdout));
    for flag in ["--follow-lines", "--follow-json"] {
        let w = gameday(&data).args(["watch", flag]).arg(&session).output().unwrap();
        assert!(w.status.success(), "watch {flag}: {}", String::from_utf8_lossy(&w.stderr));
        assert_clean(&format!("watch {flag}"), &String::from_utf8_lossy(&w.stdout));
        assert_clean(&format!("watch {flag} stderr"), &String::from_utf8_lossy(&w.stderr));
    }
}

/// A syntax error in the secrets block names the place but shows no line of it.
#[test]
fn a_syntax_error_among_the_secrets_shows_no_excerpt() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("broken.yaml");
    std::fs::write(
        &exp,
        "title: t\ndescription: d\nsecrets:\n  canary:\n    tok: \"S3cr3tTokABCDEFGH\" x\nmethod: []\n",
    )
    .unwrap();
    let out = gameday(&dir.path().join("data")).arg("validate").arg(&exp).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("broken.yaml:5:"), "the place is not named: {stderr}");
    assert_clean("validate", &stderr);
}

/// The same canaries in a console run (every step without a question), with
/// a watcher beside it: no screen ever shows a secret in any form.
#[test]
fn no_screen_shows_a_secret_in_any_form() {
    use e2e::sandbox::{self, Sandbox};
    use e2e::tmux::Tmux;
    let server = TestServer::start().unwrap();
    let dead = format!("http://127.0.0.1:{}", common::server::closed_port().unwrap());
    let (hook_port, _hooks) = webhook_receiver();
    let sb = Sandbox::new();
    let exp = sb.path().join("canary.yaml");
    std::fs::write(&exp, experiment(&server.base_url(), &dead, hook_port)).unwrap();
    let exp_arg = exp.display().to_string();
    let env = [("GD_CANARY_AWS", AWS), ("GD_CANARY_HOOK", HOOK)];
    let console = Tmux::start("canary-console", &sb.script("run.sh", &["run", &exp_arg, "--gate", "none"], &env, ""));
    let session = sb.wait_session_dir();
    let dir = session.display().to_string();
    let watcher = Tmux::start("canary-watch", &sb.script("watch.sh", &["watch", &dir], &env, ""));
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let c = console.screen_with_history();
        seen.push_str(&c);
        seen.push_str(&watcher.screen_with_history());
        if c.contains("COMPLETED") || c.contains("DEVIATED") || c.contains("INTERRUPTED") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the run did not end:\n{c}\n{}", sandbox::dump_events(&session));
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
    // Walk the steps so each one's output is on screen once.
    for _ in 0..12 {
        console.keys(&["Down"]);
        std::thread::sleep(std::time::Duration::from_millis(120));
        seen.push_str(&console.screen());
    }
    seen.push_str(&watcher.screen_with_history());
    assert!(seen.contains("Canary"), "the title never showed:\n{seen}");
    assert_clean("the console's or the watcher's screen", &seen);
}
