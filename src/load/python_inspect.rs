//! Asks a Python interpreter whether a module and function exist and how the
//! function's signature binds the given arguments (for validation).
//!
//! Chaos Toolkit validates python providers by importing the module in its own
//! process. We cannot import Python from Rust, so every question of one
//! validation is sent in one batch to a short `python -c` script, which
//! answers with one JSON line. Module code runs during the import, exactly as
//! it does under `chaos validate`.
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The interpreter used when none is configured.
pub const DEFAULT_PYTHON: &str = "python3";

/// How long the batch may take: importing big driver packages is slow.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Marks the answer line, so that modules printing at import are harmless.
const MARKER: &str = "GAMEDAY-PYTHON-INSPECT:";

/// One question for the interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Query {
    /// A python provider: import `module`, find `func` among its functions
    /// and builtins, and bind the argument names (plus `secrets` and
    /// `configuration` when the signature names them) to its signature.
    Activity { module: String, func: String, args: Vec<String> },
    /// A python control: import `module` and, if it has one, call its
    /// `validate_control(control)` (Chaos Toolkit does the same). `control`
    /// is the control's declaration as JSON text.
    Control { module: String, control: String },
}

/// What happened when importing the module.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "import", rename_all = "snake_case")]
pub enum Answer {
    /// `ImportError` (includes `ModuleNotFoundError`).
    Missing,
    /// Importing raised something else; `error` is `Type: message`.
    Failed { error: String },
    /// The module was imported.
    Ok(Found),
}

/// Details once the module is imported.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
pub struct Found {
    /// Activities: whether a function or builtin of that name exists.
    #[serde(default)]
    pub found: bool,
    /// Activities: the outcome of binding the arguments.
    #[serde(default)]
    pub bind: Option<Bind>,
    /// Controls: what `validate_control` raised, if it raised.
    #[serde(default)]
    pub raised: Option<Raised>,
}

/// Outcome of `inspect.signature(f).bind(**args)`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Bind {
    Ok,
    /// A required argument is missing; `arg` is quoted as Python wrote it (`'path'`).
    Missing {
        arg: String,
    },
    /// An argument is not in the signature; `arg` is quoted (`'zzz'`).
    Unexpected {
        arg: String,
    },
    /// Binding failed for another reason.
    Error {
        error: String,
    },
    /// The function has no introspectable signature, so nothing was checked.
    NoSignature,
}

/// An exception raised by a control's `validate_control`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Raised {
    /// Whether it is a `chaoslib.exceptions.ChaosException`.
    pub chaos: bool,
    /// The exception class name.
    pub kind: String,
    /// `str(exception)`.
    pub message: String,
}

/// Why the interpreter gave no answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectError {
    #[error("could not start the Python interpreter '{python}' to check python providers: {reason}")]
    Start { python: String, reason: String },
    #[error("the Python interpreter '{python}' did not answer the python provider checks: {reason}")]
    NoAnswer { python: String, reason: String },
}

/// The script run with `python -c`. It reads the questions from stdin.
const SCRIPT: &str = r#"
import sys, json, importlib, inspect
out = sys.stdout
sys.stdout = sys.stderr
# `chaos` is a console script: the current directory is not on its path.
if sys.path and sys.path[0] == "":
    sys.path.pop(0)

def is_chaos(exc):
    return any(c.__name__ == "ChaosException" and c.__module__.startswith("chaoslib")
               for c in type(exc).__mro__)

def activity(mod, q):
    cands = dict(inspect.getmembers(mod, inspect.isfunction))
    cands.update(inspect.getmembers(mod, inspect.isbuiltin))
    cb = cands.get(q["func"])
    if cb is None:
        return {"import": "ok", "found": False}
    try:
        sig = inspect.signature(cb)
    except (TypeError, ValueError):
        return {"import": "ok", "found": True, "bind": {"outcome": "no_signature"}}
    args = {name: None for name in q["args"]}
    if "secrets" in sig.parameters:
        args["secrets"] = None
    if "configuration" in sig.parameters:
        args["configuration"] = None
    try:
        sig.bind(**args)
        bind = {"outcome": "ok"}
    except TypeError as x:
        msg = str(x)
        if "missing" in msg:
            bind = {"outcome": "missing", "arg": msg.rsplit(":", 1)[-1].strip()}
        elif "unexpected" in msg:
            bind = {"outcome": "unexpected", "arg": msg.rsplit(" ", 1)[-1].strip()}
        else:
            bind = {"outcome": "error", "error": msg}
    return {"import": "ok", "found": True, "bind": bind}

def control(mod, q):
    func = getattr(mod, "validate_control", None)
    if not func:
        return {"import": "ok"}
    try:
        func(json.loads(q["control"]))
    except BaseException as e:
        return {"import": "ok", "raised": {"chaos": is_chaos(e), "kind": type(e).__name__, "message": str(e)}}
    return {"import": "ok"}

def answer(q):
    try:
        mod = importlib.import_module(q["module"])
    except ImportError:
        return {"import": "missing"}
    except BaseException as e:
        return {"import": "failed", "error": "%s: %s" % (type(e).__name__, e)}
    try:
        return activity(mod, q) if q["kind"] == "activity" else control(mod, q)
    except BaseException as e:
        return {"import": "failed", "error": "%s: %s" % (type(e).__name__, e)}

answers = [answer(q) for q in json.loads(sys.stdin.read())]
out.write("\n" + MARKER + json.dumps(answers) + "\n")
out.flush()
"#;

/// Ask `python` every question; answers come back in the same order.
pub fn inspect(python: &str, queries: &[Query]) -> Result<Vec<Answer>, InspectError> {
    if queries.is_empty() {
        return Ok(Vec::new());
    }
    let no_answer = |reason: String| InspectError::NoAnswer { python: python.to_string(), reason };
    let payload = serde_json::to_string(queries).map_err(|e| no_answer(e.to_string()))?;
    let script = SCRIPT.replace("MARKER", &format!("{MARKER:?}"));
    let mut child = Command::new(python)
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| InspectError::Start { python: python.to_string(), reason: e.to_string() })?;
    // Written from a thread: the questions may not fit in a pipe buffer.
    if let Some(mut stdin) = child.stdin.take() {
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(payload.as_bytes());
        });
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(no_answer(format!("no answer within {} seconds", TIMEOUT.as_secs())));
            }
            Err(e) => return Err(no_answer(e.to_string())),
        }
    };
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    let line = out.lines().rev().find_map(|l| l.strip_prefix(MARKER)).ok_or_else(|| {
        let tail: Vec<&str> = err.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        no_answer(format!("exit status {status}; {}", tail.join(" | ")))
    })?;
    let answers: Vec<Answer> = serde_json::from_str(line).map_err(|e| no_answer(format!("unreadable answer: {e}")))?;
    if answers.len() != queries.len() {
        return Err(no_answer(format!("{} answers for {} questions", answers.len(), queries.len())));
    }
    Ok(answers)
}

/// Read a pipe to the end on its own thread, so neither pipe can fill up.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(module: &str, func: &str, args: &[&str]) -> Query {
        Query::Activity { module: module.into(), func: func.into(), args: args.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn answers_each_question() {
        let answers = inspect(
            DEFAULT_PYTHON,
            &[
                q("os.path", "exists", &["path"]),
                q("os.path", "exists", &[]),
                q("os.path", "exists", &["path", "zzz"]),
                q("os.path", "nope", &[]),
                q("nope.nope", "x", &[]),
                q("os", "getcwd", &[]),
                Query::Control { module: "json".into(), control: json!({"name": "c"}).to_string() },
            ],
        )
        .unwrap();
        let found = |bind| Answer::Ok(Found { found: true, bind: Some(bind), raised: None });
        assert_eq!(answers[0], found(Bind::Ok));
        assert_eq!(answers[1], found(Bind::Missing { arg: "'path'".into() }));
        assert_eq!(answers[2], found(Bind::Unexpected { arg: "'zzz'".into() }));
        assert_eq!(answers[3], Answer::Ok(Found::default()));
        assert_eq!(answers[4], Answer::Missing);
        assert!(matches!(&answers[5], Answer::Ok(f) if f.found));
        assert_eq!(answers[6], Answer::Ok(Found::default()));
    }

    #[test]
    fn missing_interpreter_is_named() {
        let err = inspect("/no/such/python", &[q("os", "getcwd", &[])]).unwrap_err();
        assert!(err.to_string().contains("'/no/such/python'"), "{err}");
    }
}
