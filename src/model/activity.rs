//! Typed views over activity JSON.
use serde_json::Value;

/// Probe or action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    Probe,
    Action,
    /// A human step (playbooks only).
    Manual,
}

/// The `name` of an activity, or "" when missing.
pub fn activity_name(activity: &Value) -> &str {
    activity.get("name").and_then(Value::as_str).unwrap_or("")
}

/// The `type` of an activity.
pub fn activity_type(activity: &Value) -> Option<ActivityKind> {
    match activity.get("type").and_then(Value::as_str) {
        Some("probe") => Some(ActivityKind::Probe),
        Some("action") => Some(ActivityKind::Action),
        Some("manual") => Some(ActivityKind::Manual),
        _ => None,
    }
}
