//! Nothing an activity started outlives gameday, however gameday dies, and
//! activities are started without a plain fork of the (large) gameday
//! process.
//!
//! * SIGKILL of a headless run and of a console run while a `sh -c` step
//!   runs a grandchild and a `setsid` daemon: no process of the step is
//!   left 2 s later. The step's processes are found by a marker in their
//!   environment (every process the shell starts inherits it).
//! * Under `strace -f`, every activity's `execve` happens in a process
//!   created with `CLONE_VM|CLONE_VFORK` (posix_spawn), and gameday's own
//!   process makes at most one plain fork (the spawner), before it starts
//!   any thread.
mod e2e;

use e2e::procs;
use e2e::sandbox::{self, Sandbox, kind, wait_event};
use e2e::tmux::Tmux;
use e2e::wait;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Pids of live processes whose environment holds `GDO=<marker>`.
fn pids_with(marker: &str) -> Vec<i32> {
    let want = format!("GDO={marker}");
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| procs::alive(*pid))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == want.as_bytes()))
        })
        .filter_map(|pid| i32::try_from(pid).ok())
        .collect()
}

/// Kills whatever of the marked family is still alive when dropped, so a
/// failing test leaves no `sleep 300` behind.
struct MarkerGuard(String);

impl Drop for MarkerGuard {
    fn drop(&mut self) {
        for pid in pids_with(&self.0) {
            // SAFETY: kill(2) has no memory-safety preconditions.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

fn marker(label: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("gdorphan-{label}-{}-{nanos}", std::process::id())
}

/// A step whose shell starts a background grandchild, a `setsid` daemon
/// and a foreground sleep, all marked.
fn family_step(marker: &str) -> Value {
    let script = format!("export GDO={marker}; sleep 300 & setsid sleep 300 & sleep 300");
    json!({"type": "action", "name": "family", "provider": {"type": "process", "path": "sh", "arguments": ["-c", script]}})
}

fn experiment(marker: &str) -> Value {
    json!({
        "version": "1.0.0",
        "title": "No orphans",
        "description": "a step with a grandchild and a daemon",
        "method": [family_step(marker)],
    })
}

/// Wait until the three marked sleeps run (the shell itself carries no
/// marker: it exported it after it started).
fn wait_family(marker: &str) {
    wait::until(
        "the step's three sleeps",
        Duration::from_secs(15),
        || (pids_with(marker).len() >= 3).then_some(()),
        || format!("marked now: {:?}", pids_with(marker)),
    );
}

/// After gameday died: nothing marked is alive 2 s later.
fn assert_family_gone_within_2s(marker: &str, how: &str) {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let left = pids_with(marker);
        if left.is_empty() {
            return;
        }
        let described: Vec<String> = left
            .iter()
            .map(|p| {
                let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
                format!("{p}: {}", stat.trim())
            })
            .collect();
        assert!(
            Instant::now() < deadline,
            "{how}: processes of the step outlived gameday by 2 s:\n{}",
            described.join("\n")
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn sigkill(pid: u32) {
    procs::signal(pid, libc::SIGKILL);
}

fn headless(sb: &Sandbox, exp: &Path) -> Command {
    let mut cmd = Command::new(sandbox::BIN);
    cmd.args(["run", "--headless", "--no-report", "--journal-path"])
        .arg(sb.path().join("journal.json"))
        .arg(exp)
        .current_dir(sb.path())
        .env("GAMEDAY_DATA_DIR", sb.path().join("data"))
        .env("GAMEDAY_CONFIG", sb.path().join("config.yaml"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

#[test]
fn sigkill_of_a_headless_run_leaves_no_descendant() {
    let sb = Sandbox::new();
    let marker = marker("headless");
    let _guard = MarkerGuard(marker.clone());
    let exp = sb.experiment("experiment.json", &experiment(&marker));
    let mut child = headless(&sb, &exp).spawn().expect("start gameday");
    wait_family(&marker);
    sigkill(child.id());
    let _ = child.wait();
    assert_family_gone_within_2s(&marker, "SIGKILL of gameday run --headless");
}

#[test]
fn sigkill_of_the_console_leaves_no_descendant() {
    let sb = Sandbox::new();
    let marker = marker("console");
    let _guard = MarkerGuard(marker.clone());
    let exp = sb.experiment("experiment.json", &experiment(&marker));
    let script = sb.run_script(&exp, &[], "");
    let tmux = Tmux::start("noorphans", &script);
    let session = sb.wait_session_dir();
    tmux.wait_decision("action", "family");
    tmux.keys(&["Enter"]);
    wait_event(&session, "process_started", |e| kind(e) == "process_started");
    wait_family(&marker);
    let shell = tmux.pane_pid();
    let console = wait::until(
        "the gameday process in the pane",
        wait::DEFAULT,
        || procs::child_named(shell, "gameday"),
        || format!("pane shell pid {shell}"),
    );
    sigkill(console);
    wait::until(
        "the console to die",
        Duration::from_secs(5),
        || (!procs::alive(console)).then_some(()),
        || format!("console pid {console}"),
    );
    assert_family_gone_within_2s(&marker, "SIGKILL of the console");
}

/// One process's system calls, as `strace -ff` writes them (one file per pid).
struct Traced {
    /// `(flags, new pid)` of every clone/clone3/fork/vfork that succeeded.
    created: Vec<(String, u32)>,
    /// Programs this process exec'd successfully.
    execs: Vec<String>,
}

/// Read `PREFIX.<pid>` files into pid → what it did.
fn read_traces(dir: &Path, prefix: &str) -> HashMap<u32, Traced> {
    let mut out = HashMap::new();
    for entry in std::fs::read_dir(dir).expect("trace dir").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(pid) = name.strip_prefix(&format!("{prefix}.")).and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let mut t = Traced { created: Vec::new(), execs: Vec::new() };
        for line in text.lines() {
            let is_spawn = ["clone(", "clone3(", "fork(", "vfork("].iter().any(|c| line.starts_with(c));
            if is_spawn {
                let child = line.rsplit_once(") = ").and_then(|(_, r)| r.trim().parse::<u32>().ok());
                if let Some(child) = child {
                    let flags = if line.starts_with("vfork(") {
                        "CLONE_VM|CLONE_VFORK".to_string()
                    } else if line.starts_with("fork(") {
                        String::new()
                    } else {
                        line.split_once("flags=")
                            .map(|(_, r)| r.split([',', '}']).next().unwrap_or("").to_string())
                            .unwrap_or_default()
                    };
                    t.created.push((flags, child));
                }
            } else if line.starts_with("execve(") && line.trim_end().ends_with("= 0") {
                let prog = line.split('"').nth(1).unwrap_or("").to_string();
                t.execs.push(prog);
            }
        }
        out.insert(pid, t);
    }
    out
}

fn strace_available() -> PathBuf {
    match Command::new("strace").arg("-V").output() {
        Ok(o) if o.status.success() => PathBuf::from("strace"),
        other => panic!("strace is required for this test and cannot be run: {other:?}"),
    }
}

#[test]
fn activities_are_spawned_without_a_plain_fork_of_gameday() {
    let strace = strace_available();
    let sb = Sandbox::new();
    let steps: Vec<Value> = (0..4)
        .map(|i| json!({"type": "action", "name": format!("t{i}"), "provider": {"type": "process", "path": "true"}}))
        .collect();
    let exp = sb.experiment(
        "experiment.json",
        &json!({"version": "1.0.0", "title": "spawn", "description": "d", "method": steps}),
    );
    let traces = sb.path().join("traces");
    std::fs::create_dir_all(&traces).expect("trace dir");
    let gameday = headless(&sb, &exp);
    let mut cmd = Command::new(strace);
    cmd.args(["-f", "-ff", "-qq", "-e", "trace=clone,clone3,vfork,fork,execve", "-o"])
        .arg(traces.join("t"))
        .arg(gameday.get_program())
        .args(gameday.get_args())
        .current_dir(sb.path())
        .env("GAMEDAY_DATA_DIR", sb.path().join("data"))
        .env("GAMEDAY_CONFIG", sb.path().join("config.yaml"))
        .stdin(Stdio::null());
    let out = cmd.output().expect("run strace");
    assert!(out.status.success(), "strace gameday failed: {}", String::from_utf8_lossy(&out.stderr));
    let all = read_traces(&traces, "t");
    // gameday's own process: the one that exec'd the gameday binary.
    let (&gameday_pid, _) = all
        .iter()
        .find(|(_, t)| t.execs.iter().any(|p| p.ends_with("/gameday")))
        .expect("the gameday process in the trace");
    let parent_of: HashMap<u32, (u32, &str)> = all
        .iter()
        .flat_map(|(&pid, t)| t.created.iter().map(move |(flags, child)| (*child, (pid, flags.as_str()))))
        .collect();
    let trues: Vec<u32> =
        all.iter().filter(|(_, t)| t.execs.iter().any(|p| p.ends_with("/true"))).map(|(&pid, _)| pid).collect();
    assert_eq!(trues.len(), 4, "four `true` activities were exec'd: {trues:?}");
    for pid in &trues {
        let (parent, flags) = parent_of.get(pid).copied().unwrap_or((0, "?"));
        assert!(
            flags.contains("CLONE_VM") && flags.contains("CLONE_VFORK"),
            "activity {pid} was created by {parent} with flags {flags:?}, not by posix_spawn/vfork"
        );
    }
    // gameday itself: plain forks (no CLONE_VM) at most once, before any thread.
    let own = &all[&gameday_pid].created;
    let plain: Vec<usize> =
        own.iter().enumerate().filter(|(_, (f, _))| !f.contains("CLONE_VM")).map(|(i, _)| i).collect();
    assert!(plain.len() <= 1, "gameday forked itself {} times: {own:?}", plain.len());
    if let Some(&at) = plain.first() {
        assert!(
            !own[..at].iter().any(|(f, _)| f.contains("CLONE_THREAD")),
            "gameday's one fork (the spawner) came after it started threads: {own:?}"
        );
    }
}

fn journal_of(sb: &Sandbox) -> Value {
    let text = std::fs::read_to_string(sb.path().join("journal.json")).expect("journal written");
    serde_json::from_str(&text).expect("journal parses")
}

/// A timeout still kills the step's whole family (grandchild and `setsid`
/// daemon) while gameday goes on, and the spawner ends with gameday.
#[test]
fn a_timeout_kills_the_family_while_gameday_runs_and_the_spawner_ends_with_it() {
    let sb = Sandbox::new();
    let marker = marker("timeout");
    let _guard = MarkerGuard(marker.clone());
    let mut step = family_step(&marker);
    step["provider"]["timeout"] = json!(1.0);
    let then =
        json!({"type": "action", "name": "then", "provider": {"type": "process", "path": "sleep", "arguments": "3"}});
    let doc = json!({"version": "1.0.0", "title": "t", "description": "d", "method": [step, then]});
    let exp = sb.experiment("experiment.json", &doc);
    let mut child = headless(&sb, &exp).spawn().expect("start gameday");
    let gameday = child.id();
    wait_family(&marker);
    let spawner = procs::child_named(gameday, "gameday-spawner").expect("gameday's spawner child");
    wait::until(
        "the timed-out family to be killed",
        Duration::from_secs(5),
        || pids_with(&marker).is_empty().then_some(()),
        || format!("left: {:?}", pids_with(&marker)),
    );
    assert!(procs::alive(gameday), "the family must be killed by the timeout, not by gameday's end");
    let status = child.wait().expect("wait gameday");
    assert!(status.success(), "{status:?}");
    wait::until(
        "the spawner to end with gameday",
        Duration::from_secs(2),
        || (!procs::alive(spawner)).then_some(()),
        || format!("spawner {spawner}: {:?}", procs::stat(spawner)),
    );
    let j = journal_of(&sb);
    let first = &j["run"][0];
    assert_eq!(first["status"], "failed", "{first:#}");
    assert!(first["exception"].to_string().contains("took too long"), "{first:#}");
    assert_eq!(j["run"][1]["status"], "succeeded", "{j:#}");
}

/// What a process reports is what it was before the spawner: exit codes,
/// death by a signal as a negative status, both streams, gameday's
/// environment — the one it was started with and the variables a
/// `--var-file` adds after the spawner was forked — and its directory.
#[test]
fn exit_status_streams_environment_and_directory_are_kept() {
    let sb = Sandbox::new();
    let argv = |name: &str, script: &str| json!({"type": "action", "name": name, "provider": {"type": "process", "path": "sh", "arguments": ["-c", script]}});
    let doc = json!({
        "version": "1.0.0", "title": "t", "description": "d",
        "method": [
            argv("code", "echo out; echo err >&2; exit 3"),
            argv("signal", "kill -9 $$"),
            argv("env", "echo \"$GDO_FROM_CALLER\"; echo \"$GDO_FROM_FILE\"; pwd"),
        ],
    });
    let exp = sb.experiment("experiment.json", &doc);
    let vars = sb.path().join("vars.env");
    std::fs::write(&vars, "GDO_FROM_FILE=read later\n").expect("var file");
    let mut cmd = headless(&sb, &exp);
    cmd.arg("--var-file").arg(&vars).env("GDO_FROM_CALLER", "handed down");
    let status = cmd.status().expect("run gameday");
    assert!(status.success(), "{status:?}");
    let j = journal_of(&sb);
    let out = |i: usize| j["run"][i]["output"].clone();
    assert_eq!(out(0), json!({"status": 3, "stdout": "out\n", "stderr": "err\n"}));
    assert_eq!(out(1)["status"], -9, "{:#}", out(1));
    let dir = sb.path().canonicalize().expect("sandbox path");
    assert_eq!(out(2)["stdout"], format!("handed down\nread later\n{}\n", dir.display()), "{:#}", out(2));
}
