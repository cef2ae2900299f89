//! The Plan screen's state and keys. No drawing here (see `draw`).
//!
//! Every change made on the day (an approval, an invitee, a preflight tick,
//! a note) is written to the day file at once; when that fails the change
//! is undone on screen and the reason shown, so what is on screen is always
//! what is on disk.
use super::checklist::{self, Inputs, Step};
use super::day::{DayApproval, DayFile, DayInvitee, DayNote, DayTick, day_path};
use super::detail::{self, NOTES_PAGE, Row, RowAction};
use super::form::{Form, FormKey};
use crate::load::validate::{locate_pointer, validate_loaded};
use crate::load::{ValidateOptions, load_path};
use crate::model::playbook::{Playbook, is_playbook, resolve_doc};
use crate::tui::theme::Theme;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Which pane the arrows move in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Steps,
    Detail,
}

/// What the open form is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// Approve (`true`) or withdraw (`false`) `name`'s approval.
    Approval {
        name: String,
        approve: bool,
    },
    Invite,
    Note,
}

/// What is open over the screen.
pub enum Overlay {
    None,
    Help,
    Form(Box<Form>, Purpose),
}

/// What the caller should do after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    Quit,
}

/// Everything the screen shows and edits.
pub struct PlanScreen {
    pub path: PathBuf,
    pub day_path: PathBuf,
    pub playbook: Playbook,
    /// The document the engine would run (wrapped experiment merged in).
    pub experiment: Value,
    pub resolve_error: Option<String>,
    pub validation_error: Option<String>,
    pub day: DayFile,
    /// Recorded as `by` on everything written on the day.
    pub author: String,
    pub theme: Theme,
    /// 0–6 the steps, 7 the notes.
    pub page: usize,
    pub focus: Focus,
    /// Row of the detail pane under the cursor.
    pub cursor: usize,
    pub overlay: Overlay,
    /// One line of feedback (saved, refused, …).
    pub flash: Option<String>,
    /// The time stamp written as `at` (RFC 3339); fixed in tests.
    pub clock: fn() -> String,
}

/// Now, as RFC 3339 in local time to the second.
pub fn local_now() -> String {
    chrono::Local::now().format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// An approval time as the playbook accepts it: a date or RFC 3339.
fn valid_at(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() || chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

impl PlanScreen {
    /// Read the playbook, its wrapped experiment and its day file. A plan
    /// that cannot be read is an error with file:line:column; an experiment
    /// that does not validate is shown as a gap instead, so the plan can
    /// still be looked at and filled in.
    pub fn open(path: &Path, author: &str, theme: Theme) -> Result<PlanScreen, String> {
        let loaded = load_path(path).map_err(|e| {
            let s = e.to_string();
            if s.contains(&path.display().to_string()) { s } else { format!("{}: {s}", path.display()) }
        })?;
        if !is_playbook(&loaded.doc) {
            return Err(format!(
                "{}: this is a plain experiment, not a playbook (a playbook starts with `gameday: 1`; \
                 `gameday init` writes one)",
                loaded.origin
            ));
        }
        if let Err(e) = Playbook::from_doc(&loaded.doc) {
            return Err(locate_pointer(&loaded.origin, &loaded.raw, &e.pointer, e.on_key, &e.message).to_string());
        }
        let base = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let (experiment, resolve_error) = match resolve_doc(&loaded.doc, base) {
            Ok(doc) => (doc, None),
            Err(e) => (loaded.doc.clone(), Some(e.message)),
        };
        // The merged document is a playbook too; read the plan from it so
        // the wrapped experiment's steps count.
        let playbook = Playbook::from_doc(&experiment)
            .or_else(|_| Playbook::from_doc(&loaded.doc))
            .map_err(|e| format!("{}: {e:?}", loaded.origin))?;
        let validation_error = match (&resolve_error, validate_loaded(&loaded, &ValidateOptions::default())) {
            (Some(_), _) | (None, Ok(_)) => None,
            (None, Err(e)) => Some(e.to_string()),
        };
        let day_path = day_path(path);
        let day = DayFile::load(&day_path)?;
        Ok(PlanScreen {
            path: path.to_path_buf(),
            day_path,
            playbook,
            experiment,
            resolve_error,
            validation_error,
            day,
            author: author.to_string(),
            theme,
            page: 0,
            focus: Focus::Steps,
            cursor: 0,
            overlay: Overlay::None,
            flash: None,
            clock: local_now,
        })
    }

    /// The day file's name (it is always next to the playbook).
    pub fn day_file_name(&self) -> String {
        self.day_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    }

    /// The seven steps as they stand now.
    pub fn steps(&self) -> Vec<Step> {
        checklist::steps(&Inputs {
            playbook: &self.playbook,
            experiment: &self.experiment,
            resolve_error: self.resolve_error.as_deref(),
            validation_error: self.validation_error.as_deref(),
            day: &self.day,
        })
    }

    /// The rows of the page shown.
    pub fn rows(&self) -> Vec<Row> {
        detail::rows(self.page, &self.steps(), &self.playbook, &self.experiment, &self.day)
    }

    /// Handle one key press.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        match std::mem::replace(&mut self.overlay, Overlay::None) {
            Overlay::Help => {
                if !matches!(key.code, KeyCode::Esc | KeyCode::Char('?' | 'q') | KeyCode::Enter) {
                    self.overlay = Overlay::Help;
                }
                Outcome::Continue
            }
            Overlay::Form(mut form, purpose) => {
                match form.on_key(key) {
                    FormKey::Open => self.overlay = Overlay::Form(form, purpose),
                    FormKey::Cancel => self.flash = Some("Nothing changed.".into()),
                    FormKey::Submit => match self.submit(&form, &purpose) {
                        Ok(()) => {}
                        Err(e) => {
                            form.error = Some(e);
                            self.overlay = Overlay::Form(form, purpose);
                        }
                    },
                }
                Outcome::Continue
            }
            Overlay::None => self.on_screen_key(key),
        }
    }

    fn on_screen_key(&mut self, key: KeyEvent) -> Outcome {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return Outcome::Quit;
        }
        self.flash = None;
        match key.code {
            KeyCode::Char('q') => return Outcome::Quit,
            KeyCode::Esc if self.focus == Focus::Steps => return Outcome::Quit,
            KeyCode::Esc | KeyCode::Left | KeyCode::BackTab | KeyCode::Char('h') => self.focus = Focus::Steps,
            KeyCode::Char('?') => self.overlay = Overlay::Help,
            KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') => self.focus_detail(),
            KeyCode::Enter if self.focus == Focus::Steps => self.focus_detail(),
            KeyCode::Up | KeyCode::Char('k') => self.move_by(-1),
            KeyCode::Down | KeyCode::Char('j') => self.move_by(1),
            KeyCode::PageUp => self.move_by(-10),
            KeyCode::PageDown => self.move_by(10),
            KeyCode::Char(' ') | KeyCode::Enter => self.act(),
            KeyCode::Char('i') => self.open_invite(),
            KeyCode::Char('n') => self.open_note(),
            _ => {}
        }
        Outcome::Continue
    }

    fn focus_detail(&mut self) {
        self.focus = Focus::Detail;
        let rows = self.rows();
        self.cursor = rows.iter().position(|r| r.action.is_some()).unwrap_or(0);
    }

    fn move_by(&mut self, delta: isize) {
        match self.focus {
            Focus::Steps => {
                self.page = (self.page as isize + delta).clamp(0, NOTES_PAGE as isize) as usize;
                self.cursor = 0;
            }
            Focus::Detail => {
                let n = self.rows().len().max(1) as isize;
                self.cursor = (self.cursor as isize + delta).clamp(0, n - 1) as usize;
            }
        }
    }

    /// Space on the selected row.
    fn act(&mut self) {
        if self.focus != Focus::Detail {
            self.flash = Some("Tab (or →) moves to the step's rows; Space then acts on the one selected.".into());
            return;
        }
        let action = self.rows().get(self.cursor).and_then(|r| r.action.clone());
        match action {
            Some(RowAction::Approval(name)) => self.open_approval(&name),
            Some(RowAction::Preflight(n, text)) => self.toggle_tick(n, &text),
            None => self.flash = Some("Nothing to change on this row.".into()),
        }
    }

    fn open_approval(&mut self, name: &str) {
        let approved = self.day.approvals(&self.playbook).iter().any(|(a, _)| a.name == name && a.approved);
        let approve = !approved;
        let title = if approve { format!("Approved by {name}") } else { format!("Withdraw {name}'s approval") };
        let form = Form::new(title)
            .field("At", &(self.clock)(), "when (RFC 3339, or a date like 2025-05-20)")
            .field("Recorded by", &self.author, "who records it")
            .field("Note", "", if approve { "how it was given (optional)" } else { "why (optional)" });
        self.overlay = Overlay::Form(Box::new(form), Purpose::Approval { name: name.to_string(), approve });
    }

    fn open_invite(&mut self) {
        let form = Form::new("Invite someone")
            .field("Name", "", "a person or a team")
            .field("Role", "participant", "participant or observer")
            .field("Reason", "", "why they should be there (optional)");
        self.overlay = Overlay::Form(Box::new(form), Purpose::Invite);
    }

    fn open_note(&mut self) {
        let form = Form::new("Note on the plan").field("Note", "", "what should be remembered");
        self.overlay = Overlay::Form(Box::new(form), Purpose::Note);
    }

    fn toggle_tick(&mut self, item: usize, text: &str) {
        let ticked = !self.day.tick(item, text).is_some_and(|t| t.ticked);
        let tick =
            DayTick { item, text: text.to_string(), ticked, by: Some(self.author.clone()), at: Some((self.clock)()) };
        let word = if ticked { "Ticked" } else { "Unticked" };
        let _ = self.change(word, |d| d.set_tick(tick));
    }

    /// Apply `edit` to the day file and save it; undone if the save fails.
    fn change(&mut self, what: &str, edit: impl FnOnce(&mut DayFile)) -> Result<(), String> {
        let before = self.day.clone();
        let anchor = self.rows().get(self.cursor).and_then(|r| r.action.clone());
        if self.day.playbook.is_none() {
            self.day.playbook = self.path.file_name().map(|n| n.to_string_lossy().into_owned());
        }
        edit(&mut self.day);
        let saved = self.day.save(&self.day_path);
        if saved.is_err() {
            self.day = before;
        }
        // Gaps above the rows come and go: keep the cursor on its row.
        if let Some(a) = anchor
            && let Some(i) = self.rows().iter().position(|r| r.action.as_ref() == Some(&a))
        {
            self.cursor = i;
        }
        match saved {
            Ok(()) => {
                self.flash = Some(format!("{what}; saved to {}.", self.day_file_name()));
                Ok(())
            }
            Err(e) => {
                self.flash = Some(format!("NOT SAVED: {e}"));
                Err(format!("not saved: {e}"))
            }
        }
    }

    fn submit(&mut self, form: &Form, purpose: &Purpose) -> Result<(), String> {
        match purpose {
            Purpose::Approval { name, approve } => {
                let at = form.value(0);
                if !valid_at(&at) {
                    return Err(format!("'{at}' is not a date (2025-05-20) or an RFC 3339 time"));
                }
                let by = form.value(1);
                if by.is_empty() {
                    return Err("say who records it".into());
                }
                let note = Some(form.value(2)).filter(|n| !n.is_empty());
                let a = DayApproval { name: name.clone(), approved: *approve, at: Some(at), by: Some(by), note };
                let what = if *approve { format!("{name} approved") } else { format!("{name}'s approval withdrawn") };
                self.change(&what, |d| d.set_approval(a))
            }
            Purpose::Invite => {
                let name = form.value(0);
                if name.is_empty() {
                    return Err("a name is needed".into());
                }
                let role = form.value(1).to_ascii_lowercase();
                if role != "participant" && role != "observer" {
                    return Err(format!("the role must be participant or observer, not '{role}'"));
                }
                let reason = Some(form.value(2)).filter(|r| !r.is_empty());
                let i = DayInvitee {
                    name: name.clone(),
                    role,
                    reason,
                    by: Some(self.author.clone()),
                    at: Some((self.clock)()),
                };
                self.change(&format!("{name} invited"), |d| d.invite.push(i))
            }
            Purpose::Note => {
                let text = form.value(0);
                if text.is_empty() {
                    return Err("the note is empty".into());
                }
                let n = DayNote { at: Some((self.clock)()), by: Some(self.author.clone()), text };
                self.change("Note added", |d| d.notes.push(n))
            }
        }
    }
}

/// The keys of the Plan screen, for the help overlay and the footer.
pub const KEYS: &[(&str, &str)] = &[
    ("↑/↓ j/k", "choose a step, or a row of the step"),
    ("Tab →", "move to the step's rows (approvals, preflight items)"),
    ("Shift-Tab ←", "back to the list of steps"),
    ("Space Enter", "on an approval: approve or withdraw it (who, when, note)"),
    ("", "on a preflight item: tick or untick it"),
    ("i", "add someone to the invite list"),
    ("n", "add a note"),
    ("PgUp/PgDn", "move ten rows"),
    ("?", "this help"),
    ("q Esc", "quit (everything is already saved)"),
];
