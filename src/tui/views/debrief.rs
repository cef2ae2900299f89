//! The Debrief screen: the verdict, the response times, and the day's
//! weaknesses, questions and action items with what has been done about
//! each. Only the selected item is shown in full; the others take a line.
use crate::session::event::Phase;
use crate::tui::app::App;
use crate::tui::debrief::{Item, List};
use crate::tui::widgets::{ellipsis, footer, header, modal, stop_button, t_plus, wrap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, app: &App) -> Rect {
    let [head, body, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(8), Constraint::Length(4)]).areas(area);
    header::draw(f, head, app);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border())
        .title(" Debrief · what the day found, and what follows from it ");
    let inner = block.inner(body);
    f.render_widget(block, body);
    let width = usize::from(inner.width);
    let mut summary: Vec<Line> = Vec::new();
    let (verdict, style) = verdict(app);
    summary.extend(wrap(&verdict, width).into_iter().map(|l| Line::from(Span::styled(l, style))));
    summary.extend(wrap(&times(app), width).into_iter().map(|l| Line::from(Span::styled(l, app.theme.dim()))));
    let [top, lists] = Layout::vertical([Constraint::Length(summary.len() as u16), Constraint::Min(3)]).areas(inner);
    f.render_widget(Paragraph::new(summary), top);
    draw_lists(f, lists, app);
    let [stop, hints] = Layout::horizontal([Constraint::Length(20), Constraint::Min(10)]).areas(bottom);
    stop_button::draw(f, stop, app);
    let [_, hint_area] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(hints);
    footer::draw(f, hint_area, app);
    modal::draw(f, area, app);
    stop
}

/// The run's outcome in a sentence; a deviation reads as a finding.
fn verdict(app: &App) -> (String, Style) {
    let th = &app.theme;
    let Some((status, deviated)) = &app.ended else {
        return ("The run is still going: these are the findings so far.".into(), th.active());
    };
    if *deviated {
        return ("Finding: the steady state deviated after the method — a weakness to learn from".into(), th.warn());
    }
    match status.as_str() {
        "interrupted" => {
            let text = match &app.debrief.stop {
                Some(s) => {
                    let why =
                        s.reason.as_ref().map(|r| format!(": {r}")).unwrap_or_else(|| " (no reason given)".into());
                    format!("Interrupted: stopped by {} via {} at {}{why}.", s.who, s.source, t_plus(s.t))
                }
                None => "Interrupted: the run was stopped before it finished.".into(),
            };
            (text, th.bad())
        }
        "completed" if app.verdicts.get(&Phase::Before) == Some(&Some(false)) => {
            ("Not run: the steady state was not met before the method.".into(), th.warn())
        }
        "completed" if app.verdicts.get(&Phase::After) == Some(&Some(true)) => {
            ("Steady state met: the hypothesis held.".into(), th.ok())
        }
        "completed" => ("Completed.".into(), th.ok()),
        "aborted" => ("Aborted: the run could not continue.".into(), th.bad()),
        "failed" => ("Failed: an activity or a tolerance could not be evaluated.".into(), th.bad()),
        other => (format!("Ended: {other}."), th.base()),
    }
}

/// Time to detect / diagnose / mitigate / recover, from the milestones.
fn times(app: &App) -> String {
    let d = &app.debrief;
    let shown = |m: &str| d.time_to(m).map(crate::model::duration::human_secs).unwrap_or_else(|| "—".into());
    let from = if d.method_start.is_some() { "method start" } else { "session start" };
    format!(
        "To detect {} · diagnose {} · mitigate {} · recover {} (from {from})",
        shown("detected"),
        shown("diagnosed"),
        shown("mitigated"),
        shown("recovered")
    )
}

/// What has been done about an item, in a few words.
fn status(app: &App, item: &Item) -> String {
    let d = &app.debrief;
    match item.kind.as_str() {
        "question" => match d.answers.get(&item.id) {
            Some(a) => format!("✔ answered: {a}"),
            None => "? not answered".into(),
        },
        "action" => {
            let owner = item.owner.as_ref().map(|o| format!("owner {o}")).unwrap_or_else(|| "NO OWNER".into());
            let due = item.due.as_ref().map(|d| format!("due {d}")).unwrap_or_else(|| "no due date".into());
            format!("{owner} · {due}")
        }
        _ => match d.follow_ups.get(&item.id) {
            Some(f) => format!("→ {}", f.join(", ")),
            None => "no follow-up yet".into(),
        },
    }
}

/// One list's lines: a line per item, the selected one in full (focused list).
fn item_lines(app: &App, list: List, width: usize) -> (Vec<Line<'static>>, usize, usize) {
    let th = &app.theme;
    let items = app.debrief.of(list);
    let focused = app.debrief.list == list;
    let sel = app.debrief.selected_in(list);
    let mut lines = Vec::new();
    let mut range = (0, 0);
    if items.is_empty() {
        let what = match list {
            List::Weaknesses => "No weakness noted (n, then Ctrl-T to pick the kind).",
            List::Questions => "No question flagged.",
            List::Actions => "No action item yet (i makes one from a weakness or question).",
        };
        let mark = if focused { "▶ " } else { "  " };
        lines.push(Line::from(Span::styled(format!("{mark}{what}"), th.dim())));
        return (lines, 0, 1);
    }
    for (i, item) in items.iter().enumerate() {
        let st = status(app, item);
        let head = format!("#{} ", item.id);
        if focused && i == sel {
            // The selection in full: its text, then what became of it.
            range.0 = lines.len();
            let full = format!("{head}{}", item.text.trim());
            for (j, part) in wrap(&full, width.saturating_sub(2)).into_iter().take(4).enumerate() {
                let mark = if j == 0 { "▶ " } else { "  " };
                lines.push(Line::from(Span::styled(format!("{mark}{part}"), th.selected())));
            }
            let by = format!("  {st} · noted by {} at {}", item.author, t_plus(item.t));
            lines.push(Line::from(Span::styled(ellipsis(&by, width), th.dim())));
            range.1 = lines.len();
        } else {
            let first = item.text.lines().next().unwrap_or("").trim();
            let room = width.saturating_sub(2 + head.chars().count() + 3 + st.chars().count()).max(12);
            let text = format!("  {head}{} · {st}", ellipsis(first, room));
            let style = if list == List::Actions && item.owner.is_none() { th.warn() } else { th.base() };
            lines.push(Line::from(Span::styled(ellipsis(&text, width), style)));
        }
    }
    (lines, range.0, range.1.max(range.0 + 1))
}

/// The three lists, stacked; rows go first to the focused list's selection,
/// then to whichever list has more to show.
fn draw_lists(f: &mut Frame, area: Rect, app: &App) {
    let width = usize::from(area.width);
    let built: Vec<_> = List::ALL.iter().map(|l| (*l, item_lines(app, *l, width))).collect();
    let total = usize::from(area.height);
    // Each list: a title line and at least one line (its selection when focused).
    let need = |l: List, lines: &Vec<Line>, range: (usize, usize)| -> usize {
        let sel = if app.debrief.list == l { range.1 - range.0 } else { 1 };
        1 + sel.min(lines.len()).max(1)
    };
    let mut rows: Vec<usize> = built.iter().map(|(l, (lines, s, e))| need(*l, lines, (*s, *e))).collect();
    let mut left = total.saturating_sub(rows.iter().sum());
    while left > 0 {
        let mut gave = false;
        for (i, (_, (lines, _, _))) in built.iter().enumerate() {
            if left > 0 && rows[i] < 1 + lines.len() {
                rows[i] += 1;
                left -= 1;
                gave = true;
            }
        }
        if !gave {
            break;
        }
    }
    let constraints: Vec<Constraint> =
        rows.iter().map(|r| Constraint::Length(*r as u16)).chain([Constraint::Fill(1)]).collect();
    let areas = Layout::vertical(constraints).split(area);
    for (i, (list, (lines, s, e))) in built.into_iter().enumerate() {
        let a = areas[i];
        let body_h = usize::from(a.height.saturating_sub(1));
        // Scroll so the selection is on screen.
        let offset = e.saturating_sub(body_h).min(s);
        let hidden = lines.len() > body_h;
        let count = app.debrief.of(list).len();
        let more = if hidden { " · ↑↓ for more" } else { "" };
        let title = format!("{} ({count}){more}", list.title());
        let style = if app.debrief.list == list { app.theme.title() } else { app.theme.dim() };
        let mut shown = vec![Line::from(Span::styled(ellipsis(&title, width), style))];
        shown.extend(lines.into_iter().skip(offset).take(body_h));
        f.render_widget(Paragraph::new(shown), a);
    }
}
