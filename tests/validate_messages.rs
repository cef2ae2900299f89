//! `gameday::load::validate` against Chaos Toolkit's exact validation
//! messages: one test per message (fixtures in `tests/validate/`), and a
//! differential test that runs the real `chaos validate` on every fixture.
use gameday::load::{ValidateOptions, load_path, validate};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every fixture with the message both tools must give (`None`: valid).
macro_rules! cases {
    ($($name:ident: $file:literal => $msg:expr;)*) => {
        const CASES: &[(&str, Option<&str>)] = &[$(($file, $msg)),*];
        $(
            #[test]
            fn $name() {
                assert_ours($file, $msg);
            }
        )*
    };
}

cases! {
    empty: "empty" => Some("an empty experiment is not an experiment");
    no_title: "no-title" => Some("experiment requires a title");
    no_description: "no-description" => Some("experiment requires a description");
    tags_empty: "tags-empty" => Some("experiment tags must be a non-empty string");
    extension_no_name: "extension-no-name" => Some("All extensions require a non-empty name");
    config_env_missing: "config-env-missing" => Some("Configuration makes reference to an environment key that does not exist: NOPE_NOT_SET");
    secrets_env_missing: "secrets-env-missing" => Some("Secrets make reference to an environment key that does not exist: NOPE_NOT_SET");
    hypothesis_no_title: "hypothesis-no-title" => Some("hypothesis requires a title");
    probe_no_tolerance: "probe-no-tolerance" => Some("hypothesis probe must have a tolerance entry");
    no_method: "no-method" => Some("an experiment requires a method, which can be empty for only checking steady state hypothesis ");
    empty_activity: "empty-activity" => Some("empty activity is no activity");
    ref_empty: "ref-empty" => Some("reference to activity must be non-empty strings");
    ref_ghost: "ref-ghost" => Some("referenced activity 'ghost' could not be found in the experiment");
    no_type: "no-type" => Some("an activity must have a type");
    bad_type: "bad-type" => Some("'step' is not a supported activity type");
    no_name: "no-name" => Some("an activity must have a name");
    no_provider: "no-provider" => Some("an activity requires a provider");
    provider_no_type: "provider-no-type" => Some("a provider must have a type");
    provider_grpc: "provider-grpc" => Some("unknown provider type 'grpc'");
    timeout_string: "timeout-string" => Some("activity timeout must be a number");
    pause_before: "pause-before" => Some("activity before pause must be a number or a pattern to a variable from the configuration or secrets");
    pause_after: "pause-after" => Some("activity after pause must be a number or a pattern to a variable from the configuration or secrets");
    background_not_bool: "background-not-bool" => Some("activity background must be a boolean");
    process_no_path: "process-no-path" => Some("a process activity must have a path");
    process_path_missing: "process-path-missing" => Some("path '/no/such/bin' cannot be found, in activity 'a'");
    http_no_url: "http-no-url" => Some("a HTTP activity must have a URL");
    http_headers_list: "http-headers-list" => Some("a HTTP activities expect headers as a mapping");
    python_no_module: "python-no-module" => Some("a Python activity must have a module path");
    python_no_func: "python-no-func" => Some("a Python activity must have a function name");
    python_module_missing: "python-module-missing" => Some("could not find Python module 'nope.nope' in activity 'a'");
    python_func_missing: "python-func-missing" => Some("The python module 'os.path' does not expose a function called 'nope' in action 'a'");
    python_arg_missing: "python-arg-missing" => Some("required argument 'path' is missing from activity 'exists'");
    python_arg_unexpected: "python-arg-unexpected" => Some("argument 'zzz' is not part of the function signature in activity 'exists'");
    tolerance_float: "tolerance-float" => Some("hypothesis probe tolerance must either be an integer, a string, a boolean or a pair of values for boundaries. It can also be a dictionary which is a probe activity definition that takes an argument called `value` with the value of the probe itself to be validated");
    tolerance_type_foo: "tolerance-type-foo" => Some("hypothesis probe tolerance type 'foo' is unsupported");
    regex_no_pattern: "regex-no-pattern" => Some("hypothesis regex probe tolerance must have a `pattern` key");
    regex_invalid: "regex-invalid" => Some("hypothesis probe tolerance pattern ([ seems invalid: unterminated character set");
    regex_type: "regex-type" => Some("hypothesis probe tolerance pattern 3 has an invalid type");
    // "Install the `jsonpath2` package…" cannot happen: JSON path support is built in.
    jsonpath_no_path: "jsonpath-no-path" => Some("hypothesis jsonpath probe tolerance must have a `path` key");
    jsonpath_empty: "jsonpath-empty" => Some("hypothesis probe tolerance JSON path cannot be empty");
    jsonpath_invalid: "jsonpath-invalid" => Some("hypothesis probe tolerance JSON path foo is invalid");
    range_no_range: "range-no-range" => Some("hypothesis range probe tolerance must have a `range` key");
    range_not_sequence: "range-not-sequence" => Some("hypothesis range must be a sequence");
    range_three: "range-three" => Some("hypothesis range sequence must be made of two values");
    range_lower: "range-lower" => Some("hypothesis range lower boundary must be a number");
    range_upper: "range-upper" => Some("hypothesis range upper boundary must be a number");
    control_no_name: "control-no-name" => Some("A control must have a `name` property");
    control_no_provider: "control-no-provider" => Some("Control 'c' must have a `provider` property");
    control_bad_scope: "control-bad-scope" => Some("Control 'c' scope property must be 'before' or 'after' only");
    control_no_module: "control-no-module" => Some("Control 'c' must have a module path");
    control_ref_missing: "control-ref-missing" => Some("Control reference '{}' declaration cannot be found");
    // Order and Python formatting details, beyond the list of messages.
    tolerance_probe_no_name: "tolerance-probe-no-name" => Some("an activity must have a name");
    python_func_missing_probe: "python-func-missing-probe" => Some("The python module 'os.path' does not expose a function called 'nope' in probe 'a'");
    name_not_a_string: "name-not-a-string" => Some("path '/no/such/bin' cannot be found, in activity '7'");
    type_list: "type-list" => Some("'['probe']' is not a supported activity type");
    tolerance_type_missing: "tolerance-type-missing" => Some("hypothesis probe tolerance type 'None' is unsupported");
    regex_null: "regex-null" => Some("hypothesis probe tolerance pattern None has an invalid type");
    control_ref_without_provider: "control-ref-without-provider" => Some("Control 'r' must have a `provider` property");
    jsonpath_single_quotes: "jsonpath-single-quotes" => Some("hypothesis probe tolerance JSON path $['a'] is invalid");
    secrets_before_hypothesis: "secrets-before-hypothesis" => Some("Secrets make reference to an environment key that does not exist: NOPE_NOT_SET");
    // A tolerance probe is validated as any activity: `value` is added only when it runs.
    tolerance_probe_value_required: "tolerance-probe-value-required" => Some("required argument 'value' is missing from activity 'collapse_rfc2231_value'");
    tolerance_probe_without_value: "tolerance-probe-without-value" => None;
    valid: "valid" => None;
    valid_edge: "valid-edge" => None;
    deprecated_dict_arguments: "deprecated-dict-arguments" => None;
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate").join(format!("{name}.json"))
}

/// Our verdict on a fixture: `Err(message)` or `Ok(warnings)`.
fn ours(name: &str) -> Result<Vec<String>, String> {
    assert!(std::env::var_os("NOPE_NOT_SET").is_none(), "these tests need NOPE_NOT_SET to be unset");
    let loaded = load_path(&fixture(name)).expect("fixture loads");
    validate(&loaded.doc, &ValidateOptions::default()).map_err(|e| e.message)
}

fn assert_ours(name: &str, expected: Option<&str>) {
    match (ours(name), expected) {
        (Err(got), Some(want)) => assert_eq!(got, want, "fixture {name}"),
        (Ok(_), None) => {}
        (got, want) => panic!("fixture {name}: expected {want:?}, got {got:?}"),
    }
}

#[test]
fn warnings_are_reported() {
    let warnings = ours("valid").unwrap();
    assert_eq!(
        warnings,
        ["Could not find Python module 'no_such_control_module' in control 'optional'. \
          Did you install the Python module? The experiment will carry on running nonetheless."]
    );
    let warnings = ours("deprecated-dict-arguments").unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("deprecated"), "{warnings:?}");
}

#[test]
fn every_fixture_has_a_case() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(CASES.iter().any(|(name, _)| *name == stem), "fixture {stem} has no case");
    }
}

/// Runs Chaos Toolkit's own `chaos` command (the click CLI, with
/// `--no-version-check --no-log-file validate FILE`) on several files in one
/// Python process: importing the CLI takes over a second, so one process per
/// fixture would make this test slow. Prints one JSON list of
/// `{"code": exit code, "output": log text}`.
const CHAOS_BATCH: &str = r#"
import io, json, logging, sys
from chaostoolkit.__main__ import cli
results = []
real_stderr = sys.stderr
for path in sys.argv[1:]:
    logging.getLogger("chaostoolkit").handlers.clear()
    buf = io.StringIO()
    sys.stderr = buf
    try:
        code = cli.main(["--no-version-check", "--no-log-file", "validate", path],
                        prog_name="chaos", standalone_mode=False)
        code = code if isinstance(code, int) else 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except Exception as e:
        code = 1
        buf.write("%s: %s" % (type(e).__name__, e))
    finally:
        sys.stderr = real_stderr
    results.append({"code": code, "output": buf.getvalue()})
print(json.dumps(results))
"#;

fn venv() -> PathBuf {
    let venv = std::env::var_os("GAMEDAY_CTK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root/.cache/gameday-ctk-venv"));
    assert!(
        venv.join("bin/chaos").exists(),
        "Chaos Toolkit is needed for this test: {} has no bin/chaos (set GAMEDAY_CTK_VENV)",
        venv.display()
    );
    venv
}

/// `(exit code, log output)` of Chaos Toolkit validating each fixture.
fn chaos_batch(names: &[&str]) -> Vec<(i64, String)> {
    let out = Command::new(venv().join("bin/python"))
        .arg("-c")
        .arg(CHAOS_BATCH)
        .args(names.iter().map(|n| fixture(n)))
        .env_remove("NOPE_NOT_SET")
        .output()
        .expect("the venv python runs");
    let results: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no results from chaos ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    results
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| (r["code"].as_i64().expect("code"), r["output"].as_str().unwrap_or_default().to_string()))
        .collect()
}

/// Chaos Toolkit gives the same exit code and message on every fixture (two
/// Python processes in parallel, each validating half of them).
#[test]
fn chaos_toolkit_agrees() {
    let halves: Vec<Vec<(&str, Option<&str>)>> = CASES.chunks(CASES.len().div_ceil(2)).map(<[_]>::to_vec).collect();
    let workers: Vec<_> = halves
        .into_iter()
        .map(|cases| {
            std::thread::spawn(move || {
                let names: Vec<&str> = cases.iter().map(|(n, _)| *n).collect();
                let results = chaos_batch(&names);
                assert_eq!(results.len(), cases.len());
                let mut failures = Vec::new();
                for ((name, expected), (code, text)) in cases.iter().zip(results) {
                    let want_code = if expected.is_some() { 1 } else { 0 };
                    let ours_ok = ours(name).is_ok() == expected.is_none();
                    if code != want_code || !expected.is_none_or(|m| text.contains(m)) || !ours_ok {
                        failures
                            .push(format!("{name}: chaos exit {code}, expected {want_code} and {expected:?}\n{text}"));
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The batch above behaves as the `chaos` command itself: check one failing
/// and one valid fixture with the real executable.
#[test]
fn chaos_command_matches_batch() {
    let chaos = venv().join("bin/chaos");
    for (name, code, message) in
        [("no-title", 1, "experiment requires a title"), ("valid", 0, "experiment syntax and semantic look valid")]
    {
        let out = Command::new(&chaos)
            .args(["--no-version-check", "--no-log-file", "validate"])
            .arg(fixture(name))
            .env_remove("NOPE_NOT_SET")
            .output()
            .expect("chaos runs");
        let text = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{name}: {text}");
        assert!(text.contains(message), "{name}: {text}");
    }
}
