//! The report's long lists — the timeline (a line per event) and the notes
//! (observations, weaknesses, questions, action items) — written row by row
//! straight into the output. A session can hold 100,000 notes: handing them
//! to the template engine would copy every note into template values and
//! run the template per row, which took seconds and hundreds of megabytes.
//!
//! The templates place each list with `{{ timeline }}`, `{{ g.items }}`, …:
//! those are [`Rows`] objects, which the report's formatter (render.rs)
//! writes with [`Rows::write`]. The markup is what the templates wrote
//! before, escaped the same way: minijinja's HTML escaping for HTML, the
//! escapes of markdown.rs (the templates' Markdown filters) for Markdown.
//! Secrets are masked in every string before it is escaped, as the template
//! context is.
use super::markdown;
use super::model::{Obs, Report, TimelineEntry};
use super::svg::pin_style;
use super::times::{write_clock, write_t_plus};
use crate::session::recorder::Masker;
use minijinja::HtmlEscape;
use minijinja::value::{Object, Value};
use std::borrow::Cow;
use std::fmt::{self, Write};
use std::sync::Arc;

/// Which notes a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Notes of this kind.
    Kind(&'static str),
    /// Notes of none of these kinds (custom kinds).
    NoneOf(&'static [&'static str]),
}

impl Pick {
    fn takes(self, o: &Obs) -> bool {
        match self {
            Pick::Kind(k) => o.kind == k,
            Pick::NoneOf(ks) => !ks.contains(&o.kind.as_str()),
        }
    }
}

/// What a list shows, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// Every timeline line, as table rows.
    Timeline,
    /// Notes as list items.
    Notes(Pick),
    /// Notes as rows of the action items table.
    Actions(Pick),
}

/// One list of a report, ready to be written where the template places it.
#[derive(Debug)]
pub struct Rows {
    report: Arc<Report>,
    list: List,
    html: bool,
    masker: Option<Arc<Masker>>,
    len: usize,
}

impl Rows {
    pub fn new(report: Arc<Report>, list: List, html: bool, masker: Option<Arc<Masker>>) -> Self {
        let len = match list {
            List::Timeline => report.timeline.len(),
            List::Notes(p) | List::Actions(p) => report.observations.iter().filter(|o| p.takes(o)).count(),
        };
        Self { report, list, html, masker, len }
    }

    /// How many rows the list has.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// As a template value.
    pub fn value(self) -> Value {
        Value::from_object(self)
    }

    /// Write every row.
    pub fn write(&self, out: &mut dyn Write) -> fmt::Result {
        let mut w = Writer { out, masker: self.masker.as_deref() };
        let html = self.html;
        match self.list {
            List::Timeline if html => self.report.timeline.iter().try_for_each(|e| w.timeline_html(e)),
            List::Timeline => self.report.timeline.iter().try_for_each(|e| w.timeline_md(e)),
            List::Notes(p) if html => self.picked(p).try_for_each(|o| w.note_html(o)),
            List::Notes(p) => self.picked(p).try_for_each(|o| w.note_md(o)),
            List::Actions(p) if html => self.picked(p).try_for_each(|o| w.action_html(o)),
            List::Actions(p) => self.picked(p).try_for_each(|o| w.action_md(o)),
        }
    }

    fn picked(&self, p: Pick) -> impl Iterator<Item = &Obs> {
        self.report.observations.iter().filter(move |o| p.takes(o))
    }
}

impl Object for Rows {
    /// `{% if weaknesses %}`: whether there is any row.
    fn is_true(self: &Arc<Self>) -> bool {
        self.len > 0
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.len)
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f)
    }
}

/// A template's `{% if x %}` on an optional string: absent and empty are false.
fn present(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// Writes rows; each method writes what the template line it replaces wrote.
struct Writer<'a> {
    out: &'a mut dyn Write,
    masker: Option<&'a Masker>,
}

impl Writer<'_> {
    fn mask<'s>(&self, s: &'s str) -> Cow<'s, str> {
        match self.masker {
            Some(m) => Cow::Owned(m.mask_str(s)),
            None => Cow::Borrowed(s),
        }
    }

    fn raw(&mut self, s: &str) -> fmt::Result {
        self.out.write_str(s)
    }

    /// `{{ s }}` in an HTML template, for a string of the report.
    fn html(&mut self, s: &str) -> fmt::Result {
        let s = self.mask(s);
        self.esc(&s)
    }

    /// A filter's result (`{{ t | tplus }}`) in an HTML template: escaped,
    /// not masked again (the filter's input was).
    fn esc(&mut self, s: &str) -> fmt::Result {
        write!(self.out, "{}", HtmlEscape(s))
    }

    /// `{{ s | cell }}` in a Markdown template.
    fn cell(&mut self, s: &str) -> fmt::Result {
        let s = self.mask(s);
        markdown::write_cell(self.out, &s)
    }

    /// `{{ s | md }}` in a Markdown template.
    fn md(&mut self, s: &str) -> fmt::Result {
        let s = self.mask(s);
        markdown::write_inline(self.out, &s)
    }

    /// `{{ t | tplus }}`: only digits and signs, nothing to escape.
    fn t_plus(&mut self, t: f64) -> fmt::Result {
        write_t_plus(self.out, t)
    }

    /// `{{ at | clock }}`: `HH:MM:SS` (nothing to escape), or the time as
    /// written when it is not RFC 3339 (escaped in HTML).
    fn clock(&mut self, at: &str, html: bool) -> fmt::Result {
        let at = self.mask(at);
        match write_clock(self.out, &at) {
            Some(written) => written,
            None if html => self.esc(&at),
            None => self.raw(&at),
        }
    }

    fn timeline_md(&mut self, e: &TimelineEntry) -> fmt::Result {
        self.raw("| ")?;
        self.t_plus(e.t)?;
        self.raw(" | ")?;
        self.clock(&e.at, false)?;
        self.raw(" | ")?;
        self.cell(&e.kind)?;
        self.raw(" | ")?;
        self.cell(&e.text)?;
        self.raw(" | ")?;
        self.cell(e.who.as_deref().unwrap_or(""))?;
        self.raw(" |\n")
    }

    fn timeline_html(&mut self, e: &TimelineEntry) -> fmt::Result {
        self.raw("<tr id=\"")?;
        self.html(&e.id)?;
        self.raw("\" class=\"tk-")?;
        self.html(&e.kind)?;
        if e.human {
            self.raw(" human")?;
        }
        self.raw("\"><td class=\"when\">")?;
        self.t_plus(e.t)?;
        self.raw("</td><td class=\"when\">")?;
        self.clock(&e.at, true)?;
        self.raw("</td><td><span class=\"kind\">")?;
        self.html(&e.kind)?;
        self.raw("</span></td><td>")?;
        match present(&e.link) {
            Some(link) => {
                self.raw("<a href=\"#")?;
                self.html(link)?;
                self.raw("\">")?;
                self.html(&e.text)?;
                self.raw("</a>")?;
            }
            None => self.html(&e.text)?,
        }
        self.raw("</td><td>")?;
        self.html(e.who.as_deref().unwrap_or(""))?;
        self.raw("</td></tr>\n")
    }

    fn note_md(&mut self, o: &Obs) -> fmt::Result {
        self.raw("- ")?;
        self.t_plus(o.t)?;
        self.raw(" (")?;
        self.clock(&o.at, false)?;
        self.raw(") **")?;
        self.md(&o.author)?;
        self.raw("**: ")?;
        self.md(&o.text)?;
        if let Some(owner) = present(&o.owner) {
            self.raw(" (owner: ")?;
            self.md(owner)?;
            if let Some(due) = present(&o.due) {
                self.raw(", due ")?;
                self.md(due)?;
            }
            self.raw(")")?;
        }
        if let Some(step) = present(&o.step) {
            self.raw(" _(during ")?;
            self.md(step)?;
            self.raw(")_")?;
        }
        self.raw("\n")
    }

    fn note_html(&mut self, o: &Obs) -> fmt::Result {
        self.raw("<li id=\"")?;
        self.html(&o.anchor)?;
        self.raw("\" class=\"obs k-")?;
        self.html(&o.kind)?;
        self.raw("\"><span class=\"pin-letter k-")?;
        self.html(&o.kind)?;
        self.raw("\" aria-hidden=\"true\">")?;
        let kind = self.mask(&o.kind);
        self.esc(pin_style(&kind).0)?;
        self.raw("</span> <span class=\"when\">")?;
        self.t_plus(o.t)?;
        self.raw(" <small>")?;
        self.clock(&o.at, true)?;
        self.raw("</small></span> <strong>")?;
        self.html(&o.author)?;
        self.raw("</strong>: <span class=\"txt\">")?;
        self.html(&o.text)?;
        self.raw("</span>")?;
        if let Some(owner) = present(&o.owner) {
            self.raw(" <span class=\"meta\">(owner: ")?;
            self.html(owner)?;
            if let Some(due) = present(&o.due) {
                self.raw(", due ")?;
                self.html(due)?;
            }
            self.raw(")</span>")?;
        }
        if let Some(step) = present(&o.step) {
            self.raw(" <em class=\"meta\">during ")?;
            self.html(step)?;
            self.raw("</em>")?;
        }
        self.raw("</li>\n")
    }

    fn action_md(&mut self, o: &Obs) -> fmt::Result {
        self.raw("| ")?;
        self.cell(&o.text)?;
        self.raw(" | ")?;
        self.cell(o.owner.as_deref().unwrap_or(""))?;
        self.raw(" | ")?;
        self.cell(o.due.as_deref().unwrap_or(""))?;
        self.raw(" | ")?;
        self.cell(&o.author)?;
        self.raw(" | ")?;
        self.t_plus(o.t)?;
        self.raw(" |\n")
    }

    fn action_html(&mut self, o: &Obs) -> fmt::Result {
        self.raw("<tr id=\"")?;
        self.html(&o.anchor)?;
        self.raw("\"><td>")?;
        self.html(&o.text)?;
        self.raw("</td><td>")?;
        self.html(present(&o.owner).unwrap_or(""))?;
        self.raw("</td><td>")?;
        self.html(present(&o.due).unwrap_or(""))?;
        self.raw("</td><td>")?;
        self.html(&o.author)?;
        self.raw("</td><td class=\"when\">")?;
        self.t_plus(o.t)?;
        self.raw("</td></tr>\n")
    }
}
