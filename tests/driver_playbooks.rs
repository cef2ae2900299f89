//! The playbooks built on the Chaos Toolkit drivers (chaostoolkit-kubernetes,
//! chaostoolkit-prometheus, chaostoolkit-aws, chaostoolkit-addons), checked by
//! the real tools: the plain experiments as they are and the Game Day
//! playbooks' exported experiments pass the real `chaos validate` with the
//! drivers installed (the venv `scripts/test` builds), which imports every
//! module and binds every activity's arguments to the driver function's real
//! signature; `gameday validate` accepts them with the same interpreter.
//!
//! Validation must not need a cluster or an AWS account: every run here has
//! no kube config, no AWS credentials and an empty home.
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// (Game Day playbook, the experiment it wraps)
const DRIVER_PLAYBOOKS: &[(&str, &str)] = &[
    ("k8s-pod-kill-chaosk8s.yaml", "k8s-pod-kill-chaosk8s-experiment.yaml"),
    ("aws-ec2-stop-chaosaws.yaml", "aws-ec2-stop-chaosaws-experiment.yaml"),
];

fn playbook(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks").join(name)
}

fn venv() -> PathBuf {
    let venv = std::env::var_os("GAMEDAY_CTK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root/.cache/gameday-ctk-venv"));
    let chaos = venv.join("bin/chaos");
    assert!(
        chaos.is_file(),
        "the Chaos Toolkit venv is missing: {} (run scripts/test, or set GAMEDAY_CTK_VENV)",
        chaos.display()
    );
    venv
}

/// A command with nothing that would reach a cluster or a cloud account.
fn offline(program: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home)
        .env("KUBECONFIG", home.join("no-kube-config"))
        .env("AWS_CONFIG_FILE", home.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-aws-credentials"))
        .current_dir(home);
    cmd
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

fn chaos_validate(file: &Path, home: &Path) -> Output {
    offline(&venv().join("bin/chaos"), home)
        .args(["--no-version-check", "--no-log-file", "validate"])
        .arg(file)
        .output()
        .unwrap()
}

fn gameday_validate(file: &Path, home: &Path) -> Output {
    offline(Path::new(env!("CARGO_BIN_EXE_gameday")), home)
        .env("GAMEDAY_PYTHON", venv().join("bin/python"))
        .arg("validate")
        .arg(file)
        .output()
        .unwrap()
}

fn chaos_accepts(file: &Path, home: &Path) {
    let out = chaos_validate(file, home);
    let said = text(&out);
    assert!(
        out.status.success() && said.contains("experiment syntax and semantic look valid"),
        "chaos validate refuses {}:\n{said}",
        file.display()
    );
}

#[test]
fn the_experiments_pass_the_real_chaos_validate_offline() {
    let home = tempfile::tempdir().unwrap();
    for (_, experiment) in DRIVER_PLAYBOOKS {
        chaos_accepts(&playbook(experiment), home.path());
    }
}

#[test]
fn the_playbooks_export_to_experiments_the_real_chaos_validate_accepts() {
    let home = tempfile::tempdir().unwrap();
    for (game_day, _) in DRIVER_PLAYBOOKS {
        let exported = home.path().join(format!("{game_day}.json"));
        // `export` validates with the `python3` on PATH (it has no
        // `--python`): the venv's first, as when it is activated.
        let path = format!("{}:{}", venv().join("bin").display(), std::env::var("PATH").unwrap_or_default());
        let run = offline(Path::new(env!("CARGO_BIN_EXE_gameday")), home.path())
            .env("PATH", path)
            .arg("export")
            .arg(playbook(game_day))
            .args(["--to", "chaostoolkit", "-o"])
            .arg(&exported)
            .output()
            .unwrap();
        assert!(run.status.success(), "{game_day}: {}", text(&run));
        chaos_accepts(&exported, home.path());
    }
}

#[test]
fn gameday_validate_accepts_the_experiments_and_the_playbooks() {
    let home = tempfile::tempdir().unwrap();
    for (game_day, experiment) in DRIVER_PLAYBOOKS {
        for file in [experiment, game_day] {
            let out = gameday_validate(&playbook(file), home.path());
            assert!(out.status.success(), "gameday validate refuses {file}:\n{}", text(&out));
        }
    }
}

/// Every python activity of an experiment, wherever it is (controls and the
/// probes inside them included): "module.func" and the argument names.
fn python_activities(doc: &Value, out: &mut Vec<(String, Vec<String>)>) {
    match doc {
        Value::Object(map) => {
            if let Some(p) = map.get("provider")
                && p["type"] == "python"
                && let (Some(m), Some(f)) = (p["module"].as_str(), p["func"].as_str())
            {
                let args = p["arguments"].as_object().map(|a| a.keys().cloned().collect()).unwrap_or_default();
                out.push((format!("{m}.{f}"), args));
            }
            map.values().for_each(|v| python_activities(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| python_activities(v, out)),
        _ => {}
    }
}

fn load(name: &str) -> Value {
    gameday::model::playbook::resolve(&playbook(name)).unwrap()
}

#[test]
fn the_playbooks_use_the_drivers_as_the_brief_says() {
    let k8s = load("k8s-pod-kill-chaosk8s.yaml");
    let steady = &k8s["steady-state-hypothesis"]["probes"];
    assert!(steady.as_array().unwrap().iter().any(|p| p["provider"]["module"] == "chaosprometheus.probes"
        && p["provider"]["func"] == "query"
        && p["tolerance"]["type"] == "jsonpath"));
    let kill = &k8s["method"][0]["provider"];
    assert_eq!(
        (kill["module"].as_str(), kill["func"].as_str()),
        (Some("chaosk8s.pod.actions"), Some("terminate_pods"))
    );
    assert_eq!(kill["arguments"]["label_selector"], "app=cart");
    assert_eq!(kill["arguments"]["ns"], "${namespace}");
    assert!(!k8s["rollbacks"].as_array().unwrap().is_empty());
    assert_eq!(k8s["safeguards"][0]["provider"]["func"], "query");

    let aws = load("aws-ec2-stop-chaosaws.yaml");
    let stop = &aws["method"][0]["provider"];
    assert_eq!(
        (stop["module"].as_str(), stop["func"].as_str()),
        (Some("chaosaws.ec2.actions"), Some("stop_instances"))
    );
    let rollback = &aws["rollbacks"][0]["provider"];
    assert_eq!(rollback["func"], "start_instances");
    // Stop and start pick the same instances: same zone and tags.
    assert_eq!(stop["arguments"]["az"], rollback["arguments"]["az"]);
    let tags = |v: &Value| v["arguments"]["filters"].as_array().map(|f| f[..2].to_vec()).unwrap_or_default();
    assert_eq!(tags(stop), tags(rollback));
    assert_eq!(stop["arguments"]["filters"][0]["Name"], "tag:Service");
    assert_eq!(aws["on_stop"][0]["provider"]["arguments"], rollback["arguments"]);
    // The stop condition: chaostoolkit-addons' safeguards control on a
    // CloudWatch probe.
    let control = &aws["controls"][0]["provider"];
    assert_eq!(control["module"], "chaosaddons.controls.safeguards");
    assert_eq!(control["arguments"]["probes"][0]["provider"]["module"], "chaosaws.cloudwatch.probes");
    let mut activities = Vec::new();
    python_activities(&aws, &mut activities);
    assert!(activities.iter().any(|(f, _)| f == "chaosaws.cloudwatch.probes.get_metric_statistics"), "{activities:?}");
}

/// The validation above is not a formality: an argument the driver's
/// function does not take, or a function it does not have, is refused by
/// both tools.
#[test]
fn a_wrong_driver_signature_is_refused_by_both_tools() {
    let home = tempfile::tempdir().unwrap();
    let cases = [
        ("k8s-pod-kill-chaosk8s-experiment.yaml", "label_selector: \"app=cart\"", "selector: \"app=cart\""),
        ("k8s-pod-kill-chaosk8s-experiment.yaml", "func: terminate_pods", "func: kill_pods"),
        ("aws-ec2-stop-chaosaws-experiment.yaml", "alarm_name: \"${alarm}\"", "alarm: \"${alarm}\""),
        ("aws-ec2-stop-chaosaws-experiment.yaml", "func: stop_instances", "func: stop_all_instances"),
    ];
    for (file, from, to) in cases {
        let original = std::fs::read_to_string(playbook(file)).unwrap();
        assert!(original.contains(from), "{file} no longer has `{from}`");
        let broken = home.path().join(format!("broken-{file}"));
        std::fs::write(&broken, original.replacen(from, to, 1)).unwrap();
        let chaos = chaos_validate(&broken, home.path());
        assert!(!chaos.status.success(), "chaos validate accepts {file} with `{to}`:\n{}", text(&chaos));
        let gameday = gameday_validate(&broken, home.path());
        assert!(!gameday.status.success(), "gameday validate accepts {file} with `{to}`:\n{}", text(&gameday));
    }
}
