//! The embedded demo service (`gameday demo`), tested from the outside over
//! real HTTP on 127.0.0.1: health, orders, every fault and its clock, the
//! metrics page read by a strict Prometheus text-format parser, and the
//! bundled experiment run by the real `chaos run`.
//!
//! Every loop and request count here is bounded; every service is started
//! in-process on a free port and shut down at the end of its test.
mod common;

use common::tools::{RunSpec, Tool, chaos_bin, run_tool};
use gameday::demo::{self, DemoOptions, DemoService, LEAK_CAP_BYTES};
use regex::Regex;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Helpers

fn client() -> reqwest::Client {
    // reqwest is built without a TLS provider of its own: gameday's builder installs one.
    gameday::net::client_builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap()
}

struct Reply {
    status: u16,
    content_type: Option<String>,
    body: String,
    took: Duration,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

async fn call(c: &reqwest::Client, method: &str, url: &str) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let started = Instant::now();
    let r = c.request(method, url).send().await.unwrap();
    let status = r.status().as_u16();
    let content_type = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
    let body = r.text().await.unwrap();
    Reply { status, content_type, body, took: started.elapsed() }
}

async fn get(c: &reqwest::Client, url: &str) -> Reply {
    call(c, "GET", url).await
}

/// POST an injection and insist it was accepted.
async fn inject(c: &reqwest::Client, svc: &DemoService, what: &str) -> Value {
    let r = call(c, "POST", &format!("{}/admin/faults/{what}", svc.base_url())).await;
    assert_eq!(r.status, 200, "injecting {what}: {}", r.body);
    r.json()
}

async fn scrape(c: &reqwest::Client, svc: &DemoService) -> Exposition {
    let r = get(c, &format!("{}/metrics", svc.base_url())).await;
    assert_eq!(r.status, 200);
    parse_exposition(&r.body).unwrap_or_else(|e| panic!("bad exposition: {e}\n{}", r.body))
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

// ---------------------------------------------------------------------------
// A strict parser for the Prometheus text exposition format 0.0.4.

#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

#[derive(Debug, Default)]
struct Family {
    kind: Option<String>,
    help: Option<String>,
    samples: Vec<Sample>,
}

#[derive(Debug, Default)]
struct Exposition {
    families: BTreeMap<String, Family>,
}

impl Exposition {
    fn value(&self, name: &str, want: &BTreeMap<String, String>) -> Option<f64> {
        self.families.values().flat_map(|f| &f.samples).find(|s| s.name == name && &s.labels == want).map(|s| s.value)
    }

    fn kind(&self, family: &str) -> Option<&str> {
        self.families.get(family)?.kind.as_deref()
    }
}

const METRIC_NAME: &str = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$";
const LABEL_NAME: &str = r"^[a-zA-Z_][a-zA-Z0-9_]*$";
const FLOAT: &str = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$";

fn parse_float(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" | "Inf" => return Ok(f64::INFINITY),
        "-Inf" => return Ok(f64::NEG_INFINITY),
        "NaN" => return Ok(f64::NAN),
        _ => {}
    }
    if !Regex::new(FLOAT).unwrap().is_match(text) {
        return Err(format!("'{text}' is not a float"));
    }
    text.parse().map_err(|e| format!("'{text}': {e}"))
}

/// HELP text: only `\\` and `\n` escapes.
fn unescape_help(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                other => return Err(format!("bad escape \\{other:?} in HELP")),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// `name{a="x",b="y"} value [timestamp]`
fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ', '\t']).ok_or_else(|| format!("no value in '{line}'"))?;
    let name = &line[..name_end];
    if !Regex::new(METRIC_NAME).unwrap().is_match(name) {
        return Err(format!("bad metric name '{name}'"));
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        let mut chars = after.char_indices().peekable();
        let label_name_re = Regex::new(LABEL_NAME).unwrap();
        let close;
        loop {
            // a label name up to '=', or the closing brace
            let start = match chars.peek() {
                Some((i, '}')) => {
                    close = *i;
                    break;
                }
                Some((i, _)) => *i,
                None => return Err(format!("unclosed labels in '{line}'")),
            };
            let mut eq = None;
            for (i, c) in chars.by_ref() {
                if c == '=' {
                    eq = Some(i);
                    break;
                }
            }
            let eq = eq.ok_or_else(|| format!("label without '=' in '{line}'"))?;
            let lname = &after[start..eq];
            if !label_name_re.is_match(lname) || lname.starts_with("__") {
                return Err(format!("bad label name '{lname}'"));
            }
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err(format!("label value of '{lname}' is not quoted"));
            }
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some((_, '"')) => break,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '"')) => value.push('"'),
                        Some((_, 'n')) => value.push('\n'),
                        other => return Err(format!("bad escape {other:?} in label value")),
                    },
                    Some((_, c)) => value.push(c),
                    None => return Err(format!("unterminated label value in '{line}'")),
                }
            }
            if labels.insert(lname.to_string(), value).is_some() {
                return Err(format!("label '{lname}' given twice"));
            }
            match chars.next() {
                Some((_, ',')) => continue,
                Some((i, '}')) => {
                    close = i;
                    break;
                }
                other => return Err(format!("expected ',' or '}}' after a label, got {other:?}")),
            }
        }
        rest = &after[close + 1..];
    }
    if !rest.starts_with([' ', '\t']) {
        return Err(format!("no blank before the value in '{line}'"));
    }
    let fields: Vec<&str> = rest.split([' ', '\t']).filter(|s| !s.is_empty()).collect();
    let value = match fields.as_slice() {
        [v] => parse_float(v)?,
        [v, ts] => {
            ts.parse::<i64>().map_err(|_| format!("bad timestamp '{ts}'"))?;
            parse_float(v)?
        }
        _ => {
            return Err(format!("expected a value and an optional timestamp in '{line}'"));
        }
    };
    Ok(Sample { name: name.to_string(), labels, value })
}

fn parse_exposition(text: &str) -> Result<Exposition, String> {
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("the exposition must end with a newline".into());
    }
    let name_re = Regex::new(METRIC_NAME).unwrap();
    let mut expo = Exposition::default();
    let mut finished: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim_start_matches([' ', '\t']);
            let mut parts = comment.splitn(3, [' ', '\t']);
            let keyword = parts.next().unwrap_or("");
            if keyword != "HELP" && keyword != "TYPE" {
                continue; // a plain comment
            }
            let name = parts.next().ok_or("HELP/TYPE without a metric name")?;
            if !name_re.is_match(name) {
                return Err(format!("bad metric name '{name}' in {keyword}"));
            }
            let rest = parts.next().unwrap_or("");
            let family = expo.families.entry(name.to_string()).or_default();
            if keyword == "HELP" {
                if family.help.replace(unescape_help(rest)?).is_some() {
                    return Err(format!("two HELP lines for {name}"));
                }
            } else {
                if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&rest) {
                    return Err(format!("unknown TYPE '{rest}' for {name}"));
                }
                if !family.samples.is_empty() {
                    return Err(format!("TYPE of {name} comes after its samples"));
                }
                if family.kind.replace(rest.to_string()).is_some() {
                    return Err(format!("two TYPE lines for {name}"));
                }
            }
            continue;
        }
        let sample = parse_sample(line)?;
        // Which family the sample belongs to.
        let family_name = if expo.families.get(&sample.name).is_some_and(|f| f.kind.is_some()) {
            sample.name.clone()
        } else {
            ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| {
                    let base = sample.name.strip_suffix(suffix)?;
                    let kind = expo.families.get(base)?.kind.as_deref()?;
                    (kind == "histogram" || (kind == "summary" && *suffix != "_bucket")).then(|| base.to_string())
                })
                .unwrap_or_else(|| sample.name.clone())
        };
        if current.as_deref() != Some(family_name.as_str()) {
            if finished.contains(&family_name) {
                return Err(format!("the samples of {family_name} are not grouped together"));
            }
            if let Some(prev) = current.replace(family_name.clone()) {
                finished.push(prev);
            }
        }
        let key = format!("{}{:?}", sample.name, sample.labels);
        if !seen.insert(key.clone()) {
            return Err(format!("duplicate series {key}"));
        }
        let family = expo.families.entry(family_name.clone()).or_default();
        match family.kind.as_deref() {
            Some("counter") if sample.value.is_nan() || sample.value < 0.0 => {
                return Err(format!("counter {key} is negative or NaN"));
            }
            Some("histogram") if sample.name == family_name => {
                return Err(format!("histogram {family_name} has a bare sample"));
            }
            _ => {}
        }
        family.samples.push(sample);
    }
    for (name, family) in &expo.families {
        if family.kind.as_deref() == Some("histogram") {
            check_histogram(name, family)?;
        }
    }
    Ok(expo)
}

/// Buckets in increasing `le` order, cumulative counts, ending with `+Inf`
/// equal to `_count`, with a `_sum` and a `_count` for every label set.
fn check_histogram(name: &str, family: &Family) -> Result<(), String> {
    let mut groups: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut counts: BTreeMap<String, f64> = BTreeMap::new();
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    for s in &family.samples {
        let mut rest = s.labels.clone();
        let le = rest.remove("le");
        let key = format!("{rest:?}");
        if s.name == format!("{name}_bucket") {
            let le = le.ok_or_else(|| format!("{name}_bucket without le"))?;
            groups.entry(key).or_default().push((parse_float(&le)?, s.value));
        } else if le.is_some() {
            return Err(format!("{} must not have an le label", s.name));
        } else if s.name == format!("{name}_count") {
            counts.insert(key, s.value);
        } else {
            sums.insert(key, s.value);
        }
    }
    if groups.is_empty() && (!counts.is_empty() || !sums.is_empty()) {
        return Err(format!("{name} has _count/_sum but no buckets"));
    }
    for (key, buckets) in &groups {
        for w in buckets.windows(2) {
            if w[0].0.is_nan() || w[1].0.is_nan() || w[0].0 >= w[1].0 {
                return Err(format!("{name}{key}: le not increasing ({} then {})", w[0].0, w[1].0));
            }
            if w[1].1 < w[0].1 {
                return Err(format!("{name}{key}: buckets not cumulative"));
            }
        }
        let (last_le, last_count) = buckets[buckets.len() - 1];
        if last_le != f64::INFINITY {
            return Err(format!("{name}{key}: the last bucket is not +Inf"));
        }
        if counts.get(key) != Some(&last_count) {
            return Err(format!("{name}{key}: +Inf bucket differs from _count"));
        }
        if !sums.contains_key(key) {
            return Err(format!("{name}{key}: no _sum"));
        }
    }
    Ok(())
}

#[test]
fn the_prometheus_parser_is_strict() {
    let good = "# HELP h Some help.\n# TYPE h histogram\n\
                h_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.3\nh_count 2\n\
                # TYPE c counter\nc{a=\"x\\\"y\",b=\"z\",} 1e3 1700000000\n";
    let expo = parse_exposition(good).unwrap();
    assert_eq!(expo.value("c", &labels(&[("a", "x\"y"), ("b", "z")])), Some(1000.0));
    let bad = [
        ("no final newline", "# TYPE c counter\nc 1"),
        ("bad name", "1c 1\n"),
        ("bad label name", "c{1a=\"x\"} 1\n"),
        ("unquoted label", "c{a=x} 1\n"),
        ("bad value", "c 1,5\n"),
        ("negative counter", "# TYPE c counter\nc -1\n"),
        ("unknown type", "# TYPE c countr\nc 1\n"),
        ("type after sample", "c 1\n# TYPE c counter\n"),
        ("ungrouped", "# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x=\"1\"} 2\n"),
        ("duplicate", "a 1\na 2\n"),
        ("not cumulative", "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"),
        ("no +Inf", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"),
        ("+Inf differs from count", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n"),
        (
            "le not increasing",
            "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        ),
    ];
    for (why, text) in bad {
        assert!(parse_exposition(text).is_err(), "accepted ({why}): {text}");
    }
}

// ---------------------------------------------------------------------------
// The service

#[tokio::test]
async fn health_orders_and_admin_answer_json() {
    let svc = demo::start(None).await.unwrap();
    assert!(svc.addr.ip().is_loopback());
    let c = client();
    let base = svc.base_url();

    let r = get(&c, &format!("{base}/health")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    assert_eq!(r.json(), json!({"status": "ok"}));

    let r = get(&c, &format!("{base}/api/orders")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    let orders = r.json();
    assert_eq!(orders["count"], json!(5));
    assert_eq!(orders["orders"].as_array().unwrap().len(), 5);

    let r = get(&c, &format!("{base}/admin/faults")).await;
    assert_eq!(r.json(), json!({"faults": {}}));
    assert_eq!(get(&c, &format!("{base}/nowhere")).await.status, 404);
    // Injections are POSTs only.
    assert_eq!(get(&c, &format!("{base}/admin/faults/latency")).await.status, 405);
    svc.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_given_port_is_used_and_shutdown_frees_it() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let svc = demo::start(Some(port)).await.unwrap();
    assert_eq!(svc.addr.port(), port);
    assert_eq!(get(&client(), &format!("{}/health", svc.base_url())).await.status, 200);
    svc.shutdown().await.unwrap();
    // The port can be bound again once the service is gone.
    let again = demo::start(Some(port)).await.unwrap();
    again.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_injections_are_refused_with_a_reason() {
    let svc = demo::start(None).await.unwrap();
    let c = client();
    let base = svc.base_url();
    for (path, status) in [
        ("errors?rate=2", 400),
        ("errors", 400),
        ("latency?ms=abc", 400),
        ("latency?ms=300&duration=0", 400),
        ("leak?mb_per_s=1000", 400),
        ("outage?durration=5", 400),
        ("explode", 404),
    ] {
        let r = call(&c, "POST", &format!("{base}/admin/faults/{path}")).await;
        assert_eq!(r.status, status, "{path}: {}", r.body);
        assert!(r.json()["error"].as_str().is_some_and(|m| !m.is_empty()), "{path}");
    }
    // Nothing was injected.
    assert_eq!(get(&c, &format!("{base}/admin/faults")).await.json(), json!({"faults": {}}));
    svc.shutdown().await.unwrap();
}

#[tokio::test]
async fn latency_fault_adds_the_delay_to_orders() {
    let svc = demo::start(None).await.unwrap();
    let c = client();
    let orders = format!("{}/api/orders", svc.base_url());
    let mut baseline = Duration::ZERO;
    for _ in 0..5 {
        let r = get(&c, &orders).await;
        assert_eq!(r.status, 200);
        baseline += r.took;
    }
    let answer = inject(&c, &svc, "latency?ms=300&duration=30").await;
    assert_eq!(answer["fault"], json!("latency"));
    assert_eq!(answer["ms"], json!(300));

    let mut slowed = Duration::ZERO;
    for _ in 0..5 {
        let r = get(&c, &orders).await;
        assert_eq!(r.status, 200, "latency alone must not fail requests");
        assert!(r.took >= Duration::from_millis(300), "took {:?}", r.took);
        assert!(r.took < Duration::from_millis(1300), "took {:?}", r.took);
        slowed += r.took;
    }
    let added_ms = (slowed.as_secs_f64() - baseline.as_secs_f64()) / 5.0 * 1000.0;
    assert!((290.0..700.0).contains(&added_ms), "added {added_ms} ms on average");

    // Health is not slowed: it is the cheap liveness check.
    let r = get(&c, &format!("{}/health", svc.base_url())).await;
    assert!(r.took < Duration::from_millis(300), "health took {:?}", r.took);

    // The histogram saw the slow requests.
    let expo = scrape(&c, &svc).await;
    let slow_le = labels(&[("path", "/api/orders"), ("le", "0.25")]);
    let all_le = labels(&[("path", "/api/orders"), ("le", "+Inf")]);
    let fast = expo.value("demo_http_request_duration_seconds_bucket", &slow_le).unwrap();
    let all = expo.value("demo_http_request_duration_seconds_bucket", &all_le).unwrap();
    assert_eq!(all, 10.0);
    assert!(fast <= 5.0, "{fast} requests under 0.25 s");
    svc.shutdown().await.unwrap();
}

#[tokio::test]
async fn error_rate_is_measured_within_tolerance() {
    let svc = demo::start(None).await.unwrap();
    let c = client();
    let orders = format!("{}/api/orders", svc.base_url());
    for (rate, n) in [(0.25, 200usize), (0.5, 100)] {
        inject(&c, &svc, &format!("errors?rate={rate}&duration=60")).await;
        let mut failed = 0;
        for i in 0..n {
            let r = get(&c, &orders).await;
            match r.status {
                500 => {
                    failed += 1;
                    assert_eq!(r.content_type.as_deref(), Some("application/json"));
                    assert!(r.json()["error"].is_string());
                }
                200 => assert!(i > 0, "the first request after injection must fail"),
                other => panic!("unexpected status {other}"),
            }
        }
        let expected = rate * n as f64;
        let tolerance = 0.1 * n as f64;
        assert!((failed as f64 - expected).abs() <= tolerance, "rate {rate}: {failed} of {n} failed");
    }
    // The counter agrees with what the client saw: 50 + 50 injected failures.
    let expo = scrape(&c, &svc).await;
    let fails = expo.value("demo_http_requests_total", &labels(&[("path", "/api/orders"), ("status", "500")]));
    let oks = expo.value("demo_http_requests_total", &labels(&[("path", "/api/orders"), ("status", "200")]));
    assert_eq!(fails, Some(100.0));
    assert_eq!(oks, Some(200.0));
    svc.shutdown().await.unwrap();
}

#[tokio::test]
async fn outage_answers_503_but_metrics_and_admin_stay_up() {
    let svc = demo::start(None).await.unwrap();
    let c = client();
    let base = svc.base_url();
    inject(&c, &svc, "outage?duration=30").await;
    for path in ["/health", "/api/orders"] {
        let r = get(&c, &format!("{base}{path}")).await;
        assert_eq!(r.status, 503, "{path}");
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
    }
    let faults = get(&c, &format!("{base}/admin/faults")).await.json();
    let left = faults["faults"]["outage"]["seconds_left"].as_f64().unwrap();
    assert!(left > 25.0 && left <= 30.0, "{left}");
    let expo = scrape(&c, &svc).await;
    assert_eq!(expo.value("demo_fault_active", &labels(&[("fault", "outage")])), Some(1.0));
    assert_eq!(expo.value("demo_http_requests_total", &labels(&[("path", "/health"), ("status", "503")])), Some(1.0));
    svc.shutdown().await.unwrap();
}

/// Poll (bounded) until `/admin/faults` is empty; returns how long it took.
async fn wait_until_no_faults(c: &reqwest::Client, svc: &DemoService) -> Duration {
    let started = Instant::now();
    for _ in 0..40 {
        let r = get(c, &format!("{}/admin/faults", svc.base_url())).await;
        if r.json() == json!({"faults": {}}) {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("faults still active after 4 s");
}

#[tokio::test]
async fn each_fault_clears_itself_after_its_duration() {
    let svc = demo::start(None).await.unwrap();
    let c = client();
    let base = svc.base_url();
    for what in
        ["latency?ms=1500&duration=1", "errors?rate=1&duration=1", "outage?duration=1", "leak?mb_per_s=4&duration=1"]
    {
        let injected_at = Instant::now();
        let answer = inject(&c, &svc, what).await;
        let left = answer["seconds_left"].as_f64().unwrap();
        assert!(left > 0.5 && left <= 1.0, "{what}: {left}");
        let kind = answer["fault"].as_str().unwrap().to_string();
        let expo = scrape(&c, &svc).await;
        assert_eq!(expo.value("demo_fault_active", &labels(&[("fault", &kind)])), Some(1.0), "{what}");
        if kind == "leak" {
            // Let the leak grow a little (4 MiB/s) before it ends.
            tokio::time::sleep(Duration::from_millis(600)).await;
            let held = scrape(&c, &svc).await.value("demo_leaked_bytes", &labels(&[]));
            assert!(held.is_some_and(|b| b >= 1024.0 * 1024.0), "{held:?}");
        }
        wait_until_no_faults(&c, &svc).await;
        let gone_after = injected_at.elapsed();
        assert!(gone_after >= Duration::from_millis(950), "{what} ended after {gone_after:?}");

        // The service is back to normal.
        let h = get(&c, &format!("{base}/health")).await;
        assert_eq!(h.status, 200, "{what}");
        let o = get(&c, &format!("{base}/api/orders")).await;
        assert_eq!(o.status, 200, "{what}");
        assert!(o.took < Duration::from_millis(1000), "{what}: {:?}", o.took);
        let expo = scrape(&c, &svc).await;
        assert_eq!(expo.value("demo_fault_active", &labels(&[("fault", &kind)])), Some(0.0));
        assert_eq!(expo.value("demo_leaked_bytes", &labels(&[])), Some(0.0));
    }
    svc.shutdown().await.unwrap();
}

#[tokio::test]
async fn delete_clears_every_fault_at_once() {
    let svc = demo::start(None).await.unwrap();
    let c = client();
    let base = svc.base_url();
    inject(&c, &svc, "latency?ms=2000&duration=60").await;
    inject(&c, &svc, "errors?rate=1&duration=60").await;
    inject(&c, &svc, "leak?mb_per_s=8&duration=60").await;
    inject(&c, &svc, "outage?duration=60").await;
    let listed = get(&c, &format!("{base}/admin/faults")).await.json();
    assert_eq!(listed["faults"].as_object().unwrap().len(), 4);

    let r = call(&c, "DELETE", &format!("{base}/admin/faults")).await;
    assert_eq!(r.status, 200);
    let mut cleared: Vec<String> = serde_json::from_value(r.json()["cleared"].clone()).unwrap();
    cleared.sort();
    assert_eq!(cleared, ["errors", "latency", "leak", "outage"]);

    assert_eq!(get(&c, &format!("{base}/admin/faults")).await.json(), json!({"faults": {}}));
    assert_eq!(get(&c, &format!("{base}/health")).await.status, 200);
    let o = get(&c, &format!("{base}/api/orders")).await;
    assert_eq!(o.status, 200);
    assert!(o.took < Duration::from_millis(1000), "{:?}", o.took);
    let expo = scrape(&c, &svc).await;
    for kind in ["latency", "errors", "outage", "leak"] {
        assert_eq!(expo.value("demo_fault_active", &labels(&[("fault", kind)])), Some(0.0));
    }
    assert_eq!(expo.value("demo_leaked_bytes", &labels(&[])), Some(0.0));
    // Clearing when nothing is active is fine too.
    let r = call(&c, "DELETE", &format!("{base}/admin/faults")).await;
    assert_eq!(r.json(), json!({"cleared": []}));
    svc.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_leak_is_capped() {
    let svc = demo::start(None).await.unwrap();
    let c = client();
    // 64 MiB/s reaches the cap after one second; wait a bounded 1.5 s more.
    inject(&c, &svc, "leak?mb_per_s=64&duration=10").await;
    let mut held = 0.0;
    for _ in 0..25 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        held = scrape(&c, &svc).await.value("demo_leaked_bytes", &labels(&[])).unwrap();
        assert!(held <= LEAK_CAP_BYTES as f64, "{held}");
        if held == LEAK_CAP_BYTES as f64 {
            break;
        }
    }
    assert_eq!(held, LEAK_CAP_BYTES as f64);
    let faults = get(&c, &format!("{}/admin/faults", svc.base_url())).await.json();
    assert_eq!(faults["faults"]["leak"]["leaked_bytes"], json!(LEAK_CAP_BYTES));
    call(&c, "DELETE", &format!("{}/admin/faults", svc.base_url())).await;
    let held = scrape(&c, &svc).await.value("demo_leaked_bytes", &labels(&[]));
    assert_eq!(held, Some(0.0));
    svc.shutdown().await.unwrap();
}

#[tokio::test]
async fn injections_accept_form_and_json_bodies() {
    // Chaos Toolkit sends `arguments` of a POST as a form, or as JSON with
    // the exact `Content-Type: application/json` header.
    let svc = demo::start(None).await.unwrap();
    let c = client();
    let base = svc.base_url();
    let r =
        c.post(format!("{base}/admin/faults/latency")).form(&[("ms", "120"), ("duration", "30")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .post(format!("{base}/admin/faults/errors"))
        .header("Content-Type", "application/json")
        .body(r#"{"rate": 0.5, "duration": 30}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let faults = get(&c, &format!("{base}/admin/faults")).await.json();
    assert_eq!(faults["faults"]["latency"]["ms"], json!(120));
    assert_eq!(faults["faults"]["errors"]["rate"], json!(0.5));
    svc.shutdown().await.unwrap();
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text() {
    let svc = demo::start(None).await.unwrap();
    let c = client();
    let base = svc.base_url();
    for _ in 0..3 {
        get(&c, &format!("{base}/health")).await;
        get(&c, &format!("{base}/api/orders")).await;
    }
    get(&c, &format!("{base}/no/such/path")).await;
    inject(&c, &svc, "errors?rate=1&duration=30").await;
    get(&c, &format!("{base}/api/orders")).await;

    let r = get(&c, &format!("{base}/metrics")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type.as_deref(), Some("text/plain; version=0.0.4; charset=utf-8"));
    let expo = parse_exposition(&r.body).unwrap_or_else(|e| panic!("{e}\n{}", r.body));
    assert_eq!(expo.kind("demo_http_requests_total"), Some("counter"));
    assert_eq!(expo.kind("demo_http_request_duration_seconds"), Some("histogram"));
    assert_eq!(expo.kind("demo_leaked_bytes"), Some("gauge"));
    assert_eq!(expo.kind("demo_fault_active"), Some("gauge"));
    for family in expo.families.values() {
        assert!(family.help.as_deref().is_some_and(|h| !h.is_empty()));
    }
    let count = |path: &str, status: &str| {
        expo.value("demo_http_requests_total", &labels(&[("path", path), ("status", status)]))
    };
    assert_eq!(count("/health", "200"), Some(3.0));
    assert_eq!(count("/api/orders", "200"), Some(3.0));
    assert_eq!(count("/api/orders", "500"), Some(1.0));
    assert_eq!(count("other", "404"), Some(1.0), "unknown paths share one label");
    assert_eq!(count("/admin/faults/errors", "200"), Some(1.0));
    // Every request counted is also timed.
    let histogram_count = expo.value("demo_http_request_duration_seconds_count", &labels(&[("path", "/api/orders")]));
    assert_eq!(histogram_count, Some(4.0));
    assert_eq!(expo.value("demo_fault_active", &labels(&[("fault", "errors")])), Some(1.0));
    assert_eq!(expo.value("demo_fault_active", &labels(&[("fault", "latency")])), Some(0.0));
    svc.shutdown().await.unwrap();
}

#[tokio::test]
async fn simulated_customers_move_the_metrics_without_changing_what_clients_see() {
    let svc = demo::start_with(DemoOptions { port: None, traffic_per_s: 20 }).await.unwrap();
    let c = client();
    inject(&c, &svc, "errors?rate=0.5&duration=30").await;
    inject(&c, &svc, "latency?ms=50&duration=30").await;
    // At 20 requests a second, a bounded wait sees both outcomes.
    let mut counts = (None, None);
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let expo = scrape(&c, &svc).await;
        let n = |status: &str| {
            expo.value("demo_http_requests_total", &labels(&[("path", "/api/orders"), ("status", status)]))
        };
        counts = (n("200"), n("500"));
        if counts.0.is_some_and(|v| v >= 3.0) && counts.1.is_some_and(|v| v >= 3.0) {
            break;
        }
    }
    assert!(counts.0.is_some_and(|v| v >= 3.0) && counts.1.is_some_and(|v| v >= 3.0), "{counts:?}");
    // A client's first request after the injection still fails, then every other.
    let orders = format!("{}/api/orders", svc.base_url());
    let seen: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(get(&c, &orders).await.status);
        }
        v
    };
    assert_eq!(seen, [500, 200, 500, 200]);
    svc.shutdown().await.unwrap();
}

// ---------------------------------------------------------------------------
// The bundled playbooks, checked with the real Chaos Toolkit

fn chaos_validate(path: &Path, workdir: &Path) {
    let out = Command::new(chaos_bin())
        .arg("--no-version-check")
        .arg("--no-log-file")
        .arg("--settings")
        .arg(workdir.join("no-settings.yaml"))
        .arg("validate")
        .arg(path)
        .current_dir(workdir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("experiment syntax and semantic look valid"),
        "chaos validate {} failed:\n{stderr}",
        path.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_run_of_the_demo_experiment_finds_the_weakness() {
    let experiment = repo_file("playbooks/demo-experiment.json");
    let work = tempfile::tempdir().unwrap();
    chaos_validate(&experiment, work.path());

    // With simulated customers on, as `gameday demo` runs it: the weakness
    // must be found whatever the background traffic does.
    let svc = demo::start_with(DemoOptions { port: None, traffic_per_s: 20 }).await.unwrap();
    let args = vec!["--var".to_string(), format!("base_url={}", svc.base_url())];
    let cwd = work.path().to_path_buf();
    let outcome = tokio::task::spawn_blocking(move || {
        run_tool(
            Tool::Chaos,
            &RunSpec {
                experiment: &experiment,
                args: &args,
                env: &[],
                cwd: &cwd,
                signal: None,
                signal_gate: None,
                timeout: Duration::from_secs(60),
            },
        )
    })
    .await
    .unwrap();
    let tail = outcome.stderr_tail(30);
    assert_eq!(outcome.exit_code, Some(1), "chaos run: {tail}");
    let journal = outcome.journal.unwrap_or_else(|| panic!("{:?}\n{tail}", outcome.journal_error));

    assert_eq!(journal["status"], json!("completed"), "{tail}");
    assert_eq!(journal["deviated"], json!(true), "{tail}");
    let before = &journal["steady_states"]["before"];
    assert_eq!(before["steady_state_met"], json!(true));
    let after = &journal["steady_states"]["after"];
    assert_eq!(after["steady_state_met"], json!(false));
    let after_probes = after["probes"].as_array().unwrap();
    assert_eq!(after_probes.len(), 2);
    assert_eq!(after_probes[0]["output"]["status"], json!(200), "health stays up");
    assert_eq!(after_probes[1]["activity"]["name"], json!("orders-answer-200"));
    assert_eq!(after_probes[1]["output"]["status"], json!(500));
    assert_eq!(after_probes[1]["tolerance_met"], json!(false));

    let run = journal["run"].as_array().unwrap();
    let names: Vec<&str> = run.iter().map(|r| r["activity"]["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["inject-300ms-latency-into-orders", "orders-under-latency", "inject-50-percent-errors-into-orders"]
    );
    for entry in run {
        assert_eq!(entry["status"], json!("succeeded"));
        assert_eq!(entry["output"]["status"], json!(200));
    }
    assert!(run[1]["duration"].as_f64().unwrap() >= 0.3, "the latency was felt");
    assert_eq!(run[0]["output"]["body"]["ms"], json!(300), "form arguments were read");
    assert_eq!(run[2]["output"]["body"]["rate"], json!(0.5));

    let rollbacks = journal["rollbacks"].as_array().unwrap();
    assert_eq!(rollbacks.len(), 1);
    assert_eq!(rollbacks[0]["activity"]["name"], json!("clear-all-faults"));
    assert_eq!(rollbacks[0]["status"], json!("succeeded"));
    assert_eq!(rollbacks[0]["output"]["status"], json!(200));
    let mut cleared: Vec<String> = serde_json::from_value(rollbacks[0]["output"]["body"]["cleared"].clone()).unwrap();
    cleared.sort();
    assert_eq!(cleared, ["errors", "latency"]);

    // The rollback really left the service clean.
    let c = client();
    let faults = get(&c, &format!("{}/admin/faults", svc.base_url())).await.json();
    assert_eq!(faults, json!({"faults": {}}));
    svc.shutdown().await.unwrap();
}

/// The Chaos Toolkit experiment inside a Game Day playbook: the playbook
/// without its Game Day keys and manual steps.
fn experiment_part(playbook: &Value) -> Value {
    let mut doc = playbook.clone();
    let map = doc.as_object_mut().unwrap();
    for key in [
        "gameday",
        "hypothesis",
        "style",
        "objectives",
        "roles",
        "invite",
        "where",
        "when",
        "approvals",
        "preflight",
        "safeguards",
        "on_stop",
    ] {
        map.remove(key);
    }
    let method = map.get_mut("method").unwrap().as_array_mut().unwrap();
    method.retain(|a| a["type"] != json!("manual"));
    doc
}

#[test]
fn the_demo_playbook_is_a_readable_game_day_around_the_experiment() {
    let path = repo_file("playbooks/demo.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("gameday: 1\n"), "the version comes first");
    let playbook = gameday::load::load_path(&path).unwrap().doc;
    let experiment: Value =
        serde_json::from_str(&std::fs::read_to_string(repo_file("playbooks/demo-experiment.json")).unwrap()).unwrap();

    assert_eq!(playbook["gameday"], json!(1));
    assert_eq!(playbook["style"], json!("informed-in-advance"));
    assert!(playbook["hypothesis"]["statement"].is_string());
    assert!(!playbook["objectives"].as_array().unwrap().is_empty());
    assert!(playbook["roles"]["facilitator"].is_string());
    assert!(playbook["roles"]["safety_monitor"].is_string());
    assert_eq!(playbook["where"]["environment"], json!("demo"));
    assert_eq!(playbook["where"]["production"], json!(false));
    assert!(playbook["where"]["blast_radius"].is_string());
    assert_eq!(playbook["when"]["duration"], json!("20m"));
    // Readiness mixes items people tick with checks the tool runs itself.
    let preflight = playbook["preflight"].as_array().unwrap();
    assert!(preflight.iter().any(Value::is_string), "a manual readiness item");
    assert!(
        preflight.iter().any(|item| item["type"] == json!("probe") && item["tolerance"].is_number()),
        "an automated readiness check"
    );
    assert!(preflight.iter().all(|item| item.is_string() || item["type"] == json!("probe")));
    // Same target, same steady state, same rollback as the experiment.
    assert_eq!(playbook["configuration"], experiment["configuration"]);
    assert_eq!(playbook["steady-state-hypothesis"], experiment["steady-state-hypothesis"]);
    assert_eq!(playbook["rollbacks"], experiment["rollbacks"]);

    let method = playbook["method"].as_array().unwrap();
    let manual: Vec<&Value> = method.iter().filter(|a| a["type"] == json!("manual")).collect();
    assert!(manual.len() >= 2);
    for step in manual {
        for key in ["name", "instructions", "expect", "who", "timebox"] {
            assert!(step[key].is_string(), "manual step without {key}: {step}");
        }
    }
    let automated: Vec<&Value> = method.iter().filter(|a| a["type"] != json!("manual")).collect();
    assert!(automated.iter().any(|a| a["provider"]["url"] == json!("${base_url}/admin/faults/latency")));
    assert!(automated.iter().any(|a| a["provider"]["url"] == json!("${base_url}/admin/faults/errors")));

    // What remains once the Game Day parts are removed is a valid experiment
    // for the real Chaos Toolkit.
    let work = tempfile::tempdir().unwrap();
    let stripped = work.path().join("demo-stripped.json");
    std::fs::write(&stripped, serde_json::to_string_pretty(&experiment_part(&playbook)).unwrap()).unwrap();
    chaos_validate(&stripped, work.path());
}
