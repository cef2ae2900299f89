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
use crate::session::links;
use crate::session::recorder::Masker;
use minijinja::HtmlEscape;
use minijinja::value::{Object, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write};
use std::sync::Arc;

/// Which notes a list shows: a kind with a list of its own, or the custom
/// kinds ("Other").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Observation,
    Note,
    Decision,
    Weakness,
    Action,
    Question,
    Other,
}

impl Pick {
    /// The list a note of this kind is in. A note with an empty kind is in
    /// none (as the report has always had it).
    fn of(kind: &str) -> Option<Pick> {
        Some(match kind {
            "observation" => Pick::Observation,
            "note" => Pick::Note,
            "decision" => Pick::Decision,
            "weakness" => Pick::Weakness,
            "action" => Pick::Action,
            "question" => Pick::Question,
            "" => return None,
            _ => Pick::Other,
        })
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

/// The lists of one report in one format: each note's list is found once,
/// not once per list.
#[derive(Debug)]
pub struct Lists {
    report: Arc<Report>,
    /// The list of each observation, in order.
    picks: Vec<Option<Pick>>,
    html: bool,
    masker: Option<Arc<Masker>>,
    /// The answer given to each question (by its note id), from the
    /// Debrief's answer notes; the last answer counts.
    answers: HashMap<u64, String>,
}

impl Lists {
    pub fn new(report: Arc<Report>, html: bool, masker: Option<Arc<Masker>>) -> Arc<Self> {
        let picks: Vec<Option<Pick>> = report.observations.iter().map(|o| Pick::of(&o.kind)).collect();
        let answers = if picks.contains(&Some(Pick::Question)) {
            report.observations.iter().filter_map(|o| links::answer_of(&o.text)).collect()
        } else {
            HashMap::new()
        };
        Arc::new(Self { report, picks, html, masker, answers })
    }

    /// One list, ready to be placed in a template.
    pub fn rows(self: &Arc<Self>, list: List) -> Rows {
        let len = match list {
            List::Timeline => self.report.timeline.len(),
            List::Notes(p) | List::Actions(p) => self.picks.iter().filter(|x| **x == Some(p)).count(),
        };
        Rows { lists: Arc::clone(self), list, len }
    }

    /// The answer to `o`, when it is a question that has one.
    fn answer(&self, p: Pick, o: &Obs) -> Option<&str> {
        if p == Pick::Question { self.answers.get(&o.id).map(String::as_str) } else { None }
    }

    fn picked(&self, p: Pick) -> impl Iterator<Item = &Obs> {
        self.report.observations.iter().zip(&self.picks).filter(move |(_, x)| **x == Some(p)).map(|(o, _)| o)
    }
}

/// One list of a report, written where the template places it.
#[derive(Debug)]
pub struct Rows {
    lists: Arc<Lists>,
    list: List,
    len: usize,
}

impl Rows {
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
        let l = &*self.lists;
        let mut w = Writer { out, masker: l.masker.as_deref() };
        match self.list {
            List::Timeline if l.html => l.report.timeline.iter().try_for_each(|e| w.timeline_html(e)),
            List::Timeline => l.report.timeline.iter().try_for_each(|e| w.timeline_md(e)),
            List::Notes(p) if l.html => l.picked(p).try_for_each(|o| w.note_html(o, l.answer(p, o))),
            List::Notes(p) => l.picked(p).try_for_each(|o| w.note_md(o, l.answer(p, o))),
            List::Actions(p) if l.html => l.picked(p).try_for_each(|o| w.action_html(o)),
            List::Actions(p) => l.picked(p).try_for_each(|o| w.action_md(o)),
        }
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

    /// Only reached outside the report's formatter (which calls
    /// [`Rows::write`] itself); the templates never do that.
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

    fn note_md(&mut self, o: &Obs, answer: Option<&str>) -> fmt::Result {
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
        if let Some(answer) = answer {
            self.raw(" — **answer:** ")?;
            self.md(answer)?;
        }
        self.raw("\n")
    }

    fn note_html(&mut self, o: &Obs, answer: Option<&str>) -> fmt::Result {
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
        if let Some(answer) = answer {
            self.raw(" — <strong>answer:</strong> <span class=\"answer\">")?;
            self.html(answer)?;
            self.raw("</span>")?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::verdict::empty_report;

    fn report() -> Arc<Report> {
        let mut r = empty_report("session");
        r.observations.push(Obs {
            anchor: "obs-3".into(),
            id: 1,
            t: 61.5,
            at: "2026-01-01T09:01:01.500000+00:00".into(),
            kind: "action".into(),
            text: "rotate <hunter22> & retry | now".into(),
            author: "sam".into(),
            step: Some(String::new()),
            owner: Some("kim".into()),
            due: None,
        });
        r.observations.push(Obs {
            anchor: "obs-4".into(),
            id: 2,
            t: 3.0,
            at: "2026-01-01T09:00:03+00:00".into(),
            kind: String::new(),
            text: "listed nowhere".into(),
            author: "sam".into(),
            step: None,
            owner: None,
            due: None,
        });
        r.timeline.push(TimelineEntry {
            id: "ev-5".into(),
            t: 5.0,
            at: "<soon>".into(),
            kind: "idea".into(),
            text: "a/b\nc".into(),
            who: None,
            link: Some(String::new()),
            human: true,
        });
        Arc::new(r)
    }

    fn write(html: bool, list: List) -> String {
        let masker = Some(Arc::new(Masker::new(vec!["hunter22".into()])));
        let mut out = String::new();
        Lists::new(report(), html, masker).rows(list).write(&mut out).unwrap();
        out
    }

    #[test]
    fn html_rows_are_masked_then_escaped() {
        assert_eq!(
            write(true, List::Notes(Pick::Action)),
            "<li id=\"obs-3\" class=\"obs k-action\"><span class=\"pin-letter k-action\" aria-hidden=\"true\">A</span> \
             <span class=\"when\">T+00:01:01 <small>09:01:01</small></span> <strong>sam</strong>: \
             <span class=\"txt\">rotate &lt;***&gt; &amp; retry | now</span> <span class=\"meta\">(owner: kim)</span></li>\n"
        );
        assert_eq!(
            write(true, List::Actions(Pick::Action)),
            "<tr id=\"obs-3\"><td>rotate &lt;***&gt; &amp; retry | now</td><td>kim</td><td></td><td>sam</td>\
             <td class=\"when\">T+00:01:01</td></tr>\n"
        );
        // Not a time: shown as written, escaped; an empty link is no link.
        assert_eq!(
            write(true, List::Timeline),
            "<tr id=\"ev-5\" class=\"tk-idea human\"><td class=\"when\">T+00:00:05</td><td class=\"when\">&lt;soon&gt;</td>\
             <td><span class=\"kind\">idea</span></td><td>a&#x2f;b\nc</td><td></td></tr>\n"
        );
    }

    #[test]
    fn markdown_rows_are_masked_then_escaped() {
        assert_eq!(
            write(false, List::Notes(Pick::Action)),
            "- T+00:01:01 (09:01:01) **sam**: rotate &lt;\\*\\*\\*&gt; &amp; retry | now (owner: kim)\n"
        );
        assert_eq!(
            write(false, List::Actions(Pick::Action)),
            "| rotate &lt;\\*\\*\\*&gt; &amp; retry \\| now | kim |  | sam | T+00:01:01 |\n"
        );
        assert_eq!(write(false, List::Timeline), "| T+00:00:05 | <soon> | idea | a/b c |  |\n");
    }

    #[test]
    fn a_note_without_a_kind_is_in_no_list() {
        let lists = Lists::new(report(), false, None);
        for p in [Pick::Observation, Pick::Note, Pick::Decision, Pick::Weakness, Pick::Question, Pick::Other] {
            assert!(lists.rows(List::Notes(p)).is_empty(), "{p:?}");
        }
        assert_eq!(lists.rows(List::Notes(Pick::Action)).len(), 1);
    }
}
