//! The observation log: what people wrote (and milestones), newest last.
use super::t_plus;
use crate::tui::app::{App, Focus, LogLine};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// One entry, wrapped to `width` (continuation lines indented under the text).
pub fn lines(app: &App, l: &LogLine, width: usize) -> Vec<Line<'static>> {
    let th = &app.theme;
    let kind_style = match l.kind.as_str() {
        "weakness" | "stop" => th.bad(),
        "milestone" | "verdict" => th.active(),
        "question" | "warning" => th.warn(),
        _ => th.base(),
    };
    let prefix = format!("{} {:<11} ", t_plus(l.t), l.kind);
    let author = l.author.as_ref().map(|a| format!("{a}: ")).unwrap_or_default();
    let indent = prefix.chars().count();
    let text = format!("{author}{}", l.text.replace('\n', " ⏎ "));
    let chunks = super::wrap(&text, width.saturating_sub(indent).max(10));
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                Line::from(vec![
                    Span::styled(format!("{} ", t_plus(l.t)), th.dim()),
                    Span::styled(format!("{:<11} ", l.kind), kind_style),
                    Span::raw(c),
                ])
            } else {
                Line::from(vec![Span::raw(" ".repeat(indent)), Span::raw(c)])
            }
        })
        .collect()
}

/// One entry on one line (cut at the pane's edge).
pub fn line<'a>(app: &App, l: &'a LogLine) -> Line<'a> {
    let th = &app.theme;
    let kind_style = match l.kind.as_str() {
        "weakness" | "stop" => th.bad(),
        "milestone" | "verdict" => th.active(),
        "question" | "warning" => th.warn(),
        _ => th.base(),
    };
    let mut spans =
        vec![Span::styled(format!("{} ", t_plus(l.t)), th.dim()), Span::styled(format!("{:<11} ", l.kind), kind_style)];
    if let Some(a) = &l.author {
        spans.push(Span::styled(format!("{a}: "), th.dim()));
    }
    spans.push(Span::raw(l.text.replace('\n', " ⏎ ")));
    Line::from(spans)
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let th = &app.theme;
    let inner_h = area.height.saturating_sub(2) as usize;
    let width = area.width.saturating_sub(2) as usize;
    // Only the newest entries can be visible: take just those, newest first,
    // without copying the whole log (it can hold 100,000 entries). The
    // count for the title is a pass over flags, nothing is formatted.
    let shown = |l: &&LogLine| l.human || l.kind == "stop";
    let total = app.log.iter().filter(shown).count();
    let mut recent: Vec<&LogLine> = app.log.iter().rev().filter(shown).take(inner_h + app.log_scroll).collect();
    recent.reverse();
    let all: Vec<Line> = recent.iter().flat_map(|l| lines(app, l, width)).collect();
    let bottom = all.len().saturating_sub(app.log_scroll.min(all.len()));
    let top = bottom.saturating_sub(inner_h);
    let lines: Vec<Line> = all[top..bottom].to_vec();
    let border = if app.focus == Focus::Log { th.focused_border() } else { th.border() };
    let title = format!(" Observation log ({total}) · as {} ", app.author);
    let p = Paragraph::new(lines).block(Block::default().borders(Borders::ALL).border_style(border).title(title));
    f.render_widget(p, area);
}
