//! The big red STOP button: always drawn, clickable, with its keys on it.
use crate::tui::app::App;
use crate::tui::keymap::Action;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let th = &app.theme;
    let word = if app.stopped && app.ended.is_none() { "■ STOPPING" } else { "■ STOP" };
    let keys = app.keymap.label(Action::Stop);
    let text = vec![Line::from(word), Line::from(keys)];
    let p = Paragraph::new(text)
        .alignment(Alignment::Center)
        .style(th.stop())
        .block(Block::default().borders(Borders::ALL).border_style(th.stop()));
    f.render_widget(p, area);
}
