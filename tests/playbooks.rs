//! Playbooks: the broken corpus (`tests/playbooks/`, each with its exact
//! message and file:line:col), every shipped playbook validates, every
//! exported playbook passes the real `chaos validate`, `experiment:`
//! wrapping, and `gameday init` through the real binary.
use gameday::load::ValidateOptions;
use gameday::load::validate::validate_file;
use gameday::model::playbook::{Phase, Playbook, ReadinessCheck, Style, export::to_chaostoolkit, resolve};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/playbooks").join(name)
}

fn shipped() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")))
        .filter(|p| p.file_stem().and_then(|s| s.to_str()) != Some("backlog"))
        .collect();
    v.sort();
    v
}

/// (fixture, line, column, exact message)
const BROKEN: &[(&str, usize, usize, &str)] = &[
    (
        "style-empty",
        5,
        8,
        "the style must be dungeons-and-dragons, informed-in-advance or your own non-empty name, not empty text",
    ),
    (
        "style-list",
        5,
        8,
        "the style must be dungeons-and-dragons, informed-in-advance or your own non-empty name, not a list",
    ),
    ("roles-safety-monitor-typo", 8, 3, "unknown role key 'safety-monitor': did you mean `safety_monitor`?"),
    ("roles-facilitator-list", 7, 16, "the facilitator is one person's name (text), not a list"),
    ("invite-bad-role", 11, 11, "the role of invitee 'On-call' must be participant or observer, not 'guest'"),
    ("invite-no-role", 10, 5, "invitee 'On-call' needs a `role`: participant or observer"),
    (
        "when-start-not-rfc3339",
        16,
        10,
        "`when.start` 'next tuesday at nine' is not an RFC 3339 date and time; write it like \"2025-03-14T09:00:00+01:00\" or \"2025-03-14T08:00:00Z\"",
    ),
    ("when-bad-duration", 17, 13, "`when.duration`: '2 hours' is not a duration (use e.g. 500ms, 10s, 2m, 1h30m)"),
    ("approval-not-boolean", 20, 15, "`approved` for Bob must be true or false, not text ('maybe')"),
    ("manual-no-instructions", 28, 5, "manual step 'look' has no `instructions`: say what the person should do"),
    ("manual-bad-timebox", 31, 14, "timebox: '5 minutes-ish' is not a duration (use e.g. 500ms, 10s, 2m, 1h30m)"),
    (
        "manual-bad-at",
        32,
        9,
        "`at` '15m' is not a planned offset; write T+ and a duration, like \"T+15m\" or \"T+1h30m\"",
    ),
    ("manual-expect-number", 32, 13, "the expected outcome (`expect`) of a manual step must be text, not a number"),
    ("gameday-version", 2, 10, "`gameday:` is the playbook format version and must be 1, not 2"),
    ("method-no-provider", 22, 5, "an activity requires a provider"),
    ("safeguard-action", 22, 11, "a safeguard must be a probe (type: probe): it is checked, never acted on"),
    ("safeguard-bad-every", 25, 12, "`every`: 'often' is not a duration (use e.g. 500ms, 10s, 2m, 1h30m)"),
    ("safeguard-bad-on-violation", 25, 19, "`on_violation` must be stop or warn, not 'panic'"),
    ("safeguard-no-url", 22, 5, "a safeguard: a HTTP activity must have a URL"),
    ("on-stop-no-provider", 22, 5, "a halt action: an activity requires a provider"),
    (
        "on-stop-manual",
        22,
        11,
        "a halt action runs on its own the moment STOP is pressed, so it cannot be a manual step",
    ),
    (
        "preflight-mapping",
        23,
        5,
        "a preflight item is either text (ticked by a person) or a probe with a tolerance, not a mapping without `type`",
    ),
    ("notify-bad-webhook", 22, 3, "the notify webhook must be an http:// or https:// URL"),
    (
        "experiment-invalid",
        21,
        13,
        "the wrapped experiment 'wrapped-without-description.json' is not valid: experiment requires a description",
    ),
];

#[test]
fn broken_playbooks_give_precise_messages_with_places() {
    assert!(BROKEN.len() >= 15);
    let mut failures = Vec::new();
    for (name, line, column, message) in BROKEN {
        let path = fixture(&format!("{name}.yaml"));
        let err = match validate_file(&path, &ValidateOptions::default()) {
            Ok(_) => {
                failures.push(format!("{name}: validated but should not"));
                continue;
            }
            Err(e) => e,
        };
        let got = (err.line.unwrap_or(0), err.column.unwrap_or(0), err.message.as_str());
        if got != (*line, *column, *message) {
            failures
                .push(format!("{name}: expected {line}:{column}: {message}\n      got {}:{}: {}", got.0, got.1, got.2));
            continue;
        }
        // The report names the file and shows the offending line.
        let shown = err.to_string();
        assert!(shown.starts_with(&format!("{}:{line}:{column}: ", path.display())), "{shown}");
        assert!(shown.contains(&format!("\n{line} | ")), "{shown}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn missing_wrapped_experiment_is_located_and_explained() {
    let err = validate_file(&fixture("experiment-missing.yaml"), &ValidateOptions::default()).unwrap_err();
    assert_eq!((err.line, err.column), (Some(21), Some(13)));
    assert!(
        err.message.starts_with("the wrapped experiment file 'no-such-experiment.json' does not exist (looked for "),
        "{}",
        err.message
    );
}

#[test]
fn plain_validate_prefixes_the_pointer() {
    let loaded = gameday::load::load_path(&fixture("manual-bad-timebox.yaml")).unwrap();
    let e = gameday::load::validate(&loaded.doc, &ValidateOptions::default()).unwrap_err();
    assert_eq!(
        e.message,
        "at /method/1/timebox: timebox: '5 minutes-ish' is not a duration (use e.g. 500ms, 10s, 2m, 1h30m)"
    );
}

#[test]
fn every_shipped_playbook_validates() {
    let files = shipped();
    assert!(files.len() >= 7, "{files:?}");
    // The driver playbooks' python activities are imported and bound to the
    // drivers' signatures: use the venv that has them.
    let python = chaos().with_file_name("python").to_string_lossy().into_owned();
    let options = ValidateOptions { python: Some(python), ..ValidateOptions::default() };
    for path in files {
        if let Err(e) = validate_file(&path, &options) {
            panic!("{} does not validate:\n{e}", path.display());
        }
        let doc = resolve(&path).unwrap();
        if doc.get("gameday").is_some() {
            Playbook::from_doc(&doc).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

#[test]
fn typed_views_of_the_people_drill() {
    let doc =
        resolve(&Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/people-drill-expert-unavailable.yaml")).unwrap();
    let p = Playbook::from_doc(&doc).unwrap();
    assert!(p.is_dungeons_and_dragons());
    assert_eq!(p.style(), Some(&Style::DungeonsAndDragons));
    assert_eq!(p.duration(), Some(Duration::from_secs(7200)));
    assert_eq!(p.manual_steps().len(), 8);
    let rerun = p.manual_step(Phase::Method, 4).unwrap();
    assert_eq!(rerun.at, Some(Duration::from_secs(50 * 60)));
    assert_eq!(rerun.timebox, Some(Duration::from_secs(30 * 60)));
    assert_eq!(rerun.who.as_deref(), Some("safety_monitor"));
    let ready = p.readiness_items();
    assert!(ready.iter().take(4).all(|i| i.check == ReadinessCheck::Plan { ok: true }), "{ready:#?}");
    assert_eq!(ready.iter().filter(|i| i.check == ReadinessCheck::Tick).count(), 4);
}

#[test]
fn wrapping_merges_the_experiment_under_the_plan() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
    let doc = resolve(&dir.join("orders-wrapped-demo.yaml")).unwrap();
    let exp = gameday::load::load_path(&dir.join("demo-experiment.json")).unwrap().doc;
    assert_eq!(doc["title"], "Demo: the orders API under latency and errors, as a Game Day");
    assert_eq!(doc["description"], exp["description"]);
    let method = doc["method"].as_array().unwrap();
    assert_eq!(method.len(), exp["method"].as_array().unwrap().len() + 1);
    assert_eq!(method.last().unwrap()["name"], "ask-what-customers-saw");
    assert_eq!(doc["rollbacks"], exp["rollbacks"]);
    assert!(doc.get("experiment").is_none());
    // The merged document is what the engine runs: it validates on its own.
    gameday::load::validate(&doc, &ValidateOptions::default()).unwrap();
}

fn chaos() -> PathBuf {
    let venv = std::env::var("GAMEDAY_CTK_VENV").unwrap_or_else(|_| "/root/.cache/gameday-ctk-venv".into());
    let chaos = Path::new(&venv).join("bin/chaos");
    assert!(chaos.is_file(), "the Chaos Toolkit venv is missing: {} (set GAMEDAY_CTK_VENV)", chaos.display());
    chaos
}

#[test]
fn exported_playbooks_pass_the_real_chaos_validate() {
    let chaos = chaos();
    let out = tempfile::tempdir().unwrap();
    for path in shipped() {
        let doc = resolve(&path).unwrap();
        let exported = to_chaostoolkit(&doc, false).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for key in ["gameday", "style", "safeguards", "on_stop", "roles", "preflight"] {
            assert!(exported.get(key).is_none(), "{}: {key} left in", path.display());
        }
        let file = out.path().join(format!("{}.json", path.file_stem().unwrap().to_string_lossy()));
        std::fs::write(&file, serde_json::to_string_pretty(&exported).unwrap()).unwrap();
        let run = Command::new(&chaos)
            .args(["--no-version-check", "--no-log-file", "validate"])
            .arg(&file)
            .current_dir(out.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&run.stdout).to_string() + &String::from_utf8_lossy(&run.stderr);
        assert!(
            run.status.success() && text.contains("experiment syntax and semantic look valid"),
            "{}: {text}",
            path.display()
        );
    }
}

#[test]
fn export_command_writes_notes_and_strict_refuses() {
    let out = tempfile::tempdir().unwrap();
    let dst = out.path().join("drill.json");
    let pb = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/people-drill-expert-unavailable.yaml");
    let run = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["export", pb.to_str().unwrap(), "--to", "chaostoolkit", "-o", dst.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let exp: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&dst).unwrap()).unwrap();
    assert_eq!(exp["method"], serde_json::json!([]));
    let description = exp["description"].as_str().unwrap();
    assert!(description.contains("Manual steps of the Game Day"), "{description}");
    assert!(description.contains("[method] find-the-runbook: Observe whether"), "{description}");
    let strict = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["export", pb.to_str().unwrap(), "--to", "chaostoolkit", "--strict"])
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("--strict: the playbook has 8 manual step(s)"));
}

#[test]
fn init_creates_a_valid_playbook_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gd.yaml");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_gameday"))
            .arg("init")
            .arg(&file)
            .args(extra)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let first = run(&[
        "--yes",
        "--title",
        "Cache: \"cold\" start",
        "--style",
        "dungeons-and-dragons",
        "--environment",
        "staging-eu",
        "--facilitator",
        "Alex",
        "--safety-monitor",
        "Sam",
        "--duration",
        "90m",
    ]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    validate_file(&file, &ValidateOptions::default()).unwrap();
    let p = Playbook::from_doc(&gameday::load::load_path(&file).unwrap().doc).unwrap();
    assert_eq!(p.title, "Cache: \"cold\" start");
    assert!(p.is_dungeons_and_dragons());
    assert_eq!(p.roles.safety_monitor.as_deref(), Some("Sam"));
    assert_eq!(p.place.environment.as_deref(), Some("staging-eu"));
    assert_eq!(p.duration(), Some(Duration::from_secs(90 * 60)));

    let before = std::fs::read(&file).unwrap();
    let second = run(&["--yes"]);
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&file).unwrap(), before);

    // Without a terminal and without --yes, it asks for nothing and says why.
    let other = dir.path().join("other.yaml");
    let third = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("init")
        .arg(&other)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(third.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&third.stderr).contains("no terminal to ask"));
    assert!(!other.exists());
}

#[test]
fn init_from_a_backlog_card() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dns.yaml");
    let backlog = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/backlog.yaml");
    let run = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("init")
        .arg(&file)
        .args(["--yes", "--from-backlog", backlog.to_str().unwrap(), "--card", "DNS-TTL"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    validate_file(&file, &ValidateOptions::default()).unwrap();
    let p = Playbook::from_doc(&gameday::load::load_path(&file).unwrap().doc).unwrap();
    let h = p.hypothesis.unwrap();
    assert_eq!(h.backlog.as_deref(), Some("DNS-TTL"));
    assert_eq!(h.ilities, ["availability", "reliability"]);
    assert_eq!(p.title, "Game Day: Internal DNS answers stale records after a failover");
}

/// The README's halt recipes (`### Halt actions for the tools you already
/// run`): the YAML block as it is.
fn readme_halt_block() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme.find("### Halt actions").expect("the halt recipes section")..];
    let start = section.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let end = section[start..].find("```").expect("the block's end");
    section[start..start + end].to_string()
}

#[test]
fn readme_halt_recipes_are_valid_on_stop_actions() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("halts.yaml");
    let head = "gameday: 1\ntitle: halts\ndescription: the README's halt recipes\n\
                configuration: {gremlin_team: team-1, gremlin_api_key: key-1}\n\
                method:\n  - {type: action, name: noop, provider: {type: process, path: \"true\"}}\n";
    std::fs::write(&file, format!("{head}{}", readme_halt_block())).unwrap();
    validate_file(&file, &ValidateOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let doc = resolve(&file).unwrap();
    let names: Vec<&str> = doc["on_stop"].as_array().unwrap().iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, ["gremlin-halt-all", "fis-stop", "chaos-mesh-delete", "litmus-stop"]);
}

/// Gremlin's halt endpoint is `POST /v1/halts` (with `teamId` for a team's
/// attacks) and a JSON body with the reason; the README's action, pointed at
/// a loopback server instead of api.gremlin.com, sends exactly that.
#[test]
fn readme_gremlin_halt_sends_what_gremlins_api_takes() {
    use std::io::{Read, Write};
    let block: Value = serde_saphyr::from_str(&readme_halt_block()).unwrap();
    let mut halt = block["on_stop"][0].clone();
    assert_eq!(halt["name"], "gremlin-halt-all");
    let url = halt["provider"]["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("https://api.gremlin.com/v1/halts?teamId="), "{url}");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    halt["provider"]["url"] =
        Value::String(url.replace("https://api.gremlin.com", &format!("http://127.0.0.1:{port}")));
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = conn.read(&mut buf).unwrap();
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if request.len() >= end + 4 + length || n == 0 {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        conn.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
        String::from_utf8_lossy(&request).to_string()
    });

    let dir = tempfile::tempdir().unwrap();
    let experiment = serde_json::json!({
        "title": "gremlin halt", "description": "the README's Gremlin halt action",
        "configuration": {"gremlin_team": "team-1"},
        "secrets": {"gremlin": {"gremlin_api_key": "key-1"}},
        "method": [halt],
    });
    // The recipe's `${gremlin_api_key}` comes from `secrets:`, as the README says.
    let file = dir.path().join("halt.json");
    std::fs::write(&file, serde_json::to_string(&experiment).unwrap()).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["run", "--headless"])
        .arg(&file)
        .current_dir(dir.path())
        .env("GAMEDAY_DATA_DIR", dir.path().join("data"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let request = server.join().unwrap();
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("POST /v1/halts?teamId=team-1 HTTP/1.1"), "{request}");
    let headers: Vec<String> = lines.map(str::to_ascii_lowercase).collect();
    assert!(headers.contains(&"authorization: key key-1".to_string()), "{headers:?}");
    assert!(headers.contains(&"content-type: application/json".to_string()), "{headers:?}");
    let body: Value = serde_json::from_str(body).unwrap();
    assert!(body["reason"].as_str().is_some_and(|r| !r.is_empty()), "{body}");
}
