//! Webhook notifications, end to end: a real session Recorder feeds the
//! notifier, and a loopback HTTP receiver (std::net) records what arrives.
//! Checks the payloads of both formats, that a stalled or failing webhook
//! never slows the recorder, that failures are reported, and that retries
//! happen and stop at the limit. Every wait is bounded.
use gameday::notify::{self, Format, NotifyConfig};
use gameday::session::event::EventBody;
use gameday::session::{Durability, EventLog, Recorder};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the receiver answers.
#[derive(Clone, Copy)]
enum Mode {
    Ok,
    Status(u16),
    /// Sleep this long before answering 200.
    Stall(Duration),
    /// Answer 500 to the first n requests, then 200.
    FailFirst(usize),
}

struct Receiver {
    url: String,
    requests: Arc<AtomicUsize>,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    fn start(mode: Mode) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        // The path stands for the secret part of a real webhook URL.
        let url = format!("http://{}/hooks/T000/SECRETPATH", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let (r, b) = (requests.clone(), bodies.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (r, b) = (r.clone(), b.clone());
                std::thread::spawn(move || serve(stream, mode, &r, &b));
            }
        });
        Receiver { url, requests, bodies }
    }

    fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }

    fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// One request per connection: read it, record it, answer per `mode`.
fn serve(stream: TcpStream, mode: Mode, requests: &AtomicUsize, bodies: &Mutex<Vec<Value>>) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut length = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let n = requests.fetch_add(1, Ordering::SeqCst);
    bodies.lock().unwrap().push(serde_json::from_slice(&body).unwrap_or(Value::Null));
    let status = match mode {
        Mode::Ok => 200,
        Mode::Status(s) => s,
        Mode::Stall(d) => {
            std::thread::sleep(d);
            200
        }
        Mode::FailFirst(k) if n < k => 500,
        Mode::FailFirst(_) => 200,
    };
    let mut stream = stream;
    let _ = write!(stream, "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

struct Session {
    rec: Recorder,
    reports: Arc<Mutex<Vec<String>>>,
    handle: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

fn config(url: &str, format: Format, timeout: Duration, retries: u32) -> NotifyConfig {
    NotifyConfig { webhook: url.into(), format, timeout, retries, headers: Vec::new() }
}

/// A recorder on a fresh log with a notifier subscribed to it.
fn session(cfg: NotifyConfig) -> Session {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::create(&dir.path().join("events.jsonl"), Durability::Checkpoints).unwrap();
    let rec = Recorder::new(log);
    rec.set_secrets(vec!["s3cr3t".into()]);
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let handle = notify::spawn(rec.subscribe(), cfg, "Checkout drill".into(), "20260101-abc".into(), move |m| {
        sink.lock().unwrap().push(m)
    });
    Session { rec, reports, handle, _dir: dir }
}

fn started() -> EventBody {
    EventBody::SessionStarted {
        experiment: json!({"title": "Checkout drill"}),
        source: "drill.yaml".into(),
        mode: "console".into(),
        platform: "Linux".into(),
        node: "lab-1".into(),
        facilitator: Some("alice".into()),
        argv: vec![],
        cwd: String::new(),
        source_sha256: None,
    }
}

fn observation(id: u64, text: &str) -> EventBody {
    EventBody::Observation {
        id,
        kind: "observation".into(),
        text: text.into(),
        author: "bob".into(),
        step: Some("inject-latency".into()),
        owner: None,
        due: None,
    }
}

/// A whole session's worth of events, notified and not.
fn record_a_drill(rec: &Recorder) {
    rec.record(started()).unwrap();
    rec.record(EventBody::Warning { message: "not notified".into() }).unwrap();
    rec.record(observation(1, "a private note")).unwrap();
    rec.record(observation(2, "!share checkout p99 is 3 s, token s3cr3t leaked in logs")).unwrap();
    rec.record(EventBody::Stop { who: "alice".into(), source: "console".into(), reason: Some("pager fired".into()) })
        .unwrap();
    rec.record(EventBody::Stop {
        who: "gameday".into(),
        source: "safeguard".into(),
        reason: Some("error ratio above 5%".into()),
    })
    .unwrap();
    rec.record(EventBody::RunFinished {
        status: "completed".into(),
        deviated: true,
        end: String::new(),
        duration: 12.0,
    })
    .unwrap();
    rec.record(EventBody::SessionEnded).unwrap();
}

/// Wait for the notifier to finish (it stops after `session_ended`).
async fn finish(s: Session) -> Vec<String> {
    tokio::time::timeout(Duration::from_secs(15), s.handle)
        .await
        .expect("the notifier did not finish within 15 s")
        .unwrap();
    s.reports.lock().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_payloads_for_each_notified_event() {
    let hook = Receiver::start(Mode::Ok);
    let s = session(config(&hook.url, Format::Slack, Duration::from_secs(5), 0));
    record_a_drill(&s.rec);
    let reports = finish(s).await;
    assert!(reports.is_empty(), "{reports:?}");
    let texts: Vec<String> = hook.bodies().iter().map(|b| b["text"].as_str().unwrap().to_string()).collect();
    assert_eq!(texts.len(), 6, "{texts:#?}");
    let expect = [
        ("[Checkout drill] Game Day started (console on lab-1, facilitated by alice)", ""),
        ("[Checkout drill] bob at T+", " (during 'inject-latency'): checkout p99 is 3 s, token *** leaked in logs"),
        ("[Checkout drill] STOP by alice (console) at T+", ": pager fired"),
        ("[Checkout drill] Safeguard tripped at T+", ", stopping the run: error ratio above 5%"),
        ("[Checkout drill] The steady state deviated at T+", ": a weakness may have been found"),
        ("[Checkout drill] Run ended at T+", " with status deviated (ran 12 s)"),
    ];
    for (text, (start, end)) in texts.iter().zip(expect) {
        assert!(text.starts_with(start) && text.ends_with(end), "{text:?} should be {start:?}…{end:?}");
    }
    for b in hook.bodies() {
        assert_eq!(b.as_object().unwrap().len(), 1, "a Slack payload is just {{\"text\"}}: {b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_payloads_follow_the_schema() {
    let hook = Receiver::start(Mode::Ok);
    let s = session(config(&hook.url, Format::Plain, Duration::from_secs(5), 0));
    record_a_drill(&s.rec);
    assert!(finish(s).await.is_empty());
    let bodies = hook.bodies();
    let events: Vec<&str> = bodies.iter().map(|b| b["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["started", "shared", "stopped", "safeguard_tripped", "deviated", "ended"]);
    for b in &bodies {
        assert_eq!(b["schema"], "gameday-notify/1");
        assert_eq!(b["session"], "20260101-abc");
        assert_eq!(b["title"], "Checkout drill");
        assert!(chrono::DateTime::parse_from_rfc3339(b["at"].as_str().unwrap()).is_ok(), "{b}");
        assert!(b["t_plus"].as_f64().is_some_and(|t| t >= 0.0), "{b}");
        assert!(b["summary"].is_string());
        let keys: Vec<&str> = b.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["schema", "event", "session", "title", "at", "t_plus", "summary", "details"]);
    }
    assert_eq!(
        bodies[0]["details"],
        json!({"mode": "console", "platform": "Linux", "node": "lab-1", "facilitator": "alice"})
    );
    assert_eq!(
        bodies[1]["details"],
        json!({"id": 2, "type": "observation", "author": "bob",
               "text": "checkout p99 is 3 s, token *** leaked in logs", "step": "inject-latency"})
    );
    assert_eq!(bodies[2]["details"], json!({"who": "alice", "source": "console", "reason": "pager fired"}));
    assert_eq!(bodies[3]["details"]["source"], "safeguard");
    assert_eq!(bodies[4]["details"], json!({"status": "completed"}));
    assert_eq!(bodies[5]["details"], json!({"status": "completed", "deviated": true, "duration": 12.0}));
}

/// 100 recorded events that are all notified, timed.
fn record_100(rec: &Recorder) -> Duration {
    let start = Instant::now();
    for i in 0..100 {
        rec.record(observation(i, &format!("!share note {i}"))).unwrap();
    }
    start.elapsed()
}

/// Poll the reports until one contains `needle`.
async fn wait_for_report(reports: &Mutex<Vec<String>>, needle: &str, limit: Duration) -> Vec<String> {
    let start = Instant::now();
    loop {
        let now = reports.lock().unwrap().clone();
        if now.iter().any(|r| r.contains(needle)) {
            return now;
        }
        assert!(start.elapsed() < limit, "no report containing {needle:?} within {limit:?}: {now:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_webhook_never_slows_the_recorder() {
    let hook = Receiver::start(Mode::Stall(Duration::from_secs(5)));
    let s = session(config(&hook.url, Format::Slack, Duration::from_millis(300), 1));
    s.rec.record(started()).unwrap();
    let took = record_100(&s.rec);
    assert!(took < Duration::from_millis(100), "100 record() calls took {took:?}");
    wait_for_report(&s.reports, "falling behind: dropped", Duration::from_secs(5)).await;
    let reports = wait_for_report(&s.reports, "could not notify", Duration::from_secs(10)).await;
    assert!(
        reports.iter().any(|r| r.starts_with("could not notify 127.0.0.1 of '")
            && r.ends_with("': no answer within 0.3 s (gave up after 2 attempts)")),
        "{reports:#?}"
    );
    for r in &reports {
        assert!(!r.contains("SECRETPATH"), "a report leaks the webhook URL: {r}");
    }
    s.handle.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_webhook_is_retried_up_to_the_limit() {
    let hook = Receiver::start(Mode::Status(500));
    let s = session(config(&hook.url, Format::Plain, Duration::from_secs(2), 2));
    s.rec.record(started()).unwrap();
    let took = record_100(&s.rec);
    assert!(took < Duration::from_millis(100), "100 record() calls took {took:?}");
    s.handle.abort();

    // One notification, a 500 each time: 1 attempt + 2 retries, then a report.
    let hook = Receiver::start(Mode::Status(500));
    let s = session(config(&hook.url, Format::Plain, Duration::from_secs(2), 2));
    let start = Instant::now();
    s.rec.record(started()).unwrap();
    s.rec.record(EventBody::SessionEnded).unwrap();
    let reports = finish(s).await;
    assert_eq!(hook.count(), 3);
    assert_eq!(reports, ["could not notify 127.0.0.1 of 'started': HTTP 500 (gave up after 3 attempts)"]);
    // The backoff between attempts (250 ms, then 500 ms) really happened.
    assert!(start.elapsed() >= Duration::from_millis(700), "{:?}", start.elapsed());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hook.count(), 3, "no request after giving up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_that_succeeds_is_not_reported() {
    let hook = Receiver::start(Mode::FailFirst(2));
    let s = session(config(&hook.url, Format::Slack, Duration::from_secs(2), 3));
    s.rec.record(started()).unwrap();
    s.rec.record(EventBody::SessionEnded).unwrap();
    let reports = finish(s).await;
    assert!(reports.is_empty(), "{reports:?}");
    assert_eq!(hook.count(), 3);
    let bodies = hook.bodies();
    assert!(bodies.iter().all(|b| b == &bodies[0]), "every attempt sends the same payload");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_webhook_is_not_retried() {
    let hook = Receiver::start(Mode::Status(404));
    let s = session(config(&hook.url, Format::Slack, Duration::from_secs(2), 3));
    s.rec.record(started()).unwrap();
    s.rec.record(EventBody::SessionEnded).unwrap();
    let reports = finish(s).await;
    assert_eq!(hook.count(), 1);
    assert_eq!(reports, ["could not notify 127.0.0.1 of 'started': the webhook refused it (HTTP 404)"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_webhook_is_reported() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let s = session(config(&format!("http://127.0.0.1:{port}/hook"), Format::Slack, Duration::from_secs(1), 1));
    s.rec.record(started()).unwrap();
    s.rec.record(EventBody::SessionEnded).unwrap();
    let reports = finish(s).await;
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].starts_with("could not notify 127.0.0.1 of 'started': "), "{reports:?}");
    assert!(reports[0].ends_with("(gave up after 2 attempts)"), "{reports:?}");
}

#[test]
fn from_doc_reads_a_playbook() {
    let doc: Value = json!({"title": "t", "notify": {"webhook": "https://hooks.example.com/x", "format": "plain"}});
    let cfg = notify::from_doc(&doc).unwrap();
    assert_eq!(cfg.format, Format::Plain);
    assert_eq!(cfg.webhook, "https://hooks.example.com/x");
    assert_eq!(notify::from_doc(&json!({"title": "t"})), None);
}
