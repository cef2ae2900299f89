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
    // Rows are the steps plus a heading per phase. Only the rows that fit
    // are built (an experiment can have 1,000 steps): the window is the one
    // ratatui's List shows for a fresh state, the selection on the last row
    // once it is below the first page.
    let selected = app.selected_step.min(app.steps.len());
    let headings_up_to_selected = {
        let mut n = 0;
        let mut last: Option<Phase> = None;
        for s in app.steps.iter().take(selected + 1) {
            if last != Some(s.phase) {
                n += 1;
                last = Some(s.phase);
            }
        }
        n
    };
    let selected_row = (selected < app.steps.len()).then_some(selected + headings_up_to_selected);
    let height = usize::from(area.height.saturating_sub(2));
    let first_row = match selected_row {
        Some(r) if height > 0 && r >= height => r + 1 - height,
        _ => 0,
    };
    let mut items = Vec::new();
    let mut row = 0usize;
    let mut last_phase: Option<Phase> = None;
    for s in &app.steps {
        if row >= first_row + height.max(1) {
            break;
        }
        if last_phase != Some(s.phase) {
            if row >= first_row {
                let verdict = match app.verdicts.get(&s.phase) {
                    Some(Some(true)) => " ✔ met",
                    Some(Some(false)) => " ✖ not met",
                    _ => "",
                };
                items
                    .push(ListItem::new(Line::from(Span::styled(format!("{}{verdict}", s.phase.label()), th.title()))));
            }
            row += 1;
            last_phase = Some(s.phase);
        }
        if row < first_row {
            row += 1;
            continue;
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
        items.push(ListItem::new(line));
        row += 1;
    }
    let border = if app.focus == Focus::Steps { th.focused_border() } else { th.border() };
    let mut title = " Steps ".to_string();
    if app.during_checks.0 > 0 {
        title = format!(" Steps · during: {} checks, {} missed ", app.during_checks.0, app.during_checks.1);
    }
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).border_style(border).title(title))
        .highlight_style(th.selected());
    let mut state = ListState::default().with_selected(selected_row.map(|r| r.saturating_sub(first_row)));
    f.render_stateful_widget(list, area, &mut state);
}
