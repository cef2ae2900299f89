//! The current step: what will happen (substituted, secrets masked), its
//! tolerance, and below it the live output with an elapsed timer.
use crate::engine::pyvalue::py_str;
use crate::tui::app::{App, Focus};
use crate::tui::keymap::Action;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use serde_json::Value;

/// Lines describing what an activity does.
pub fn describe(activity: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let kind = activity.get("type").and_then(Value::as_str).unwrap_or("activity");
    if kind == "manual" {
        if let Some(i) = activity.get("instructions").and_then(Value::as_str) {
            out.push(format!("Do: {i}"));
        }
        if let Some(e) = activity.get("expect").and_then(Value::as_str) {
            out.push(format!("Expect: {e}"));
        }
        if let Some(w) = activity.get("who").and_then(Value::as_str) {
            out.push(format!("Who: {w}"));
        }
        if let Some(t) = activity.get("timebox") {
            out.push(format!("Time box: {}", py_str(t)));
        }
        return out;
    }
    if let Some(r) = activity.get("ref").and_then(Value::as_str) {
        out.push(format!("Runs the activity '{r}' again"));
    }
    let Some(p) = activity.get("provider") else {
        return out;
    };
    match p.get("type").and_then(Value::as_str) {
        Some("http") => {
            let method = p.get("method").map(py_str).unwrap_or_else(|| "GET".into()).to_uppercase();
            out.push(format!("{method} {}", p.get("url").map(py_str).unwrap_or_default()));
            if let Some(Value::Object(h)) = p.get("headers") {
                for (k, v) in h {
                    out.push(format!("  {k}: {}", py_str(v)));
                }
            }
            if let Some(a) = p.get("arguments").filter(|a| !a.is_null()) {
                out.push(format!("  arguments: {}", serde_json::to_string(a).unwrap_or_default()));
            }
            if let Some(t) = p.get("timeout") {
                out.push(format!("  timeout: {}", py_str(t)));
            }
        }
        Some("process") => {
            let path = p.get("path").map(py_str).unwrap_or_default();
            let args = match p.get("arguments") {
                Some(Value::String(s)) => format!(" {s}"),
                Some(Value::Array(a)) => a
                    .iter()
                    .filter(|v| !v.is_null() && v.as_str() != Some(""))
                    .map(|v| format!(" {}", py_str(v)))
                    .collect(),
                Some(other) => format!(" {}", py_str(other)),
                None => String::new(),
            };
            out.push(format!("$ {path}{args}"));
            if let Some(t) = p.get("timeout") {
                out.push(format!("  timeout: {}s", py_str(t)));
            }
        }
        Some("python") => {
            out.push(format!(
                "python: {}.{}({})",
                p.get("module").map(py_str).unwrap_or_default(),
                p.get("func").map(py_str).unwrap_or_default(),
                p.get("arguments").map(|a| serde_json::to_string(a).unwrap_or_default()).unwrap_or_default()
            ));
        }
        _ => {}
    }
    if let Some(t) = activity.get("tolerance") {
        out.push(format!("Tolerance: {}", serde_json::to_string(t).unwrap_or_default()));
    }
    if let Some(Value::Object(pauses)) = activity.get("pauses") {
        for (k, v) in pauses {
            out.push(format!("Pause {k}: {}s", py_str(v)));
        }
    }
    if activity.get("background").and_then(Value::as_bool) == Some(true) {
        out.push("Runs in the background".into());
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let th = &app.theme;
    let current = app.current_step();
    // A waiting manual step has no output to follow, and its instructions
    // and expected outcome are what the room reads: give the card the room
    // (a short terminal would otherwise cut them after the first line).
    let manual_waiting = app.pending.as_ref().is_some_and(|p| p.proposal.manual);
    let split = if manual_waiting {
        [Constraint::Min(4), Constraint::Length(0)]
    } else {
        [Constraint::Percentage(45), Constraint::Percentage(55)]
    };
    let [card_area, out_area] = Layout::vertical(split).areas(area);
    let mut lines: Vec<Line> = Vec::new();
    let mut title = " Step ".to_string();
    if let Some(i) = current {
        let s = &app.steps[i];
        title = format!(" {} · {} ", s.kind, s.name);
        let waiting = app.pending.as_ref().filter(|p| p.proposal.phase == s.phase && p.proposal.index == s.index);
        // The decision comes first so it is visible even in a short card.
        if let Some(p) = waiting {
            let km = &app.keymap;
            let hint = if p.proposal.manual {
                format!(
                    "▶ {} done · F failed · {} skip · {} abort",
                    km.label(Action::Confirm),
                    km.label(Action::Skip),
                    km.label(Action::Abort)
                )
            } else {
                format!(
                    "▶ {} run · {} skip · {} abort",
                    km.label(Action::Confirm),
                    km.label(Action::Skip),
                    km.label(Action::Abort)
                )
            };
            lines.push(Line::from(Span::styled(hint, th.active())));
        }
        // What will happen, substituted and masked when the engine has shown it.
        let preview = waiting
            .map(|p| &p.proposal.preview)
            .or_else(|| app.previews.get(&(s.phase, s.index)))
            .unwrap_or(&s.activity);
        for l in describe(preview) {
            lines.push(Line::from(l));
        }
        // The planned offset beside the actual one, right under the decision
        // hint (and the time box) so a short card still shows it.
        if let Some(planned) = app.planned_at.get(&(s.phase, s.index)) {
            let at = usize::from(waiting.is_some()).min(lines.len());
            lines.insert(
                at,
                Line::from(Span::styled(
                    format!("Planned at {} · now {}", super::t_plus(*planned), super::t_plus(app.t_plus)),
                    th.dim(),
                )),
            );
        }
        if let (Some(p), Some(since)) = (waiting, app.pending_since)
            && p.proposal.manual
            && let Some(limit) = p
                .proposal
                .preview
                .get("timebox")
                .and_then(|t| crate::model::duration::parse(t).ok())
                .map(|d| d.as_secs_f64())
        {
            let frozen =
                app.suspended.map(|(at, _)| app.now().saturating_duration_since(at).as_secs_f64()).unwrap_or(0.0);
            let used =
                (app.now().saturating_duration_since(since).as_secs_f64() - app.pending_suspended - frozen).max(0.0);
            let human = crate::model::duration::human_secs;
            let (text, style) = if used >= limit {
                (format!("⏱ TIME BOX OVERRUN by {} ({} planned)", human(used - limit), human(limit)), th.bad())
            } else if used >= 0.8 * limit {
                (format!("⏱ {} left of {} — time to wrap up", human(limit - used), human(limit)), th.warn())
            } else {
                (format!("⏱ {} left of {}", human(limit - used), human(limit)), th.active())
            };
            // Right under the decision hint, so a short card still shows it.
            let at = usize::from(!lines.is_empty()).min(lines.len());
            lines.insert(at, Line::from(Span::styled(text, style)));
        }
    } else {
        lines.push(Line::from(Span::styled("Nothing selected.", th.dim())));
    }
    let card = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(Block::default().borders(Borders::ALL).border_style(th.border()).title(title));
    f.render_widget(card, card_area);

    let o = &app.output;
    let elapsed = match (o.finished, o.started) {
        (Some(d), _) => format!("{d:.2}s"),
        (None, Some(s)) => format!("{:.1}s", app.now().saturating_duration_since(s).as_secs_f64()),
        _ => String::new(),
    };
    let state = o.status.clone().unwrap_or_else(|| if o.started.is_some() { "running".into() } else { String::new() });
    let out_title = if o.started.is_some() {
        let name = o.name.as_str();
        format!(" Output · {name} · {state} · {elapsed} ")
    } else {
        " Output ".to_string()
    };
    let width = out_area.width.saturating_sub(2) as usize;
    let wrapped = super::wrap(&o.text, width);
    let inner_h = out_area.height.saturating_sub(2) as usize;
    // While a step runs, follow the newest output; once it is done, show it
    // from the top (the status line first), scrolling down from there.
    // A failure's cause is at the end: failures keep following the bottom.
    let from_top = o.finished.is_some() && matches!(o.status.as_deref(), Some("ok" | "skipped" | "not met"));
    let (top, bottom) = if from_top {
        let top = app.output_scroll.min(wrapped.len().saturating_sub(inner_h));
        (top, (top + inner_h).min(wrapped.len()))
    } else {
        let bottom = wrapped.len().saturating_sub(app.output_scroll.min(wrapped.len()));
        (bottom.saturating_sub(inner_h), bottom)
    };
    let shown: Vec<Line> = wrapped[top..bottom].iter().map(|l| Line::from(l.clone())).collect();
    let border = if app.focus == Focus::Output { th.focused_border() } else { th.border() };
    let out = Paragraph::new(shown).block(Block::default().borders(Borders::ALL).border_style(border).title(out_title));
    f.render_widget(out, out_area);
}
