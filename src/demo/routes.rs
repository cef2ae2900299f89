//! The demo service's HTTP endpoints: the "business" API that faults act on
//! (`/health`, `/api/orders`), the metrics scrape, and the admin API that
//! injects and clears faults.
use super::faults::{Caller, FaultKind, Faults};
use super::metrics::{self, Gauges, Metrics};
use super::params;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// State shared by every request and the background tick.
pub struct Shared {
    faults: Mutex<Faults>,
    metrics: Mutex<Metrics>,
    /// Cancelled when the service shuts down, so slow requests end at once.
    pub cancel: CancellationToken,
    /// Orders served so far: gives each answer fresh, predictable ids.
    served: AtomicU64,
}

impl Shared {
    pub fn new(cancel: CancellationToken) -> Shared {
        Shared {
            faults: Mutex::new(Faults::new()),
            metrics: Mutex::new(Metrics::new()),
            cancel,
            served: AtomicU64::new(0),
        }
    }

    /// The fault state. A panic elsewhere while it was held cannot leave it
    /// half-written (every update is a single call), so poisoning is ignored.
    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn metrics(&self) -> MutexGuard<'_, Metrics> {
        self.metrics.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Count and time one answered request.
    pub fn record(&self, path: &str, status: StatusCode, took: Duration) {
        self.metrics().record(path, status.as_u16(), took);
    }
}

/// Every endpoint, with request counting and timing around all of them.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/health", get(health))
        .route("/api/orders", get(orders))
        .route("/metrics", get(scrape))
        .route("/admin/faults", get(list_faults).delete(clear_faults))
        .route("/admin/faults/{kind}", post(inject))
        .route("/admin/load", post(load))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), track))
        .with_state(shared)
}

/// A JSON answer with `Content-Type: application/json` exactly, which is
/// what Chaos Toolkit's http provider needs to decode the body as JSON.
fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn unavailable() -> Response {
    json_response(StatusCode::SERVICE_UNAVAILABLE, &json!({"status": "unavailable", "reason": "outage fault injected"}))
}

async fn track(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    shared.metrics().record(&path, response.status().as_u16(), started.elapsed());
    response
}

async fn index() -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "service": "gameday demo",
            "endpoints": [
                "GET /health",
                "GET /api/orders",
                "GET /metrics",
                "GET /admin/faults",
                "DELETE /admin/faults",
                "POST /admin/faults/latency?ms=300&duration=60",
                "POST /admin/faults/errors?rate=0.5&duration=60",
                "POST /admin/faults/outage?duration=30",
                "POST /admin/faults/leak?mb_per_s=1&duration=60",
            ],
        }),
    )
}

async fn health(State(shared): State<Arc<Shared>>) -> Response {
    if shared.faults().health_down(Instant::now()) {
        return unavailable();
    }
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

/// The catalogue the orders are drawn from: (item, unit price in cents).
const CATALOGUE: [(&str, u64); 5] =
    [("coffee beans", 1250), ("oat milk", 299), ("paper filters", 450), ("grinder", 8900), ("mug", 1200)];

async fn orders(State(shared): State<Arc<Shared>>) -> Response {
    answer_orders(&shared, Caller::Client).await
}

/// The work behind `GET /api/orders`, with the faults applied; also used by
/// the simulated customers, who call it without going through HTTP.
pub async fn answer_orders(shared: &Shared, caller: Caller) -> Response {
    let verdict = shared.faults().orders_verdict(Instant::now(), caller);
    if verdict.outage {
        return unavailable();
    }
    if let Some(delay) = verdict.delay {
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shared.cancel.cancelled() => return unavailable(),
        }
    }
    if verdict.fail {
        return json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": "injected failure: the orders API failed on purpose"}),
        );
    }
    let first = shared.served.fetch_add(CATALOGUE.len() as u64, Ordering::Relaxed);
    let mut total_cents = 0;
    let list: Vec<Value> = CATALOGUE
        .iter()
        .zip(1u64..)
        .map(|(&(item, price), n)| {
            let quantity = (first + n) % 3 + 1;
            total_cents += price * quantity;
            json!({
                "id": first + n,
                "item": item,
                "quantity": quantity,
                "total": (price * quantity) as f64 / 100.0,
            })
        })
        .collect();
    json_response(
        StatusCode::OK,
        &json!({"orders": list, "count": CATALOGUE.len(), "total": total_cents as f64 / 100.0}),
    )
}

async fn scrape(State(shared): State<Arc<Shared>>) -> Response {
    let gauges = {
        let mut faults = shared.faults();
        faults.expire(Instant::now());
        Gauges {
            leaked_bytes: faults.leaked_bytes(),
            active: FaultKind::ALL.into_iter().map(|k| (k, faults.is_active(k))).collect(),
        }
    };
    let text = shared.metrics().render(&gauges);
    (StatusCode::OK, [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response()
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Response {
    let snapshot = shared.faults().snapshot(Instant::now());
    json_response(StatusCode::OK, &json!({"faults": snapshot}))
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    let cleared = shared.faults().clear(Instant::now());
    json_response(StatusCode::OK, &json!({"cleared": cleared}))
}

async fn inject(
    State(shared): State<Arc<Shared>>,
    Path(kind): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(kind) = FaultKind::from_name(&kind) else {
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": format!("no fault called '{kind}' (try latency, errors, outage or leak)")}),
        );
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let parsed = params::collect(uri.query(), content_type, &body).and_then(|pairs| params::parse(kind, &pairs));
    let (spec, duration) = match parsed {
        Ok(p) => p,
        Err(message) => return json_response(StatusCode::BAD_REQUEST, &json!({"error": message})),
    };
    let now = Instant::now();
    let mut faults = shared.faults();
    faults.inject(spec, duration, now);
    let mut described = faults.describe(kind, now).unwrap_or_else(|| json!({}));
    if let Value::Object(m) = &mut described {
        m.insert("fault".into(), json!(kind.name()));
        m.insert("duration".into(), json!(duration.as_secs_f64()));
    }
    json_response(StatusCode::OK, &described)
}

async fn not_found(uri: Uri) -> Response {
    json_response(StatusCode::NOT_FOUND, &json!({"error": format!("nothing at {}", uri.path())}))
}

/// `POST /admin/load?rps=20&seconds=30`: a load generator for a background
/// activity. It sends simulated orders requests (like the customers of
/// `traffic`, through the same handler) for the given time, then answers
/// with what those customers saw. Bounded: at most 50 requests a second and
/// 10 minutes.
async fn load(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let pairs = match params::collect(uri.query(), content_type, &body) {
        Ok(p) => p,
        Err(message) => return json_response(StatusCode::BAD_REQUEST, &json!({"error": message})),
    };
    let number = |name: &str, default: f64| -> Result<f64, String> {
        match pairs.iter().find(|(k, _)| k == name) {
            None => Ok(default),
            Some((_, v)) => v
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x > 0.0)
                .ok_or_else(|| format!("{name} must be a positive number, not '{v}'")),
        }
    };
    let (rps, seconds) = match (number("rps", 10.0), number("seconds", 30.0)) {
        (Ok(r), Ok(s)) => (r.min(50.0), s.min(600.0)),
        (Err(e), _) | (_, Err(e)) => return json_response(StatusCode::BAD_REQUEST, &json!({"error": e})),
    };
    // A tiny rate would ask for a period beyond what a Duration holds (a
    // panic); no period needs to be longer than the whole load.
    let mut interval = tokio::time::interval(Duration::from_secs_f64((1.0 / rps).min(seconds)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    while Instant::now() < deadline {
        tokio::select! {
            _ = interval.tick() => {}
            () = shared.cancel.cancelled() => break,
        }
        let shared = shared.clone();
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            let response = answer_orders(&shared, Caller::Simulated).await;
            let took = started.elapsed();
            shared.record("/api/orders", response.status(), took);
            (response.status().is_success(), took)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0usize;
    for t in tasks {
        if let Ok((ok, took)) = t.await {
            errors += usize::from(!ok);
            latencies.push(took.as_secs_f64() * 1000.0);
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let p95 = latencies.get((latencies.len() as f64 * 0.95) as usize).or(latencies.last()).copied().unwrap_or(0.0);
    json_response(
        StatusCode::OK,
        &json!({"sent": latencies.len(), "errors": errors, "p95_ms": (p95 * 10.0).round() / 10.0, "seconds": seconds}),
    )
}
