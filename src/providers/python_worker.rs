//! One long-lived Python worker per interpreter (per run, as gameday runs
//! one run per process), started on the first python activity. Activities
//! run in it the way chaoslib runs them in-process: modules are imported
//! once and kept, so module state and driver sessions persist, and a driver
//! is not imported again for every activity.
//!
//! The worker talks over a Unix socket (see `python_worker.py`): one JSON
//! line per request and per reply, and the live output of each call, which
//! is streamed to the call's activity (screen and event log). A call that is
//! cancelled (STOP, timeout) kills the worker and everything it started; the
//! next python activity starts a fresh one, and the event log says so.
use super::proc_tree::Family;
use super::spawner::{self, Child, Io};
use super::{LiveSink, ProviderError, Stream};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::mpsc;

const SCRIPT: &str = include_str!("python_worker.py");

/// How long a new worker may take to connect back (a slow interpreter start,
/// a large `site-packages`).
const CONNECT_WITHIN: Duration = Duration::from_secs(60);

/// What a call hears from the worker.
#[derive(Debug)]
pub enum Msg {
    Output(Stream, String),
    /// The call's result, and the exit signals (SIGUSR1/SIGUSR2 numbers)
    /// that reached the worker while it ran and were not reported before.
    Done(Value, Vec<i32>),
    /// The worker ended before answering.
    Gone(String),
}

/// A running worker.
pub struct Worker {
    pgid: u32,
    writer: tokio::sync::Mutex<OwnedWriteHalf>,
    calls: Mutex<HashMap<u64, mpsc::UnboundedSender<Msg>>>,
    next: AtomicU64,
    alive: AtomicBool,
    /// The worker's process family, ended when the worker is stopped.
    family: Mutex<Option<Family>>,
    child: Mutex<Option<Child>>,
    /// The end of what the worker wrote to its stderr, for crash messages.
    stderr_tail: Mutex<String>,
    /// The last exit signal reported (each carries a sequence number, as
    /// every call running when it came reports it).
    signals_seen: AtomicU64,
}

type Registry = tokio::sync::Mutex<HashMap<String, Arc<Worker>>>;

fn registry() -> &'static Registry {
    static WORKERS: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    WORKERS.get_or_init(|| tokio::sync::Mutex::new(HashMap::new()))
}

/// The worker for `python`, started if there is none (or the last one ended).
pub async fn get(python: &str, live: &dyn LiveSink) -> Result<Arc<Worker>, ProviderError> {
    let mut workers = registry().lock().await;
    if let Some(w) = workers.get(python).filter(|w| w.alive.load(Ordering::SeqCst)) {
        return Ok(Arc::clone(w));
    }
    let worker = start(python, live).await?;
    workers.insert(python.to_string(), Arc::clone(&worker));
    Ok(worker)
}

async fn start(python: &str, live: &dyn LiveSink) -> Result<Arc<Worker>, ProviderError> {
    let dir = tempfile::Builder::new()
        .prefix("gameday-worker-")
        .tempdir()
        .map_err(|e| ProviderError::Failed(format!("cannot create a directory for the Python worker: {e}")))?;
    let path = dir.path().join("worker.sock");
    let listener = UnixListener::bind(&path)
        .map_err(|e| ProviderError::Failed(format!("cannot open a socket for the Python worker: {e}")))?;
    let mut cmd = std::process::Command::new(python);
    cmd.arg("-c")
        .arg(SCRIPT)
        .env("GAMEDAY_WORKER_SOCKET", &path)
        .env("GAMEDAY_OUTPUT_CAP", super::OUTPUT_CAP.to_string())
        // Where chaoslib's exit signals are passed on to.
        .env("GAMEDAY_PID", std::process::id().to_string());
    let spawned = spawner::spawn(cmd, [Io::Null, Io::Piped, Io::Piped]);
    if let Some(warning) = spawner::take_warning() {
        live.warn(&warning);
    }
    let mut child = spawned.map_err(|e| {
        ProviderError::Failed(format!(
            "cannot start the Python interpreter '{python}': {e} (set --python or `python` in the config file)"
        ))
    })?;
    let pgid = child.id();
    let family = Family::new(pgid, child.reaper());
    let mut stderr = child.stderr.take();
    let stdout = child.stdout.take();
    let accepted = tokio::select! {
        a = tokio::time::timeout(CONNECT_WITHIN, listener.accept()) => a,
        // The interpreter ended before connecting: say what it printed.
        status = child.wait() => {
            let mut text = String::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.read_to_string(&mut text).await;
            }
            let code = status.ok().and_then(|s| s.code()).unwrap_or(-1);
            return Err(ProviderError::Crashed(format!(
                "the Python worker ended at start (exit {code}): {}",
                last_lines(&text, 5)
            )));
        }
    };
    drop(listener);
    drop(dir);
    let stream = match accepted {
        Ok(Ok((stream, _))) => stream,
        Ok(Err(e)) => return Err(ProviderError::Crashed(format!("the Python worker could not connect: {e}"))),
        Err(_) => {
            child.start_kill();
            return Err(ProviderError::Crashed(format!(
                "the Python worker did not connect within {} s",
                CONNECT_WITHIN.as_secs()
            )));
        }
    };
    let (read, write) = stream.into_split();
    let worker = Arc::new(Worker {
        pgid,
        writer: tokio::sync::Mutex::new(write),
        calls: Mutex::new(HashMap::new()),
        next: AtomicU64::new(1),
        alive: AtomicBool::new(true),
        family: Mutex::new(Some(family)),
        child: Mutex::new(Some(child)),
        stderr_tail: Mutex::new(String::new()),
        signals_seen: AtomicU64::new(0),
    });
    tokio::spawn(read_replies(Arc::clone(&worker), read));
    if let Some(out) = stdout {
        tokio::spawn(read_stray(Arc::clone(&worker), out, Stream::Stdout));
    }
    if let Some(err) = stderr {
        tokio::spawn(read_stray(Arc::clone(&worker), err, Stream::Stderr));
    }
    Ok(worker)
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Replies and live output from the socket, to the calls they belong to.
async fn read_replies(worker: Arc<Worker>, read: tokio::net::unix::OwnedReadHalf) {
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let Ok(msg) = serde_json::from_str::<Value>(&line) else { continue };
        let Some(id) = msg.get("id").and_then(Value::as_u64) else { continue };
        let mut calls = worker.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(result) = msg.get("result") {
            let signals = worker.new_signals(msg.get("exit_signals"));
            if let Some(tx) = calls.remove(&id) {
                let _ = tx.send(Msg::Done(result.clone(), signals));
            }
        } else if let (Some(stream), Some(text)) =
            (msg.get("stream").and_then(Value::as_str), msg.get("text").and_then(Value::as_str))
            && let Some(tx) = calls.get(&id)
        {
            let stream = if stream == "stderr" { Stream::Stderr } else { Stream::Stdout };
            let _ = tx.send(Msg::Output(stream, text.to_string()));
        }
    }
    worker.ended();
}

/// What reaches the worker's own stdout/stderr (C extensions, processes a
/// driver starts): the output of the call running, when there is one.
async fn read_stray(worker: Arc<Worker>, mut pipe: tokio::net::unix::pipe::Receiver, stream: Stream) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if stream == Stream::Stderr {
            let mut tail = worker.stderr_tail.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            tail.push_str(&text);
            if tail.len() > 8192 {
                let cut = tail.len() - 4096;
                let cut = (cut..tail.len()).find(|i| tail.is_char_boundary(*i)).unwrap_or(0);
                tail.drain(..cut);
            }
        }
        let calls = worker.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(tx) = calls.values().last() {
            let _ = tx.send(Msg::Output(stream, text));
        }
    }
}

impl Worker {
    /// The worker's process group (recorded with each activity that uses it,
    /// so a resumed session can clean up after a crash).
    pub fn pgid(&self) -> u32 {
        self.pgid
    }

    /// The exit signals in a reply that no earlier reply reported.
    fn new_signals(&self, list: Option<&Value>) -> Vec<i32> {
        let mut out = Vec::new();
        for pair in list.and_then(Value::as_array).into_iter().flatten() {
            let (Some(seq), Some(signum)) = (pair.get(0).and_then(Value::as_u64), pair.get(1).and_then(Value::as_i64))
            else {
                continue;
            };
            if self.signals_seen.fetch_max(seq, Ordering::SeqCst) < seq {
                out.push(i32::try_from(signum).unwrap_or(0));
            }
        }
        out
    }

    /// Send one call; its output and result come on the returned channel.
    pub async fn call(&self, mut request: Value) -> Result<mpsc::UnboundedReceiver<Msg>, ProviderError> {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        if let Some(obj) = request.as_object_mut() {
            obj.insert("id".into(), json!(id));
        }
        let (tx, rx) = mpsc::unbounded_channel();
        self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id, tx);
        let mut line = serde_json::to_vec(&request).map_err(|e| ProviderError::Crashed(e.to_string()))?;
        line.push(b'\n');
        let sent = self.writer.lock().await.write_all(&line).await;
        if let Err(e) = sent {
            self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&id);
            self.ended();
            return Err(ProviderError::Crashed(format!("the Python worker is gone: {e}")));
        }
        Ok(rx)
    }

    /// The worker's socket closed: every open call hears why.
    fn ended(&self) {
        self.alive.store(false, Ordering::SeqCst);
        let why = {
            let tail = self.stderr_tail.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let tail = last_lines(&tail, 5);
            if tail.is_empty() {
                "the Python worker ended".to_string()
            } else {
                format!("the Python worker ended: {tail}")
            }
        };
        let calls = std::mem::take(&mut *self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        for tx in calls.into_values() {
            let _ = tx.send(Msg::Gone(why.clone()));
        }
    }

    /// Kill the worker and everything it started; the next python activity
    /// starts a new one.
    pub async fn stop(&self) {
        self.alive.store(false, Ordering::SeqCst);
        if let Some(mut child) = self.child.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
            child.start_kill();
        }
        let family = self.family.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(f) = family {
            super::process::end_family(f).await;
        }
        self.ended();
    }
}
