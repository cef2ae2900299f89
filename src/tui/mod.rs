//! The console: a full-screen terminal UI that draws what the engine reports
//! and sends it decisions. It never runs a provider itself.
pub mod app;
pub mod approver;
pub mod backlog;
pub mod config;
pub mod debrief;
pub mod event_loop;
pub mod home;
pub mod keymap;
pub mod plan;
pub mod readiness;
pub mod steps;
pub mod terminal;
pub mod theme;
pub mod views;
pub mod watch;
pub mod widgets;

pub use app::App;
pub use event_loop::run_console;
