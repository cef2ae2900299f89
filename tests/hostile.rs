//! Hostile processes and servers: every one is bounded by its timeout (or
//! a size cap), STOP still works against it, the run finishes with the
//! activity failed and a clear message, and nothing is left running.
//!
//! Processes: one that ignores SIGTERM and forks grandchildren, one whose
//! grandchild keeps stdout open after it exits, one that writes 1 GiB to
//! stdout (through the real binary, headless, with its peak RSS measured),
//! and one whose grandchild leaves the process group with `setsid`.
//! Servers (std::net on 127.0.0.1, in this file): one that never answers,
//! one that drip-feeds a body forever, one that sends 100 MB, one that
//! redirects in a loop.
#[path = "reliability/procs.rs"]
mod procs;

use gameday::engine::{AutoApprover, Engine, RunOptions, StopHandle, StopRequest};
use gameday::session::recorder::Update;
use gameday::session::{Durability, Event, EventBody, EventLog, Recorder, read_events};
use procs::{MarkerGuard, marked, pids_with, wait_until_gone};
use serde_json::{Map, Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// No single run may take longer than this (a hang fails the test, it
/// does not block CI).
const RUN_BOUND: Duration = Duration::from_secs(30);

fn marker(label: &str) -> String {
    format!("gdhostile{label}{}", std::process::id())
}

fn sh_action(name: &str, marker: &str, script: &str, timeout: Option<f64>) -> Value {
    let mut provider = json!({"type": "process", "path": "sh", "arguments": ["-c", marked(marker, script)]});
    if let Some(t) = timeout {
        provider["timeout"] = json!(t);
    }
    json!({"type": "action", "name": name, "provider": provider})
}

fn experiment(method: Vec<Value>) -> Value {
    json!({
        "title": "hostile", "description": "hostile activities",
        "method": method,
        "rollbacks": [{"type": "action", "name": "rb", "provider": {"type": "process", "path": "true"}}]
    })
}

struct Run {
    _dir: tempfile::TempDir,
    log: PathBuf,
    engine: Arc<Engine>,
    rec: Arc<Recorder>,
    stop: StopHandle,
}

fn engine_for(experiment: Value) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("events.jsonl");
    let rec = Arc::new(Recorder::new(EventLog::create(&log, Durability::EveryEvent).unwrap()));
    let stop = StopHandle::new();
    let engine = Engine::new(
        experiment,
        Map::new(),
        Map::new(),
        RunOptions::default(),
        Arc::clone(&rec),
        Arc::new(AutoApprover),
        stop.clone(),
    );
    Run { _dir: dir, log, engine, rec, stop }
}

/// Run to the end within [`RUN_BOUND`]; returns the status, the events and
/// how long it took.
async fn run_bounded(run: &Run) -> (String, Vec<Event>, Duration) {
    let started = Instant::now();
    let outcome = tokio::time::timeout(RUN_BOUND, run.engine.run())
        .await
        .unwrap_or_else(|_| panic!("the run did not finish within {RUN_BOUND:?}"));
    let events = read_events(&run.log).unwrap().events;
    (outcome.status, events, started.elapsed())
}

/// (status, exception text) of the activity `name`'s finish.
fn finished(events: &[Event], name: &str) -> (Option<String>, String) {
    let run = events
        .iter()
        .find_map(|e| match &e.body {
            EventBody::ActivityStarted { run, activity, .. } if activity["name"] == name => Some(*run),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{name} never started"));
    events
        .iter()
        .find_map(|e| match &e.body {
            EventBody::ActivityFinished { run: r, status, exception, .. } if *r == run => {
                Some((status.clone(), exception.clone().unwrap_or_default().join("")))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("{name} never finished"))
}

fn assert_nothing_left(marker: &str) {
    let left = wait_until_gone(marker, Duration::from_secs(3));
    assert!(left.is_empty(), "processes left running after the activity: {left:?}");
}

/// Wait (≤ 5 s) until at least `n` marked processes run.
async fn wait_started(marker: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids_with(marker).len() < n {
        assert!(Instant::now() < deadline, "the hostile family did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// ------------------------------------------------------------ processes

/// Ignores SIGTERM, and so do its two grandchildren.
fn stubborn_family() -> &'static str {
    "trap '' TERM; sleep 300 & sh -c \"trap '' TERM; sleep 300\" & sh -c 'sleep 300 & wait' & wait"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ignoring_family_is_bounded_by_its_timeout() {
    let m = marker("term");
    let _guard = MarkerGuard(m.clone());
    let run = engine_for(experiment(vec![sh_action("stubborn", &m, stubborn_family(), Some(1.0))]));
    let (status, events, took) = run_bounded(&run).await;
    assert_eq!(status, "completed", "a failed action does not fail the run");
    let (st, exc) = finished(&events, "stubborn");
    assert_eq!(st.as_deref(), Some("failed"));
    assert!(exc.contains("process activity took too long to complete"), "{exc}");
    assert!(took < Duration::from_secs(5), "a 1 s timeout took {took:?}");
    assert_nothing_left(&m);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_a_sigterm_ignoring_family_without_a_timeout() {
    let m = marker("termstop");
    let _guard = MarkerGuard(m.clone());
    let run = engine_for(experiment(vec![sh_action("stubborn", &m, stubborn_family(), None)]));
    let engine = Arc::clone(&run.engine);
    let handle = tokio::spawn(async move { engine.run().await });
    wait_started(&m, 5).await;
    let pressed = Instant::now();
    run.stop.stop(StopRequest::new("test", "key", None));
    let outcome = tokio::time::timeout(RUN_BOUND, handle).await.expect("run ends after STOP").unwrap();
    assert_eq!(outcome.status, "interrupted");
    assert_nothing_left(&m);
    eprintln!("STOP → SIGTERM-ignoring family gone and run ended: {:?}", pressed.elapsed());
}

/// The shell exits at once, but a grandchild keeps its stdout open: the
/// activity must not wait for EOF past its timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grandchild_holding_stdout_is_bounded_by_the_timeout() {
    let m = marker("holdout");
    let _guard = MarkerGuard(m.clone());
    let run = engine_for(experiment(vec![sh_action("holder", &m, "echo started; sleep 300 & exit 0", Some(1.0))]));
    let (status, events, took) = run_bounded(&run).await;
    assert_eq!(status, "completed");
    let (st, exc) = finished(&events, "holder");
    assert_eq!(st.as_deref(), Some("failed"), "{exc}");
    assert!(exc.contains("took too long"), "{exc}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_nothing_left(&m);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_a_grandchild_holding_stdout() {
    let m = marker("holdstop");
    let _guard = MarkerGuard(m.clone());
    let run = engine_for(experiment(vec![sh_action("holder", &m, "echo started; sleep 300 & exit 0", None)]));
    let engine = Arc::clone(&run.engine);
    let handle = tokio::spawn(async move { engine.run().await });
    wait_started(&m, 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    run.stop.stop(StopRequest::new("test", "key", None));
    let outcome = tokio::time::timeout(RUN_BOUND, handle).await.expect("run ends after STOP").unwrap();
    assert_eq!(outcome.status, "interrupted");
    assert_nothing_left(&m);
}

/// A grandchild that leaves the process group (`setsid`) is out of reach of
/// the group kill. "Nothing left running" must still hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setsid_grandchild_does_not_outlive_the_activity() {
    let m = marker("setsid");
    let _guard = MarkerGuard(m.clone());
    let script = "setsid sleep 300 > /dev/null 2>&1 < /dev/null & sleep 300";
    let run = engine_for(experiment(vec![sh_action("escaper", &m, script, Some(1.0))]));
    let (status, events, _) = run_bounded(&run).await;
    assert_eq!(status, "completed");
    assert_eq!(finished(&events, "escaper").0.as_deref(), Some("failed"));
    assert_nothing_left(&m);
}

/// The escaper's parents are gone at once (a double fork, as daemons do)
/// and the activity itself ends well: the orphan, reparented to gameday,
/// must still go with the activity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphaned_setsid_daemon_does_not_outlive_a_successful_activity() {
    let m = marker("daemon");
    let _guard = MarkerGuard(m.clone());
    let script = "(setsid sleep 300 > /dev/null 2>&1 < /dev/null &) ; exit 0";
    let run = engine_for(experiment(vec![sh_action("daemonizer", &m, script, Some(10.0))]));
    let (status, events, took) = run_bounded(&run).await;
    assert_eq!(status, "completed");
    assert_eq!(finished(&events, "daemonizer").0.as_deref(), Some("succeeded"));
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_nothing_left(&m);
}

/// Run `doc` through the real binary, headless and without reports, in
/// `dir` with `env` added; the run must succeed. Returns its journal.
fn run_binary_headless(dir: &std::path::Path, doc: &Value, env: &[(&str, &std::ffi::OsStr)]) -> Value {
    let exp = dir.join("experiment.json");
    std::fs::write(&exp, serde_json::to_vec(doc).unwrap()).unwrap();
    let journal = dir.join("journal.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["run", exp.to_str().unwrap(), "--headless", "--no-report", "--journal-path", journal.to_str().unwrap()])
        .env("GAMEDAY_DATA_DIR", dir.join("data"))
        .env("GAMEDAY_CONFIG", dir.join("none.yaml"))
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&std::fs::read(&journal).unwrap()).unwrap()
}

/// The same daemonizer through the real binary, headless, where gameday
/// runs nothing else: after an activity that ends well it checks only that
/// the group is empty and that it has no child (instead of scanning every
/// process), and the orphan, now its child, must still be found and killed.
/// Then an activity that leaves nothing behind.
#[test]
fn headless_run_kills_an_orphaned_daemon_and_passes_clean_activities() {
    let dir = tempfile::tempdir().unwrap();
    let m = marker("daemonbin");
    let _guard = MarkerGuard(m.clone());
    let doc = experiment(vec![
        sh_action("daemonizer", &m, "(setsid sleep 300 > /dev/null 2>&1 < /dev/null &) ; exit 0", Some(10.0)),
        sh_action("clean", &m, "echo clean", Some(10.0)),
    ]);
    let j = run_binary_headless(dir.path(), &doc, &[]);
    let statuses: Vec<&str> = j["run"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["succeeded", "succeeded"]);
    assert_eq!(j["run"][1]["output"]["stdout"], "clean\n");
    assert_nothing_left(&m);
}

/// An orphaned daemon while a background step runs: the reaper then has a
/// child (the background step's root), which must not hide the orphan. The
/// check comes right after the activity, from the next one, while the run
/// (and so the spawner) still goes on: the orphan must already be gone.
#[test]
fn an_orphan_is_killed_even_while_a_background_step_runs() {
    let dir = tempfile::tempdir().unwrap();
    let m = marker("daemonbg");
    let _guard = MarkerGuard(m.clone());
    let background = json!({"type": "action", "name": "background", "background": true,
        "provider": {"type": "process", "path": "sleep", "arguments": "3", "timeout": 20}});
    // Its parent lingers long enough for the daemon to be seen in the
    // family; then the daemon, in a session of its own, is the spawner's
    // orphan when the activity ends and the group is empty. (An orphan
    // whose parents all die before it is ever seen cannot be told apart
    // from the background step's while that one runs; see `Family::kill`.)
    let daemon = format!("(setsid sh -c 'sleep 300; : {m}' > /dev/null 2>&1 < /dev/null & sleep 0.5) ; exit 0");
    // `[g]` so the pattern does not match the checking shell itself.
    let look = format!("if pgrep -f '[{}]{}' > /dev/null; then echo LEFT; else echo GONE; fi", &m[..1], &m[1..]);
    let doc = experiment(vec![
        background,
        json!({"type": "action", "name": "daemonizer",
            "provider": {"type": "process", "path": "sh", "arguments": ["-c", daemon], "timeout": 10}}),
        json!({"type": "action", "name": "look", "provider": {"type": "process", "path": "sh", "arguments": ["-c", look]}}),
    ]);
    let j = run_binary_headless(dir.path(), &doc, &[]);
    let look = j["run"].as_array().unwrap().iter().find(|r| r["activity"]["name"] == "look").unwrap();
    assert_eq!(
        look["output"]["stdout"], "GONE\n",
        "the orphan outlived its activity while a background step ran: {j:#}"
    );
    assert_nothing_left(&m);
}

/// A python activity (through the real bridge and a real interpreter) whose
/// driver starts a daemon that leaves the group and returns at once: the
/// daemon goes with the activity, as it does for process activities.
#[test]
fn python_activity_daemon_does_not_outlive_it() {
    let dir = tempfile::tempdir().unwrap();
    let m = marker("pydaemon");
    let _guard = MarkerGuard(m.clone());
    std::fs::write(
        dir.path().join("gdhostile_driver.py"),
        "import subprocess\n\ndef daemonize():\n    subprocess.Popen(\"(setsid sleep 300 > /dev/null 2>&1 < /dev/null &)\", shell=True).wait()\n    return 'started'\n",
    )
    .unwrap();
    let doc = experiment(vec![json!({"type": "action", "name": "daemonize",
        "provider": {"type": "python", "module": "gdhostile_driver", "func": "daemonize"}})]);
    // GDM marks gameday and everything it starts; gameday itself has exited
    // by the time the marked processes are counted.
    let j = run_binary_headless(
        dir.path(),
        &doc,
        &[("PYTHONPATH", dir.path().as_os_str()), ("GDM", std::ffi::OsStr::new(&m))],
    );
    assert_eq!(j["run"][0]["status"], "succeeded", "{j}");
    assert_eq!(j["run"][0]["output"], "started");
    assert_nothing_left(&m);
}

/// STOP against an activity whose grandchild and great-grandchild each left
/// with `setsid`: the whole family goes, quickly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_setsid_grandchildren() {
    let m = marker("setsidstop");
    let _guard = MarkerGuard(m.clone());
    let script = "setsid sh -c 'setsid sleep 300 & sleep 300' > /dev/null 2>&1 < /dev/null & sleep 300";
    let run = engine_for(experiment(vec![sh_action("escapers", &m, script, None)]));
    let engine = Arc::clone(&run.engine);
    let handle = tokio::spawn(async move { engine.run().await });
    wait_started(&m, 4).await;
    let pressed = Instant::now();
    run.stop.stop(StopRequest::new("test", "key", None));
    let outcome = tokio::time::timeout(RUN_BOUND, handle).await.expect("run ends after STOP").unwrap();
    assert_eq!(outcome.status, "interrupted");
    assert_nothing_left(&m);
    eprintln!("STOP → setsid grandchildren gone and run ended: {:?}", pressed.elapsed());
}

/// 1 GiB on stdout through the real binary (headless): the journal keeps at
/// most the cap plus the truncation mark, and gameday's peak RSS stays
/// bounded (sampled from /proc/<pid>/status while it runs).
#[test]
fn one_gib_of_stdout_is_capped_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let m = marker("flood");
    let _guard = MarkerGuard(m.clone());
    let doc = experiment(vec![sh_action("flood", &m, "head -c 1G /dev/zero; echo done >&2", Some(120.0))]);
    let exp = dir.path().join("flood.json");
    std::fs::write(&exp, serde_json::to_vec(&doc).unwrap()).unwrap();
    let journal = dir.path().join("journal.json");
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["run", exp.to_str().unwrap(), "--headless", "--journal-path", journal.to_str().unwrap()])
        .env("GAMEDAY_DATA_DIR", dir.path().join("data"))
        .env("GAMEDAY_CONFIG", dir.path().join("none.yaml"))
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0u64;
    let status = loop {
        if let Some(kib) = procs::peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(150) {
            let _ = child.kill();
            panic!("gameday did not finish the 1 GiB run in 150 s (peak RSS so far {peak} KiB)");
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    eprintln!("1 GiB stdout: {:?}, gameday peak RSS {} MiB, exit {status}", started.elapsed(), peak / 1024);
    assert_eq!(status.code(), Some(0), "stderr:\n{stderr}");
    let j: Value = serde_json::from_slice(&std::fs::read(&journal).unwrap()).unwrap();
    let entry = &j["run"][0];
    assert_eq!(entry["status"], "succeeded", "{:#}", entry["output"]["stderr"]);
    let out = entry["output"]["stdout"].as_str().unwrap();
    let cap = gameday::providers::OUTPUT_CAP;
    let mark = gameday::providers::TRUNCATED_MARK;
    assert!(out.len() <= cap + mark.len(), "stdout kept {} bytes, cap {cap}", out.len());
    assert!(out.ends_with(mark), "the cut is marked");
    assert_eq!(entry["output"]["stderr"], "done\n");
    // The journal holds the capped output once per copy, not a gigabyte.
    // (NUL bytes are written `\u0000` in JSON: six bytes each.)
    let size = std::fs::metadata(&journal).unwrap().len();
    assert!(size < 7 * cap as u64, "journal is {size} bytes");
    // Bounded: a few copies of the cap (events, journal, live view), far
    // from the 1 GiB that went through the pipe.
    assert!(peak < 400 * 1024, "gameday's peak RSS was {} MiB", peak / 1024);
    assert_nothing_left(&m);
}

// ------------------------------------------------------------ servers

/// A hostile HTTP server on 127.0.0.1 that stops by itself (every handler
/// gives up after a bounded time, and the accept loop ends on drop).
struct Hostile {
    port: u16,
    done: Arc<AtomicBool>,
}

impl Hostile {
    fn start(handler: fn(TcpStream, u16, &AtomicBool)) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(90);
            while !flag.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((s, _)) => {
                        let flag = Arc::clone(&flag);
                        s.set_nonblocking(false).unwrap();
                        std::thread::spawn(move || handler(s, port, &flag));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Hostile { port, done }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

/// Read the request head (up to the blank line).
fn read_head(s: &TcpStream) -> String {
    let mut r = BufReader::new(s);
    let mut head = String::new();
    let mut line = String::new();
    while r.read_line(&mut line).unwrap_or(0) > 0 {
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
        line.clear();
    }
    head
}

fn sleep_until_done(done: &AtomicBool, max: Duration) {
    let end = Instant::now() + max;
    while !done.load(Ordering::SeqCst) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn never_answers(s: TcpStream, _: u16, done: &AtomicBool) {
    read_head(&s);
    sleep_until_done(done, Duration::from_secs(60));
}

fn drip_feeds(mut s: TcpStream, _: u16, done: &AtomicBool) {
    read_head(&s);
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n");
    let end = Instant::now() + Duration::from_secs(60);
    while !done.load(Ordering::SeqCst) && Instant::now() < end {
        if s.write_all(b"x").is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn hundred_megabytes(mut s: TcpStream, _: u16, _: &AtomicBool) {
    read_head(&s);
    let total = 100 * 1024 * 1024;
    let _ = s.write_all(
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {total}\r\n\r\n").as_bytes(),
    );
    let chunk = vec![b'y'; 64 * 1024];
    let mut sent = 0;
    while sent < total {
        if s.write_all(&chunk).is_err() {
            return;
        }
        sent += chunk.len();
    }
}

fn redirects_forever(mut s: TcpStream, port: u16, _: &AtomicBool) {
    let head = read_head(&s);
    let n: u64 =
        head.split_whitespace().nth(1).and_then(|p| p.rsplit('/').next()).and_then(|x| x.parse().ok()).unwrap_or(0);
    let _ = s.write_all(
        format!("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/loop/{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", n + 1)
            .as_bytes(),
    );
}

fn http_action(name: &str, url: &str, timeout: Option<f64>) -> Value {
    let mut provider = json!({"type": "http", "url": url});
    if let Some(t) = timeout {
        provider["timeout"] = json!(t);
    }
    json!({"type": "action", "name": name, "provider": provider})
}

/// Run one HTTP action against `server` and return (status, exception, time).
async fn http_run(url: &str, timeout: Option<f64>) -> (Option<String>, String, Duration) {
    let run = engine_for(experiment(vec![http_action("call", url, timeout)]));
    let (status, events, took) = run_bounded(&run).await;
    assert_eq!(status, "completed", "the run finishes");
    let (st, exc) = finished(&events, "call");
    (st, exc, took)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_that_never_answers_times_out() {
    let srv = Hostile::start(never_answers);
    let (st, exc, took) = http_run(&srv.url("/"), Some(1.0)).await;
    assert_eq!(st.as_deref(), Some("failed"), "{exc}");
    assert!(exc.contains("activity took too long to complete"), "{exc}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_that_sends_100_mb_hits_the_size_cap() {
    let srv = Hostile::start(hundred_megabytes);
    let (st, exc, took) = http_run(&srv.url("/big"), Some(10.0)).await;
    assert_eq!(st.as_deref(), Some("failed"), "{exc}");
    assert!(exc.contains("larger than"), "{exc}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

/// Chaos Toolkit lets requests' TooManyRedirects escape the provider, so
/// `chaos run` ends "aborted" (the activity without a status), rollbacks
/// played. gameday must do the same, bounded, and say why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loop_is_cut_with_a_clear_message() {
    let srv = Hostile::start(redirects_forever);
    let run = engine_for(experiment(vec![http_action("call", &srv.url("/loop/0"), Some(5.0))]));
    let (status, events, took) = run_bounded(&run).await;
    assert_eq!(status, "aborted", "as chaos run ends on a redirect loop");
    assert!(took < Duration::from_secs(10), "{took:?}");
    let said: String = events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::ActivityFinished { exception: Some(x), .. } => Some(x.join("")),
            EventBody::Warning { message } => Some(message.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(said.to_lowercase().contains("redirect"), "the message names the redirects: {said}");
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.body, EventBody::ActivityFinished { status: Some(s), .. } if s == "succeeded")),
        "the rollback is played"
    );
}

/// A body that arrives one byte every 200 ms never trips a per-read
/// timeout; STOP must end it at once, long before its 10 s timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_a_drip_fed_response() {
    let srv = Hostile::start(drip_feeds);
    let run = engine_for(experiment(vec![http_action("call", &srv.url("/drip"), Some(10.0))]));
    let mut updates = run.rec.subscribe();
    let engine = Arc::clone(&run.engine);
    let handle = tokio::spawn(async move { engine.run().await });
    loop {
        match tokio::time::timeout(Duration::from_secs(5), updates.recv()).await {
            Ok(Some(Update::Event(e))) if matches!(e.body, EventBody::ActivityStarted { .. }) => break,
            Ok(Some(_)) => {}
            other => panic!("the call never started: {other:?}"),
        }
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pressed = Instant::now();
    run.stop.stop(StopRequest::new("test", "key", None));
    let outcome = tokio::time::timeout(Duration::from_secs(5), handle).await.expect("run ends after STOP").unwrap();
    assert_eq!(outcome.status, "interrupted");
    assert!(pressed.elapsed() < Duration::from_secs(2), "STOP took {:?}", pressed.elapsed());
}

/// The same drip-fed body with a 1 s timeout must fail within a bounded
/// time instead of running as long as the server keeps dripping: the
/// timeout bounds the whole call (a deliberate difference from Chaos
/// Toolkit, whose timeout is per read).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drip_fed_response_is_bounded_by_the_timeout() {
    let srv = Hostile::start(drip_feeds);
    let (st, exc, took) = http_run(&srv.url("/drip"), Some(1.0)).await;
    assert_eq!(st.as_deref(), Some("failed"), "{exc}");
    assert!(exc.contains("took too long"), "{exc}");
    assert!(took < Duration::from_secs(4), "{took:?}");
}
