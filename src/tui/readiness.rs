//! The readiness gate in the console: the list of what must be true before
//! the first step, ticks for preflight items, the typed confirmation of a
//! production environment, and the override (with a reason) when something
//! is still missing.
use crate::engine::readiness::{Item, ItemKind};
use serde_json::Value;

/// The gate as shown.
#[derive(Debug, Clone)]
pub struct ReadinessView {
    pub items: Vec<Item>,
    pub selected: usize,
    /// The environment's name (typed to confirm production).
    pub environment: Option<String>,
    pub production: bool,
}

impl ReadinessView {
    /// Build from the engine's proposal preview (`{"items": [...]}`).
    pub fn from_preview(preview: &Value, environment: Option<String>, production: bool) -> Self {
        let items: Vec<Item> =
            preview.get("items").cloned().and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default();
        Self { items, selected: 0, environment, production }
    }

    pub fn all_ok(&self) -> bool {
        self.items.iter().all(|i| i.ok)
    }

    /// What is missing, for the override record.
    pub fn missing(&self) -> Vec<String> {
        crate::engine::readiness::missing(&self.items)
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.items.is_empty() {
            return;
        }
        let n = self.items.len() as isize;
        self.selected = (self.selected as isize + delta).clamp(0, n - 1) as usize;
    }

    /// Tick or untick the selected item if a person ticks it; returns it.
    pub fn toggle(&mut self) -> Option<&Item> {
        let item = self.items.get_mut(self.selected)?;
        if item.kind != ItemKind::Tick {
            return None;
        }
        item.ok = !item.ok;
        item.detail = if item.ok { "ticked".into() } else { "to be ticked".into() };
        Some(item)
    }

    /// Confirm the environment by its typed name; false when it does not match.
    pub fn confirm_environment(&mut self, typed: &str) -> bool {
        let Some(env) = &self.environment else { return false };
        if typed.trim() != env {
            return false;
        }
        if let Some(item) = self.items.iter_mut().find(|i| i.kind == ItemKind::Environment) {
            item.ok = true;
            item.detail = format!("{env}: PRODUCTION, confirmed by typing its name");
        }
        true
    }

    /// Does the environment still need its typed confirmation?
    pub fn needs_typed_environment(&self) -> bool {
        self.production && self.items.iter().any(|i| i.kind == ItemKind::Environment && !i.ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ticks_and_typed_confirmation() {
        let doc = json!({"gameday": 1, "where": {"environment": "prod-eu", "production": true},
            "roles": {"safety_monitor": "Sam"}, "approvals": [{"name": "Bob", "approved": true}],
            "preflight": ["Everyone knows where STOP is"]});
        let items = crate::engine::readiness::plan_items(&doc);
        let mut v = ReadinessView::from_preview(&json!({"items": items}), Some("prod-eu".into()), true);
        assert!(!v.all_ok());
        assert!(v.needs_typed_environment());
        assert!(!v.confirm_environment("prod"));
        assert!(v.confirm_environment("prod-eu"));
        v.selected = v.items.iter().position(|i| i.kind == ItemKind::Tick).unwrap();
        assert!(v.toggle().is_some_and(|i| i.ok));
        assert!(v.all_ok(), "{:?}", v.missing());
    }
}
