//! Reports: Markdown, a self-contained HTML page, and JSON, of one session
//! (or Chaos Toolkit journal), or several aggregated into one.
//!
//! Everything shown comes from the session's events (or the journal); no
//! terminal code lives here. The flow is: [`input::read`] → [`build`] (a
//! [`model::Report`], with the participant version applied) → a renderer.
//! Secrets are masked twice: in the experiment copy's `secrets` block and,
//! as a last pass, in every string of what is rendered.
pub mod aggregate;
pub mod build;
pub mod describe;
pub mod input;
pub mod journal_in;
pub mod json;
pub mod model;
pub mod participant;
pub mod plan;
pub mod render;
pub mod secrets;
pub mod svg;
pub mod text;
pub mod verdict;

use input::Input;
use model::Report;
use serde_json::Value;
use std::path::Path;

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
    pub report: Report,
    /// Its Chaos Toolkit journal, with inline secret declarations masked.
    pub journal: Value,
    /// Secret values to scrub from anything rendered.
    pub secrets: Vec<String>,
    /// Where it was read from.
    pub path: String,
}

/// Build the report of one input.
pub fn build(input: &Input, participant: bool) -> Built {
    let mut journal = input.journal();
    let secrets = journal.get("experiment").map(secrets::values).unwrap_or_default();
    if let Some(exp) = journal.get_mut("experiment") {
        secrets::mask_declarations(exp);
    }
    let mut report = match input {
        Input::Session { events, notes, .. } => build::from_events(events, notes.clone()),
        Input::Journal { journal: j, .. } => journal_in::from_journal(j, Vec::new()),
    };
    if participant {
        participant::apply(&mut report);
        participant::scrub_journal(&mut journal);
    }
    Built { report, journal, secrets, path: input.path().display().to_string() }
}

/// Render one run.
pub fn render_one(b: &Built, format: Format) -> Result<String, String> {
    let masker = secrets::masker(&b.secrets);
    match format {
        Format::Markdown => render::session(&b.report, false, masker.as_ref()),
        Format::Html => render::session(&b.report, true, masker.as_ref()),
        Format::Json => {
            let doc = json::document(b.journal.clone(), &b.report);
            let doc = match &masker {
                Some(m) => m.mask(&doc),
                None => doc,
            };
            serde_json::to_string_pretty(&doc).map(|s| s + "\n").map_err(|e| e.to_string())
        }
    }
}

/// Render several runs as one aggregate report.
pub fn render_many(runs: &[Built], format: Format) -> Result<String, String> {
    let all: Vec<String> = runs.iter().flat_map(|b| b.secrets.iter().cloned()).collect();
    let masker = secrets::masker(&all);
    let pairs: Vec<(String, Report)> = runs.iter().map(|b| (b.path.clone(), b.report.clone())).collect();
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
            serde_json::to_string_pretty(&doc).map(|s| s + "\n").map_err(|e| e.to_string())
        }
        Format::Markdown | Format::Html => {
            let ctx = serde_json::json!({"a": agg, "css": render::css(), "version": env!("CARGO_PKG_VERSION")});
            let name = if format == Format::Html { "aggregate.html" } else { "aggregate.md" };
            render::render(name, &ctx, masker.as_ref())
        }
    }
}

/// Read inputs and render: one input gives a single-run report, several an aggregate.
pub fn report_paths(paths: &[&Path], format: Format, participant: bool) -> Result<String, String> {
    let mut built = Vec::new();
    for p in paths {
        let input = input::read(p)?;
        built.push(build(&input, participant));
    }
    match built.as_slice() {
        [] => Err("no input given".into()),
        [one] => render_one(one, format),
        many => render_many(many, format),
    }
}

/// Write `report.md` and `report.html` into a session directory (at the end
/// of a run, or on demand from the console).
pub fn write_session_reports(session_dir: &Path) -> Result<(), String> {
    let input = input::read(session_dir)?;
    let built = build(&input, false);
    for (name, format) in [("report.md", Format::Markdown), ("report.html", Format::Html)] {
        let text = render_one(&built, format)?;
        let path = session_dir.join(name);
        crate::session::dir::write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
