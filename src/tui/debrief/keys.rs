//! The Debrief screen's keys and its two dialogs (an answer, the path of a
//! new backlog file). Everything done here is recorded through the session's
//! recorder as a note that names the note it follows up.
use super::card::{self, NewCard};
use super::links;
use super::state::{Item, List};
use super::target::{self, Target};
use crate::session::event::Event;
use crate::tui::app::{App, Modal, NoteEditor, NoteKind, Screen};
use crate::tui::keymap::Action;
use crate::tui::widgets::ellipsis;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// A dialog opened from the Debrief.
pub enum Dialog {
    /// The answer to a question (one line).
    Answer { question: u64, asked: f64, text: TextArea<'static> },
    /// No backlog file yet: where to create one (prefilled, editable).
    BacklogPath { item: Item, text: TextArea<'static> },
}

impl Dialog {
    pub fn title(&self) -> String {
        match self {
            Dialog::Answer { question, .. } => format!("Answer to question #{question}"),
            Dialog::BacklogPath { .. } => "No backlog yet — create this file?".into(),
        }
    }

    pub fn text(&self) -> &TextArea<'static> {
        match self {
            Dialog::Answer { text, .. } | Dialog::BacklogPath { text, .. } => text,
        }
    }

    fn text_mut(&mut self) -> &mut TextArea<'static> {
        match self {
            Dialog::Answer { text, .. } | Dialog::BacklogPath { text, .. } => text,
        }
    }

    /// The footer's hint while the dialog is open.
    pub fn hint(&self) -> &'static str {
        match self {
            Dialog::Answer { .. } => "Enter save the answer · Esc cancel",
            Dialog::BacklogPath { .. } => "Enter create the backlog and add the card · Esc cancel",
        }
    }
}

fn line_editor(placeholder: &str, prefill: &str) -> TextArea<'static> {
    let mut t = TextArea::default();
    t.set_placeholder_text(placeholder.to_string());
    t.insert_str(prefill);
    t
}

fn text_of(t: &TextArea) -> String {
    t.lines().join(" ").trim().to_string()
}

/// Show the Debrief. The session's start (the playbook's path, the date)
/// is recorded before the console subscribes to events, so it is read from
/// the log's first line.
pub fn open(app: &mut App) {
    if app.debrief.session.is_none()
        && let Some(ev) = first_event(&app.session_dir.join("events.jsonl"))
    {
        app.debrief.on_event(&ev);
    }
    app.screen = Screen::Debrief;
}

fn first_event(path: &Path) -> Option<Event> {
    let file = std::fs::File::open(path).ok()?;
    let mut line = String::new();
    // A session's first line is small; a bound keeps a damaged log from
    // being read whole.
    std::io::BufReader::new(file).take(1 << 20).read_line(&mut line).ok()?;
    serde_json::from_str(&line).ok()
}

/// Keys on the Debrief screen; `false` leaves the key to the rest of the console.
pub fn on_key(app: &mut App, action: Option<Action>) -> bool {
    match action {
        Some(Action::Up) => app.debrief.move_by(-1),
        Some(Action::Down) => app.debrief.move_by(1),
        Some(Action::PageUp) => app.debrief.move_by(-10),
        Some(Action::PageDown) => app.debrief.move_by(10),
        Some(Action::FocusNext) => app.debrief.list = app.debrief.list.next(),
        Some(Action::ActionItem) => make_action_item(app),
        Some(Action::Answer) => answer(app),
        Some(Action::AddToBacklog) => add_to_backlog(app),
        _ => return false,
    }
    true
}

/// The follow-ups that make sense for the selected item, for the footer.
pub fn actions(app: &App) -> Vec<Action> {
    match app.debrief.current().map(|i| i.kind.as_str()) {
        Some("weakness") => vec![Action::ActionItem, Action::AddToBacklog],
        Some("question") => vec![Action::Answer, Action::ActionItem, Action::AddToBacklog],
        _ => Vec::new(),
    }
}

fn selected(app: &mut App, wanted: &[List], what: &str) -> Option<Item> {
    match app.debrief.current().cloned() {
        Some(item) if wanted.contains(&app.debrief.list) => Some(item),
        Some(_) => {
            app.flash = Some(format!("Select {what} first (Tab moves between the lists)."));
            None
        }
        None => {
            app.flash = Some("Nothing to follow up in this list.".into());
            None
        }
    }
}

/// The note editor, as an action item made from the selected finding.
fn make_action_item(app: &mut App) {
    let Some(item) = selected(app, &[List::Weaknesses, List::Questions], "a weakness or a question") else {
        return;
    };
    let mut ed = NoteEditor::new();
    ed.kind = NoteKind::ActionItem;
    ed.text.insert_str(&item.text);
    // The text is there already; who does it and by when is what is missing.
    ed.field = 1;
    ed.link = Some(links::from(&item.kind, item.id, item.t));
    app.modal = Modal::Note(Box::new(ed));
}

fn answer(app: &mut App) {
    let Some(item) = selected(app, &[List::Questions], "a question") else { return };
    let before = app.debrief.answers.get(&item.id).cloned().unwrap_or_default();
    let text = line_editor("The answer (Enter saves, Esc cancels)", &before);
    app.modal = Modal::Debrief(Box::new(Dialog::Answer { question: item.id, asked: item.t, text }));
}

fn add_to_backlog(app: &mut App) {
    let Some(item) = selected(app, &[List::Weaknesses, List::Questions], "a weakness or a question") else {
        return;
    };
    match target::find(app.debrief.session.as_ref()) {
        Target::Existing(path) => add_card(app, &item, &path),
        Target::Propose(path) => {
            let text = line_editor("backlog.yaml", &shown(&path));
            app.modal = Modal::Debrief(Box::new(Dialog::BacklogPath { item, text }));
        }
    }
}

/// A path as short as it can be read: relative to the current directory.
fn shown(path: &Path) -> String {
    let rel = std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    rel.unwrap_or_else(|| path.to_path_buf()).display().to_string()
}

/// Append the card, then record that it was added (file and card id).
pub fn add_card(app: &mut App, item: &Item, path: &Path) {
    let started = app.debrief.session.as_ref().map(|s| s.started).unwrap_or_else(chrono::Utc::now);
    let date = started.with_timezone(&chrono::Local).date_naive();
    let first_line = item.text.lines().next().unwrap_or("").trim();
    let card = NewCard {
        id: format!("GD-{}-{}", date.format("%Y%m%d"), item.id),
        title: if first_line.is_empty() { "A finding of a Game Day".into() } else { ellipsis(first_line, 80) },
        description: item.text.clone(),
        origin: format!("Game Day {}, {}", app.title, date.format("%Y-%m-%d")),
        links: vec![app.session_dir.display().to_string()],
    };
    let file = shown(path);
    match card::append(path, &card) {
        Ok(id) => {
            let note = links::backlog(&id, &file, &item.kind, item.id, item.t);
            app.flash = Some(match app.record_note_with("note", note, None, None, None) {
                Ok(_) => format!("Card {id} added to {file}"),
                Err(e) => format!("Card {id} added to {file}, but the log entry was {e}"),
            });
        }
        Err(e) => app.flash = Some(e),
    }
}

/// Keys while a Debrief dialog is open; returns what stays open.
pub fn on_dialog_key(app: &mut App, mut d: Dialog, key: KeyEvent, enter: bool) -> Modal {
    if key.code == KeyCode::Esc {
        return Modal::None;
    }
    if !enter {
        // One line: a newline key does nothing.
        if key.code != KeyCode::Enter {
            d.text_mut().input(key);
        }
        return Modal::Debrief(Box::new(d));
    }
    let typed = text_of(d.text());
    match &d {
        Dialog::Answer { question, asked, .. } => {
            if typed.is_empty() {
                app.flash = Some("Type the answer first (Esc cancels).".into());
                return Modal::Debrief(Box::new(d));
            }
            match app.record_note_with("note", links::answer(*question, *asked, &typed), None, None, None) {
                Ok(_) => {
                    app.flash = Some(format!("Answer to question #{question} saved"));
                    Modal::None
                }
                Err(e) => {
                    app.flash = Some(e);
                    Modal::Debrief(Box::new(d))
                }
            }
        }
        Dialog::BacklogPath { item, .. } => {
            let path = PathBuf::from(&typed);
            if !(typed.ends_with(".yaml") || typed.ends_with(".yml")) {
                app.flash = Some("A backlog file ends in .yaml or .yml.".into());
                return Modal::Debrief(Box::new(d));
            }
            let item = item.clone();
            add_card(app, &item, &path);
            Modal::None
        }
    }
}
