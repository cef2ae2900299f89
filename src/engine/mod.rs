//! The engine: runs an experiment phase by phase, asks an approver at each
//! decision point, and reports everything it does as session events. No
//! terminal code lives here.
pub mod jsonpath;
