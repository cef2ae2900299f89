//! The Report screen: the session's Markdown report as it stands, read in
//! the terminal before it is written out (`w`) or shared.
use crate::tui::app::App;
use crate::tui::widgets::{footer, header, modal, stop_button, wrap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, app: &App) -> Rect {
    let [head, body, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(5), Constraint::Length(4)]).areas(area);
    header::draw(f, head, app);
    let inner_h = usize::from(body.height.saturating_sub(2));
    let width = usize::from(body.width.saturating_sub(2));
    // Only the lines from the scroll position on are wrapped: a report of a
    // long session has many thousands of lines.
    let mut shown: Vec<Line> = Vec::with_capacity(inner_h);
    for raw in app.report_lines.iter().skip(app.report_scroll) {
        let style = style_of(app, raw);
        if raw.trim().is_empty() {
            shown.push(Line::default());
        }
        for part in wrap(raw, width) {
            shown.push(Line::from(Span::styled(part, style)));
        }
        if shown.len() >= inner_h {
            break;
        }
    }
    shown.truncate(inner_h);
    let title = format!(
        " Report preview · line {} of {} · from the saved event log ",
        (app.report_scroll + 1).min(app.report_lines.len()),
        app.report_lines.len()
    );
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

/// Headings stand out; table rules and the rest stay plain.
fn style_of(app: &App, line: &str) -> Style {
    if line.starts_with('#') {
        app.theme.title()
    } else if line.starts_with("|-") || line.starts_with("| -") || line.starts_with("---") {
        app.theme.dim()
    } else {
        app.theme.base()
    }
}
