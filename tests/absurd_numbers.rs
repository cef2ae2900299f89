//! Absurd numbers of seconds (`1e308`, `"1e308"`, `1e20`, `inf`,
//! `[1e19, 1e19]`) in every duration and timeout a playbook or experiment
//! can carry: `gameday validate` and `gameday run --headless` refuse them
//! at the value's file:line:column, and nothing panics. Also: a week is
//! still accepted, `--hypothesis-frequency` is checked on the command line,
//! a timeout that only a run can see (`${name}`) does not panic, a
//! negative process timeout fails the activity as Chaos Toolkit does, and
//! the demo service's load generator survives a vanishing rate.
mod common;

use common::tools::{RunSpec, Tool, gameday_bin, run_tool};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A playbook with one `{field}` placeholder per duration or timeout.
const PLAYBOOK: &str = r#"gameday: 1
title: Absurd numbers
description: Every duration is range-checked.
style: informed-in-advance
roles:
  facilitator: Alex
  safety_monitor: Sam
when:
  start: "2025-03-14T09:00:00Z"
  duration: {when}
safeguards:
  - type: probe
    name: healthy
    tolerance: 0
    every: {every}
    provider:
      type: process
      path: sh
      arguments: ["-c", "exit 0"]
on_stop:
  - type: action
    name: halt
    provider:
      type: process
      path: sh
      arguments: ["-c", "true"]
      timeout: {halt_timeout}
method:
  - type: action
    name: touch
    timeout: {activity_timeout}
    pauses:
      after: {pause}
    provider:
      type: process
      path: sh
      arguments: ["-c", "touch method-ran"]
      timeout: {process_timeout}
  - type: probe
    name: call
    provider:
      type: http
      url: http://127.0.0.1:9/
      timeout: {http_timeout}
  - type: manual
    name: look
    instructions: Look at the dashboard.
    at: {at}
    timebox: {timebox}
"#;

/// An experiment (JSON) with the same kind of placeholders.
const EXPERIMENT: &str = r#"{
  "title": "Absurd numbers",
  "description": "Every timeout is range-checked.",
  "steady-state-hypothesis": {
    "title": "up",
    "probes": [
      {
        "type": "probe",
        "name": "up",
        "tolerance": 0,
        "provider": {"type": "process", "path": "sh", "arguments": ["-c", "exit 0"],
          "timeout": {probe_timeout}}
      }
    ]
  },
  "method": [
    {
      "type": "action",
      "name": "touch",
      "timeout": {activity_timeout},
      "pauses": {"before": {pause}},
      "provider": {"type": "process", "path": "sh", "arguments": ["-c", "touch method-ran"],
        "timeout": {process_timeout}}
    },
    {
      "type": "probe",
      "name": "call",
      "provider": {"type": "http", "url": "http://127.0.0.1:9/",
        "timeout": {http_timeout}}
    }
  ]
}
"#;

/// Sensible values for every placeholder (a week where it is the limit).
const DEFAULTS: &[(&str, &str)] = &[
    ("when", "2h"),
    ("every", "10s"),
    ("halt_timeout", "5"),
    ("activity_timeout", "5"),
    ("pause", "0"),
    ("process_timeout", "5"),
    ("http_timeout", "[1, 2]"),
    ("timebox", "5m"),
    ("at", "T+5m"),
    ("probe_timeout", "5"),
];

/// Where the error must point.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// At the value itself.
    Value,
    /// At the first element of a `[connect, read]` pair.
    FirstOfPair,
    /// At the activity holding it (Chaos Toolkit's own type checks, which
    /// name no key).
    Activity,
}

/// One absurd value in one field, and what the refusal must say.
struct Case {
    field: &'static str,
    value: &'static str,
    message: &'static str,
    place: Place,
}

const fn case(field: &'static str, value: &'static str, message: &'static str, place: Place) -> Case {
    Case { field, value, message, place }
}

const TOO_LONG: &str = "is longer than gameday accepts: at most a week (604800 s)";

/// YAML floats need a dot and a signed exponent (PyYAML's rule); `1e308`
/// would be text there.
const PLAYBOOK_CASES: &[Case] = &[
    case("when", "1.0e+308", TOO_LONG, Place::Value),
    case("when", "\"1e308\"", TOO_LONG, Place::Value),
    case("when", "1.0e+20", TOO_LONG, Place::Value),
    case("when", "\"inf\"", "is not a duration", Place::Value),
    case("when", ".inf", "is not a finite number", Place::Value),
    case("when", "[1.0e+19, 1.0e+19]", "expected a duration", Place::Value),
    case("when", "169h", TOO_LONG, Place::Value),
    case("every", "1.0e+308", TOO_LONG, Place::Value),
    case("every", "\"1e308\"", TOO_LONG, Place::Value),
    case("every", "1.0e+20", TOO_LONG, Place::Value),
    case("every", "\"inf\"", "is not a duration", Place::Value),
    case("every", "[1.0e+19, 1.0e+19]", "expected a duration", Place::Value),
    case("timebox", "1.0e+308", TOO_LONG, Place::Value),
    case("timebox", "\"1e308\"", TOO_LONG, Place::Value),
    case("timebox", "1.0e+20", TOO_LONG, Place::Value),
    case("timebox", "\"inf\"", "is not a duration", Place::Value),
    case("timebox", "[1.0e+19, 1.0e+19]", "expected a duration", Place::Value),
    case("at", "T+169h", TOO_LONG, Place::Value),
    case("at", "T+1e308", TOO_LONG, Place::Value),
    case("halt_timeout", "1.0e+308", TOO_LONG, Place::Value),
    case("halt_timeout", "\"1e308\"", "must be a number of seconds, not a string", Place::Value),
    case("halt_timeout", "1.0e+20", TOO_LONG, Place::Value),
    case("halt_timeout", "\"inf\"", "must be a number of seconds, not a string", Place::Value),
    case("halt_timeout", "[1.0e+19, 1.0e+19]", "must be a number of seconds, not a list", Place::Value),
    case("process_timeout", "1.0e+308", TOO_LONG, Place::Value),
    case("process_timeout", "\"1e308\"", "must be a number of seconds, not a string", Place::Value),
    case("process_timeout", "1.0e+20", TOO_LONG, Place::Value),
    case("process_timeout", ".inf", "is not a finite number", Place::Value),
    case("http_timeout", "1.0e+308", TOO_LONG, Place::Value),
    case("http_timeout", "\"1e308\"", "must be a number of seconds, not a string", Place::Value),
    case("http_timeout", "[1.0e+19, 1.0e+19]", TOO_LONG, Place::FirstOfPair),
    case("activity_timeout", "1.0e+308", TOO_LONG, Place::Value),
    case("activity_timeout", "1.0e+20", TOO_LONG, Place::Value),
    case("activity_timeout", "\"1e308\"", "activity timeout must be a number", Place::Activity),
    case("pause", "1.0e+308", TOO_LONG, Place::Value),
    case("pause", "\"inf\"", "pause must be a number or a pattern", Place::Activity),
];

const EXPERIMENT_CASES: &[Case] = &[
    case("activity_timeout", "1e308", TOO_LONG, Place::Value),
    case("activity_timeout", "1e20", TOO_LONG, Place::Value),
    case("process_timeout", "1e308", TOO_LONG, Place::Value),
    case("process_timeout", "1e20", TOO_LONG, Place::Value),
    case("process_timeout", "\"1e308\"", "must be a number of seconds, not a string", Place::Value),
    case("process_timeout", "\"inf\"", "must be a number of seconds, not a string", Place::Value),
    case("process_timeout", "[1e19, 1e19]", "must be a number of seconds, not a list", Place::Value),
    case("probe_timeout", "1e308", TOO_LONG, Place::Value),
    case("http_timeout", "1e308", TOO_LONG, Place::Value),
    case("http_timeout", "[1e19, 1e19]", TOO_LONG, Place::FirstOfPair),
    case("pause", "1e308", TOO_LONG, Place::Value),
];

/// `template` with `field` set to `value` and every other placeholder to
/// its default, and the 1-based line and column where `value` starts.
fn render(template: &str, field: &str, value: &str) -> (String, usize, usize) {
    let marker = format!("{{{field}}}");
    let at = template.find(&marker).unwrap_or_else(|| panic!("no {marker} in the template"));
    let line = template[..at].matches('\n').count() + 1;
    let column = template[..at].rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let mut text = template.replace(&marker, value);
    for (name, default) in DEFAULTS {
        text = text.replace(&format!("{{{name}}}"), default);
    }
    (text, line, column)
}

/// Line and column of the activity that holds line `line` (its `type` key,
/// where a mapping in a list starts).
fn activity_place(text: &str, line: usize) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    for i in (0..line).rev() {
        if let Some(col) = lines[i].find("- type:") {
            return (i + 1, col + 3);
        }
    }
    panic!("no activity above line {line}");
}

fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("gameday-absurd-").tempdir().expect("temp dir")
}

/// How long one `gameday` may take here: a refusal takes milliseconds, and
/// an absurd value that slips through would wait far longer (a hang must
/// fail the test, not stall it).
const BOUND: Duration = Duration::from_secs(15);

/// `gameday ARGS` in `dir`, with its sessions kept there; killed (and shown
/// as exit `None` with a note) when it outlives [`BOUND`].
fn gameday(dir: &Path, args: &[&str]) -> Output {
    let (out_path, err_path) = (dir.join("gameday-stdout.txt"), dir.join("gameday-stderr.txt"));
    let out = std::fs::File::create(&out_path).expect("stdout file");
    let err = std::fs::File::create(&err_path).expect("stderr file");
    let mut child = Command::new(gameday_bin())
        .args(args)
        .current_dir(dir)
        .env("GAMEDAY_DATA_DIR", dir.join("gameday-data"))
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("start gameday");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for gameday") {
            break status;
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            break child.wait().expect("reap gameday");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = std::fs::read(&err_path).unwrap_or_default();
    if started.elapsed() > BOUND {
        stderr.extend_from_slice(format!("\n[test: killed after {} s]\n", BOUND.as_secs()).as_bytes());
    }
    Output { status, stdout: std::fs::read(&out_path).unwrap_or_default(), stderr }
}

fn all_output(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Check one refusal; `Err` describes what went wrong.
fn refused(o: &Output, file: &Path, place: (usize, usize), message: &str) -> Result<(), String> {
    let out = all_output(o);
    if out.contains("panicked") {
        return Err(format!("panicked:\n{out}"));
    }
    if o.status.code() != Some(1) {
        return Err(format!("exit {:?} instead of 1:\n{out}", o.status.code()));
    }
    let prefix = format!("{}:{}:{}: ", file.display(), place.0, place.1);
    let located = out.lines().find(|l| l.contains(&prefix));
    match located {
        Some(l) if l.contains(message) => Ok(()),
        Some(l) => Err(format!("located but the message lacks '{message}': {l}")),
        None => Err(format!("no '{prefix}…' in:\n{out}")),
    }
}

/// Every case through `gameday validate` and `gameday run --headless`.
fn check_cases(template: &str, file_name: &str, cases: &[Case]) {
    let mut failures = Vec::new();
    let mut wrong_cases = 0;
    for c in cases {
        let before = failures.len();
        let dir = scratch();
        let (text, line, column) = render(template, c.field, c.value);
        let place = match c.place {
            Place::Value => (line, column),
            Place::FirstOfPair => (line, column + 1),
            Place::Activity => activity_place(&text, line),
        };
        let file = dir.path().join(file_name);
        std::fs::write(&file, &text).expect("write the document");
        let name = file.to_str().expect("utf-8 path");
        let what = format!("{} = {}", c.field, c.value);
        if let Err(e) = refused(&gameday(dir.path(), &["validate", name]), &file, place, c.message) {
            failures.push(format!("validate, {what}: {e}"));
        }
        let run = gameday(dir.path(), &["run", "--headless", name]);
        if let Err(e) = refused(&run, &file, place, c.message) {
            failures.push(format!("run --headless, {what}: {e}"));
        }
        if dir.path().join("method-ran").exists() {
            failures.push(format!("run --headless, {what}: the method ran"));
        }
        wrong_cases += usize::from(failures.len() > before);
    }
    assert!(failures.is_empty(), "{wrong_cases} of {} cases wrong:\n{}", cases.len(), failures.join("\n"));
}

#[test]
fn absurd_playbook_durations_are_refused_at_their_place() {
    check_cases(PLAYBOOK, "absurd.yaml", PLAYBOOK_CASES);
}

#[test]
fn absurd_experiment_timeouts_are_refused_at_their_place() {
    check_cases(EXPERIMENT, "absurd.json", EXPERIMENT_CASES);
}

/// The limit itself is accepted everywhere, so the refusals above are
/// about the values and not about the documents.
#[test]
fn a_week_is_accepted_everywhere() {
    let week = [
        ("when", "168h"),
        ("every", "604800"),
        ("timebox", "\"604800\""),
        ("at", "T+168h"),
        ("halt_timeout", "604800"),
        ("activity_timeout", "604800"),
        ("pause", "604800"),
        ("process_timeout", "604800.0"),
        ("http_timeout", "[604800, 604800]"),
        ("probe_timeout", "604800"),
    ];
    for (template, file_name) in [(PLAYBOOK, "week.yaml"), (EXPERIMENT, "week.json")] {
        let dir = scratch();
        let mut text = template.to_string();
        for (field, value) in week {
            text = text.replace(&format!("{{{field}}}"), value);
        }
        let file = dir.path().join(file_name);
        std::fs::write(&file, &text).expect("write the document");
        let o = gameday(dir.path(), &["validate", file.to_str().expect("utf-8 path")]);
        assert_eq!(o.status.code(), Some(0), "{file_name}:\n{}", all_output(&o));
    }
}

/// A steady state that the continuous hypothesis checks.
const CONTINUOUS: &str = r#"{"title": "t", "description": "d",
 "steady-state-hypothesis": {"title": "up", "probes": [{"type": "probe", "name": "up", "tolerance": 0,
   "provider": {"type": "process", "path": "sh", "arguments": ["-c", "exit 0"]}}]},
 "method": [{"type": "action", "name": "touch", "provider": {"type": "process", "path": "sh",
   "arguments": ["-c", "touch method-ran"]}}]}"#;

#[test]
fn absurd_hypothesis_frequencies_are_command_line_errors() {
    let mut failures = Vec::new();
    for value in ["1e308", "1e20", "inf", "NaN", "-1", "604801", "often"] {
        let dir = scratch();
        let file = dir.path().join("continuous.json");
        std::fs::write(&file, CONTINUOUS).expect("write the experiment");
        // `=`: a leading `-` would read as a flag.
        let flag = format!("--hypothesis-frequency={value}");
        let args =
            ["run", "--headless", file.to_str().expect("utf-8 path"), "--hypothesis-strategy", "continuously", &flag];
        let o = gameday(dir.path(), &args);
        let out = all_output(&o);
        let clear = out.contains(&format!("invalid value '{value}' for '--hypothesis-frequency"));
        if out.contains("panicked") || o.status.code() != Some(2) || !clear {
            failures.push(format!("--hypothesis-frequency {value}: exit {:?}\n{out}", o.status.code()));
        }
        if dir.path().join("method-ran").exists() {
            failures.push(format!("--hypothesis-frequency {value}: the method ran"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_valid_hypothesis_frequency_still_runs() {
    let dir = scratch();
    let file = dir.path().join("continuous.json");
    std::fs::write(&file, CONTINUOUS).expect("write the experiment");
    let name = file.to_str().expect("utf-8 path");
    let args = ["run", "--headless", name, "--hypothesis-strategy", "continuously", "--hypothesis-frequency", "0.2"];
    let o = gameday(dir.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    assert!(dir.path().join("method-ran").exists());
}

/// Validation cannot see a `${name}` timeout: the run clamps it to a week
/// instead of panicking on the sum of a `[connect, read]` pair.
#[test]
fn a_substituted_absurd_http_timeout_does_not_panic_the_run() {
    let dir = scratch();
    let file = dir.path().join("substituted.json");
    let experiment = r#"{"title": "t", "description": "d", "configuration": {"c": 1e19, "r": 1e19},
      "method": [{"type": "probe", "name": "call",
        "provider": {"type": "http", "url": "http://127.0.0.1:9/", "timeout": ["${c}", "${r}"]}},
        {"type": "action", "name": "touch", "provider": {"type": "process", "path": "sh",
          "arguments": ["-c", "touch method-ran"]}}]}"#;
    std::fs::write(&file, experiment).expect("write the experiment");
    let journal = dir.path().join("journal.json");
    let name = file.to_str().expect("utf-8 path");
    let o = gameday(dir.path(), &["run", "--headless", name, "--journal-path", journal.to_str().expect("utf-8")]);
    let out = all_output(&o);
    assert!(!out.contains("panicked"), "{out}");
    assert_eq!(o.status.code(), Some(0), "{out}");
    let journal: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&journal).expect("journal written")).expect("journal JSON");
    assert_eq!(journal["status"], "completed", "{journal}");
    assert_eq!(journal["run"][0]["status"], "failed", "the refused connection fails the probe: {journal}");
    assert!(dir.path().join("method-ran").exists(), "the run went on after the probe");
}

/// Chaos Toolkit's `subprocess.run(timeout=-1)` (or `0`) times out at once:
/// the activity fails with "process activity took too long to complete" and
/// the run completes. gameday used to ignore a negative timeout and run
/// the command to its end.
#[test]
fn a_negative_or_zero_process_timeout_fails_at_once_like_chaos_toolkit() {
    for timeout in ["-1", "0"] {
        let runs: Vec<(Tool, serde_json::Value, bool)> = [Tool::Chaos, Tool::Gameday]
            .into_iter()
            .map(|tool| {
                let dir = scratch();
                let file = dir.path().join("negative.json");
                let experiment = format!(
                    r#"{{"title": "t", "description": "d", "method": [{{"type": "action", "name": "slow",
                      "provider": {{"type": "process", "path": "sh",
                        "arguments": ["-c", "sleep 1; touch method-ran"], "timeout": {timeout}}}}}]}}"#
                );
                std::fs::write(&file, experiment).expect("write the experiment");
                let spec = RunSpec {
                    experiment: &file,
                    args: &[],
                    env: &[],
                    cwd: dir.path(),
                    signal: None,
                    signal_gate: None,
                    timeout: Duration::from_secs(60),
                };
                let outcome = run_tool(tool, &spec);
                let Some(journal) = outcome.journal.clone() else {
                    panic!(
                        "{} wrote no journal: {:?}\n{}",
                        tool.label(),
                        outcome.journal_error,
                        outcome.stderr_tail(20)
                    )
                };
                // Long enough for the command to have finished had it run on.
                std::thread::sleep(Duration::from_millis(1500));
                (tool, journal, dir.path().join("method-ran").exists())
            })
            .collect();
        for (tool, journal, ran) in &runs {
            let who = format!("{} with timeout {timeout}", tool.label());
            assert_eq!(journal["status"], "completed", "{who}: {journal}");
            assert_eq!(journal["run"][0]["status"], "failed", "{who}: {journal}");
            let last = journal["run"][0]["exception"].as_array().and_then(|e| e.last()).and_then(|l| l.as_str());
            assert_eq!(
                last,
                Some("chaoslib.exceptions.ActivityFailed: process activity took too long to complete\n"),
                "{who}"
            );
            assert!(!ran, "{who}: the command ran to its end");
        }
    }
}

/// The demo service's load generator takes its rate from the request: a
/// vanishing one asked for a period no `Duration` can hold and panicked the
/// handler (the caller got a dropped connection).
#[tokio::test]
async fn the_demo_load_generator_survives_a_vanishing_rate() {
    let svc = gameday::demo::start(None).await.expect("start the demo service");
    let client =
        gameday::net::client_builder().no_proxy().timeout(Duration::from_secs(20)).build().expect("HTTP client");
    let url = format!("{}/admin/load?rps=1e-300&seconds=1", svc.base_url());
    let started = Instant::now();
    let reply = client.post(&url).send().await;
    let reply = match reply {
        Ok(r) => r,
        Err(e) => panic!("no answer from /admin/load: {e}"),
    };
    assert_eq!(reply.status().as_u16(), 200);
    let body: serde_json::Value = reply.json().await.expect("a JSON answer");
    // One request at the start, at most one more when the second ends.
    assert!(body["sent"].as_u64().is_some_and(|n| (1..=2).contains(&n)), "{body}");
    assert!(started.elapsed() < Duration::from_secs(10), "the load outlived its second: {:?}", started.elapsed());
    svc.shutdown().await.expect("stop the demo service");
}
