//! The right-hand pane of the Plan screen: everything the playbook says
//! about one planning step, its gaps first, as rows. Rows that can be
//! changed on the day (an approval, a preflight item) carry an action; the
//! screen moves a cursor over the rows and Space acts on it.
use super::checklist::{State, Step};
use super::day::DayFile;
use crate::model::duration;
use crate::model::playbook::{InviteRole, Phase, Playbook, PreflightItem, Style, format_offset, manual, phase_list};
use serde_json::Value;

/// How a row looks (the words carry the meaning; the style only helps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Heading,
    Text,
    Dim,
    Good,
    Warn,
    Bad,
}

/// What Space does on a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowAction {
    /// Approve or withdraw the approval of this approver.
    Approval(String),
    /// Tick or untick preflight item `n` (its text).
    Preflight(usize, String),
}

/// One row of the pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub text: String,
    pub look: Look,
    pub action: Option<RowAction>,
}

fn row(text: impl Into<String>, look: Look) -> Row {
    Row { text: text.into(), look, action: None }
}

/// The page shown after the seven steps: the day's notes.
pub const NOTES_PAGE: usize = 7;

/// Rows for page `page` (0–6 the steps, 7 the notes).
pub fn rows(page: usize, steps: &[Step], pb: &Playbook, experiment: &Value, day: &DayFile) -> Vec<Row> {
    let mut out = Vec::new();
    if let Some(step) = steps.get(page) {
        for g in &step.gaps {
            let look = if g.state == State::Missing { Look::Bad } else { Look::Warn };
            out.push(row(format!("{} {}: {}", g.state.glyph(), g.state.word(), g.text), look));
        }
        if !step.gaps.is_empty() {
            out.push(row("", Look::Text));
        }
    }
    match page {
        0 => hypothesis(&mut out, pb),
        1 => style(&mut out, pb),
        2 => who(&mut out, pb, day),
        3 => place(&mut out, pb),
        4 => when(&mut out, pb),
        5 => experiment_rows(&mut out, pb, experiment),
        6 => approval(&mut out, pb, day),
        _ => notes(&mut out, day),
    }
    out
}

fn field(out: &mut Vec<Row>, label: &str, value: Option<&str>) {
    match value {
        Some(v) => out.push(row(format!("{label:<15}{v}"), Look::Text)),
        None => out.push(row(format!("{label:<15}(not set)"), Look::Dim)),
    }
}

fn hypothesis(out: &mut Vec<Row>, pb: &Playbook) {
    match &pb.hypothesis {
        Some(h) => {
            out.push(row(h.statement.clone(), Look::Text));
            field(out, "Backlog card", h.backlog.as_deref());
            let ilities = (!h.ilities.is_empty()).then(|| h.ilities.join(", "));
            field(out, "-ilities", ilities.as_deref());
        }
        None => out.push(row("Write `hypothesis:` with a statement that should keep holding.", Look::Dim)),
    }
    if !pb.objectives.is_empty() {
        out.push(row("", Look::Text));
        out.push(row("Objectives", Look::Heading));
        out.extend(pb.objectives.iter().map(|o| row(format!("• {o}"), Look::Text)));
    }
}

fn style(out: &mut Vec<Row>, pb: &Playbook) {
    let Some(s) = &pb.style else {
        out.push(row("dungeons-and-dragons: nobody knows the conditions in advance;", Look::Dim));
        out.push(row("  explores how the team detects, diagnoses and responds.", Look::Dim));
        out.push(row("informed-in-advance: the kind of incident is announced;", Look::Dim));
        out.push(row("  explores how the team responds.", Look::Dim));
        return;
    };
    field(out, "Style", Some(s.as_str()));
    out.push(row(format!("Explores {}.", s.explores()), Look::Text));
    match s {
        Style::DungeonsAndDragons => {
            out.push(row("Only the facilitator and the safety monitor know the conditions;", Look::Text));
            out.push(row("participants must not see the method before or during the day.", Look::Text));
            out.push(row("(informed-in-advance would explore only the response)", Look::Dim));
        }
        Style::InformedInAdvance => {
            out.push(row("Participants are told the kind of incident in advance.", Look::Text));
            out.push(row("(dungeons-and-dragons would also explore detection and diagnosis)", Look::Dim));
        }
        Style::Custom(_) => out.push(row("A format of the team's own.", Look::Dim)),
    }
}

fn who(out: &mut Vec<Row>, pb: &Playbook, day: &DayFile) {
    field(out, "Facilitator", pb.roles.facilitator.as_deref());
    field(out, "Safety monitor", pb.roles.safety_monitor.as_deref());
    for (role, people) in &pb.roles.others {
        field(out, role, Some(&people.join(", ")));
    }
    out.push(row("", Look::Text));
    out.push(row("Invite list (i adds someone)", Look::Heading));
    let invite = day.invite(pb);
    if invite.is_empty() {
        out.push(row("nobody yet", Look::Dim));
    }
    for (i, added) in invite {
        let role = match i.role {
            InviteRole::Participant => "participant",
            InviteRole::Observer => "observer   ",
        };
        let reason = i.reason.map(|r| format!(" — {r}")).unwrap_or_default();
        let day_mark = if added { " (added on the day)" } else { "" };
        out.push(row(format!("{role} {}{reason}{day_mark}", i.name), Look::Text));
    }
}

fn place(out: &mut Vec<Row>, pb: &Playbook) {
    let w = &pb.place;
    field(out, "People", w.people.as_deref());
    field(out, "Environment", w.environment.as_deref());
    if w.production {
        out.push(row(format!("{:<15}YES — type its name at the readiness gate", "Production"), Look::Warn));
    } else {
        field(out, "Production", Some("no"));
    }
    field(out, "Blast radius", w.blast_radius.as_deref());
}

fn when(out: &mut Vec<Row>, pb: &Playbook) {
    let w = &pb.when;
    let start = w.start.map(|s| s.format("%Y-%m-%d %H:%M %:z").to_string());
    field(out, "Start", start.as_deref());
    let length = w.duration.map(duration::human);
    field(out, "Duration", length.as_deref());
    if let (Some(s), Some(d)) = (w.start, w.duration)
        && let Ok(d) = chrono::Duration::from_std(d)
        && let Some(end) = s.checked_add_signed(d)
    {
        field(out, "Ends", Some(&end.format("%Y-%m-%d %H:%M %:z").to_string()));
    }
    field(out, "Retrospective", w.retrospective.as_deref());
}

fn step_line(item: &Value) -> String {
    let kind = item.get("type").and_then(Value::as_str).unwrap_or("step");
    let name = item.get("name").and_then(Value::as_str).unwrap_or("(unnamed)");
    let (at, timebox) = item.as_object().and_then(|m| manual::timing(m, "").ok()).unwrap_or((None, None));
    let at = at.map(format_offset).unwrap_or_default();
    let mut extra = Vec::new();
    if let Some(who) = item.get("who").and_then(Value::as_str) {
        extra.push(who.to_string());
    }
    if let Some(t) = timebox {
        extra.push(format!("time box {}", duration::human(t)));
    }
    let extra = if extra.is_empty() { String::new() } else { format!(" ({})", extra.join(", ")) };
    format!("{at:<7}{kind:<7}{name}{extra}")
}

fn experiment_rows(out: &mut Vec<Row>, pb: &Playbook, experiment: &Value) {
    let empty = serde_json::Map::new();
    let root = experiment.as_object().unwrap_or(&empty);
    let ssh_title = root
        .get("steady-state-hypothesis")
        .and_then(|h| h.get("title"))
        .and_then(Value::as_str)
        .unwrap_or("(untitled)");
    for (phase, heading) in
        [(Phase::SteadyState, "Steady state"), (Phase::Method, "Method"), (Phase::Rollbacks, "Rollbacks")]
    {
        let list = phase_list(root, phase);
        let title = if phase == Phase::SteadyState { format!("{heading}: {ssh_title}") } else { heading.into() };
        let count = if list.len() == 1 { "1 step".to_string() } else { format!("{} steps", list.len()) };
        out.push(row(format!("{title} ({count})"), Look::Heading));
        if list.is_empty() {
            out.push(row("none", Look::Dim));
        }
        out.extend(list.iter().map(|item| row(step_line(item), Look::Text)));
    }
    let manual = pb.manual_steps().len();
    out.push(row("", Look::Text));
    out.push(row(format!("{manual} manual steps; the offsets (T+) are planned, the time boxes warn."), Look::Dim));
    let safeguards = pb.safeguards.len();
    let halts = pb.on_stop.len();
    out.push(row(format!("Safeguards: {safeguards} · halt actions on STOP: {halts}"), Look::Text));
}

fn approval(out: &mut Vec<Row>, pb: &Playbook, day: &DayFile) {
    out.push(row("Approvals (Space approves or withdraws)", Look::Heading));
    let approvals = day.approvals(pb);
    if approvals.is_empty() {
        out.push(row("nobody is listed under approvals:", Look::Dim));
    }
    for (a, on_day) in approvals {
        let (glyph, word, look) =
            if a.approved { ("✔", "approved", Look::Good) } else { ("✖", "pending ", Look::Bad) };
        let mut text = format!("{glyph} {word} {}", a.name);
        if let Some(r) = &a.role {
            text.push_str(&format!(" ({r})"));
        }
        if let Some(at) = &a.at {
            text.push_str(&format!(" · {at}"));
        }
        if on_day {
            let by = day.approval(&a.name).and_then(|d| d.by.clone()).unwrap_or_else(|| "?".into());
            text.push_str(&format!(" · recorded by {by}"));
        }
        if let Some(n) = &a.note {
            text.push_str(&format!(" — {n}"));
        }
        out.push(Row { text, look, action: Some(RowAction::Approval(a.name.clone())) });
    }
    out.push(row("", Look::Text));
    out.push(row("Preflight (Space ticks)", Look::Heading));
    if pb.preflight.is_empty() {
        out.push(row("no preflight checklist", Look::Dim));
    }
    for (n, item) in pb.preflight.iter().enumerate() {
        match item {
            PreflightItem::Text(t) => {
                let tick = day.tick(n, t).filter(|d| d.ticked);
                let by = tick.and_then(|d| d.by.clone()).map(|b| format!(" · ticked by {b}")).unwrap_or_default();
                let (mark, look) = if tick.is_some() { ("[x]", Look::Good) } else { ("[ ]", Look::Text) };
                out.push(Row {
                    text: format!("{mark} {t}{by}"),
                    look,
                    action: Some(RowAction::Preflight(n, t.clone())),
                });
            }
            PreflightItem::Activity(a) => {
                let name = a.get("name").and_then(Value::as_str).unwrap_or("automated check");
                out.push(row(format!("[auto] {name} — checked at the readiness gate"), Look::Dim));
            }
        }
    }
}

fn notes(out: &mut Vec<Row>, day: &DayFile) {
    out.push(row("Notes on the day (n adds one)", Look::Heading));
    if day.notes.is_empty() {
        out.push(row("no notes yet", Look::Dim));
    }
    for n in &day.notes {
        let at = n.at.clone().unwrap_or_default();
        let by = n.by.clone().unwrap_or_else(|| "?".into());
        out.push(row(format!("{at} {by}: {}", n.text), Look::Text));
    }
}
