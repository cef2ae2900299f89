//! Below 80×24: one screen that asks for a bigger terminal, where STOP and
//! quit still work (and STOP is still a button).
use crate::tui::app::App;
use crate::tui::keymap::Action;
use crate::tui::widgets::header::status_text;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw(f: &mut Frame, area: Rect, app: &App) -> Rect {
    let stop_h = if area.height >= 6 { 3 } else { 1 };
    let [msg, stop] = Layout::vertical([Constraint::Min(0), Constraint::Length(stop_h.min(area.height))]).areas(area);
    let (status, _) = status_text(app);
    let text = vec![
        Line::from(format!("Terminal {}×{}: enlarge it to at least 80×24.", area.width, area.height)),
        Line::from(status),
        Line::from(format!("{} STOP · {} quit", app.keymap.label(Action::Stop), app.keymap.label(Action::Quit))),
    ];
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), msg);
    if stop_h == 1 {
        let keys = app.keymap.keys(Action::Stop).first().map(ToString::to_string).unwrap_or_default();
        f.render_widget(Paragraph::new(format!("■ STOP {keys}")).style(app.theme.stop()), stop);
    } else {
        crate::tui::widgets::stop_button::draw(f, stop, app);
    }
    crate::tui::widgets::modal::draw(f, area, app);
    stop
}
