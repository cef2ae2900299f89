//! The scheduling examples in examples/schedule/ work as the guide
//! (docs/scheduling.md) says: the wrapper run by cron, systemd and the
//! Kubernetes CronJob keeps the journal, JUnit and reports of each run and
//! treats a blackout refusal as it says; the example playbook validates;
//! systemd accepts the units (`systemd-analyze verify`, no warning); the
//! cron line and the CronJob call the wrapper as the service does.
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_gameday");

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/schedule")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap_or_else(|e| panic!("examples/schedule/{name}: {e}"))
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn wrapper(tmp: &Path, config: &str, extra_env: &[(&str, &str)]) -> Output {
    let exp = tmp.join("exp.json");
    let doc = serde_json::json!({"title": "Scheduled drill", "description": "d",
        "steady-state-hypothesis": {"title": "ok", "probes": [{"type": "probe", "name": "ok", "tolerance": 0,
            "provider": {"type": "process", "path": "true"}}]},
        "method": [{"type": "action", "name": "say", "provider": {"type": "process", "path": "echo", "arguments": "hi"}}]});
    std::fs::write(&exp, doc.to_string()).unwrap();
    std::fs::write(tmp.join("config.yaml"), config).unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg(dir().join("run-scheduled.sh"))
        .arg(&exp)
        .arg(tmp.join("runs"))
        .current_dir(tmp)
        .env("GAMEDAY", BIN)
        .env("GAMEDAY_DATA_DIR", tmp.join("data"))
        .env("GAMEDAY_CONFIG", tmp.join("config.yaml"))
        .env_remove("BLACKOUT_IS_FAILURE");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output().expect("sh runs the wrapper")
}

fn runs(tmp: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(tmp.join("runs")).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    v.sort();
    v
}

#[test]
fn the_wrapper_keeps_journal_junit_and_reports_of_each_run() {
    let tmp = tempfile::tempdir().unwrap();
    let flags = "--rollback-strategy always --hypothesis-strategy after-method-only";
    let o = wrapper(tmp.path(), "", &[("GAMEDAY_RUN_FLAGS", flags)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let run = runs(tmp.path()).pop().expect("one run folder");
    let journal: Value = serde_json::from_str(&std::fs::read_to_string(run.join("journal.json")).unwrap()).unwrap();
    assert_eq!(journal["status"], "completed");
    // GAMEDAY_RUN_FLAGS reached gameday: the hypothesis was checked after the method only.
    assert!(journal["steady_states"]["before"].is_null(), "{}", journal["steady_states"]);
    assert!(!journal["steady_states"]["after"].is_null(), "{}", journal["steady_states"]);
    let junit = std::fs::read_to_string(run.join("junit.xml")).unwrap();
    assert!(junit.contains("<testsuite name=\"Scheduled drill\""), "{junit}");
    assert!(std::fs::read_to_string(run.join("report.html")).unwrap().contains("Scheduled drill"));
    assert!(run.join("report.md").is_file());
    assert!(run.join("session/events.jsonl").is_file());
    assert_eq!(std::fs::read_to_string(run.join("exit-code")).unwrap().trim(), "0");
    assert!(!run.join("sessions").exists());
    // The session is gameday's own: `gameday report` reads it again.
    let o = Command::new(BIN).args(["report", run.join("session").to_str().unwrap(), "--json"]).output().unwrap();
    assert!(o.status.success());
}

#[test]
fn the_wrapper_treats_a_blackout_refusal_as_its_settings_say() {
    let tmp = tempfile::tempdir().unwrap();
    let freeze = "blackout:\n  - name: Freeze\n    from: 2000-01-01\n    to: 2999-01-01\n    timezone: UTC\n";
    let o = wrapper(tmp.path(), freeze, &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "a refusal is a success by default: {err}");
    assert!(err.contains("blackout window 'Freeze'") && err.contains("run-scheduled: not started"), "{err}");
    let run = runs(tmp.path()).pop().unwrap();
    assert_eq!(std::fs::read_to_string(run.join("exit-code")).unwrap().trim(), "3");
    assert!(!run.join("junit.xml").exists() && !run.join("session").exists(), "nothing ran");
    let o = wrapper(tmp.path(), freeze, &[("BLACKOUT_IS_FAILURE", "1")]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(runs(tmp.path()).len(), 2, "each run has a folder of its own, even within a second");
}

#[test]
fn the_example_playbook_validates() {
    let o = Command::new(BIN).args(["validate", "--json"]).arg(dir().join("nightly.yaml")).output().unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["valid"], true, "{v}");
    assert_eq!(v[0]["kind"], "playbook");
}

#[test]
fn systemd_accepts_the_units() {
    let tmp = tempfile::tempdir().unwrap();
    // As installed, with the wrapper's real path and a user that exists here.
    let service = read("gameday-drill.service")
        .replace("/usr/local/bin/run-scheduled.sh", dir().join("run-scheduled.sh").to_str().unwrap())
        .replace("User=gameday", "User=root");
    std::fs::write(tmp.path().join("gameday-drill.service"), service).unwrap();
    std::fs::write(tmp.path().join("gameday-drill.timer"), read("gameday-drill.timer")).unwrap();
    let o = Command::new("systemd-analyze")
        .arg("verify")
        .arg(tmp.path().join("gameday-drill.service"))
        .arg(tmp.path().join("gameday-drill.timer"))
        .output()
        .expect("systemd-analyze (Debian's systemd; scripts/test installs it)");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stderr).trim(), "", "systemd warns about the units");
    let calendar = read("gameday-drill.timer")
        .lines()
        .find_map(|l| l.strip_prefix("OnCalendar=").map(str::to_string))
        .expect("OnCalendar");
    let o = Command::new("systemd-analyze").args(["calendar", &calendar]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// The arguments after run-scheduled.sh in a line.
fn wrapper_args(line: &str) -> Vec<String> {
    let after = line.split("run-scheduled.sh").nth(1).unwrap_or_else(|| panic!("no wrapper in {line}"));
    after.split_whitespace().map(str::to_string).collect()
}

#[test]
fn cron_and_the_cronjob_call_the_wrapper_as_the_service_does() {
    let service = read("gameday-drill.service");
    let exec = service.lines().find(|l| l.starts_with("ExecStart=")).unwrap();
    let args = wrapper_args(exec);
    assert_eq!(args.len(), 2, "{exec}");

    let cron = read("gameday.cron");
    let job: Vec<&str> =
        cron.lines().filter(|l| !l.starts_with('#') && !l.contains('=') && !l.trim().is_empty()).collect();
    assert_eq!(job.len(), 1, "one job line: {job:?}");
    let fields: Vec<&str> = job[0].split_whitespace().collect();
    // minute hour day month weekday user command…
    assert!(fields.len() >= 8, "{}", job[0]);
    assert_eq!(fields[6], "/usr/local/bin/run-scheduled.sh");
    assert_eq!(wrapper_args(job[0]), args, "cron runs what the service runs");

    let doc: Value = serde_saphyr::from_str(&read("cronjob.yaml")).expect("cronjob.yaml is YAML");
    assert_eq!(doc["apiVersion"], "batch/v1");
    assert_eq!(doc["kind"], "CronJob");
    assert_eq!(doc["spec"]["schedule"].as_str().unwrap().split_whitespace().count(), 5);
    assert_eq!(doc["spec"]["concurrencyPolicy"], "Forbid");
    let pod = &doc["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    let c = &pod["containers"][0];
    let mounts: Vec<&str> =
        c["volumeMounts"].as_array().unwrap().iter().map(|m| m["mountPath"].as_str().unwrap()).collect();
    let c_args: Vec<&str> = c["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(c_args.len(), 2);
    assert!(
        mounts.iter().any(|m| c_args[0].starts_with(m)),
        "the playbook is on a mounted volume: {c_args:?} {mounts:?}"
    );
    assert!(mounts.contains(&c_args[1]), "the artefacts go to a mounted volume: {c_args:?} {mounts:?}");
    let volumes: Vec<&str> = pod["volumes"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    for m in c["volumeMounts"].as_array().unwrap() {
        assert!(volumes.contains(&m["name"].as_str().unwrap()), "{m}");
    }

    // The image runs the wrapper, copied from where it is in the repository.
    let docker = read("Dockerfile");
    assert!(docker.contains("ENTRYPOINT [\"/usr/local/bin/run-scheduled.sh\"]"));
    for line in docker.lines().filter(|l| l.starts_with("COPY ")) {
        let src = line.split_whitespace().nth(1).unwrap();
        if src.starts_with("examples/") {
            assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(src).is_file(), "{line}");
        }
    }
}
