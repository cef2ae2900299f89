//! The Run screen: header, steps, the current step with its live output, the
//! observation log, the STOP button and the key hints.
use crate::tui::app::App;
use crate::tui::widgets::{footer, header, log, modal, step_card, step_list, stop_button};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

pub fn draw(f: &mut Frame, area: Rect, app: &App) -> Rect {
    let log_h = if area.height >= 40 { 10 } else { 6 };
    let [head, body, log_area, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(8), Constraint::Length(log_h), Constraint::Length(4)])
            .areas(area);
    header::draw(f, head, app);
    if app.readiness.is_some() {
        super::readiness::draw(f, body, app);
        log::draw(f, log_area, app);
        let [stop, hints] = Layout::horizontal([Constraint::Length(20), Constraint::Min(10)]).areas(bottom);
        stop_button::draw(f, stop, app);
        let [_, hint_area] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(hints);
        footer::draw(f, hint_area, app);
        modal::draw(f, area, app);
        return stop;
    }
    // The step list is 38 % wide, more when names are long, at most 45 %.
    let longest = app.steps.iter().map(|s| s.name.chars().count()).max().unwrap_or(0);
    let wanted = u16::try_from(longest + 16).unwrap_or(u16::MAX);
    let list_w = wanted.clamp((body.width * 38).div_ceil(100), body.width * 45 / 100);
    let [steps, card] = Layout::horizontal([Constraint::Length(list_w), Constraint::Min(10)]).areas(body);
    if app.safeguards.is_empty() {
        step_list::draw(f, steps, app);
    } else {
        let h = (app.safeguards.len() as u16 + 2).min(steps.height / 2);
        let [list, guards] = Layout::vertical([Constraint::Min(3), Constraint::Length(h)]).areas(steps);
        step_list::draw(f, list, app);
        crate::tui::widgets::safeguards::draw(f, guards, app);
    }
    step_card::draw(f, card, app);
    log::draw(f, log_area, app);
    let [stop, hints] = Layout::horizontal([Constraint::Length(20), Constraint::Min(10)]).areas(bottom);
    stop_button::draw(f, stop, app);
    let [_, hint_area] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(hints);
    footer::draw(f, hint_area, app);
    modal::draw(f, area, app);
    stop
}
