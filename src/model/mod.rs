//! Plain data: experiments are kept as JSON values so that every key a user
//! wrote (including ones we do not know) survives into the journal untouched.
pub mod activity;
pub mod backlog;
pub mod blackout;
pub mod duration;
pub mod playbook;
pub mod vars;

pub use activity::{ActivityKind, activity_name, activity_type};
pub use vars::RuntimeVars;
