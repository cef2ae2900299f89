//! Whole screens. `draw` picks one and returns where the STOP button is, so
//! a mouse click there can be recognised.
pub mod blackout;
pub mod debrief;
pub mod readiness;
pub mod report;
pub mod run;
pub mod small;
pub mod timeline;

use super::app::{App, Screen};
use ratatui::Frame;
use ratatui::layout::Rect;

/// Smallest size the full layout is drawn at.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Draw the current screen; returns the STOP button's area.
pub fn draw(f: &mut Frame, app: &App) -> Rect {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return small::draw(f, area, app);
    }
    // Above every screen (taking a row from it, covering nothing), so
    // nobody misses that the log is not being written.
    let area = super::widgets::log_health::draw_banner(f, area, app);
    match app.screen {
        Screen::Run => run::draw(f, area, app),
        Screen::Timeline => timeline::draw(f, area, app),
        Screen::Report => report::draw(f, area, app),
        Screen::Debrief => debrief::draw(f, area, app),
    }
}
