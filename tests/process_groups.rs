//! A process activity that times out or is stopped leaves nothing of its
//! process group alive — including grandchildren it spawned.
use gameday::engine::{AutoApprover, Engine, RunOptions, StopHandle, StopRequest};
use gameday::session::{Durability, EventBody, EventLog, Recorder, read_events};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Pids whose environment holds `GDM=<marker>` (the family exports it, so
/// every child and grandchild carries it). Zombies have no readable
/// environment and count as gone.
fn pids_with(marker: &str) -> Vec<i32> {
    let want = format!("GDM={marker}");
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        if let Ok(env) = std::fs::read(entry.path().join("environ"))
            && env.split(|b| *b == 0).any(|v| v == want.as_bytes())
        {
            out.push(pid);
        }
    }
    out
}

fn wait_until_gone(marker: &str, within: Duration) -> Vec<i32> {
    let deadline = Instant::now() + within;
    loop {
        let left = pids_with(marker);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A shell that starts two sleeping children and a grandchild, and waits.
fn family(marker: &str) -> Value {
    json!(format!("-c 'export GDM={marker}; sleep 300 & sleep 300 & sh -c \"sleep 300\" & wait'"))
}

fn engine_for(experiment: Value, dir: &std::path::Path, stop: StopHandle) -> (Arc<Engine>, Arc<Recorder>) {
    let log = EventLog::create(&dir.join("events.jsonl"), Durability::EveryEvent).unwrap();
    let rec = Arc::new(Recorder::new(log));
    let engine = Engine::new(
        experiment,
        Map::new(),
        Map::new(),
        RunOptions::default(),
        Arc::clone(&rec),
        Arc::new(AutoApprover),
        stop,
    );
    (engine, rec)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_kills_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    let marker = format!("gdtimeout{}", std::process::id());
    let experiment = json!({
        "title": "t", "description": "d",
        "method": [{"type": "action", "name": "family", "provider": {
            "type": "process", "path": "sh", "timeout": 0.5,
            "arguments": family(&marker)}}]
    });
    let (engine, _rec) = engine_for(experiment, dir.path(), StopHandle::new());
    let outcome = engine.run().await;
    assert_eq!(outcome.status, "completed", "a failed method activity does not fail the run");
    let left = wait_until_gone(&marker, Duration::from_secs(2));
    assert!(left.is_empty(), "processes left after the timeout: {left:?}");
    let events = read_events(&dir.path().join("events.jsonl")).unwrap().events;
    let pgid = events
        .iter()
        .find_map(|e| match &e.body {
            EventBody::ProcessStarted { pgid, .. } => Some(*pgid as i32),
            _ => None,
        })
        .expect("the process group is recorded");
    assert_group_gone(pgid);
    let failed = events.iter().any(|e| {
        matches!(&e.body, EventBody::ActivityFinished { status: Some(s), exception: Some(x), .. }
            if s == "failed" && x.iter().any(|l| l.contains("process activity took too long to complete")))
    });
    assert!(failed, "the activity is recorded as failed with Chaos Toolkit's message");
}

/// Is any process of the group still running (zombies excluded: they are
/// dead and only wait for their parent — possibly init — to collect them)?
fn group_alive(pgid: i32) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { return false };
        // pid (comm) state ppid pgrp …; comm may hold spaces, so split after ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { return false };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        fields.len() > 2 && fields[2].parse::<i32>() == Ok(pgid) && fields[0] != "Z"
    })
}

fn assert_group_gone(pgid: i32) {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        if !group_alive(pgid) {
            return;
        }
        assert!(Instant::now() < deadline, "process group {pgid} is still alive");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_kills_the_whole_group_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let marker = format!("gdstop{}", std::process::id());
    let experiment = json!({
        "title": "t", "description": "d",
        "method": [{"type": "action", "name": "family", "provider": {
            "type": "process", "path": "sh", "arguments": family(&marker)}}],
        "rollbacks": [{"type": "action", "name": "rb", "provider": {"type": "process", "path": "true"}}]
    });
    let stop = StopHandle::new();
    let (engine, rec) = engine_for(experiment, dir.path(), stop.clone());
    let mut updates = rec.subscribe();
    let run = tokio::spawn(async move { engine.run().await });
    // Wait until the group exists (its pgid is recorded) and the sleeps run.
    let pgid = loop {
        match tokio::time::timeout(Duration::from_secs(5), updates.recv()).await {
            Ok(Some(gameday::session::recorder::Update::Event(e))) => {
                if let EventBody::ProcessStarted { pgid, .. } = e.body {
                    break pgid as i32;
                }
            }
            Ok(Some(_)) => {}
            other => panic!("no process started: {other:?}"),
        }
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids_with(&marker).len() < 4 {
        assert!(Instant::now() < deadline, "the family did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let pressed = Instant::now();
    stop.stop(StopRequest::new("test", "key", None));
    while group_alive(pgid) {
        assert!(pressed.elapsed() < Duration::from_secs(2), "group still alive 2 s after STOP");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let took = pressed.elapsed();
    eprintln!("STOP to process group gone: {:.1} ms", took.as_secs_f64() * 1000.0);
    assert!(wait_until_gone(&marker, Duration::from_secs(1)).is_empty());
    let outcome = run.await.unwrap();
    assert_eq!(outcome.status, "interrupted");
    // Default strategy: no rollbacks after an interruption (Chaos Toolkit's rule).
    let events = read_events(&dir.path().join("events.jsonl")).unwrap().events;
    assert!(events.iter().any(|e| matches!(&e.body, EventBody::Stop { source, .. } if source == "key")));
    assert!(events.iter().any(|e| matches!(&e.body, EventBody::ActivityFinished { status: None, .. })));
}
