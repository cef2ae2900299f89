//! A note being written when a signal ends (or interrupts) the console is
//! saved, not dropped: the people in the room typed it, and the event log
//! must lose nothing. It is saved as the observation it was going to be,
//! its text marked as an unfinished draft, and a warning names it.
use super::{App, Modal, NoteKind, text_of};
use crate::session::event::EventBody;

/// Appended to a draft's text, so every reader of the log (report, watch,
/// journal consumers) sees it was not finished.
pub const DRAFT_MARK: &str = "[unfinished draft, saved when the console got";

impl App {
    /// If the note editor is open with something typed, save it (marked as
    /// an unfinished draft) and close the editor. `signal` names why
    /// (`SIGTERM`, `SIGHUP`, `SIGINT`). Returns the saved observation's id.
    pub fn save_draft(&mut self, signal: &str) -> Option<u64> {
        let Modal::Note(ed) = &self.modal else { return None };
        let text = text_of(&ed.text);
        if text.is_empty() {
            return None;
        }
        let (owner, due) = if ed.kind == NoteKind::ActionItem {
            (Some(text_of(&ed.owner)).filter(|s| !s.is_empty()), Some(text_of(&ed.due)).filter(|s| !s.is_empty()))
        } else {
            (None, None)
        };
        let kind = ed.kind.as_str();
        let marked = format!("{text} {DRAFT_MARK} {signal}]");
        match self.record_note(kind, marked, owner, due) {
            Ok(()) => {
                let id = self.next_note_id.saturating_sub(1);
                self.rec.record_or_flag(EventBody::Warning {
                    message: format!(
                        "the note editor was open when {signal} arrived: its unfinished draft was saved as {kind} {id}"
                    ),
                });
                self.modal = Modal::None;
                Some(id)
            }
            // Not saved (the log cannot be written): keep the editor, and
            // say so, as on Enter.
            Err(e) => {
                if let Modal::Note(ed) = &mut self.modal {
                    ed.error = Some(e);
                }
                None
            }
        }
    }
}
