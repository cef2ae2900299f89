//! A new playbook from a template: the seven planning steps as commented
//! YAML, filled with what `gameday init` asked or what a backlog card holds.
//! The result validates as it is (its steady-state probe is an HTTP check of
//! `${base_url}/health`, its method manual steps to be refined).
use super::{Hypothesis, Style};

/// What goes into a new playbook.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateParams {
    pub title: String,
    pub style: Style,
    pub environment: String,
    pub production: bool,
    pub facilitator: Option<String>,
    pub safety_monitor: Option<String>,
    /// As written in the playbook, e.g. `2h` (checked by the caller).
    pub duration: String,
    pub hypothesis: Option<Hypothesis>,
    /// The turbulent conditions to introduce (a card's description).
    pub conditions: Option<String>,
}

impl Default for TemplateParams {
    fn default() -> Self {
        Self {
            title: "Our first Game Day".into(),
            style: Style::InformedInAdvance,
            environment: "staging".into(),
            production: false,
            facilitator: None,
            safety_monitor: None,
            duration: "2h".into(),
            hypothesis: None,
            conditions: None,
        }
    }
}

/// A YAML scalar in double quotes (JSON's string syntax is valid YAML).
fn q(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "))
}

/// The playbook text.
pub fn render(p: &TemplateParams) -> String {
    let mut y = String::new();
    let conditions =
        p.conditions.clone().unwrap_or_else(|| "Describe the turbulent conditions you will introduce.".to_string());
    let statement = p.hypothesis.as_ref().map(|h| h.statement.clone()).unwrap_or_else(|| {
        "The system keeps meeting its objectives when <the turbulent conditions> happen.".to_string()
    });
    y.push_str("# A Game Day playbook. Check it with `gameday validate FILE`; run it with\n");
    y.push_str("# `gameday run FILE`. Everything below the plan keys is a Chaos Toolkit\n");
    y.push_str("# experiment, with manual steps (type: manual) mixed in.\n");
    y.push_str("gameday: 1\n");
    y.push_str(&format!("title: {}\n", q(&p.title)));
    y.push_str(&format!("description: {}\n", q(&format!("Game Day: {conditions}"))));
    y.push_str("tags: [gameday]\n\n");

    y.push_str("# 1. The hypothesis to explore (ideally a card of the hypothesis backlog).\n");
    y.push_str("hypothesis:\n");
    y.push_str(&format!("  statement: {}\n", q(&statement)));
    if let Some(h) = &p.hypothesis {
        if let Some(b) = &h.backlog {
            y.push_str(&format!("  backlog: {}\n", q(b)));
        }
        if !h.ilities.is_empty() {
            y.push_str(&format!("  ilities: {}\n", list(&h.ilities)));
        }
    } else {
        y.push_str("  ilities: [availability]\n");
    }
    y.push('\n');

    y.push_str("# 2. The style: dungeons-and-dragons (nobody knows the conditions: shows how\n");
    y.push_str("# the team detects, diagnoses and responds; participants never see the method),\n");
    y.push_str("# informed-in-advance (the kind of incident is announced: shows the response),\n");
    y.push_str("# or a name of your own.\n");
    y.push_str(&format!("style: {}\n\n", q(p.style.as_str())));
    y.push_str("objectives:\n");
    y.push_str("  - \"Learn how the team and the alerts notice the conditions.\"\n");
    y.push_str("  - \"Find out whether the steady state holds, and what breaks if it does not.\"\n\n");

    y.push_str("# 3. Who takes part and who observes.\n");
    y.push_str("roles:\n");
    match &p.facilitator {
        Some(f) => y.push_str(&format!("  facilitator: {}\n", q(f))),
        None => y.push_str("  # facilitator: the person who keeps the log (not a participant)\n"),
    }
    match &p.safety_monitor {
        Some(s) => y.push_str(&format!("  safety_monitor: {}\n", q(s))),
        None => y.push_str("  # safety_monitor: the most experienced person on the system, who may call STOP\n"),
    }
    y.push_str("invite:\n");
    y.push_str(
        "  - name: \"On-call engineer\"\n    role: participant\n    reason: \"would handle this incident for real\"\n",
    );
    y.push_str("  - name: \"Product owner\"\n    role: observer\n    reason: \"wants to see how failures look to customers\"\n\n");

    y.push_str("# 4. Where people are, and where the turbulent conditions happen.\n");
    if p.production {
        y.push_str("# PRODUCTION: start small in staging first, and keep the blast radius tiny.\n");
    }
    y.push_str("where:\n  people: \"the team call\"\n");
    y.push_str(&format!("  environment: {}\n", q(&p.environment)));
    y.push_str(&format!("  production: {}\n", p.production));
    y.push_str("  blast_radius: \"Say what could be affected, and who would notice.\"\n\n");

    y.push_str("# 5. When, and for how long (three hours is already a long time in a crisis).\n");
    y.push_str("when:\n  # start: \"2025-03-14T09:00:00Z\"\n");
    y.push_str(&format!("  duration: {}\n", q(&p.duration)));
    y.push_str("  # retrospective: \"right after the Game Day, same call\"\n\n");

    y.push_str("# 7. Who must know and agree before the Game Day is announced.\n");
    y.push_str("approvals:\n  - name: \"System owner\"\n    role: owner\n    approved: false\n\n");
    y.push_str("preflight:\n");
    y.push_str("  - \"Everyone taking part or observing knows the Game Day is happening.\"\n");
    y.push_str(&format!("  - {}\n", q(&format!("The target is confirmed to be {}.", p.environment))));
    y.push_str("  - \"Dashboards and alerts are open for the safety monitor.\"\n\n");

    y.push_str("configuration:\n  # The system under test: change this.\n");
    y.push_str("  base_url: \"http://localhost:8080\"\n\n");

    y.push_str("# 6. The experiment: the steady state (what normal looks like, with a\n");
    y.push_str("# tolerance), the method (what you do, and when), the rollbacks.\n");
    y.push_str("steady-state-hypothesis:\n  title: \"The service answers\"\n  probes:\n");
    y.push_str("    - type: probe\n      name: service-answers-200\n      tolerance: 200\n");
    y.push_str("      provider:\n        type: http\n        url: \"${base_url}/health\"\n        timeout: 5\n\n");
    y.push_str("method:\n");
    y.push_str("  - type: manual\n    name: introduce-the-turbulent-conditions\n");
    y.push_str(&format!("    instructions: {}\n", q(&conditions)));
    y.push_str("    expect: \"The conditions are in place and the safety monitor can see them.\"\n");
    y.push_str("    who: facilitator\n    at: \"T+10m\"\n    timebox: 10m\n");
    y.push_str("  - type: manual\n    name: observe-detection-and-response\n");
    y.push_str(
        "    instructions: \"Watch and note how the team detects, diagnoses and responds. Mark the milestones.\"\n",
    );
    y.push_str("    expect: \"The alert fires and the on-call starts the response.\"\n");
    y.push_str("    who: facilitator\n    at: \"T+20m\"\n    timebox: 30m\n\n");
    y.push_str("rollbacks:\n");
    y.push_str("  - type: manual\n    name: put-things-back\n");
    y.push_str("    instructions: \"Undo what the method did, then check that the steady state holds again.\"\n");
    y.push_str("    who: facilitator\n    timebox: 15m\n");
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_valid_playbook_shape() {
        let p = TemplateParams { title: "A \"quoted\" title: yes".into(), ..TemplateParams::default() };
        let text = render(&p);
        let doc = crate::load::parse_document("t.yaml", text.as_bytes(), crate::load::Format::Yaml).unwrap();
        assert_eq!(doc["title"], "A \"quoted\" title: yes");
        let pb = super::super::Playbook::from_doc(&doc).unwrap();
        assert_eq!(pb.manual_steps().len(), 3);
        assert!(pb.roles.facilitator.is_none());
    }
}
