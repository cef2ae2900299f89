//! Key hints for what can be done right now, generated from the keymap.
use crate::tui::app::{App, Modal, Screen};
use crate::tui::keymap::Action;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The actions that make sense in the current state, in the order shown.
pub fn commands(app: &App) -> Vec<Action> {
    if !app.modal.is_none() {
        return vec![Action::Stop];
    }
    let mut v = Vec::new();
    let debrief = app.screen == Screen::Debrief;
    if debrief {
        v.extend(crate::tui::debrief::keys::actions(app));
    } else if !app.run_active() {
        // Once the run has ended, the debrief is what comes next.
        v.push(Action::Debrief);
    }
    if app.pending.is_some() {
        v.extend([Action::Confirm, Action::Skip]);
    }
    if app.run_active() {
        v.push(Action::Abort);
    }
    v.push(Action::Note);
    if !debrief {
        v.extend([Action::Detected, Action::Diagnosed, Action::Mitigated, Action::Recovered]);
    }
    if app.screen == Screen::Timeline {
        v.extend([Action::Search, Action::Filter]);
    }
    if app.screen == Screen::Report {
        v.push(Action::WriteReport);
    }
    v.extend([Action::Timeline, Action::Report]);
    if debrief {
        v.push(Action::Debrief);
    }
    v.extend([Action::FocusNext, Action::Help, Action::Quit]);
    v
}

/// Hints for an open dialog.
fn modal_hint(app: &App) -> Option<&'static str> {
    Some(match &app.modal {
        Modal::None => return None,
        Modal::Help => "Esc/? close help",
        Modal::Note(_) => "Enter save · Alt-Enter/Ctrl-J new line · Ctrl-T kind · Tab field · Esc cancel",
        Modal::QuitConfirm => "y STOP, roll back and quit · any other key: keep going",
        Modal::Search(_) => "type to search · Enter keep · Esc close",
        Modal::Debrief(d) => d.hint(),
        _ => "Enter save · Esc cancel",
    })
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let th = &app.theme;
    let width = area.width as usize;
    let mut rows: Vec<Vec<Span>> = vec![Vec::new()];
    let mut used = 0usize;
    // Pack "key label" pairs whole onto lines: a pair is never split.
    let mut push = |spans: Vec<Span<'static>>, len: usize, rows: &mut Vec<Vec<Span<'static>>>| {
        if used > 0 && used + len > width {
            rows.push(Vec::new());
            used = 0;
        }
        if let Some(r) = rows.last_mut() {
            r.extend(spans);
        }
        used += len;
    };
    if let Some(msg) = super::log_health::footer_text(&app.log_health()) {
        let text = format!("{msg}  ");
        let len = text.chars().count();
        push(vec![Span::styled(text, th.bad())], len, &mut rows);
    }
    if let Some(msg) = &app.flash {
        let text = format!("{msg}  ");
        let len = text.chars().count();
        push(vec![Span::styled(text, th.warn())], len, &mut rows);
    }
    if let Some(h) = modal_hint(app) {
        // Pair by pair, so a long hint wraps instead of being cut off.
        for (i, part) in h.split(" · ").enumerate() {
            let sep = if i > 0 { " · " } else { "" };
            let len = sep.chars().count() + part.chars().count();
            push(vec![Span::styled(sep, th.dim()), Span::raw(part)], len, &mut rows);
        }
    } else {
        for (i, a) in commands(app).into_iter().enumerate() {
            let keys = app.keymap.keys(a).first().map(ToString::to_string).unwrap_or_default();
            let sep = if i > 0 { " · " } else { "" };
            let label = format!(" {}", a.short());
            let len = sep.chars().count() + keys.chars().count() + label.chars().count();
            push(vec![Span::styled(sep, th.dim()), Span::styled(keys, th.key()), Span::raw(label)], len, &mut rows);
        }
    }
    let lines: Vec<Line> = rows.into_iter().map(Line::from).collect();
    f.render_widget(Paragraph::new(lines), area);
}
