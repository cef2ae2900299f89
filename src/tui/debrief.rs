//! The Debrief screen: after the run (or any time), the facilitator goes
//! through the day's weaknesses, questions and action items and turns them
//! into follow-ups — action items with an owner, answers, and new failure
//! cards in the hypothesis backlog (the learning loop's "analyze → improve").
//!
//! Follow-ups are recorded as ordinary notes whose text names the note they
//! follow up ([`links`]), so the report shows them without a new event kind
//! and older builds still read the log.
//!
//! Submodules: [`state`] (what the screen lists, fed by every event),
//! [`links`] (how a follow-up names its source), [`keys`] (the screen's keys
//! and dialogs), [`target`] (which backlog file a card goes to), [`card`]
//! (appending a card to that file as text, keeping its comments).
pub mod card;
pub mod keys;
pub use crate::session::links;
pub mod state;
pub mod target;

pub use keys::{Dialog, open};
pub use state::{Debrief, Item, List};
