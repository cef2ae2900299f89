//! The Timeline: every event and note, searchable (`/`) and filterable by kind.
use crate::tui::app::{App, LogLine};
use crate::tui::widgets::{footer, header, log, modal, stop_button};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

/// The lines the current search and filter let through.
pub fn visible(app: &App) -> Vec<&LogLine> {
    let q = app.timeline_query.to_lowercase();
    app.log
        .iter()
        .filter(|l| app.timeline_filter.as_ref().is_none_or(|k| &l.kind == k))
        .filter(|l| {
            q.is_empty()
                || l.text.to_lowercase().contains(&q)
                || l.kind.contains(&q)
                || l.author.as_ref().is_some_and(|a| a.to_lowercase().contains(&q))
        })
        .collect()
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) -> Rect {
    let [head, body, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(5), Constraint::Length(4)]).areas(area);
    header::draw(f, head, app);
    let lines = visible(app);
    let inner_h = body.height.saturating_sub(2) as usize;
    let width = body.width.saturating_sub(2) as usize;
    let recent = &lines[lines.len().saturating_sub(inner_h + app.timeline_scroll)..];
    let all: Vec<Line> = recent.iter().flat_map(|l| log::lines(app, l, width)).collect();
    let end = all.len().saturating_sub(app.timeline_scroll.min(all.len()));
    let start = end.saturating_sub(inner_h);
    let shown: Vec<Line> = all[start..end].to_vec();
    let mut title = format!(" Timeline · {} of {} ", lines.len(), app.log.len());
    if let Some(k) = &app.timeline_filter {
        title.push_str(&format!("· kind: {k} "));
    }
    if !app.timeline_query.is_empty() {
        title.push_str(&format!("· search: \"{}\" ", app.timeline_query));
    }
    f.render_widget(
        Paragraph::new(shown)
            .block(Block::default().borders(Borders::ALL).border_style(app.theme.border()).title(title)),
        body,
    );
    let [stop, hints] = Layout::horizontal([Constraint::Length(20), Constraint::Min(10)]).areas(bottom);
    stop_button::draw(f, stop, app);
    let [_, hint_area] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(hints);
    footer::draw(f, hint_area, app);
    modal::draw(f, area, app);
    stop
}
