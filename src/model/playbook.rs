//! The Game Day playbook: a Chaos Toolkit experiment plus the plan around it
//! (`gameday: 1` at the top).
//!
//! The document stays a JSON value (the engine runs it as an experiment and
//! unknown keys are kept); [`Playbook`] is a typed, read-only view of the
//! plan part for the console: the hypothesis, style, roles, invite list,
//! where and when, approvals, preflight checklist, safety settings and the
//! manual steps. [`Playbook::from_doc`] reports the first problem with a JSON
//! pointer; `gameday validate` turns the pointer into file:line:column.
//!
//! Submodules: [`fields`] (typed field reading), [`manual`] (manual steps,
//! `at` and `timebox`), [`readiness`] (the readiness gate's items),
//! [`resolve`] (`experiment:` wrapping and the merge), [`template`]
//! (`gameday init` and backlog cards), [`export`] (to Chaos Toolkit).
pub mod export;
pub mod fields;
pub mod manual;
pub mod readiness;
pub mod resolve;
pub mod template;

use fields::{Field, FieldError, boolean, get, join, kind, list, mapping, required_text, text, texts};
pub use manual::{ManualStep, Phase, format_offset, parse_offset};
pub use readiness::{ReadinessCheck, ReadinessItem};
pub use resolve::{ResolveError, resolve, resolve_doc};
use serde_json::{Map, Value};
use std::time::Duration;

/// The playbook format this build reads (`gameday: 1`).
pub const FORMAT_VERSION: u64 = 1;

/// Top-level keys that belong to the plan and not to Chaos Toolkit.
pub const PLAN_KEYS: &[&str] = &[
    "gameday",
    "hypothesis",
    "style",
    "objectives",
    "roles",
    "invite",
    "where",
    "when",
    "approvals",
    "preflight",
    "safeguards",
    "on_stop",
    "notify",
    "experiment",
    "blackout",
];

/// True when the document is a playbook (it has a top-level `gameday` key).
pub fn is_playbook(doc: &Value) -> bool {
    doc.get("gameday").is_some()
}

/// The hypothesis from the backlog that the Game Day explores.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hypothesis {
    /// "The system will meet its SLOs if DB1 becomes unavailable."
    pub statement: String,
    /// Card id in the hypothesis backlog, if it came from one.
    pub backlog: Option<String>,
    /// The qualities it builds confidence in.
    pub ilities: Vec<String>,
}

/// How much the participants know in advance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Style {
    /// Nobody knows the conditions: explores detect, diagnose and respond.
    DungeonsAndDragons,
    /// Participants are told the kind of incident: explores the response.
    InformedInAdvance,
    /// A team's own format.
    Custom(String),
}

impl Style {
    pub fn parse(s: &str) -> Style {
        match s.trim() {
            "dungeons-and-dragons" => Style::DungeonsAndDragons,
            "informed-in-advance" => Style::InformedInAdvance,
            other => Style::Custom(other.to_string()),
        }
    }

    /// The name as written in a playbook.
    pub fn as_str(&self) -> &str {
        match self {
            Style::DungeonsAndDragons => "dungeons-and-dragons",
            Style::InformedInAdvance => "informed-in-advance",
            Style::Custom(s) => s,
        }
    }

    /// What a Game Day of this style can show, for the Plan screen.
    pub fn explores(&self) -> &'static str {
        match self {
            Style::DungeonsAndDragons => "how the team detects, diagnoses and responds",
            Style::InformedInAdvance => "how the team responds",
            Style::Custom(_) => "whatever the team agreed for this format",
        }
    }
}

/// `roles:`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Roles {
    pub facilitator: Option<String>,
    pub safety_monitor: Option<String>,
    /// Any other role, by its key, with the people in it (in file order).
    pub others: Vec<(String, Vec<String>)>,
}

/// Participant or observer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteRole {
    Participant,
    Observer,
}

/// One row of the invite list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    pub name: String,
    pub role: InviteRole,
    pub reason: Option<String>,
}

/// `where:`: where people are and where the turbulent conditions happen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Where {
    pub people: Option<String>,
    pub environment: Option<String>,
    pub production: bool,
    pub blast_radius: Option<String>,
}

/// `when:`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct When {
    pub start: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub duration: Option<Duration>,
    /// Free text or a date and time: the retrospective slot.
    pub retrospective: Option<String>,
}

/// One row of the notifications and approvals table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub name: String,
    pub role: Option<String>,
    pub approved: bool,
    /// When it was given (RFC 3339 or a date), as written.
    pub at: Option<String>,
    pub note: Option<String>,
}

/// One preflight checklist item.
#[derive(Debug, Clone, PartialEq)]
pub enum PreflightItem {
    /// Ticked by a person.
    Text(String),
    /// A probe with a tolerance, checked automatically.
    Activity(Value),
}

/// A typed view of a playbook's plan. Built by [`Playbook::from_doc`].
#[derive(Debug, Clone, PartialEq)]
pub struct Playbook {
    /// The `gameday:` format version.
    pub format: u64,
    /// Empty when the playbook takes its title from a wrapped experiment.
    pub title: String,
    pub description: String,
    pub hypothesis: Option<Hypothesis>,
    pub style: Option<Style>,
    pub objectives: Vec<String>,
    pub roles: Roles,
    pub invite: Vec<Invitee>,
    pub place: Where,
    pub when: When,
    pub approvals: Vec<Approval>,
    pub preflight: Vec<PreflightItem>,
    /// Probes with `tolerance`, `every` and `on_violation` (see `engine::safety`).
    pub safeguards: Vec<Value>,
    /// Halt actions.
    pub on_stop: Vec<Value>,
    pub notify: Option<Value>,
    /// `experiment:` as written (relative to the playbook's folder).
    pub experiment: Option<String>,
    /// When this Game Day must not run (see [`crate::model::blackout`]).
    pub blackout: Vec<crate::model::blackout::Window>,
    manual: Vec<ManualStep>,
}

impl Playbook {
    /// Read the plan; the first problem is returned with its JSON pointer.
    /// Chaos Toolkit's own checks (activities, configuration) are not made
    /// here: see `crate::load::validate`.
    pub fn from_doc(doc: &Value) -> Field<Playbook> {
        let root = mapping(doc, "", "a playbook")?;
        let format = match root.get("gameday") {
            Some(Value::Number(n)) if n.as_u64() == Some(FORMAT_VERSION) => FORMAT_VERSION,
            Some(other) => {
                return Err(FieldError::new(
                    "/gameday",
                    format!(
                        "`gameday:` is the playbook format version and must be {FORMAT_VERSION}, not {}",
                        fields::short(other)
                    ),
                ));
            }
            None => return Err(FieldError::new("", "a playbook starts with `gameday: 1`")),
        };
        let title = root.get("title").and_then(Value::as_str).unwrap_or_default().to_string();
        let description = root.get("description").and_then(Value::as_str).unwrap_or_default().to_string();
        let experiment = text(root, "experiment", "", "`experiment` (the path of the experiment file to wrap)")?;
        if let Some(path) = &experiment
            && !matches!(std::path::Path::new(path).extension().and_then(|e| e.to_str()), Some("json" | "yaml" | "yml"))
        {
            return Err(FieldError::new(
                "/experiment",
                format!("the wrapped experiment '{path}' must be a .json, .yaml or .yml file"),
            ));
        }
        let manual = manual_steps(root)?;
        check_at_everywhere(root)?;
        Ok(Playbook {
            format,
            title,
            description,
            hypothesis: hypothesis(root)?,
            style: style(root)?,
            objectives: texts(root, "objectives", "", "`objectives`")?,
            roles: roles(root)?,
            invite: invite(root)?,
            place: place(root)?,
            when: when(root)?,
            approvals: approvals(root)?,
            preflight: preflight(root)?,
            safeguards: safeguards(root)?,
            on_stop: on_stop(root)?,
            notify: notify(root)?,
            experiment,
            blackout: crate::model::blackout::parse(root.get("blackout"), "/blackout")?,
            manual,
        })
    }

    pub fn style(&self) -> Option<&Style> {
        self.style.as_ref()
    }

    /// Participants must not see the conditions before or during the Game Day.
    pub fn is_dungeons_and_dragons(&self) -> bool {
        self.style == Some(Style::DungeonsAndDragons)
    }

    /// Every manual step of the steady state, method and rollbacks, in order.
    pub fn manual_steps(&self) -> &[ManualStep] {
        &self.manual
    }

    /// The manual step at `phase`/`index`, if that step is manual.
    pub fn manual_step(&self, phase: Phase, index: usize) -> Option<&ManualStep> {
        self.manual.iter().find(|m| m.phase == phase && m.index == index)
    }

    /// Planned length of the Game Day.
    pub fn duration(&self) -> Option<Duration> {
        self.when.duration
    }

    /// True when every approval row says approved (and there is at least one).
    pub fn approvals_complete(&self) -> bool {
        !self.approvals.is_empty() && self.approvals.iter().all(|a| a.approved)
    }

    /// The items of the readiness gate, in the order to show them.
    pub fn readiness_items(&self) -> Vec<ReadinessItem> {
        readiness::items(self)
    }
}

fn hypothesis(root: &Map<String, Value>) -> Field<Option<Hypothesis>> {
    let Some(h) = get(root, "hypothesis") else { return Ok(None) };
    if let Value::String(s) = h {
        if s.trim().is_empty() {
            return Err(FieldError::new("/hypothesis", "the hypothesis must not be empty"));
        }
        return Ok(Some(Hypothesis { statement: s.clone(), ..Hypothesis::default() }));
    }
    let map = mapping(h, "/hypothesis", "`hypothesis` (statement, backlog, ilities)")?;
    Ok(Some(Hypothesis {
        statement: required_text(map, "statement", "/hypothesis", "the hypothesis `statement`")?,
        backlog: text(map, "backlog", "/hypothesis", "`backlog` (the card id in the hypothesis backlog)")?,
        ilities: texts(map, "ilities", "/hypothesis", "the hypothesis `ilities`")?,
    }))
}

fn style(root: &Map<String, Value>) -> Field<Option<Style>> {
    match root.get("style") {
        None => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(Style::parse(s))),
        Some(other) => Err(FieldError::new(
            "/style",
            format!(
                "the style must be dungeons-and-dragons, informed-in-advance or your own non-empty name, not {}",
                if other.as_str().is_some() { "empty text".to_string() } else { kind(other).to_string() }
            ),
        )),
    }
}

/// Keys people write when they mean `safety_monitor` or `facilitator`.
fn role_key_hint(key: &str) -> Option<&'static str> {
    let folded: String = key.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    match folded.as_str() {
        "safetymonitor" | "safety" if key != "safety_monitor" => Some("safety_monitor"),
        "facilitator" | "facilitators" if key != "facilitator" => Some("facilitator"),
        _ => None,
    }
}

fn roles(root: &Map<String, Value>) -> Field<Roles> {
    let Some(r) = get(root, "roles") else { return Ok(Roles::default()) };
    let map = mapping(r, "/roles", "`roles` (facilitator, safety_monitor, others by name)")?;
    let mut roles = Roles::default();
    for (key, value) in map {
        let pointer = join("/roles", key);
        if let Some(hint) = role_key_hint(key) {
            return Err(FieldError::on_key(pointer, format!("unknown role key '{key}': did you mean `{hint}`?")));
        }
        if key.trim().is_empty() {
            return Err(FieldError::on_key(pointer, "a role needs a name as its key"));
        }
        match key.as_str() {
            "facilitator" | "safety_monitor" => {
                let Value::String(s) = value else {
                    return Err(FieldError::new(
                        pointer,
                        format!("the {key} is one person's name (text), not {}", kind(value)),
                    ));
                };
                if s.trim().is_empty() {
                    return Err(FieldError::new(pointer, format!("the {key}'s name must not be empty")));
                }
                if key == "facilitator" {
                    roles.facilitator = Some(s.clone());
                } else {
                    roles.safety_monitor = Some(s.clone());
                }
            }
            _ => {
                let people = texts(map, key, "/roles", &format!("the people in role '{key}'"))?;
                roles.others.push((key.clone(), people));
            }
        }
    }
    Ok(roles)
}

fn invite(root: &Map<String, Value>) -> Field<Vec<Invitee>> {
    let Some(v) = get(root, "invite") else { return Ok(Vec::new()) };
    let items = list(v, "/invite", "the invite list")?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let pointer = format!("/invite/{i}");
            let map = mapping(item, &pointer, "each invitee ({name, role, reason})")?;
            let name = required_text(map, "name", &pointer, "the invitee's `name`")?;
            let role = match get(map, "role") {
                Some(Value::String(r)) if r == "participant" => InviteRole::Participant,
                Some(Value::String(r)) if r == "observer" => InviteRole::Observer,
                None => {
                    return Err(FieldError::new(
                        pointer,
                        format!("invitee '{name}' needs a `role`: participant or observer"),
                    ));
                }
                Some(other) => {
                    return Err(FieldError::new(
                        join(&pointer, "role"),
                        format!(
                            "the role of invitee '{name}' must be participant or observer, not {}",
                            fields::short(other)
                        ),
                    ));
                }
            };
            let reason = text(map, "reason", &pointer, "the invitee's `reason`")?;
            Ok(Invitee { name, role, reason })
        })
        .collect()
}

fn place(root: &Map<String, Value>) -> Field<Where> {
    let Some(v) = get(root, "where") else { return Ok(Where::default()) };
    let map = mapping(v, "/where", "`where` (people, environment, production, blast_radius)")?;
    Ok(Where {
        people: text(map, "people", "/where", "`where.people`")?,
        environment: text(map, "environment", "/where", "`where.environment`")?,
        production: boolean(map, "production", "/where", "`where.production`")?.unwrap_or(false),
        blast_radius: text(map, "blast_radius", "/where", "`where.blast_radius`")?,
    })
}

fn when(root: &Map<String, Value>) -> Field<When> {
    let Some(v) = get(root, "when") else { return Ok(When::default()) };
    let map = mapping(v, "/when", "`when` (start, duration, retrospective)")?;
    let start = get(map, "start").map(|s| fields::rfc3339(s, "/when/start", "`when.start`")).transpose()?;
    let duration = match get(map, "duration") {
        None => None,
        Some(d) => {
            let parsed = crate::model::duration::parse(d)
                .map_err(|e| FieldError::new("/when/duration", format!("`when.duration`: {e}")))?;
            if parsed.is_zero() {
                return Err(FieldError::new("/when/duration", "`when.duration` must be longer than zero"));
            }
            Some(parsed)
        }
    };
    let retrospective = text(map, "retrospective", "/when", "`when.retrospective`")?;
    Ok(When { start, duration, retrospective })
}

fn approvals(root: &Map<String, Value>) -> Field<Vec<Approval>> {
    let Some(v) = get(root, "approvals") else { return Ok(Vec::new()) };
    let items = list(v, "/approvals", "`approvals`")?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let pointer = format!("/approvals/{i}");
            let map = mapping(item, &pointer, "each approval ({name, role, approved, at, note})")?;
            let name = required_text(map, "name", &pointer, "the approver's `name`")?;
            let approved = boolean(map, "approved", &pointer, &format!("`approved` for {name}"))?.unwrap_or(false);
            let at = match get(map, "at") {
                None => None,
                Some(v) => {
                    let at_pointer = join(&pointer, "at");
                    let s = v.as_str().filter(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok());
                    match s {
                        Some(day) => Some(day.to_string()),
                        None => {
                            fields::rfc3339(v, &at_pointer, &format!("when {name} approved (`at`)"))?;
                            v.as_str().map(str::to_string)
                        }
                    }
                }
            };
            Ok(Approval {
                role: text(map, "role", &pointer, "the approver's `role`")?,
                note: text(map, "note", &pointer, "the approval `note`")?,
                name,
                approved,
                at,
            })
        })
        .collect()
}

fn preflight(root: &Map<String, Value>) -> Field<Vec<PreflightItem>> {
    let Some(v) = get(root, "preflight") else { return Ok(Vec::new()) };
    let items = list(v, "/preflight", "the preflight checklist")?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let pointer = format!("/preflight/{i}");
            match item {
                Value::String(s) if !s.trim().is_empty() => Ok(PreflightItem::Text(s.clone())),
                Value::Object(map) if map.contains_key("type") => {
                    if map.get("type").and_then(Value::as_str) != Some("probe") {
                        return Err(FieldError::new(
                            join(&pointer, "type"),
                            "an automated preflight check must be a probe (type: probe) with a tolerance",
                        ));
                    }
                    if get(map, "tolerance").is_none() {
                        return Err(FieldError::new(
                            pointer,
                            "an automated preflight check needs a `tolerance` to say when it passes",
                        ));
                    }
                    Ok(PreflightItem::Activity(item.clone()))
                }
                other => Err(FieldError::new(
                    pointer,
                    format!(
                        "a preflight item is either text (ticked by a person) or a probe with a tolerance, not {}",
                        if other.is_object() { "a mapping without `type`" } else { kind(other) }
                    ),
                )),
            }
        })
        .collect()
}

fn safeguards(root: &Map<String, Value>) -> Field<Vec<Value>> {
    let Some(v) = get(root, "safeguards") else { return Ok(Vec::new()) };
    let items = list(v, "/safeguards", "`safeguards`")?;
    for (i, item) in items.iter().enumerate() {
        let pointer = format!("/safeguards/{i}");
        let map = mapping(item, &pointer, "each safeguard (a probe with tolerance and every)")?;
        if map.get("type").and_then(Value::as_str) != Some("probe") {
            return Err(FieldError::new(
                join(&pointer, "type"),
                "a safeguard must be a probe (type: probe): it is checked, never acted on",
            ));
        }
        if get(map, "tolerance").is_none() {
            return Err(FieldError::new(pointer, "a safeguard needs a `tolerance`: it trips when the probe misses it"));
        }
        if let Some(every) = get(map, "every") {
            let d = crate::model::duration::parse(every)
                .map_err(|e| FieldError::new(join(&pointer, "every"), format!("`every`: {e}")))?;
            if d < Duration::from_millis(100) {
                return Err(FieldError::new(join(&pointer, "every"), "`every` must be at least 100ms"));
            }
        }
        match get(map, "on_violation") {
            None => {}
            Some(Value::String(s)) if s == "stop" || s == "warn" => {}
            Some(other) => {
                return Err(FieldError::new(
                    join(&pointer, "on_violation"),
                    format!("`on_violation` must be stop or warn, not {}", fields::short(other)),
                ));
            }
        }
    }
    Ok(items.clone())
}

fn on_stop(root: &Map<String, Value>) -> Field<Vec<Value>> {
    let Some(v) = get(root, "on_stop") else { return Ok(Vec::new()) };
    let items = list(v, "/on_stop", "`on_stop` (halt actions)")?;
    for (i, item) in items.iter().enumerate() {
        if item.get("type").and_then(Value::as_str) == Some("manual") {
            return Err(FieldError::new(
                format!("/on_stop/{i}/type"),
                "a halt action runs on its own the moment STOP is pressed, so it cannot be a manual step",
            ));
        }
    }
    Ok(items.clone())
}

fn notify(root: &Map<String, Value>) -> Field<Option<Value>> {
    match crate::notify::parse(&Value::Object(root.clone())) {
        Ok(None) => Ok(None),
        Ok(Some(_)) => Ok(root.get("notify").cloned()),
        Err(e) => Err(FieldError::new("/notify", e)),
    }
}

fn manual_steps(root: &Map<String, Value>) -> Field<Vec<ManualStep>> {
    let mut out = Vec::new();
    for phase in Phase::ALL {
        for (index, item) in phase_list(root, phase).iter().enumerate() {
            if item.get("type").and_then(Value::as_str) == Some("manual") {
                out.push(ManualStep::from_activity(phase, index, item)?);
            }
        }
    }
    Ok(out)
}

/// The steps of one phase (empty when absent or not a list).
pub fn phase_list(root: &Map<String, Value>, phase: Phase) -> &[Value] {
    let list = match phase {
        Phase::SteadyState => root.get("steady-state-hypothesis").and_then(|h| h.get("probes")),
        Phase::Method => root.get("method"),
        Phase::Rollbacks => root.get("rollbacks"),
    };
    list.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// `at` and `timebox` are allowed on automated steps too: check them all.
fn check_at_everywhere(root: &Map<String, Value>) -> Field<()> {
    for phase in Phase::ALL {
        for (index, item) in phase_list(root, phase).iter().enumerate() {
            if let Some(map) = item.as_object() {
                manual::timing(map, &format!("{}/{index}", phase.pointer()))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"gameday": 1, "title": "t", "description": "d", "method": []})
    }

    fn with(key: &str, v: Value) -> Value {
        let mut d = base();
        d[key] = v;
        d
    }

    #[test]
    fn minimal_and_views() {
        let mut d = base();
        d["style"] = json!("dungeons-and-dragons");
        d["when"] = json!({"start": "2025-03-14T09:00:00Z", "duration": "3h"});
        d["method"] = json!([{"type": "manual", "name": "m", "instructions": "do", "at": "T+15m", "timebox": "10m"}]);
        let p = Playbook::from_doc(&d).unwrap();
        assert!(p.is_dungeons_and_dragons());
        assert_eq!(p.duration(), Some(Duration::from_secs(3 * 3600)));
        let m = p.manual_step(Phase::Method, 0).unwrap();
        assert_eq!(m.timebox, Some(Duration::from_secs(600)));
        assert_eq!(m.at, Some(Duration::from_secs(900)));
    }

    #[test]
    fn pointers_of_problems() {
        let cases = [
            (with("style", json!("")), "/style"),
            (with("roles", json!({"safety-monitor": "x"})), "/roles/safety-monitor"),
            (with("invite", json!([{"name": "a", "role": "guest"}])), "/invite/0/role"),
            (with("when", json!({"start": "tomorrow"})), "/when/start"),
            (with("approvals", json!([{"name": "a", "approved": "yes please"}])), "/approvals/0/approved"),
            (with("gameday", json!(2)), "/gameday"),
        ];
        for (doc, pointer) in cases {
            let e = Playbook::from_doc(&doc).unwrap_err();
            assert_eq!(e.pointer, pointer, "{e}");
        }
    }
}
