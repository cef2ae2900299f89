//! The steps, grouped by phase, each with a glyph and a word for its state.
use crate::session::event::Phase;
use crate::tui::app::{App, Focus};
use crate::tui::steps::StepState;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState};

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let th = &app.theme;
    let narrow = area.width < 48;
    let mut items = Vec::new();
    let mut selected_row = None;
    let mut last_phase: Option<Phase> = None;
    for (i, s) in app.steps.iter().enumerate() {
        if last_phase != Some(s.phase) {
            let verdict = match app.verdicts.get(&s.phase) {
                Some(Some(true)) => " ✔ met",
                Some(Some(false)) => " ✖ not met",
                _ => "",
            };
            items.push(ListItem::new(Line::from(Span::styled(format!("{}{verdict}", s.phase.label()), th.title()))));
            last_phase = Some(s.phase);
        }
        let style = match s.state {
            StepState::Succeeded => th.ok(),
            StepState::Failed | StepState::NotMet | StepState::Interrupted => th.bad(),
            StepState::Waiting | StepState::Running => th.active(),
            StepState::Skipped => th.warn(),
            StepState::Pending => th.base(),
        };
        let kind = match s.kind.as_str() {
            "probe" => "P",
            "action" => "A",
            "manual" => "M",
            _ => "R",
        };
        let state = if narrow {
            format!(" {} {:<4} ", s.state.glyph(), s.state.short_word())
        } else {
            format!(" {} {:<7} ", s.state.glyph(), s.state.word())
        };
        // Borders take 2 columns; the state and kind columns come first.
        let room = usize::from(area.width.saturating_sub(2)).saturating_sub(state.chars().count() + 2);
        let line = Line::from(vec![
            Span::styled(state, style),
            Span::styled(format!("{kind} "), th.dim()),
            Span::raw(super::ellipsis(&s.name, room)),
        ]);
        if i == app.selected_step {
            selected_row = Some(items.len());
        }
        items.push(ListItem::new(line));
    }
    let border = if app.focus == Focus::Steps { th.focused_border() } else { th.border() };
    let mut title = " Steps ".to_string();
    if app.during_checks.0 > 0 {
        title = format!(" Steps · during: {} checks, {} missed ", app.during_checks.0, app.during_checks.1);
    }
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).border_style(border).title(title))
        .highlight_style(th.selected());
    let mut state = ListState::default().with_selected(selected_row);
    f.render_stateful_widget(list, area, &mut state);
}
