//! The HTML report opened from disk in headless Chromium (Debian package
//! `chromium`; `scripts/test` installs it): it renders, draws the SVG
//! timeline, and needs no network. The screenshot is kept under
//! `target/test-artifacts/report-screenshot.png` for people to look at.
//!
//! "No network" is checked three ways: the page carries a Content-Security-
//! Policy of `default-src 'none'` (so Chromium itself would refuse any fetch),
//! and the HTML has no external reference (`src`/`href` to http(s) or `//`,
//! no `<script>`, no `<link>`, no CSS `url(` or `@import`).
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);

fn chromium() -> PathBuf {
    for c in ["chromium", "chromium-browser"] {
        for dir in std::env::var("PATH").unwrap_or_default().split(':') {
            let p = Path::new(dir).join(c);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("Chromium is missing: install the Debian package `chromium` (apt-get install -y chromium)");
}

/// Run Chromium headless on `url` with `extra` flags; returns stdout.
fn run_chromium(url: &str, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium exited with {status}");
            break;
        }
        if start.elapsed() > CHROMIUM_TIMEOUT {
            let _ = child.kill();
            panic!("chromium did not finish within {CHROMIUM_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap()
}

fn render_html(dir: &Path) -> PathBuf {
    let session = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/report/session-fixed");
    let out = dir.join("report.html");
    let status = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("report")
        .arg(&session)
        .args(["--format", "html", "-o"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    out
}

#[test]
fn html_has_no_external_reference() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(render_html(dir.path())).unwrap();
    let lower = html.to_lowercase();
    assert!(lower.contains("content-security-policy\" content=\"default-src 'none'"));
    for forbidden in ["<script", "<link", "@import", "url(", "<iframe", "<img", "<object", "<embed"] {
        assert!(!lower.contains(forbidden), "the report contains {forbidden}");
    }
    let attr =
        regex::Regex::new(r#"(?i)\b(src|href|action|xlink:href)\s*=\s*["']?\s*(https?:|//|file:|data:)"#).unwrap();
    assert!(attr.find(&html).is_none(), "external reference: {:?}", attr.find(&html).map(|m| m.as_str()));
    // Every in-page link points at an anchor that exists.
    let href = regex::Regex::new(r##"href="#([^"]+)""##).unwrap();
    for cap in href.captures_iter(&html) {
        let id = &cap[1];
        assert!(html.contains(&format!("id=\"{id}\"")), "link to #{id} has no target");
    }
}

#[test]
fn chromium_renders_the_report_and_its_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let page = render_html(dir.path());
    let url = format!("file://{}", page.display());

    let dom = run_chromium(&url, &["--dump-dom"]);
    assert!(dom.contains("id=\"timeline-svg\""), "no SVG timeline in the DOM");
    assert!(dom.contains("class=\"band b-method\""), "no method band");
    assert!(dom.contains("class=\"stop-line\""), "no STOP line");
    assert!(dom.contains("class=\"pin k-weakness\""), "no weakness pin");
    assert!(dom.contains("Interrupted: the Game Day was stopped"), "no verdict");

    let png = dir.path().join("report.png");
    run_chromium(&url, &[&format!("--screenshot={}", png.display()), "--window-size=1200,1600"]);
    let bytes = std::fs::read(&png).expect("chromium wrote no screenshot");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // A blank 1200x1600 page compresses to a few kilobytes; a rendered report is far larger.
    assert!(bytes.len() > 40_000, "screenshot looks empty ({} bytes)", bytes.len());
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::copy(&png, artifacts.join("report-screenshot.png")).unwrap();
}
