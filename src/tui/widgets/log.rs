//! The observation log: what people wrote (and milestones), newest last.
use super::t_plus;
use crate::tui::app::{App, Focus, LogLine};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

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
    let human: Vec<&LogLine> = app.log.iter().filter(|l| l.human || l.kind == "stop").collect();
    let inner_h = area.height.saturating_sub(2) as usize;
    let bottom = human.len().saturating_sub(app.log_scroll.min(human.len()));
    let top = bottom.saturating_sub(inner_h);
    let lines: Vec<Line> = human[top..bottom].iter().map(|l| line(app, l)).collect();
    let border = if app.focus == Focus::Log { th.focused_border() } else { th.border() };
    let title = format!(" Observation log ({}) · as {} ", human.len(), app.author);
    let p = Paragraph::new(lines).block(Block::default().borders(Borders::ALL).border_style(border).title(title));
    f.render_widget(p, area);
}
