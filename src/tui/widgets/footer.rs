//! Key hints for what can be done right now, generated from the keymap.
use crate::tui::app::{App, Modal, Screen};
use crate::tui::keymap::Action;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The actions that make sense in the current state, in the order shown.
pub fn commands(app: &App) -> Vec<Action> {
    if !app.modal.is_none() {
        return vec![Action::Stop];
    }
    let mut v = Vec::new();
    if app.pending.is_some() {
        v.extend([Action::Confirm, Action::Skip]);
    }
    if app.run_active() {
        v.push(Action::Abort);
    }
    v.extend([Action::Note, Action::Detected, Action::Diagnosed, Action::Mitigated, Action::Recovered]);
    if app.screen == Screen::Timeline {
        v.extend([Action::Search, Action::Filter]);
    }
    v.extend([Action::Timeline, Action::FocusNext, Action::Help, Action::Quit]);
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
        _ => "Enter save · Esc cancel",
    })
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let th = &app.theme;
    let mut spans = Vec::new();
    if let Some(msg) = &app.flash {
        spans.push(Span::styled(format!("{msg}  "), th.warn()));
    }
    if let Some(h) = modal_hint(app) {
        spans.push(Span::raw(h));
    } else {
        for (i, a) in commands(app).into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" · ", th.dim()));
            }
            let keys = app.keymap.keys(a).first().map(ToString::to_string).unwrap_or_default();
            spans.push(Span::styled(keys, th.key()));
            spans.push(Span::raw(format!(" {}", a.short())));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }), area);
}
