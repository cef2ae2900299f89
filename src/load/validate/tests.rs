//! Unit tests: our own messages, and no panic on any shape of document.
use super::*;
use serde_json::json;

fn check(doc: Value) -> Result<Vec<String>, String> {
    validate(&doc, &ValidateOptions::default()).map_err(|e| e.message)
}

fn base() -> Value {
    json!({"title": "t", "description": "d", "method": []})
}

fn with(key: &str, value: Value) -> Value {
    let mut doc = base();
    doc[key] = value;
    doc
}

#[test]
fn minimal_experiment_is_valid() {
    assert_eq!(check(base()), Ok(vec![]));
}

#[test]
fn wrong_shapes_get_our_messages() {
    let cases = [
        (json!([1]), "an experiment must be a mapping"),
        (with("method", json!("abc")), "the method must be a list"),
        (with("method", json!([5])), "an activity must be a mapping"),
        (with("steady-state-hypothesis", json!([1])), "the steady-state-hypothesis must be a mapping"),
        (
            with("steady-state-hypothesis", json!({"title": "h", "probes": {"a": 1}})),
            "the hypothesis probes must be a list",
        ),
        (with("tags", json!("abc")), "experiment tags must be a list"),
        (with("rollbacks", json!(null)), "rollbacks must be a list"),
        (with("configuration", json!([])), "the configuration must be a mapping"),
        (with("secrets", json!("x")), "secrets must be a mapping"),
        (with("secrets", json!({"t": "x"})), "secret scope 't' must be a mapping"),
        (with("controls", json!({"a": 1})), "the controls of the experiment must be a list"),
        (with("extensions", json!([3])), "each extension must be a mapping"),
        (
            with("method", json!([{"type": "action", "name": "a", "provider": "x"}])),
            "the provider of activity 'a' must be a mapping",
        ),
        (
            with("method", json!([{"type": "action", "name": "a", "provider": {"type": "process", "path": 5}}])),
            "the path of process activity 'a' must be a string",
        ),
        (
            with(
                "method",
                json!([{"type": "action", "name": "a", "pauses": [1], "provider": {"type": "process", "path": "true"}}]),
            ),
            "the pauses of activity 'a' must be a mapping",
        ),
        (
            with(
                "method",
                json!([{"type": "action", "name": "a", "pauses": {"before": [1]}, "provider": {"type": "process", "path": "true"}}]),
            ),
            "activity before pause must be a number",
        ),
        (
            with(
                "steady-state-hypothesis",
                json!({"title": "h", "probes": [
                {"type": "probe", "name": "p", "provider": {"type": "process", "path": "true"},
                 "tolerance": {"type": "probe", "name": "tp", "provider": {"type": "process", "path": "true"}}}]}),
            ),
            "the probe tolerance 'tp' needs a provider `arguments` mapping",
        ),
        (
            with(
                "steady-state-hypothesis",
                json!({"title": "h", "probes": [
                {"type": "probe", "name": "p", "provider": {"type": "process", "path": "true"},
                 "tolerance": {"type": "jsonpath", "path": 3}}]}),
            ),
            "hypothesis probe tolerance JSON path 3 has an invalid type",
        ),
        (
            with("rollbacks", json!([{"ref": "ghost"}])),
            "referenced activity 'ghost' could not be found in the experiment",
        ),
        (
            with("configuration", json!({"c": {"type": "env"}})),
            "configuration 'c' reads an environment variable but its `key` is missing",
        ),
        (
            with("configuration", json!({"c": {"type": "env", "key": "HOME", "env_var_type": "int"}})),
            "configuration 'c': the value",
        ),
    ];
    for (doc, expected) in cases {
        let got = check(doc.clone());
        assert!(matches!(&got, Err(m) if m.starts_with(expected)), "{doc}: expected {expected:?}, got {got:?}");
    }
}

#[test]
fn manual_steps_need_only_a_name() {
    let doc = with("method", json!([{"type": "manual", "name": "ask on-call", "instructions": "Did the alert fire?"}]));
    assert_eq!(check(doc), Ok(vec![]));
    let doc = with("method", json!([{"type": "manual", "instructions": "x"}]));
    assert_eq!(check(doc), Err("an activity must have a name".into()));
    let doc = with("method", json!([{"type": "manual", "name": "m", "instructions": 3}]));
    assert!(check(doc).unwrap_err().contains("instructions of manual activity 'm'"));
}

#[test]
fn runtime_vars_cover_missing_env() {
    let doc = with("configuration", json!({"c": {"type": "env", "key": "NOPE_NOT_SET_UNIT"}}));
    assert!(check(doc.clone()).is_err());
    let mut opts = ValidateOptions::default();
    opts.vars.configuration.insert("c".into(), json!("given"));
    assert_eq!(validate(&doc, &opts), Ok(vec![]));

    let doc = with("secrets", json!({"s": {"k": {"type": "env", "key": "NOPE_NOT_SET_UNIT"}}}));
    assert!(check(doc.clone()).is_err());
    let mut opts = ValidateOptions::default();
    opts.vars.secrets.insert("s".into(), json!({"k": "x"}));
    assert_eq!(validate(&doc, &opts), Ok(vec![]));
}

#[test]
fn dict_process_arguments_warn() {
    let doc = with(
        "method",
        json!([{"type": "action", "name": "a", "provider": {"type": "process", "path": "true", "arguments": {"-n": "1"}}}]),
    );
    let warnings = check(doc).unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("deprecated"));
}

/// Every key the validator reads, filled with every kind of JSON value, at
/// every level: the validator must answer, never panic.
#[test]
fn no_panic_on_wrongly_typed_documents() {
    let junk = [
        json!(null),
        json!(true),
        json!(0),
        json!(1.5),
        json!(""),
        json!("x"),
        json!("${x}"),
        json!([]),
        json!([null, 1, "a", [], {}]),
        json!({}),
        json!({"type": 5, "name": [], "ref": {}}),
    ];
    let activity_keys =
        ["type", "name", "provider", "ref", "timeout", "pauses", "background", "controls", "tolerance", "instructions"];
    let provider_keys = ["type", "path", "url", "headers", "module", "func", "arguments"];
    let tolerance_keys = ["type", "pattern", "path", "range", "target", "count", "name", "provider"];
    let top_keys = [
        "title",
        "description",
        "tags",
        "extensions",
        "configuration",
        "secrets",
        "steady-state-hypothesis",
        "method",
        "rollbacks",
        "controls",
    ];
    let mut docs = Vec::new();
    for j in &junk {
        docs.push(j.clone());
        for k in top_keys {
            docs.push(with(k, j.clone()));
            docs.push(with(k, json!([j.clone()])));
            docs.push(with(k, json!({"k": j.clone()})));
        }
        for k in activity_keys {
            let mut a = json!({"type": "action", "name": "a", "provider": {"type": "http", "url": "http://x"}});
            a[k] = j.clone();
            docs.push(with("method", json!([a.clone()])));
            docs.push(with("rollbacks", json!([a.clone()])));
            let mut p = a.clone();
            p["type"] = json!("probe");
            docs.push(with("steady-state-hypothesis", json!({"title": "h", "probes": [p], "controls": [j.clone()]})));
        }
        for t in ["process", "http"] {
            for k in provider_keys {
                let mut provider = json!({"type": t, "path": "true", "url": "http://x"});
                provider[k] = j.clone();
                docs.push(with("method", json!([{"type": "probe", "name": "a", "provider": provider}])));
            }
        }
        for t in ["regex", "jsonpath", "range", "probe", "nope"] {
            for k in tolerance_keys {
                let mut tol = json!({"type": t});
                tol[k] = j.clone();
                let probe = json!({"type": "probe", "name": "p", "provider": {"type": "process", "path": "true"}, "tolerance": tol});
                docs.push(with("steady-state-hypothesis", json!({"title": "h", "probes": [probe]})));
            }
        }
        for k in ["name", "ref", "provider", "scope"] {
            let mut c = json!({"name": "c", "provider": {"type": "http"}});
            c[k] = j.clone();
            docs.push(with("controls", json!([c])));
        }
        docs.push(with("configuration", json!({"c": {"type": "env", "key": j.clone(), "env_var_type": j.clone()}})));
        docs.push(with("secrets", json!({"s": {"k": {"type": "env", "key": j.clone()}}})));
    }
    // Deep nesting everywhere a value may recurse.
    let mut deep = json!("x");
    for _ in 0..500 {
        deep = json!({"a": [deep]});
    }
    docs.push(with("secrets", json!({"s": deep.clone()})));
    docs.push(with("method", json!([deep.clone()])));
    docs.push(with("method", json!([{"type": deep.clone()}])));
    docs.push(with("steady-state-hypothesis", json!({"title": "h", "probes": [{"type": "probe", "name": "p", "provider": {"type": "process", "path": "true"}, "tolerance": {"type": "regex", "pattern": deep}}]})));
    for doc in docs {
        let _ = check(doc);
    }
}

/// A `python3` that also sees the modules written in a temporary directory.
fn python_with_modules(files: &[(&str, &str)]) -> (tempfile::TempDir, ValidateOptions) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let wrapper = dir.path().join("python");
    std::fs::write(&wrapper, format!("#!/bin/sh\nPYTHONPATH='{}' exec python3 \"$@\"\n", dir.path().display()))
        .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let opts = ValidateOptions { python: Some(wrapper.display().to_string()), ..Default::default() };
    (dir, opts)
}

/// A tolerance probe is bound as written, as `chaos validate` binds it: the
/// `value` chaos passes when it runs the probe is not part of validation
/// (checked against the real chaos: `tests/validate_messages.rs`).
#[test]
fn python_tolerance_probes_are_bound_as_written() {
    let (_dir, opts) = python_with_modules(&[(
        "tolmod.py",
        "def under(value, limit=3):\n    return value < limit\n\ndef small(limit=3):\n    return limit < 10\n",
    )]);
    let doc = |tolerance: Value| {
        with(
            "steady-state-hypothesis",
            json!({"title": "h", "probes": [{"type": "probe", "name": "p",
                "provider": {"type": "process", "path": "true"}, "tolerance": tolerance}]}),
        )
    };
    let needs_value = doc(json!({"type": "probe", "name": "tp",
        "provider": {"type": "python", "module": "tolmod", "func": "under", "arguments": {"limit": 4}}}));
    assert_eq!(
        validate(&needs_value, &opts).unwrap_err().message,
        "required argument 'value' is missing from activity 'under'"
    );
    let without_value = doc(json!({"type": "probe", "name": "tp",
        "provider": {"type": "python", "module": "tolmod", "func": "small", "arguments": {"limit": 4}}}));
    assert_eq!(validate(&without_value, &opts), Ok(vec![]));
    let unknown = doc(json!({"type": "probe", "name": "tp",
        "provider": {"type": "python", "module": "tolmod", "func": "small", "arguments": {"nope": 4}}}));
    assert_eq!(
        validate(&unknown, &opts).unwrap_err().message,
        "argument 'nope' is not part of the function signature in activity 'small'"
    );
}

#[test]
fn control_modules_validate_themselves() {
    let (_dir, opts) = python_with_modules(&[
        ("chaoslib/__init__.py", ""),
        (
            "chaoslib/exceptions.py",
            "class ChaosException(Exception):\n    pass\nclass InvalidControl(ChaosException):\n    pass\n",
        ),
        (
            "strict.py",
            "from chaoslib.exceptions import InvalidControl\ndef validate_control(c):\n    raise InvalidControl('control %s wants arguments' % c['name'])\n",
        ),
        ("buggy.py", "def validate_control(c):\n    raise ValueError('oops')\n"),
        ("broken.py", "raise RuntimeError('at import')\n"),
        ("fine.py", "def validate_control(c):\n    pass\n"),
    ]);
    let doc = |module: &str| with("controls", json!([{"name": "c", "provider": {"type": "python", "module": module}}]));
    assert_eq!(validate(&doc("fine"), &opts), Ok(vec![]));
    let err = |module: &str| validate(&doc(module), &opts).unwrap_err().message;
    assert_eq!(err("strict"), "control c wants arguments");
    assert_eq!(err("buggy"), "Control 'c' failed to validate itself: ValueError: oops");
    assert_eq!(err("broken"), "Control 'c': importing Python module 'broken' failed: RuntimeError: at import");
    let warnings = validate(&doc("absent_module"), &opts).unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("Could not find Python module 'absent_module' in control 'c'"));
}

#[test]
fn missing_interpreter_is_a_clear_error() {
    let opts = ValidateOptions { python: Some("/no/such/python3".into()), ..Default::default() };
    let doc = with(
        "method",
        json!([{"type": "action", "name": "a",
        "provider": {"type": "python", "module": "os", "func": "getcwd"}}]),
    );
    let message = validate(&doc, &opts).unwrap_err().message;
    assert!(message.starts_with("could not start the Python interpreter '/no/such/python3'"), "{message}");
    // Controls are optional: only a warning then.
    let doc = with("controls", json!([{"name": "c", "provider": {"type": "python", "module": "x"}}]));
    let warnings = validate(&doc, &opts).unwrap();
    assert!(warnings[0].contains("/no/such/python3"), "{warnings:?}");
}
