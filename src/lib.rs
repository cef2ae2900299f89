//! gameday: a terminal console for chaos-engineering Game Days.
//!
//! The walls: `model`, `load`, `engine`, `providers`, `session` and `report`
//! never touch the terminal; `tui` draws what the engine reports and sends it
//! decisions; `cli` wires them together.
pub mod cli;
pub mod demo;
pub mod engine;
pub mod load;
pub mod model;
pub mod net;
pub mod notify;
pub mod providers;
pub mod report;
pub mod session;
pub mod term_text;
pub mod timefmt;
pub mod trace;
pub mod tui;
