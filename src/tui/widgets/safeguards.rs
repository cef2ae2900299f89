//! Safeguards, live: each one's verdict (glyph and word), last value, when it
//! was last checked, and a trend of its recent checks.
use super::{ellipsis, t_plus};
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
            let detail = format!("{} {} {}", trend, t_plus(s.t), short_value(&s.value));
            let room = usize::from(area.width.saturating_sub(2)).saturating_sub(mark.chars().count() + 1);
            let name = ellipsis(&s.name, room.saturating_sub(1));
            let room = room.saturating_sub(name.chars().count() + 1);
            Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::raw(format!("{name} ")),
                Span::styled(ellipsis(&detail, room), th.dim()),
            ])
        })
        .collect();
    let p = Paragraph::new(lines)
        .block(Block::default().borders(Borders::ALL).border_style(th.border()).title(" Safeguards "));
    f.render_widget(p, area);
}

/// What a reader needs of a check's value: an HTTP answer is its status,
/// anything else its text.
fn short_value(value: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(v) if v.get("status").is_some_and(serde_json::Value::is_u64) => format!("HTTP {}", v["status"]),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::short_value;

    #[test]
    fn an_http_answer_is_shown_as_its_status() {
        assert_eq!(short_value(r#"{"status":503,"headers":{},"body":"down"}"#), "HTTP 503");
        assert_eq!(short_value("0.42"), "0.42");
        assert_eq!(short_value(r#"{"value":1}"#), r#"{"value":1}"#);
    }
}
