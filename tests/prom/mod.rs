//! A real Prometheus server for integration tests: Debian's `prometheus`
//! binary on 127.0.0.1 with a free port, a throw-away config and data
//! directory, scraping one target every second. Killed when dropped.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A Debian tool the tests need, from the environment variable `env` or
/// PATH; panics (the test fails, never skips) when it is not installed.
pub fn tool(name: &str, env: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!(
            "the `{name}` binary is missing: install it (`apt-get install {name}`, \
             which ./scripts/test does) or point {env} at it"
        )
    })
}

/// The Prometheus binary (`GAMEDAY_PROMETHEUS` or PATH).
pub fn binary() -> PathBuf {
    tool("prometheus", "GAMEDAY_PROMETHEUS")
}

/// The demo with simulated traffic and a Prometheus that has scraped it
/// (`up == 1`), with a scratch directory for the test's files.
pub struct Lab {
    // Field order is drop order: Prometheus dies before the demo stops.
    pub prom: Prometheus,
    pub demo: gameday::demo::DemoService,
    _rt: tokio::runtime::Runtime,
    pub dir: tempfile::TempDir,
}

impl Lab {
    pub fn start() -> Lab {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let options = gameday::demo::DemoOptions { port: None, traffic_per_s: 20 };
        let demo = rt.block_on(gameday::demo::start_with(options)).unwrap();
        let prom = Prometheus::start(&demo.addr.to_string());
        prom.wait_until("Prometheus to scrape the demo (up == 1)", Duration::from_secs(30), |p| {
            p.value("up{job=\"demo\"}") == Some(1.0)
        });
        Lab { prom, demo, _rt: rt, dir: tempfile::tempdir().unwrap() }
    }
}

/// A free port on 127.0.0.1 (free when asked; the race is accepted in tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct Prometheus {
    child: Child,
    pub url: String,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// Start Prometheus scraping `target` (`host:port`, path `/metrics`)
    /// every second, and wait (bounded) until it answers queries.
    pub fn start(target: &str) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: demo\n    metrics_path: /metrics\n    \
                 static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let log = dir.path().join("prometheus.log");
        let port = free_port();
        let child = Command::new(binary())
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let prom = Prometheus { child, url: format!("http://127.0.0.1:{port}"), _dir: dir, log };
        prom.wait_until("Prometheus to be ready", Duration::from_secs(30), |p| {
            p.get("/-/ready").is_some_and(|(status, _)| status == 200)
        });
        prom
    }

    /// What Prometheus logged so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A blocking GET on Prometheus: (status, body), or None if unreachable.
    pub fn get(&self, path_and_query: &str) -> Option<(u16, String)> {
        http_get::get(&format!("{}{path_and_query}", self.url))
    }

    /// An instant query's decoded answer.
    pub fn query(&self, promql: &str) -> Option<serde_json::Value> {
        let q = url::form_urlencoded::byte_serialize(promql.as_bytes()).collect::<String>();
        let (_, body) = self.get(&format!("/api/v1/query?query={q}"))?;
        serde_json::from_str(&body).ok()
    }

    /// The single value of an instant query, as a float.
    pub fn value(&self, promql: &str) -> Option<f64> {
        let v = self.query(promql)?;
        let result = &v["data"]["result"];
        let text = match v["data"]["resultType"].as_str()? {
            "scalar" => result[1].as_str()?.to_string(),
            "vector" => result.get(0)?["value"][1].as_str()?.to_string(),
            _ => return None,
        };
        text.parse().ok()
    }

    /// Poll `ready` every 200 ms until it holds; panics with Prometheus'
    /// log after `limit`.
    pub fn wait_until(&self, what: &str, limit: Duration, ready: impl Fn(&Prometheus) -> bool) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if ready(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("timed out after {limit:?} waiting for {what}; Prometheus log:\n{}", self.log());
    }
}

/// A minimal blocking HTTP GET over std (reqwest's blocking client is not
/// enabled in this crate): HTTP/1.0, the whole body until the server closes.
pub mod http_get {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    pub fn get(url: &str) -> Option<(u16, String)> {
        let rest = url.strip_prefix("http://")?;
        let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
        let addr = host.parse().ok()?;
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").ok()?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).ok()?;
        let text = String::from_utf8_lossy(&buf).into_owned();
        let (head, body) = text.split_once("\r\n\r\n")?;
        let status = head.split_whitespace().nth(1)?.parse().ok()?;
        Some((status, body.to_string()))
    }
}
