//! The engine: runs an experiment phase by phase, asks an approver at each
//! decision point, and reports everything it does as session events. No
//! terminal code lives here.
pub mod approver;
pub mod config;
pub mod controls;
pub mod history;
pub mod jsonpath;
pub mod options;
pub mod platform;
pub mod prepare;
pub mod pyvalue;
pub mod readiness;
pub mod runner;
pub mod safety;
pub mod stop;
pub mod substitute;
pub mod tolerance;
pub mod vault;

pub use approver::{Approver, AutoApprover, Decision, Proposal, ScriptedApprover};
pub use history::History;
pub use options::{Dry, Gate, HypothesisStrategy, RollbackStrategy, RunOptions};
pub use prepare::{Prepared, prepare};
pub use runner::{Engine, Outcome};
pub use stop::{StopHandle, StopRequest};
