//! Top line: title, environment badge, phase, T+ clock and run status.
use super::t_plus;
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The run's status in words (and a glyph), never by colour alone.
pub fn status_text(app: &App) -> (String, bool) {
    match &app.ended {
        Some((_, true)) => ("▲ DEVIATED".into(), true),
        Some((s, false)) if s == "completed" => ("✔ COMPLETED".into(), false),
        Some((s, false)) => (format!("✖ {}", s.to_uppercase()), true),
        None if app.stopped => ("■ STOPPING".into(), true),
        None if app.suspended.is_some() => ("⏸ SUSPENDED".into(), true),
        None if app.readiness.is_some() => ("◆ READINESS CHECK".into(), false),
        None if app.pending.is_some() => ("◆ WAITING FOR YOU".into(), false),
        None => ("▶ RUNNING".into(), false),
    }
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let th = &app.theme;
    // Most important first: a narrow terminal cuts the title, never the status.
    let (status, bad) = status_text(app);
    let mut spans: Vec<Span> = vec![
        Span::styled(format!(" {status} "), if bad { th.bad() } else { th.ok() }),
        Span::styled(format!("│ {} ", t_plus(app.suspended.map_or(app.t_plus, |(_, t)| t))), th.active()),
    ];
    if let Some(lost) = super::log_health::header_badge(&app.log_health()) {
        spans.push(Span::styled(format!("│ {lost} "), th.bad()));
    }
    if let Some(limit) = app.gameday_duration {
        let t = app.suspended.map_or(app.t_plus, |(_, t)| t);
        let left = limit - t;
        let (text, style) = if left >= 0.0 {
            (format!("│ {} left ", crate::model::duration::human_secs(left)), th.base())
        } else {
            (format!("│ OVER by {} ", crate::model::duration::human_secs(-left)), th.bad())
        };
        spans.push(Span::styled(text, style));
    }
    // After the run, the console is where the team debriefs.
    let phase = if app.ended.is_some() { "Debrief" } else { app.phase.label() };
    spans.push(Span::styled(format!("│ {phase} "), th.base()));
    spans.push(Span::raw("│ "));
    if let Some(env) = &app.environment {
        let label = if app.production { format!(" PRODUCTION: {env} ") } else { format!(" {env} ") };
        spans.push(Span::styled(label, th.badge(app.production)));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(app.title.clone(), th.title()));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
