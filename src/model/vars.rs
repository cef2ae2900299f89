//! Run-time overrides given with `--var` and `--var-file`.
use serde_json::{Map, Value};

/// Overrides applied on top of the experiment's configuration and secrets.
#[derive(Debug, Clone, Default)]
pub struct RuntimeVars {
    /// `--var` values and the `configuration` block of var files; win over everything.
    pub configuration: Map<String, Value>,
    /// The `secrets` block of var files: each scope given replaces the whole scope.
    pub secrets: Map<String, Value>,
}
