//! The demo service's metrics, rendered in the Prometheus text exposition
//! format (version 0.0.4), so that a `prometheus` probe or a real Prometheus
//! can scrape it during a drill.
//!
//! Label values are always one of a fixed set (known paths, "other"), so the
//! number of series stays bounded whatever clients send.
use super::faults::FaultKind;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds (Prometheus's defaults).
pub const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The `Content-Type` of a Prometheus text exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The paths that get their own label value; anything else is "other".
const KNOWN_PATHS: [&str; 9] = [
    "/health",
    "/api/orders",
    "/metrics",
    "/admin/faults",
    "/admin/faults/latency",
    "/admin/faults/errors",
    "/admin/faults/outage",
    "/admin/faults/leak",
    "/",
];

/// The label value for a request path.
pub fn path_label(path: &str) -> &'static str {
    KNOWN_PATHS.into_iter().find(|p| *p == path).unwrap_or("other")
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Per-bucket counts (not cumulative); the last slot is above every bound.
    counts: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        let slot = BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(BUCKETS.len());
        self.counts[slot] += 1;
        self.sum += seconds;
        self.count += 1;
    }
}

/// Request counts and latencies, by path (and status for the counter).
#[derive(Debug, Default)]
pub struct Metrics {
    requests: BTreeMap<(&'static str, u16), u64>,
    durations: BTreeMap<&'static str, Histogram>,
}

/// Values read from the fault state at scrape time.
pub struct Gauges {
    pub leaked_bytes: u64,
    pub active: Vec<(FaultKind, bool)>,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    pub fn record(&mut self, path: &str, status: u16, took: Duration) {
        let label = path_label(path);
        *self.requests.entry((label, status)).or_insert(0) += 1;
        self.durations.entry(label).or_default().observe(took.as_secs_f64());
    }

    /// The whole exposition, ending with a newline as the format requires.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail; the results are ignored on purpose.
        let _ = writeln!(
            out,
            "# HELP demo_http_requests_total HTTP requests answered by the demo service, by path and status code."
        );
        let _ = writeln!(out, "# TYPE demo_http_requests_total counter");
        for ((path, status), n) in &self.requests {
            let _ = writeln!(out, "demo_http_requests_total{{path=\"{path}\",status=\"{status}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP demo_http_request_duration_seconds Time taken to answer HTTP requests, by path.");
        let _ = writeln!(out, "# TYPE demo_http_request_duration_seconds histogram");
        for (path, h) in &self.durations {
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += h.counts[i];
                let _ = writeln!(
                    out,
                    "demo_http_request_duration_seconds_bucket{{path=\"{path}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ =
                writeln!(out, "demo_http_request_duration_seconds_bucket{{path=\"{path}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "demo_http_request_duration_seconds_sum{{path=\"{path}\"}} {}", h.sum);
            let _ = writeln!(out, "demo_http_request_duration_seconds_count{{path=\"{path}\"}} {}", h.count);
        }
        let _ = writeln!(out, "# HELP demo_leaked_bytes Memory held by the leak fault, in bytes.");
        let _ = writeln!(out, "# TYPE demo_leaked_bytes gauge");
        let _ = writeln!(out, "demo_leaked_bytes {}", gauges.leaked_bytes);
        let _ = writeln!(out, "# HELP demo_fault_active Whether a fault is being injected (1) or not (0).");
        let _ = writeln!(out, "# TYPE demo_fault_active gauge");
        for (kind, on) in &gauges.active {
            let _ = writeln!(out, "demo_fault_active{{fault=\"{}\"}} {}", kind.name(), u8::from(*on));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_ends_with_the_count() {
        let mut m = Metrics::new();
        m.record("/health", 200, Duration::from_millis(1));
        m.record("/health", 200, Duration::from_millis(300));
        m.record("/health", 503, Duration::from_secs(20));
        m.record("/nope?x", 404, Duration::from_millis(1));
        let text = m.render(&Gauges { leaked_bytes: 7, active: vec![(FaultKind::Leak, true)] });
        assert!(text.contains("demo_http_requests_total{path=\"/health\",status=\"200\"} 2\n"));
        assert!(text.contains("demo_http_requests_total{path=\"other\",status=\"404\"} 1\n"));
        assert!(text.contains("demo_http_request_duration_seconds_bucket{path=\"/health\",le=\"0.005\"} 1\n"));
        assert!(text.contains("demo_http_request_duration_seconds_bucket{path=\"/health\",le=\"0.5\"} 2\n"));
        assert!(text.contains("demo_http_request_duration_seconds_bucket{path=\"/health\",le=\"10\"} 2\n"));
        assert!(text.contains("demo_http_request_duration_seconds_bucket{path=\"/health\",le=\"+Inf\"} 3\n"));
        assert!(text.contains("demo_http_request_duration_seconds_count{path=\"/health\"} 3\n"));
        assert!(text.contains("demo_leaked_bytes 7\n"));
        assert!(text.contains("demo_fault_active{fault=\"leak\"} 1\n"));
        assert!(text.ends_with('\n'));
    }
}
