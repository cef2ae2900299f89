//! `gameday watch`: a read-only view of a session that another process (the
//! console) is writing. Everything here reads `events.jsonl` and nothing
//! here records: a watcher can only ask the console to STOP, through
//! `requests.jsonl`, when it was started with `--allow-stop`.
//!
//! * [`tail`]: follow `events.jsonl` for new complete lines.
//! * [`filter`]: the participant view of a dungeons-and-dragons Game Day,
//!   applied to events before anything else sees them.
//! * [`lines`]: one line of text per event (`--follow-lines`).
//! * [`screen`]: the full-screen view and its loop; [`draw`] its drawing.
pub mod draw;
pub mod filter;
pub mod lines;
pub mod screen;
pub mod tail;

pub use filter::{ParticipantFilter, participant_filter};
