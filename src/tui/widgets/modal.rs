//! Dialogs drawn over the screen: reasons, the note editor, quit, help.
use super::centered;
use crate::tui::app::{App, Modal, NoteKind};
use crate::tui::keymap::Action;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;

fn editor(f: &mut Frame, area: Rect, title: &str, t: &TextArea, app: &App) {
    let r = centered(area, area.width.saturating_sub(8).min(72), 5);
    f.render_widget(Clear, r);
    let block =
        Block::default().borders(Borders::ALL).title(format!(" {title} ")).border_style(app.theme.focused_border());
    let inner = block.inner(r);
    f.render_widget(block, r);
    f.render_widget(t, inner);
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    match &app.modal {
        Modal::None => {}
        Modal::Help => help(f, area, app),
        Modal::Skip(t) => editor(f, area, "Skip this step", t, app),
        Modal::Abort(t) => editor(f, area, "Abort the run — reason", t, app),
        Modal::ManualDone(t) => editor(f, area, "Manual step done — what happened?", t, app),
        Modal::ManualFailed(t) => editor(f, area, "Manual step failed — what happened?", t, app),
        Modal::StopReason(t) => editor(f, area, "STOPPED — why? (optional)", t, app),
        Modal::Author(t) => editor(f, area, "Observations are written by", t, app),
        Modal::Search(t) => editor(f, area, "Search the timeline", t, app),
        Modal::EnvConfirm(t) => editor(f, area, "PRODUCTION — type the environment's name", t, app),
        Modal::Override(t) => editor(f, area, "Start anyway — reason (recorded)", t, app),
        Modal::Debrief(d) => editor(f, area, &d.title(), d.text(), app),
        Modal::QuitConfirm => {
            let mut lines = vec![
                Line::from("A run is still active."),
                Line::from("y: STOP it, play the rollbacks, then quit."),
                Line::from("Any other key: keep going."),
            ];
            if let Some(lost) = app.log_health().summary() {
                lines.push(Line::styled(lost, app.theme.bad()));
            }
            // Room for the loss summary to wrap onto a few lines.
            let h = if lines.len() > 3 { 10 } else { 6 };
            let r = centered(area, 60, h);
            f.render_widget(Clear, r);
            let p = Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .block(Block::default().borders(Borders::ALL).title(" Quit? ").border_style(app.theme.bad()));
            f.render_widget(p, r);
        }
        Modal::Note(ed) => {
            let h = if ed.kind == NoteKind::ActionItem { 14 } else { 10 };
            let r = centered(area, area.width.saturating_sub(6).min(90), h);
            f.render_widget(Clear, r);
            let kinds: Vec<Span> = NoteKind::ALL
                .iter()
                .flat_map(|k| {
                    let style = if *k == ed.kind { app.theme.selected() } else { app.theme.dim() };
                    [Span::styled(format!(" {} ", k.as_str()), style), Span::raw(" ")]
                })
                .collect();
            let block = Block::default()
                .borders(Borders::ALL)
                .title(format!(" New {} · as {} ", ed.kind.as_str(), app.author))
                .border_style(app.theme.focused_border());
            let inner = block.inner(r);
            f.render_widget(block, r);
            let mut rows = vec![Constraint::Length(1), Constraint::Min(2)];
            if ed.kind == NoteKind::ActionItem {
                rows.extend([Constraint::Length(2), Constraint::Length(2)]);
            }
            rows.push(Constraint::Length(1));
            let parts = Layout::vertical(rows).split(inner);
            f.render_widget(Paragraph::new(Line::from(kinds)), parts[0]);
            f.render_widget(&ed.text, parts[1]);
            let mut next = 2;
            if ed.kind == NoteKind::ActionItem {
                for (label, t, idx) in [("Owner", &ed.owner, 1), ("Due", &ed.due, 2)] {
                    let mark = if ed.field == idx { "▶" } else { " " };
                    let [l, v] = Layout::horizontal([Constraint::Length(8), Constraint::Min(1)]).areas(parts[next]);
                    f.render_widget(Paragraph::new(format!("{mark}{label}:")), l);
                    f.render_widget(t, v);
                    next += 1;
                }
            }
            let status = match (&ed.error, &ed.link) {
                (Some(e), _) => Span::styled(e.clone(), app.theme.bad()),
                (None, Some(link)) => Span::styled(format!("Saved with a reference: {link}"), app.theme.dim()),
                (None, None) => Span::styled("Saved to disk before it is shown in the log.", app.theme.dim()),
            };
            f.render_widget(Paragraph::new(Line::from(status)), parts[next]);
        }
    }
}

/// The help overlay: every action and its keys, from the keymap.
pub fn help(f: &mut Frame, area: Rect, app: &App) {
    let r = centered(area, area.width.saturating_sub(4).min(96), area.height.saturating_sub(2));
    f.render_widget(Clear, r);
    let mut lines = vec![Line::from(Span::styled("Keys (rebind them in the config file)", app.theme.title()))];
    for a in Action::ALL {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<16}", app.keymap.label(a)), app.theme.key()),
            Span::raw(a.describe()),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from("Manual steps: F marks the waiting step failed."));
    lines.push(Line::from("Note editor: Ctrl-T changes the kind; Tab moves to owner/due."));
    lines.push(Line::from(format!("Session: {}", app.session_dir.display())));
    let inner_h = r.height.saturating_sub(2) as usize;
    let total = lines.len();
    let scroll = app.help_scroll.min(total.saturating_sub(inner_h));
    let more = if total > inner_h {
        format!(" Help · ↑/↓ scroll ({}/{}) ", scroll + inner_h.min(total), total)
    } else {
        " Help ".into()
    };
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    let p = Paragraph::new(shown)
        .block(Block::default().borders(Borders::ALL).title(more).border_style(app.theme.focused_border()));
    f.render_widget(p, r);
}
