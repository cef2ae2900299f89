//! Markdown and HTML through minijinja templates. The HTML template is
//! auto-escaped (its name ends in `.html`), so nothing from a session can
//! inject markup; the Markdown filters escape what Markdown would interpret.
use super::model::{DecisionRec, Obs, Report};
use super::svg::{self, Svg};
use super::text;
use crate::session::recorder::Masker;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value as JValue};
use serde::Serialize;

const REPORT_MD: &str = include_str!("templates/report.md");
const REPORT_HTML: &str = include_str!("templates/report.html");
const AGGREGATE_MD: &str = include_str!("templates/aggregate.md");
const AGGREGATE_HTML: &str = include_str!("templates/aggregate.html");
const MACROS_HTML: &str = include_str!("templates/macros.html");
const STEP_MD: &str = include_str!("templates/step.md");
const OBS_MD: &str = include_str!("templates/obs.md");
const STYLE_CSS: &str = include_str!("templates/style.css");

/// Observation kinds with a section of their own, in this order.
const OWN_SECTIONS: [&str; 3] = ["weakness", "action", "question"];
/// Observation kinds grouped under "Observations", in this order.
const GROUP_ORDER: [(&str, &str); 4] =
    [("observation", "Observations"), ("note", "Notes"), ("decision", "Decisions noted"), ("", "Other")];

/// Observations of one kind.
#[derive(Serialize)]
struct Group<'a> {
    kind: String,
    label: String,
    items: Vec<&'a Obs>,
}

#[derive(Serialize)]
struct View<'a> {
    r: &'a Report,
    groups: Vec<Group<'a>>,
    weaknesses: Vec<&'a Obs>,
    actions: Vec<&'a Obs>,
    questions: Vec<&'a Obs>,
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
    for (name, src) in [
        ("report.md", REPORT_MD),
        ("report.html", REPORT_HTML),
        ("aggregate.md", AGGREGATE_MD),
        ("aggregate.html", AGGREGATE_HTML),
        ("macros.html", MACROS_HTML),
        ("step.md", STEP_MD),
        ("obs.md", OBS_MD),
    ] {
        env.add_template(name, src).map_err(|e| format!("report template {name}: {e}"))?;
    }
    env.add_filter("tplus", |t: Option<f64>| t.map(text::t_plus).unwrap_or_default());
    env.add_filter("dur", |t: Option<f64>| t.map(text::duration).unwrap_or_else(|| "—".into()));
    env.add_filter("clock", |s: Option<String>| s.map(|s| text::clock(&s)).unwrap_or_default());
    env.add_filter("met", |m: Option<bool>| match m {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "—",
    });
    env.add_filter("cell", |s: Option<String>| s.map(|s| md_cell(&s)).unwrap_or_default());
    env.add_filter("md", |s: Option<String>| s.map(|s| md_inline(&s)).unwrap_or_default());
    env.add_filter("fence", |s: Option<String>| s.map(|s| md_fence(&s)).unwrap_or_default());
    env.add_filter("pin", |k: String| svg::pin_style(&k).0.to_string());
    env.add_filter("num", |x: f64| format!("{x:.1}"));
    Ok(env)
}

/// Render through a template, after masking every string of the context.
pub fn render<T: Serialize>(template: &str, ctx: &T, masker: Option<&Masker>) -> Result<String, String> {
    let env = environment()?;
    let tmpl = env.get_template(template).map_err(|e| e.to_string())?;
    let value: JValue = match masker {
        None => JValue::from(Serde(ctx)),
        Some(m) => {
            let v = serde_json::to_value(ctx).map_err(|e| e.to_string())?;
            JValue::from(Serde(m.mask(&v)))
        }
    };
    tmpl.render(value).map_err(|e| format!("cannot render the report: {e:#}"))
}

/// A single-session report as Markdown or HTML.
pub fn session(r: &Report, html: bool, masker: Option<&Masker>) -> Result<String, String> {
    let mut groups: Vec<Group> = Vec::new();
    for (kind, label) in GROUP_ORDER {
        let items: Vec<&Obs> = r
            .observations
            .iter()
            .filter(|o| {
                if kind.is_empty() {
                    !OWN_SECTIONS.contains(&o.kind.as_str()) && !GROUP_ORDER.iter().any(|(k, _)| *k == o.kind)
                } else {
                    o.kind == kind
                }
            })
            .collect();
        if !items.is_empty() {
            groups.push(Group {
                kind: if kind.is_empty() { "other".into() } else { kind.into() },
                label: label.into(),
                items,
            });
        }
    }
    let of = |k: &str| r.observations.iter().filter(|o| o.kind == k).collect::<Vec<_>>();
    let view = View {
        r,
        groups,
        weaknesses: of("weakness"),
        actions: of("action"),
        questions: of("question"),
        overrides: r.decisions.iter().filter(|d| d.decision == "override").collect(),
        during_met: r.steady_states.during.iter().filter(|h| h.met == Some(true)).count(),
        has_plan: !r.plan.is_empty(),
        svg: html.then(|| svg::layout(r)),
        css: STYLE_CSS,
        version: env!("CARGO_PKG_VERSION"),
    };
    render(if html { "report.html" } else { "report.md" }, &view, masker)
}

/// The stylesheet, for the aggregate view.
pub fn css() -> &'static str {
    STYLE_CSS
}

/// Escape for a Markdown table cell: one line, no pipes, no raw HTML.
pub fn md_cell(s: &str) -> String {
    md_escape(&text::one_line(s)).replace('|', "\\|")
}

/// Escape inline Markdown text; continuation lines are indented so a
/// multi-line note stays inside its list item.
pub fn md_inline(s: &str) -> String {
    md_escape(s.trim()).replace("\r\n", "\n").replace('\n', "\n  ")
}

fn md_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A fenced code block whose fence cannot be closed by the content.
pub fn md_fence(s: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}text\n{}\n{fence}", s.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes() {
        assert_eq!(md_cell("a|b\nc <x>"), "a\\|b c &lt;x&gt;");
        assert_eq!(md_fence("x ``` y"), "````text\nx ``` y\n````");
        assert_eq!(md_inline("one\ntwo"), "one\n  two");
    }
}
