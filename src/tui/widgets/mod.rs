//! Pieces of the Run screen, each drawn from the app state alone.
pub mod footer;
pub mod header;
pub mod log;
pub mod modal;
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

/// `T+01:02:03`
pub fn t_plus(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    format!("T+{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}
