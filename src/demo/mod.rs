//! The embedded demo service behind `gameday demo`.
//!
//! A small HTTP service on 127.0.0.1 that a Game Day can break on purpose,
//! so the console can be tried with nothing but the binary:
//!
//! - `GET /health`: `{"status":"ok"}`, or 503 during an outage;
//! - `GET /api/orders`: a small JSON list, slowed by a latency fault, failed
//!   (500) by an error-rate fault, refused (503) by an outage;
//! - `GET /metrics`: Prometheus text format (request counter, latency
//!   histogram, leaked bytes, active faults);
//! - `POST /admin/faults/{latency,errors,outage,leak}` with `ms`, `rate`,
//!   `mb_per_s` and `duration` (seconds, default 60) in the query string,
//!   a form body or a JSON body; `GET /admin/faults` lists the active faults
//!   with the seconds they have left; `DELETE /admin/faults` clears them all.
//!
//! Every fault ends by itself at its deadline: requests check it, and a
//! background tick (which also grows the leak, capped at 64 MiB) drops it
//! even when no request comes.
//!
//! Optionally, simulated customers send a few orders requests a second
//! (in-process) so the metrics move during a drill; see [`DemoOptions`].
mod faults;
mod metrics;
mod params;
mod routes;
mod traffic;

pub use faults::LEAK_CAP_BYTES;

use routes::Shared;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The bundled Game Day playbook (`playbooks/demo.yaml`), embedded so that
/// `gameday demo` needs nothing but the binary. Its `base_url` points at
/// port 8080; override it with the running service's [`DemoService::base_url`].
pub const PLAYBOOK_YAML: &str = include_str!("../../playbooks/demo.yaml");

/// The same drill as a plain Chaos Toolkit experiment
/// (`playbooks/demo-experiment.json`), runnable with `chaos run`.
pub const EXPERIMENT_JSON: &str = include_str!("../../playbooks/demo-experiment.json");

/// How often faults are expired and the leak grown when no request comes.
const TICK: Duration = Duration::from_millis(100);

/// Simulated orders requests per second for `serve_forever` (and a sensible
/// value for `gameday demo`).
pub const DEFAULT_TRAFFIC_PER_S: u32 = 5;

/// How to start the service.
#[derive(Debug, Clone, Copy, Default)]
pub struct DemoOptions {
    /// Port on 127.0.0.1; `None` picks a free one.
    pub port: Option<u16>,
    /// Simulated orders requests per second (capped at 50); 0 for none, which
    /// keeps every metric exactly equal to what clients did.
    pub traffic_per_s: u32,
}

/// How long a shutdown waits for open connections before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// A running demo service. Dropping it asks the service to stop; call
/// [`DemoService::shutdown`] to also wait until it has.
pub struct DemoService {
    /// Where it listens (always on 127.0.0.1).
    pub addr: SocketAddr,
    cancel: CancellationToken,
    server: Option<JoinHandle<io::Result<()>>>,
    background: Vec<JoinHandle<()>>,
}

impl DemoService {
    /// `http://127.0.0.1:<port>`, the value for a playbook's `base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting requests, end slow ones, and wait (a bounded time)
    /// for the server to finish.
    pub async fn shutdown(mut self) -> io::Result<()> {
        self.cancel.cancel();
        for task in self.background.drain(..) {
            task.abort();
        }
        let Some(mut server) = self.server.take() else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(io::Error::other(format!("the demo service stopped abnormally: {join}"))),
            Err(_) => {
                server.abort();
                Ok(())
            }
        }
    }
}

impl Drop for DemoService {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Start the service on 127.0.0.1, on `port` or on a free port when `None`,
/// without simulated traffic. Must be called from inside a tokio runtime;
/// the service runs on it.
pub async fn start(port: Option<u16>) -> io::Result<DemoService> {
    start_with(DemoOptions { port, traffic_per_s: 0 }).await
}

/// Start the service with the given options (see [`start`]).
pub async fn start_with(options: DemoOptions) -> io::Result<DemoService> {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, options.port.unwrap_or(0))).await?;
    let addr = listener.local_addr()?;
    let cancel = CancellationToken::new();
    let shared = Arc::new(Shared::new(cancel.clone()));

    let mut background = vec![tokio::spawn(tick(shared.clone()))];
    if options.traffic_per_s > 0 {
        background.push(tokio::spawn(traffic::run(shared.clone(), options.traffic_per_s)));
    }
    let app = routes::router(shared);
    let stop = cancel.clone().cancelled_owned();
    let server = tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(stop).await });
    Ok(DemoService { addr, cancel, server: Some(server), background })
}

/// Expire faults and grow the leak until the service is cancelled.
async fn tick(shared: Arc<Shared>) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => shared.faults().tick(Instant::now()),
            () = shared.cancel.cancelled() => break,
        }
    }
    // Free the leak promptly even if the service object lives on.
    shared.faults().clear(Instant::now());
}

/// Run the service until Ctrl-C (for `gameday demo --serve-only`), with
/// simulated traffic, printing where it listens and how to break it.
pub async fn serve_forever(port: Option<u16>) -> io::Result<()> {
    let service = start_with(DemoOptions { port, traffic_per_s: DEFAULT_TRAFFIC_PER_S }).await?;
    let url = service.base_url();
    println!("gameday demo service listening on {url}");
    println!("  health:   curl {url}/health");
    println!("  orders:   curl {url}/api/orders");
    println!("  metrics:  curl {url}/metrics");
    println!("  faults:   curl -X POST '{url}/admin/faults/latency?ms=300&duration=60'");
    println!("            curl -X DELETE {url}/admin/faults");
    println!("Simulated customers send {DEFAULT_TRAFFIC_PER_S} orders requests a second. Press Ctrl-C to stop.");
    let waited = tokio::signal::ctrl_c().await;
    let stopped = service.shutdown().await;
    waited.and(stopped)
}
