//! The blackout banner at the top of the readiness gate: a window in which
//! chaos must not run is in force, so it is said loudly, above the list,
//! with what going on takes (an override, whose reason is recorded).
use crate::engine::readiness::BLACKOUT_ID;
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Draw the banner if a blackout window is in force; returns the area left
/// for the rest of the gate.
pub fn banner(f: &mut Frame, area: Rect, app: &App) -> Rect {
    let Some(item) = app.readiness.as_ref().and_then(|r| r.items.iter().find(|i| i.id == BLACKOUT_ID && !i.ok)) else {
        return area;
    };
    let th = &app.theme;
    let [top, rest] = Layout::vertical([Constraint::Length(6), Constraint::Min(3)]).areas(area);
    let loud = th.bad().add_modifier(Modifier::BOLD | Modifier::REVERSED);
    let lines = vec![
        Line::from(Span::styled(" ⛔ BLACKOUT WINDOW IN FORCE: chaos must not run now ", loud)),
        Line::from(Span::styled(item.detail.clone(), th.bad())),
        Line::from(Span::styled(
            "Starting anyway needs an override with a reason; it is recorded in the session's log.",
            Style::default().add_modifier(Modifier::BOLD),
        )),
    ];
    let block = Block::default().borders(Borders::ALL).border_style(th.bad()).title(" Blackout ");
    f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: true }), top);
    rest
}
