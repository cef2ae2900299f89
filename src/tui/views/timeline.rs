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
    app.log.iter().filter(|l| matches(app, &q, l)).collect()
}

/// Does `l` pass the filter and the search `q` (already lowercase)?
fn matches(app: &App, q: &str, l: &LogLine) -> bool {
    app.timeline_filter.as_ref().is_none_or(|k| &l.kind == k)
        && (q.is_empty()
            || contains_lowercase(&l.text, q)
            || l.kind.contains(q)
            || l.author.as_ref().is_some_and(|a| contains_lowercase(a, q)))
}

/// `hay.to_lowercase().contains(q)` for a lowercase `q`, without allocating
/// when both are ASCII (the search runs over every entry on every frame).
fn contains_lowercase(hay: &str, q: &str) -> bool {
    if !(hay.is_ascii() && q.is_ascii()) {
        return hay.to_lowercase().contains(q);
    }
    let (h, n) = (hay.as_bytes(), q.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) -> Rect {
    let [head, body, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(5), Constraint::Length(4)]).areas(area);
    header::draw(f, head, app);
    let inner_h = body.height.saturating_sub(2) as usize;
    let width = body.width.saturating_sub(2) as usize;
    // Only the newest matches can be visible: collect just those (newest
    // first), and count the rest without keeping or formatting them.
    let q = app.timeline_query.to_lowercase();
    let mut count = 0usize;
    let mut recent: Vec<&LogLine> = Vec::with_capacity(inner_h + app.timeline_scroll);
    for l in app.log.iter().rev().filter(|l| matches(app, &q, l)) {
        if recent.len() < inner_h + app.timeline_scroll {
            recent.push(l);
        }
        count += 1;
    }
    recent.reverse();
    let all: Vec<Line> = recent.iter().flat_map(|l| log::lines(app, l, width)).collect();
    let end = all.len().saturating_sub(app.timeline_scroll.min(all.len()));
    let start = end.saturating_sub(inner_h);
    let shown: Vec<Line> = all[start..end].to_vec();
    let mut title = format!(" Timeline · {count} of {} ", app.log.len());
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
