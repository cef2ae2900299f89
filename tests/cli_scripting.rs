//! The command line for scripts: `--json` outputs (parsed and checked
//! against the JSON Schemas in docs/schemas by Python's jsonschema),
//! session names and `--session-dir` in `sessions` and `report`, shell
//! completions run in a real bash, the man page rendered by `man -l`,
//! `--help`'s environment and exit codes, `--quiet` / `--verbose`, and the
//! screens that need a terminal saying what to use instead.
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_gameday");

/// The venv `scripts/test` makes with jsonschema, junitparser and junit2html.
pub fn tools_venv() -> PathBuf {
    let dir = std::env::var_os("GAMEDAY_TOOLS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/gameday-tools-venv"));
    assert!(
        dir.join("bin/python").is_file(),
        "the tools venv is missing at {} (scripts/test creates it: junitparser, junit2html, jsonschema)",
        dir.display()
    );
    dir
}

fn gameday(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("GAMEDAY_DATA_DIR", data)
        .env("GAMEDAY_CONFIG", data.join("no-config.yaml"))
        .stdin(Stdio::null())
        .output()
        .expect("gameday runs")
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// Check `doc` against one of docs/schemas/*.schema.json with jsonschema.
fn schema_check(schema: &str, doc: &str) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas").join(schema);
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        jsonschema.Draft202012Validator.check_schema(schema)\n\
        doc = json.load(sys.stdin)\n\
        errors = sorted(jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(doc), key=str)\n\
        [print(e.json_path, e.message) for e in errors]\n\
        sys.exit(1 if errors else 0)";
    let mut child = Command::new(tools_venv().join("bin/python"))
        .args(["-c", script])
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(doc.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{} does not match {}:\n{}{}",
        doc,
        schema.display(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn experiment(dir: &Path, tolerance: i64) -> PathBuf {
    let path = dir.join("exp.json");
    let doc = serde_json::json!({
        "title": "Scripted run", "description": "d",
        "steady-state-hypothesis": {"title": "up", "probes": [
            {"type": "probe", "name": "exits-zero", "tolerance": tolerance,
             "provider": {"type": "process", "path": "true"}}]},
        "method": [{"type": "action", "name": "say-hi",
                    "provider": {"type": "process", "path": "echo", "arguments": "hi"}}]
    });
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

#[test]
fn sessions_json_lists_a_session_dir_and_report_takes_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path(), 0);
    let runs = tmp.path().join("runs");
    let data = tmp.path().join("data");
    let exp_s = exp.to_str().unwrap();
    let journal = tmp.path().join("journal.json");
    let jp = journal.to_str().unwrap();
    let o =
        gameday(&data, &["run", exp_s, "--headless", "--session-dir", runs.to_str().unwrap(), "--journal-path", jp]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // Not under the default root: only --session-dir finds it.
    let o = gameday(&data, &["sessions", "--json"]);
    assert_eq!(serde_json::from_slice::<Value>(&o.stdout).unwrap(), serde_json::json!([]));
    let o = gameday(&data, &["sessions", "--session-dir", runs.to_str().unwrap(), "--json"]);
    assert!(o.status.success());
    let listed: Value = serde_json::from_slice(&o.stdout).expect("sessions --json is JSON");
    schema_check("sessions.schema.json", &text(&o.stdout));
    let one = &listed[0];
    assert_eq!(one["title"], "Scripted run");
    assert_eq!(one["verdict"], "completed");
    assert_eq!(one["finished"], true);
    assert!(one["name"].as_str().unwrap().ends_with("-scripted-run"), "{one}");
    assert!(Path::new(one["dir"].as_str().unwrap()).join("events.jsonl").is_file());
    let o = gameday(&data, &["sessions", "--session-dir", tmp.path().join("nowhere").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));

    // A run under the default root, reported by its name alone.
    let o = gameday(&data, &["run", exp_s, "--headless", "--journal-path", jp]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = gameday(&data, &["sessions", "--json"]);
    let listed: Value = serde_json::from_slice(&o.stdout).unwrap();
    let name = listed[0]["name"].as_str().unwrap().to_string();
    let html = tmp.path().join("r.html");
    let o = Command::new(BIN)
        .args(["report", &name, "--format", "html", "-o", html.to_str().unwrap(), "--json"])
        .env("GAMEDAY_DATA_DIR", &data)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "report NAME: {}", text(&o.stderr));
    schema_check("report-summary.schema.json", &text(&o.stdout));
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["output"], html.to_str().unwrap());
    assert_eq!(summary["runs"][0]["verdict_class"], "met");
    assert_eq!(summary["runs"][0]["title"], "Scripted run");
    assert!(std::fs::read_to_string(&html).unwrap().contains("Scripted run"));
    // --json alone: the summary, and no report on stdout.
    let o = gameday(&data, &["report", &name, "--json"]);
    assert!(o.status.success());
    schema_check("report-summary.schema.json", &text(&o.stdout));
    // A name that is not a session is still an error, naming it.
    let o = gameday(&data, &["report", "no-such-session"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("no-such-session"), "{}", text(&o.stderr));
}

#[test]
fn validate_json_gives_one_checked_object_per_file_with_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let good = experiment(tmp.path(), 0);
    let playbook = tmp.path().join("pb.yaml");
    std::fs::write(&playbook, "gameday: 1\ntitle: t\ndescription: d\nstyle: 5\nmethod: []\n").unwrap();
    let broken = tmp.path().join("broken.json");
    std::fs::write(&broken, "{\"title\": 1").unwrap();
    let missing = tmp.path().join("missing.json");
    let args: Vec<&str> = vec![
        "validate",
        "--json",
        good.to_str().unwrap(),
        playbook.to_str().unwrap(),
        broken.to_str().unwrap(),
        missing.to_str().unwrap(),
    ];
    let o = gameday(tmp.path(), &args);
    assert_eq!(o.status.code(), Some(1), "one file is invalid: exit 1");
    assert!(o.stderr.is_empty(), "--json prints no log lines: {}", text(&o.stderr));
    schema_check("validate.schema.json", &text(&o.stdout));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let v = v.as_array().unwrap();
    assert_eq!(v.len(), 4);
    assert_eq!((v[0]["kind"].as_str(), v[0]["valid"].as_bool()), (Some("experiment"), Some(true)));
    assert_eq!((v[1]["kind"].as_str(), v[1]["valid"].as_bool()), (Some("playbook"), Some(false)));
    assert_eq!((v[1]["errors"][0]["line"].as_u64(), v[1]["errors"][0]["column"].as_u64()), (Some(4), Some(8)));
    assert!(v[1]["errors"][0]["message"].as_str().unwrap().contains("style"));
    assert_eq!(v[2]["kind"], Value::Null);
    assert_eq!((v[2]["errors"][0]["line"].as_u64(), v[2]["errors"][0]["column"].as_u64()), (Some(1), Some(11)));
    assert_eq!(v[3]["errors"][0]["line"], Value::Null);
    // All valid: exit 0.
    let o = gameday(tmp.path(), &["validate", "--json", good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn bash_completes_subcommands_from_the_generated_script() {
    let tmp = tempfile::tempdir().unwrap();
    let o = gameday(tmp.path(), &["completions", "bash"]);
    assert!(o.status.success());
    let script = tmp.path().join("gameday.bash");
    std::fs::write(&script, &o.stdout).unwrap();
    // What bash does on Tab: the completion function with COMP_WORDS set.
    let probe = format!(
        "source {}\n\
         complete_for() {{ COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); COMP_LINE=\"$*\"; COMP_POINT=${{#COMP_LINE}};\n\
           COMPREPLY=(); fn=$(complete -p gameday | sed -E 's/.*-F ([^ ]+).*/\\1/'); \"$fn\" gameday \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"; }}\n\
         echo '--ru'; complete_for gameday ru\n\
         echo '--run-flags'; complete_for gameday run --jun\n\
         echo '--shells'; complete_for gameday completions f\n",
        script.display()
    );
    let o = Command::new("bash").args(["--norc", "--noprofile", "-c", &probe]).output().expect("bash");
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}{}", text(&o.stderr));
    let section = |name: &str| -> Vec<String> {
        out.split(&format!("--{name}\n"))
            .nth(1)
            .unwrap_or("")
            .split("\n--")
            .next()
            .unwrap_or("")
            .lines()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(section("ru"), ["run"], "{out}");
    assert_eq!(section("run-flags"), ["--junit"], "{out}");
    assert_eq!(section("shells"), ["fish"], "{out}");
    for shell in ["zsh", "fish"] {
        let o = gameday(tmp.path(), &["completions", shell]);
        assert!(o.status.success() && text(&o.stdout).contains("validate"), "{shell}");
    }
}

#[test]
fn man_page_renders_with_man() {
    let tmp = tempfile::tempdir().unwrap();
    let o = gameday(tmp.path(), &["man"]);
    assert!(o.status.success());
    let page = tmp.path().join("gameday.1");
    std::fs::write(&page, &o.stdout).unwrap();
    let shown = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "80")
        .env("MAN_KEEP_FORMATTING", "0")
        .output()
        .expect("man (man-db)");
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    assert!(!text(&shown.stderr).contains("warning"), "{}", text(&shown.stderr));
    // Bold and underline are overstrikes (`N\bN`, `_\bx`): keep the last character.
    let plain = regex::Regex::new(".\u{8}").unwrap().replace_all(&text(&shown.stdout), "").into_owned();
    for expected in ["NAME", "gameday", "SUBCOMMANDS", "Exit status:", "GAMEDAY_DATA_DIR", "switch_author"] {
        assert!(plain.contains(expected), "the man page lacks {expected}:\n{plain}");
    }
    let dir = tmp.path().join("man1");
    let o = gameday(tmp.path(), &["man", "--out-dir", dir.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(dir.join("gameday-run.1").is_file() && dir.join("gameday-completions.1").is_file());
}

/// Every environment variable the program reads is in `--help` (so the list
/// cannot fall behind the code), apart from the few that are internal.
#[test]
fn help_names_every_environment_variable_the_code_reads_and_the_exit_codes() {
    // Internal: set by gameday for its own children, tests and benchmarks, or
    // read by everything (PATH, HOME).
    let internal =
        ["PATH", "HOME", "GAMEDAY_TRACE_FRAMES", "GAMEDAY_WORKER_SOCKET", "GAMEDAY_OUTPUT_CAP", "GAMEDAY_PID"];
    let re = regex::Regex::new(r#"(?:env::var(?:_os)?\(|env = )"([A-Z][A-Z0-9_]+)""#).unwrap();
    let mut read = std::collections::BTreeSet::new();
    let mut stack = vec![PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let src = std::fs::read_to_string(&p).unwrap();
                for c in re.captures_iter(&src) {
                    read.insert(c[1].to_string());
                }
            }
        }
    }
    read.retain(|v| !internal.contains(&v.as_str()) && !v.starts_with("GAMEDAY_TEST_"));
    assert!(read.contains("GAMEDAY_DATA_DIR") && read.contains("NO_COLOR"), "the scan found {read:?}");
    let tmp = tempfile::tempdir().unwrap();
    let help = text(&gameday(tmp.path(), &["--help"]).stdout);
    for var in &read {
        assert!(help.contains(var.as_str()), "`gameday --help` does not name {var}, which the code reads");
    }
    for piece in
        ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "Exit status:", "  3  not started: a blackout window", "Examples:"]
    {
        assert!(help.contains(piece), "{piece}");
    }
    let run_help = text(&gameday(tmp.path(), &["run", "--help"]).stdout);
    for piece in ["--junit", "--quiet", "Exit status:", "add_to_backlog", "GAMEDAY_PYTHON"] {
        assert!(run_help.contains(piece), "run --help lacks {piece}");
    }
}

#[test]
fn quiet_and_verbose_headless_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path(), 0);
    let jp = tmp.path().join("j.json");
    let run = |flags: &[&str]| {
        let mut args = vec!["run", exp.to_str().unwrap(), "--headless", "--journal-path", jp.to_str().unwrap()];
        args.extend_from_slice(flags);
        gameday(tmp.path(), &args)
    };
    let normal = text(&run(&[]).stderr);
    assert!(normal.contains("INFO] Action: say-hi") && !normal.contains("DEBUG"), "{normal}");
    let quiet = run(&["--quiet"]);
    assert!(quiet.status.success());
    assert_eq!(text(&quiet.stderr), "", "--quiet prints nothing for a clean run");
    let top_quiet = Command::new(BIN)
        .args(["-q", "run", exp.to_str().unwrap(), "--headless", "--journal-path", jp.to_str().unwrap()])
        .env("GAMEDAY_DATA_DIR", tmp.path())
        .output()
        .unwrap();
    assert_eq!(text(&top_quiet.stderr), "");
    let verbose = text(&run(&["--verbose"]).stderr);
    assert!(verbose.contains("DEBUG]   => succeeded in "), "{verbose}");
    assert!(verbose.contains("value: {\"status\":0}"), "{verbose}");
    // A problem still shows under --quiet.
    let bad = experiment(tmp.path(), 1);
    let o = gameday(
        tmp.path(),
        &["run", bad.to_str().unwrap(), "--headless", "--quiet", "--journal-path", jp.to_str().unwrap()],
    );
    let err = text(&o.stderr);
    assert!(err.contains("CRITICAL") && !err.contains("INFO"), "{err}");
}

#[test]
fn plan_and_backlog_without_a_terminal_do_not_suggest_headless() {
    let tmp = tempfile::tempdir().unwrap();
    let playbook = tmp.path().join("pb.yaml");
    std::fs::write(&playbook, "gameday: 1\ntitle: t\ndescription: d\nmethod: []\n").unwrap();
    let backlog = tmp.path().join("backlog.yaml");
    std::fs::write(&backlog, "cards: []\n").unwrap();
    for (cmd, file) in [("plan", &playbook), ("backlog", &backlog)] {
        let o = gameday(tmp.path(), &[cmd, file.to_str().unwrap()]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(err.contains("needs a terminal"), "{cmd}: {err}");
        assert!(!err.contains("--headless"), "`gameday {cmd}` has no --headless, so must not suggest it: {err}");
    }
}

#[test]
fn follow_lines_json_prints_json_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path(), 0);
    let runs = tmp.path().join("runs");
    let jp = tmp.path().join("j.json");
    let o = gameday(
        tmp.path(),
        &[
            "run",
            exp.to_str().unwrap(),
            "--headless",
            "--session-dir",
            runs.to_str().unwrap(),
            "--journal-path",
            jp.to_str().unwrap(),
        ],
    );
    assert!(o.status.success());
    let dir = std::fs::read_dir(&runs).unwrap().flatten().next().unwrap().path();
    let o = gameday(tmp.path(), &["watch", dir.to_str().unwrap(), "--follow-lines", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let lines: Vec<Value> =
        text(&o.stdout).lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert_eq!(lines.first().unwrap()["kind"], "session_started");
    assert_eq!(lines.last().unwrap()["kind"], "session_ended");
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert_eq!(lines.len(), events.lines().count());
    // The text form shows no Python reprs (True, None, {'…': …}).
    let o = gameday(tmp.path(), &["watch", dir.to_str().unwrap(), "--follow-lines"]);
    let human = text(&o.stdout);
    for repr in ["True", "None", "{'"] {
        assert!(!human.contains(repr), "Python repr {repr} in:\n{human}");
    }
}
