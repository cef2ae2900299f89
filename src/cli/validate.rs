//! `gameday validate FILE…`: one verdict per file; exit 1 if any is invalid.
use super::args::ValidateArgs;
use super::headless_log::line;
use crate::load::validate::LocatedError;
use crate::load::{self, ValidateOptions};
use serde_json::{Value, json};

/// Run the subcommand; returns the exit code.
pub async fn validate(args: ValidateArgs) -> u8 {
    let vars = match super::run::runtime_vars(&args.vars, &args.var_files) {
        Ok(v) => v,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    let opts = ValidateOptions { vars, python: args.python.clone() };
    let fetch = load::LoadOptions { verify_tls: !args.no_verify_tls, ..load::LoadOptions::from_env() };
    if args.json {
        return validate_json(&args.sources, &fetch, &opts).await;
    }
    let mut code = 0;
    for source in &args.sources {
        match load::load_with(source, &fetch).await {
            Err(e) => {
                line("ERROR", &format!("{source}: {e}"));
                code = 1;
            }
            Ok(loaded) => match validate_loaded_off_thread(loaded, opts.clone()).await {
                Ok(warnings) => {
                    for w in warnings {
                        line("WARNING", &format!("{source}: {w}"));
                    }
                    line("INFO", &format!("{source}: experiment syntax and semantic look valid"));
                }
                // The message names the file (and for playbooks the line and column).
                Err(e) => {
                    line("ERROR", &e);
                    code = 1;
                }
            },
        }
    }
    code
}

/// `--json`: every file checked, then one array of verdicts on stdout.
async fn validate_json(sources: &[String], fetch: &load::LoadOptions, opts: &ValidateOptions) -> u8 {
    let mut verdicts = Vec::new();
    for source in sources {
        verdicts.push(verdict_json(source, fetch, opts).await);
    }
    let all_valid = verdicts.iter().all(|v| v.get("valid") == Some(&Value::Bool(true)));
    let text = serde_json::to_string_pretty(&Value::Array(verdicts)).unwrap_or_else(|_| "[]".into());
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{}", crate::term_text::json_terminal_safe(&text));
    if all_valid { 0 } else { 1 }
}

/// One file's verdict: `{path, kind, valid, errors: [{message, line,
/// column, snippet}], warnings}`. `kind` is `experiment` or `playbook`, or
/// null when the file could not be read as either.
async fn verdict_json(source: &str, fetch: &load::LoadOptions, opts: &ValidateOptions) -> Value {
    let (kind, result) = match load::load_with(source, fetch).await {
        Err(e) => (Value::Null, Err(LocatedError::from(e))),
        Ok(loaded) => {
            let kind = if crate::model::playbook::is_playbook(&loaded.doc) { "playbook" } else { "experiment" };
            let opts = opts.clone();
            let checked = tokio::task::spawn_blocking(move || load::validate::validate_loaded(&loaded, &opts))
                .await
                .unwrap_or_else(|e| {
                    Err(LocatedError::from(load::LoadError::Other(format!("validation stopped unexpectedly: {e}"))))
                });
            (json!(kind), checked)
        }
    };
    let (valid, errors, warnings) = match result {
        Ok(warnings) => (true, Vec::new(), warnings),
        Err(e) => (false, vec![error_json(source, &e)], Vec::new()),
    };
    json!({"path": source, "kind": kind, "valid": valid, "errors": errors, "warnings": warnings})
}

fn error_json(source: &str, e: &LocatedError) -> Value {
    json!({
        // A wrapped experiment's problem names that file, not the playbook.
        "file": if e.file.is_empty() { source } else { e.file.as_str() },
        "message": e.message,
        "line": e.line,
        "column": e.column,
        "snippet": if e.snippet.is_empty() { Value::Null } else { json!(e.snippet) },
    })
}

/// Validation may run a Python interpreter (python providers): keep it off
/// the async workers.
pub async fn validate_off_thread(
    doc: serde_json::Value,
    opts: ValidateOptions,
) -> Result<Vec<String>, load::ValidationError> {
    tokio::task::spawn_blocking(move || load::validate(&doc, &opts))
        .await
        .unwrap_or_else(|e| Err(load::ValidationError { message: format!("validation stopped unexpectedly: {e}") }))
}

/// [`load::validate::validate_loaded`] off the async workers; the error is
/// the full located message (`file:line:col: …` and the offending line).
pub async fn validate_loaded_off_thread(loaded: load::Loaded, opts: ValidateOptions) -> Result<Vec<String>, String> {
    tokio::task::spawn_blocking(move || load::validate::validate_loaded(&loaded, &opts).map_err(|e| e.to_string()))
        .await
        .unwrap_or_else(|e| Err(format!("validation stopped unexpectedly: {e}")))
}
