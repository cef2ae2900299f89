//! Reports: Markdown, a self-contained HTML page, and JSON, of one session
//! (or Chaos Toolkit journal), or several aggregated into one.
//!
//! Everything shown comes from the session's events (or the journal); no
//! terminal code lives here. The flow is: [`input::read`] (a session's log is
//! streamed into its [`model::Report`] and journal, never held whole) →
//! [`build`] (the participant version applied) → a renderer, which writes
//! into a stream.
//! Secrets are masked twice: in the experiment copy's `secrets` block and,
//! as a last pass, in every string of what is rendered.
pub mod aggregate;
pub mod build;
pub mod describe;
pub mod events_in;
pub mod input;
pub mod journal_in;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod obs_line;
pub mod participant;
pub mod plan;
pub mod render;
pub mod rows;
pub mod secrets;
pub mod svg;
pub mod text;
pub mod times;
pub mod verdict;

use input::Input;
use model::Report;
use serde_json::Value;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

/// What hidden parts show in the participant version.
pub const HIDDEN: &str = "hidden for participants";

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Json,
}

impl Format {
    /// `md`, `markdown`, `html`, `json`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(Format::Markdown),
            "html" | "html5" => Some(Format::Html),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// One run, ready to render.
pub struct Built {
    /// Shared with the row writers of the Markdown and HTML renderers.
    pub report: Arc<Report>,
    /// Its Chaos Toolkit journal, with inline secret declarations masked.
    pub journal: Value,
    /// Secret values to scrub from anything rendered.
    pub secrets: Vec<String>,
    /// Where it was read from.
    pub path: String,
    /// What reading it skipped (one line each), for the user.
    pub warnings: Vec<String>,
}

/// Build the report of one input.
pub fn build(input: Input, participant: bool) -> Built {
    let path = input.path().display().to_string();
    let warnings = input.warnings().to_vec();
    let (mut report, mut journal) = match input {
        Input::Session { report, journal, .. } => (*report, journal),
        Input::Journal { journal, .. } => (journal_in::from_journal(&journal, Vec::new()), journal),
    };
    let secrets = journal.get("experiment").map(secrets::values).unwrap_or_default();
    if let Some(exp) = journal.get_mut("experiment") {
        secrets::mask_declarations(exp);
    }
    if participant {
        participant::apply(&mut report);
        participant::scrub_journal(&mut journal);
    }
    Built { report: Arc::new(report), journal, secrets, path, warnings }
}

/// Render one run into `out`.
pub fn render_one(b: &Built, format: Format, out: &mut dyn Write) -> Result<(), String> {
    let masker = secrets::masker(&b.secrets).map(Arc::new);
    match format {
        Format::Markdown => render::session(&b.report, false, masker.as_ref(), out),
        Format::Html => render::session(&b.report, true, masker.as_ref(), out),
        Format::Json => json::write_document(out, &b.journal, &b.report, masker.as_deref()),
    }
}

/// Render several runs as one aggregate report into `out`.
pub fn render_many(runs: &[Built], format: Format, out: &mut dyn Write) -> Result<(), String> {
    let all: Vec<String> = runs.iter().flat_map(|b| b.secrets.iter().cloned()).collect();
    let masker = secrets::masker(&all);
    let pairs: Vec<(&str, &Report)> = runs.iter().map(|b| (b.path.as_str(), &*b.report)).collect();
    let agg = aggregate::aggregate(&pairs);
    match format {
        Format::Json => {
            let doc = serde_json::json!({
                "schema": json::SCHEMA,
                "kind": "aggregate",
                "runs": agg.runs,
                "trends": agg.trends,
                "actions": agg.actions,
                "reports": runs.iter().map(|b| json::document(b.journal.clone(), &b.report)).collect::<Vec<_>>(),
            });
            let doc = match &masker {
                Some(m) => m.mask(&doc),
                None => doc,
            };
            let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
            out.write_all(text.as_bytes()).and_then(|_| out.write_all(b"\n")).map_err(write_error)
        }
        Format::Markdown | Format::Html => {
            let ctx = serde_json::json!({"a": agg, "css": render::css(), "version": env!("CARGO_PKG_VERSION")});
            let name = if format == Format::Html { "aggregate.html" } else { "aggregate.md" };
            render::render(name, &ctx, masker.as_ref(), out)
        }
    }
}

fn write_error(e: io::Error) -> String {
    format!("cannot write the report: {e}")
}

/// Read and build every input (the participant version if asked). Nothing
/// is rendered yet, so a bad input is reported before any output is written.
pub fn read_all(paths: &[&Path], participant: bool) -> Result<Vec<Built>, String> {
    let mut built = Vec::new();
    for p in paths {
        built.push(build(input::read(p)?, participant));
    }
    if built.is_empty() {
        return Err("no input given".into());
    }
    Ok(built)
}

/// Render built runs into `out`: one gives a single-run report, several an aggregate.
pub fn render_to(built: &[Built], format: Format, out: &mut dyn Write) -> Result<(), String> {
    match built {
        [] => Err("no input given".into()),
        [one] => render_one(one, format, out),
        many => render_many(many, format, out),
    }
}

/// Read inputs and render into a string (the console's preview).
pub fn report_paths(paths: &[&Path], format: Format, participant: bool) -> Result<String, String> {
    let built = read_all(paths, participant)?;
    let mut out = Vec::new();
    render_to(&built, format, &mut out)?;
    String::from_utf8(out).map_err(|e| format!("the report is not valid UTF-8: {e}"))
}

/// Write `report.md` and `report.html` into a session directory (at the end
/// of a run, or on demand from the console).
pub fn write_session_reports(session_dir: &Path) -> Result<(), String> {
    let built = build(input::read(session_dir)?, false);
    for (name, format) in [("report.md", Format::Markdown), ("report.html", Format::Html)] {
        let path = session_dir.join(name);
        write_atomic(&path, |out| render_one(&built, format, out))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Write a file whole or not at all: into a temporary file beside it, renamed
/// over it once written (as [`crate::session::dir::write_atomic`] does, but
/// streamed: a large report is never held in memory).
fn write_atomic(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<(), String>) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| e.to_string())?;
    let mut out = io::BufWriter::with_capacity(1 << 20, tmp);
    write(&mut out)?;
    let tmp = out.into_inner().map_err(|e| e.error().to_string())?;
    tmp.as_file().sync_data().map_err(|e| e.to_string())?;
    tmp.persist(path).map_err(|e| e.error.to_string())?;
    Ok(())
}
