//! Sessions: the append-only event log (the source of truth), replay, and
//! the Chaos Toolkit journal projected from the events.
pub mod catalog;
pub mod dir;
pub mod event;
pub mod heartbeat;
pub mod journal;
pub mod links;
pub mod lock;
pub mod mask;
pub mod recorder;
pub mod requests;
pub mod store;

pub use event::{Event, EventBody, Phase};
pub use recorder::Recorder;
pub use store::{Durability, EventLog, ReadOutcome, read_events};
