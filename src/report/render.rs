//! Markdown and HTML through minijinja templates. The HTML template is
//! auto-escaped (its name ends in `.html`), so nothing from a session can
//! inject markup; the Markdown filters escape what Markdown would interpret.
//! The long lists of a session are written by [`super::rows`], straight into
//! the output, which is streamed to a writer.
use super::markdown;
use super::model::{DecisionRec, Report};
use super::rows::{List, Lists, Pick, Rows};
use super::svg::{self, Svg};
use super::text;
use crate::session::recorder::Masker;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value as JValue, context};
use serde::Serialize;
use std::io;
use std::sync::Arc;

const REPORT_MD: &str = include_str!("templates/report.md");
const REPORT_HTML: &str = include_str!("templates/report.html");
const AGGREGATE_MD: &str = include_str!("templates/aggregate.md");
const AGGREGATE_HTML: &str = include_str!("templates/aggregate.html");
const MACROS_HTML: &str = include_str!("templates/macros.html");
const STEP_MD: &str = include_str!("templates/step.md");
const STYLE_CSS: &str = include_str!("templates/style.css");

/// Observation kinds grouped under "Observations", in this order; "Other"
/// takes the kinds that have no group and no section of their own.
const GROUPS: [(&str, &str, Pick); 4] = [
    ("observation", "Observations", Pick::Observation),
    ("note", "Notes", Pick::Note),
    ("decision", "Decisions noted", Pick::Decision),
    ("other", "Other", Pick::Other),
];

/// The small part of a session report's context; the long lists are added
/// as [`Rows`] objects.
#[derive(Serialize)]
struct View<'a> {
    r: &'a Report,
    /// Starts that overrode a readiness gate that was not green.
    overrides: Vec<&'a DecisionRec>,
    during_met: usize,
    has_plan: bool,
    svg: Option<Svg>,
    css: &'static str,
    version: &'static str,
}

fn environment() -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    // Block tags on their own lines leave no blank lines behind; included
    // snippets (one Markdown line each) keep their line break.
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| format!("report template syntax: {e}"))?;
    env.set_syntax(syntax);
    // Templates are compiled when first used: a report needs two of the six
    // (and the end of every run writes two reports).
    env.set_loader(|name| {
        Ok(match name {
            "report.md" => Some(REPORT_MD),
            "report.html" => Some(REPORT_HTML),
            "aggregate.md" => Some(AGGREGATE_MD),
            "aggregate.html" => Some(AGGREGATE_HTML),
            "macros.html" => Some(MACROS_HTML),
            "step.md" => Some(STEP_MD),
            _ => None,
        }
        .map(str::to_string))
    });
    // The long lists write themselves into the output (no copy of their text
    // as a template value); everything else is printed as usual.
    env.set_formatter(|out, state, value| match value.downcast_object_ref::<Rows>() {
        Some(rows) => rows.write(out).map_err(minijinja::Error::from),
        None => minijinja::escape_formatter(out, state, value),
    });
    env.add_filter("tplus", |t: Option<f64>| t.map(text::t_plus).unwrap_or_default());
    env.add_filter("dur", |t: Option<f64>| t.map(text::duration).unwrap_or_else(|| "—".into()));
    env.add_filter("clock", |s: Option<String>| s.map(|s| text::clock(&s)).unwrap_or_default());
    env.add_filter("met", |m: Option<bool>| match m {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "—",
    });
    env.add_filter("cell", |s: Option<String>| s.map(|s| markdown::cell(&s)).unwrap_or_default());
    env.add_filter("md", |s: Option<String>| s.map(|s| markdown::inline(&s)).unwrap_or_default());
    env.add_filter("fence", |s: Option<String>| s.map(|s| markdown::fence(&s)).unwrap_or_default());
    env.add_filter("code", |s: Option<String>| s.map(|s| markdown::code(&s, false)).unwrap_or_default());
    env.add_filter("code_cell", |s: Option<String>| s.map(|s| markdown::code(&s, true)).unwrap_or_default());
    env.add_filter("pin", |k: String| svg::pin_style(&k).0.to_string());
    env.add_filter("num", |x: f64| format!("{x:.1}"));
    Ok(env)
}

/// A context as a template value, after masking every string of it.
fn context_value<T: Serialize>(ctx: &T, masker: Option<&Masker>) -> Result<JValue, String> {
    Ok(match masker {
        None => JValue::from(Serde(ctx)),
        Some(m) => {
            let v = serde_json::to_value(ctx).map_err(|e| e.to_string())?;
            JValue::from(Serde(m.mask(&v)))
        }
    })
}

/// Render through a template into `out`.
fn render_value(template: &str, ctx: JValue, out: &mut dyn io::Write) -> Result<(), String> {
    let env = environment()?;
    let tmpl = env.get_template(template).map_err(|e| e.to_string())?;
    tmpl.render_captured_to(ctx, out).map(|_| ()).map_err(|e| format!("cannot render the report: {e:#}"))
}

/// Render through a template into `out`, after masking every string of the context.
pub fn render<T: Serialize>(
    template: &str,
    ctx: &T,
    masker: Option<&Masker>,
    out: &mut dyn io::Write,
) -> Result<(), String> {
    render_value(template, context_value(ctx, masker)?, out)
}

/// A single-session report as Markdown or HTML, written to `out`.
pub fn session(
    r: &Arc<Report>,
    html: bool,
    masker: Option<&Arc<Masker>>,
    out: &mut dyn io::Write,
) -> Result<(), String> {
    let lists = Lists::new(Arc::clone(r), html, masker.cloned());
    let rows = |list| lists.rows(list);
    let groups: Vec<JValue> = GROUPS
        .iter()
        .map(|&(kind, label, pick)| (kind, label, rows(List::Notes(pick))))
        .filter(|(_, _, items)| !items.is_empty())
        .map(|(kind, label, items)| context! { kind, label, items => items.value() })
        .collect();
    let view = View {
        r,
        overrides: r.decisions.iter().filter(|d| d.decision == "override").collect(),
        during_met: r.steady_states.during.iter().filter(|h| h.met == Some(true)).count(),
        has_plan: !r.plan.is_empty(),
        svg: html.then(|| svg::layout(r)),
        css: STYLE_CSS,
        version: env!("CARGO_PKG_VERSION"),
    };
    let ctx = context! {
        groups,
        timeline => rows(List::Timeline).value(),
        weaknesses => rows(List::Notes(Pick::Weakness)).value(),
        actions => rows(List::Actions(Pick::Action)).value(),
        questions => rows(List::Notes(Pick::Question)).value(),
        ..context_value(&view, masker.map(|m| &**m))?
    };
    render_value(if html { "report.html" } else { "report.md" }, ctx, out)
}

/// The stylesheet, for the aggregate view.
pub fn css() -> &'static str {
    STYLE_CSS
}
