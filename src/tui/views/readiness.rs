//! The readiness gate: what must be true before the first step.
use crate::engine::readiness::ItemKind;
use crate::tui::app::App;
use crate::tui::keymap::Action;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let th = &app.theme;
    let Some(r) = &app.readiness else { return };
    let area = super::blackout::banner(f, area, app);
    let [list_area, hint_area] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Min(3),
        ratatui::layout::Constraint::Length(4),
    ])
    .areas(area);
    let items: Vec<ListItem> = r
        .items
        .iter()
        .map(|i| {
            let (glyph, word, style) = match (i.ok, i.kind) {
                (true, ItemKind::Tick) => ("☑", "ticked ", th.ok()),
                (false, ItemKind::Tick) => ("☐", "tick   ", th.warn()),
                (true, _) => ("✔", "ready  ", th.ok()),
                (false, _) => ("✖", "MISSING", th.bad()),
            };
            ListItem::new(Line::from(vec![
                Span::styled(format!(" {glyph} {word} "), style),
                Span::raw(format!("{} ", i.label)),
                Span::styled(format!("— {}", i.detail), th.dim()),
            ]))
        })
        .collect();
    let title = if r.all_ok() { " Readiness: all green " } else { " Readiness: not everything is ready " };
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).border_style(th.focused_border()).title(title))
        .highlight_style(th.selected());
    let mut state = ListState::default().with_selected(Some(r.selected));
    f.render_stateful_widget(list, list_area, &mut state);
    let km = &app.keymap;
    let mut hints = vec![Line::from(format!(
        "Space tick the selected item · {} start{} · {} abort",
        km.label(Action::Confirm),
        if r.all_ok() { "" } else { " (asks for an override reason)" },
        km.label(Action::Abort)
    ))];
    if r.needs_typed_environment() {
        hints.push(Line::from(Span::styled(
            "PRODUCTION: press e and type the environment's name to confirm it.",
            th.bad(),
        )));
    }
    f.render_widget(Paragraph::new(hints).wrap(Wrap { trim: true }), hint_area);
}
