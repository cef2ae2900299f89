//! gameday: a terminal console for chaos-engineering Game Days.
//!
//! The walls: `model`, `load`, `engine`, `providers`, `session` and `report`
//! never touch the terminal; `tui` draws what the engine reports and sends it
//! decisions; `cli` wires them together.
//!
//! Platforms: Linux first, other Unixes (macOS) with a weaker process-family
//! guarantee; `docs/platforms.md` names every Unix- and Linux-only part and
//! what Windows would need. Rather than a hundred errors about
//! `std::os::unix`, a Windows build stops here with one.
#[cfg(not(unix))]
compile_error!("gameday runs on Linux and other Unixes only; docs/platforms.md says what Windows would need");
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
