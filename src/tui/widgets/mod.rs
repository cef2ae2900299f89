//! Pieces of the Run screen, each drawn from the app state alone.
pub mod footer;
pub mod header;
pub mod log;
pub mod log_health;
pub mod modal;
pub mod safeguards;
pub mod step_card;
pub mod step_list;
pub mod stop_button;

use ratatui::layout::{Constraint, Flex, Layout, Rect};

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))]).flex(Flex::Center).areas(area);
    let [r] = Layout::horizontal([Constraint::Length(w.min(area.width))]).flex(Flex::Center).areas(v);
    r
}

/// `text` cut to at most `width` characters, ending in `…` when cut, so a
/// reader sees that there is more.
pub fn ellipsis(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        out.push('…');
    }
    out
}

/// Break text into lines of at most `width` characters (at spaces where
/// possible), so a pane can show its last N lines with wrapping.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for raw in text.lines() {
        let chars: Vec<char> = raw.chars().collect();
        if chars.is_empty() {
            out.push(String::new());
            continue;
        }
        let mut start = 0;
        while start < chars.len() {
            let end = (start + width).min(chars.len());
            let mut cut = end;
            if end < chars.len()
                && let Some(sp) = chars[start..end].iter().rposition(|c| *c == ' ')
                && sp > 0
            {
                cut = start + sp + 1;
            }
            out.push(chars[start..cut].iter().collect());
            start = cut;
        }
    }
    out
}

pub use crate::timefmt::t_plus;

#[cfg(test)]
mod tests {
    use super::ellipsis;

    #[test]
    fn ellipsis_marks_a_cut() {
        assert_eq!(ellipsis("restart-worker", 20), "restart-worker");
        assert_eq!(ellipsis("restart-worker", 8), "restart…");
        assert_eq!(ellipsis("épée", 3), "ép…");
        assert_eq!(ellipsis("abc", 0), "");
    }
}
