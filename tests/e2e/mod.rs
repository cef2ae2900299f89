//! Helpers for driving the real `gameday` console inside tmux.
//!
//! * [`tmux`]: one private tmux server per test (killed on drop), keys in,
//!   screen text out.
//! * [`sandbox`]: a temporary home for one test: config file, data dir,
//!   experiments, the launch script, and readers for the session's files.
//! * [`procs`]: what `/proc` says about processes and process groups.
//! * [`wait`]: bounded polling; every wait has a deadline and explains itself
//!   when it runs out.
#![allow(dead_code)]

pub mod procs;
pub mod sandbox;
pub mod tmux;
pub mod wait;
