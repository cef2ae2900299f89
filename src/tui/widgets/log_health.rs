//! What the console shows when the event log cannot be written: a banner
//! across the screen while writes fail, a count in the header that stays
//! for the rest of the session (what was lost stays lost), and a word in
//! the footer. Drawn from the recorder's health, never printed over the screen.
use crate::session::recorder::LogHealth;
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Paragraph;

/// The header's count of lost events, once anything was lost.
pub fn header_badge(health: &LogHealth) -> Option<String> {
    (!health.is_ok()).then(|| format!("✖ {} NOT SAVED", health.unsaved))
}

/// The footer's word while writes fail.
pub fn footer_text(health: &LogHealth) -> Option<String> {
    health.failing.as_ref().map(|e| format!("EVENT LOG NOT WRITTEN: {e}"))
}

/// The banner's text while writes fail; `None` once they work again.
pub fn banner_text(health: &LogHealth) -> Option<String> {
    let error = health.failing.as_ref()?;
    let last = health.lost.last().map(String::as_str).unwrap_or("an event");
    Some(format!(
        "⚠ EVENT LOG: {} event(s) NOT SAVED (last: {last}): {error}. Free space; the next events are saved once it can write again.",
        health.unsaved
    ))
}

/// Draw the banner on the top row while writes fail; returns the area left
/// for the screen.
pub fn draw_banner(f: &mut Frame, area: Rect, app: &App) -> Rect {
    let Some(text) = banner_text(&app.log_health()) else { return area };
    let [row, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let text = super::ellipsis(&text, usize::from(row.width));
    f.render_widget(Paragraph::new(text).style(app.theme.stop()), row);
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_goes_once_writes_work_again_and_the_count_stays() {
        let mut h = LogHealth { unsaved: 2, lost: vec!["observation".into(), "decision".into()], failing: None };
        h.failing = Some("No space left on device (os error 28)".into());
        let b = banner_text(&h).unwrap_or_default();
        assert!(b.contains("2 event(s) NOT SAVED (last: decision): No space left"), "{b}");
        assert_eq!(header_badge(&h).as_deref(), Some("✖ 2 NOT SAVED"));
        assert!(footer_text(&h).is_some());
        h.failing = None;
        assert_eq!(banner_text(&h), None);
        assert_eq!(footer_text(&h), None);
        assert_eq!(header_badge(&h).as_deref(), Some("✖ 2 NOT SAVED"));
        assert_eq!(header_badge(&LogHealth::default()), None);
    }
}
