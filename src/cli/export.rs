//! `gameday export FILE --to chaostoolkit [-o OUT] [--strict]`: the
//! automated part of a playbook as a Chaos Toolkit experiment.
//!
//! The playbook is validated first and its `experiment:` resolved. Manual
//! steps become notes in the description (and a `gameday` extension);
//! `--strict` refuses a playbook that has any. Safeguards and `on_stop` are
//! dropped with a note. See [`crate::model::playbook::export`].
use super::headless_log::line;
use crate::load::{ValidateOptions, validate::validate_file};
use crate::model::playbook::{export::to_chaostoolkit, resolve};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// What to export to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A Chaos Toolkit experiment (`chaos run` / `chaos validate`).
    Chaostoolkit,
}

/// `gameday export`.
#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// The playbook to export.
    pub file: PathBuf,
    /// The target format.
    #[arg(long = "to", value_enum, default_value = "chaostoolkit")]
    pub to: ExportFormat,
    /// Where to write it (`.json`, `.yaml` or `.yml`); standard output (JSON) if not given.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Refuse to export a playbook that has manual steps instead of turning them into notes.
    #[arg(long)]
    pub strict: bool,
}

/// Run the subcommand; returns the exit code.
pub async fn export(args: ExportArgs) -> u8 {
    match tokio::task::spawn_blocking(move || export_blocking(&args)).await {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            line("ERROR", &e);
            1
        }
        Err(e) => {
            line("ERROR", &format!("the export stopped unexpectedly: {e}"));
            1
        }
    }
}

fn export_blocking(args: &ExportArgs) -> Result<(), String> {
    let ExportFormat::Chaostoolkit = args.to;
    let warnings = validate_file(&args.file, &ValidateOptions::default()).map_err(|e| e.to_string())?;
    for w in warnings {
        line("WARNING", &format!("{}: {w}", args.file.display()));
    }
    let doc = resolve(&args.file).map_err(|e| e.to_string())?;
    let experiment = to_chaostoolkit(&doc, args.strict).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let manual = experiment
        .get("extensions")
        .and_then(serde_json::Value::as_array)
        .and_then(|exts| exts.iter().find(|e| e.get("name").and_then(serde_json::Value::as_str) == Some("gameday")))
        .and_then(|e| e.get("manual_steps"))
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len);
    if manual > 0 {
        line("INFO", &format!("{manual} manual step(s) became notes in the description (use --strict to refuse)"));
    }
    if doc.get("safeguards").is_some() || doc.get("on_stop").is_some() {
        line("INFO", "safeguards and on_stop halt actions are not exported (Chaos Toolkit has no equivalent built in)");
    }
    let text = match &args.output {
        Some(p) if is_yaml(p) => serde_saphyr::to_string(&experiment).map_err(|e| format!("cannot write YAML: {e}"))?,
        _ => serde_json::to_string_pretty(&experiment).map_err(|e| format!("cannot write JSON: {e}"))? + "\n",
    };
    match &args.output {
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(|e| format!("cannot write to standard output: {e}"))?;
        }
        Some(p) => {
            if !(is_yaml(p) || p.extension().and_then(|e| e.to_str()) == Some("json")) {
                return Err(format!("{}: the output must end in .json, .yaml or .yml", p.display()));
            }
            std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
            line("INFO", &format!("Chaos Toolkit experiment written to {}", p.display()));
        }
    }
    Ok(())
}

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}
