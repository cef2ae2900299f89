//! `gameday validate FILE…`: one verdict per file; exit 1 if any is invalid.
use super::args::ValidateArgs;
use super::headless_log::line;
use crate::load::{self, ValidateOptions};

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
    let mut code = 0;
    let fetch = load::LoadOptions { verify_tls: !args.no_verify_tls, ..load::LoadOptions::from_env() };
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
