//! Safeguards, live: each one's verdict (glyph and word), last value, when it
//! was last checked, and a trend of its recent checks.
use super::t_plus;
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let th = &app.theme;
    let lines: Vec<Line> = app
        .safeguards
        .iter()
        .map(|s| {
            let (mark, style) = if s.met { ("✔ ok  ", th.ok()) } else { ("✖ MISS", th.bad()) };
            let trend: String = s.recent.iter().map(|m| if *m { '·' } else { '✖' }).collect();
            Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::raw(format!("{} ", s.name)),
                Span::styled(format!("{} {} {}", trend, t_plus(s.t), s.value), th.dim()),
            ])
        })
        .collect();
    let p = Paragraph::new(lines)
        .block(Block::default().borders(Borders::ALL).border_style(th.border()).title(" Safeguards "));
    f.render_widget(p, area);
}
