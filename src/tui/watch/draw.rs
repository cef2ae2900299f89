//! Drawing the watch view: the console's own screens (`views::draw`), with
//! the parts that speak to the facilitator drawn over: the header says
//! WATCHING and read-only, the footer lists what a watcher can do, the STOP
//! button says whether this watcher may request a STOP, and a hidden step's
//! card says so. Below 80×24 a compact view of its own replaces the
//! console's "enlarge the terminal" screen, because an observer on a small
//! SSH window still wants to follow along.
use super::filter::{HIDDEN_CARD, HIDDEN_KIND};
use super::screen::Watch;
use crate::tui::app::{App, Screen};
use crate::tui::keymap::Action;
use crate::tui::views::{self, MIN_HEIGHT, MIN_WIDTH};
use crate::tui::widgets::{centered, t_plus};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Draw the view; returns the STOP button's area (for mouse clicks).
pub fn draw(f: &mut Frame, w: &Watch) -> Rect {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let stop = small(f, area, w);
        if w.help {
            help(f, area, w);
        }
        return stop;
    }
    let stop = views::draw(f, &w.app);
    header(f, Rect { height: 1, ..area }, w);
    if w.app.screen == Screen::Run {
        hidden_card(f, area, w);
    }
    footer(f, hint_area(area), w);
    stop_button(f, stop, w);
    if w.help {
        help(f, area, w);
    }
    stop
}

/// The hint rows of the Run and Timeline screens: right of the STOP button,
/// in the bottom four rows, below their first.
fn hint_area(area: Rect) -> Rect {
    let [_, bottom] = Layout::vertical([Constraint::Min(0), Constraint::Length(4)]).areas(area);
    let [_, hints] = Layout::horizontal([Constraint::Length(20), Constraint::Min(10)]).areas(bottom);
    let [_, rows] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(hints);
    rows
}

fn header_spans(w: &Watch) -> Vec<Span<'static>> {
    let app = &w.app;
    let th = &app.theme;
    let (status, bad) = w.status();
    let who = match (w.opts.participant, w.hiding) {
        (false, _) => " WATCHING · read-only ",
        (true, true) => " WATCHING · participant view, method hidden ",
        (true, false) => " WATCHING · participant view, nothing hidden ",
    };
    let mut spans = vec![
        Span::styled(who.to_string(), th.badge(false)),
        Span::styled(format!(" {status} "), if bad { th.bad() } else { th.ok() }),
        Span::styled(format!("│ {} ", t_plus(app.t_plus)), th.active()),
        Span::styled(format!("│ {} ", app.phase.label()), th.base()),
        Span::raw("│ "),
    ];
    if let Some(env) = &app.environment {
        let label = if app.production { format!(" PRODUCTION: {env} ") } else { format!(" {env} ") };
        spans.push(Span::styled(label, th.badge(app.production)));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(app.title.clone(), th.title()));
    spans
}

fn header(f: &mut Frame, area: Rect, w: &Watch) {
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(Line::from(header_spans(w))), area);
}

/// What the participant view does, in words.
fn participant_note(w: &Watch) -> Option<String> {
    if !w.opts.participant {
        return None;
    }
    Some(if w.hiding {
        "participant view: the method is hidden".to_string()
    } else {
        let style = w.style.as_deref().unwrap_or("none");
        format!("participant view: nothing is hidden (style {style}, not dungeons-and-dragons)")
    })
}

/// The first line of messages: a flash, the STOP request, the end.
fn messages(w: &Watch) -> Vec<Span<'static>> {
    let th = &w.app.theme;
    let mut out = Vec::new();
    if let Some(m) = &w.app.flash {
        out.push(Span::styled(format!("{m}  "), th.warn()));
    }
    if let Some(m) = &w.stop_note {
        out.push(Span::styled(format!("{m}  "), th.bad()));
    }
    if w.app.ended.is_some() {
        let (status, _) = crate::tui::widgets::header::status_text(&w.app);
        out.push(Span::styled(format!("The run has ended: {status}. "), th.active()));
    } else if w.session_ended {
        out.push(Span::styled("The console closed the session before the run ended. ".to_string(), th.warn()));
    }
    out
}

/// The keys a watcher has, as "key label" pairs.
fn key_hints(w: &Watch) -> Vec<(String, String)> {
    let km = &w.app.keymap;
    let key = |a: Action| km.keys(a).first().map(ToString::to_string).unwrap_or_default();
    let mut v = vec![(key(Action::Quit), "quit".to_string()), (key(Action::Timeline), "timeline".into())];
    v.push((key(Action::Search), "search".into()));
    if w.app.screen == Screen::Timeline {
        v.push((key(Action::Filter), "filter".into()));
    }
    v.push((key(Action::FocusNext), "focus".into()));
    v.push((key(Action::Help), "help".into()));
    if w.opts.allow_stop {
        v.push((key(Action::Stop), "request STOP".into()));
    }
    v
}

fn footer(f: &mut Frame, area: Rect, w: &Watch) {
    let th = &w.app.theme;
    let width = area.width as usize;
    let rows = area.height as usize;
    // Messages first (at most all rows but one), then the keys, packed as
    // whole "key label" pairs into what is left.
    let msg: String = messages(w).iter().map(|s| s.content.as_ref()).collect();
    let msg_lines: Vec<Line> = crate::tui::widgets::wrap(msg.trim_end(), width)
        .into_iter()
        .take(rows.saturating_sub(1))
        .map(|l| Line::from(Span::styled(l, th.warn())))
        .collect();
    let mut pairs: Vec<(String, String)> = key_hints(w).into_iter().map(|(k, l)| (k, format!(" {l}"))).collect();
    if !w.opts.allow_stop {
        pairs.push((String::new(), "STOP is the facilitator's".into()));
    }
    let mut hint_rows: Vec<Vec<Span>> = vec![vec![Span::styled("read-only", th.warn())]];
    let mut used = "read-only".len();
    for (k, label) in pairs {
        let len = 3 + k.chars().count() + label.chars().count();
        if used + len > width {
            hint_rows.push(Vec::new());
            used = 0;
        }
        if let Some(row) = hint_rows.last_mut() {
            if used > 0 {
                row.push(Span::styled(" · ", th.dim()));
            }
            let style = if k.is_empty() { th.dim() } else { th.base() };
            row.push(Span::styled(k, th.key()));
            row.push(Span::styled(label, style));
        }
        used += len;
    }
    let mut lines = msg_lines;
    lines.extend(hint_rows.into_iter().map(Line::from));
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines), area);
}

fn stop_button(f: &mut Frame, area: Rect, w: &Watch) {
    let th = &w.app.theme;
    let (text, style) = if w.opts.allow_stop {
        let word = if w.app.stopped && w.app.ended.is_none() { "■ STOPPING" } else { "■ REQUEST STOP" };
        (vec![Line::from(word), Line::from(w.app.keymap.label(Action::Stop))], th.stop())
    } else {
        (vec![Line::from("STOP"), Line::from("facilitator only")], th.dim())
    };
    f.render_widget(Clear, area);
    let p = Paragraph::new(text)
        .alignment(Alignment::Center)
        .style(style)
        .block(Block::default().borders(Borders::ALL).border_style(style));
    f.render_widget(p, area);
}

/// The card area of the Run screen (as `views::run` lays it out).
fn card_area(area: Rect) -> Rect {
    let log_h = if area.height >= 40 { 10 } else { 6 };
    let [_, body, _, _] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(8), Constraint::Length(log_h), Constraint::Length(4)])
            .areas(area);
    let [_, card] = Layout::horizontal([Constraint::Percentage(38), Constraint::Percentage(62)]).areas(body);
    let [card_area, _] = Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(card);
    card_area
}

fn current_hidden(app: &App) -> Option<&str> {
    let s = app.steps.get(app.current_step()?)?;
    (s.kind == HIDDEN_KIND).then_some(s.name.as_str())
}

fn hidden_card(f: &mut Frame, area: Rect, w: &Watch) {
    if !w.hiding {
        return;
    }
    let Some(name) = current_hidden(&w.app) else { return };
    let r = card_area(area);
    let th = &w.app.theme;
    f.render_widget(Clear, r);
    let p = Paragraph::new(Line::from(Span::styled(HIDDEN_CARD, th.dim())))
        .wrap(Wrap { trim: true })
        .block(Block::default().borders(Borders::ALL).border_style(th.border()).title(format!(" {name} ")));
    f.render_widget(p, r);
}

/// Below 80×24: status, the current step, the newest timeline lines and
/// the keys, one line each; returns the (one-line) STOP button.
fn small(f: &mut Frame, area: Rect, w: &Watch) -> Rect {
    let app = &w.app;
    let th = &app.theme;
    let width = area.width as usize;
    let mut top: Vec<Line> = vec![Line::from(header_spans(w))];
    top.push(Line::from(vec![
        Span::styled(format!("{} ", t_plus(app.t_plus)), th.active()),
        Span::raw(format!("{} · {}", app.phase.label(), app.title)),
    ]));
    if let Some(i) = app.current_step()
        && let Some(s) = app.steps.get(i)
    {
        let hidden = w.hiding && s.kind == HIDDEN_KIND;
        let what = if hidden { format!(" ({HIDDEN_CARD})") } else { String::new() };
        top.push(Line::from(format!("Step: {} {} {}{what}", s.state.glyph(), s.state.word(), s.name)));
    }
    let msg = messages(w);
    let mut bottom: Vec<Line> = Vec::new();
    if !msg.is_empty() {
        bottom.push(Line::from(msg));
    }
    let km = &app.keymap;
    let mut keys = format!("read-only · {} quit · {} timeline", km.label(Action::Quit), km.label(Action::Timeline));
    keys.push_str(&format!(" · {} help", km.label(Action::Help)));
    bottom.push(Line::from(Span::styled(keys, th.dim())));
    let stop_text = if w.opts.allow_stop {
        format!("■ REQUEST STOP {}", km.keys(Action::Stop).first().map(ToString::to_string).unwrap_or_default())
    } else {
        "STOP: facilitator only (--allow-stop)".to_string()
    };
    let h = area.height as usize;
    // The STOP line and the status come first when rows are scarce.
    let stop_row = Rect { y: area.y + area.height.saturating_sub(1), height: area.height.min(1), ..area };
    let rows_left = h.saturating_sub(1);
    let top_n = top.len().min(rows_left);
    let bottom_n = bottom.len().min(rows_left - top_n);
    let log_rows = rows_left - top_n - bottom_n;
    let mut lines: Vec<Line> = top.into_iter().take(top_n).collect();
    let timeline: Vec<Line> = crate::tui::views::timeline::visible(app)
        .iter()
        .rev()
        .take(log_rows)
        .rev()
        .map(|l| {
            let who = l.author.as_ref().map(|a| format!("{a}: ")).unwrap_or_default();
            let text = format!("{} {} {who}{}", t_plus(l.t), l.kind, l.text.replace('\n', " ⏎ "));
            Line::from(text.chars().take(width).collect::<String>())
        })
        .collect();
    let pad = log_rows.saturating_sub(timeline.len());
    lines.extend(timeline);
    lines.extend(std::iter::repeat_n(Line::from(""), pad));
    lines.extend(bottom.into_iter().take(bottom_n));
    let body = Rect { height: area.height.saturating_sub(1), ..area };
    f.render_widget(Paragraph::new(lines), body);
    let style = if w.opts.allow_stop { th.stop() } else { th.dim() };
    f.render_widget(Paragraph::new(stop_text).style(style), stop_row);
    crate::tui::widgets::modal::draw(f, area, app);
    stop_row
}

fn help(f: &mut Frame, area: Rect, w: &Watch) {
    let km = &w.app.keymap;
    let th = &w.app.theme;
    let mut lines = vec![
        Line::from(Span::styled("You are watching a session: this view is read-only.", th.title())),
        Line::from("Decisions, notes and milestones are made at the facilitator's console."),
        Line::from(""),
    ];
    let mut row = |a: Action, what: &str| {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<16}", km.label(a)), th.key()),
            Span::raw(what.to_string()),
        ]));
    };
    row(Action::Quit, "Stop watching (the run goes on)");
    row(Action::Timeline, "Switch between the Run screen and the Timeline");
    row(Action::Search, "Search the Timeline");
    row(Action::Filter, "Filter the Timeline by kind");
    row(Action::FocusNext, "Move focus between steps, output and log");
    row(Action::Up, "Scroll up in the focused pane");
    row(Action::Down, "Scroll down in the focused pane");
    row(Action::Help, "Show or hide this help");
    if w.opts.allow_stop {
        row(Action::Stop, "Ask the console to STOP (it then rolls back)");
    } else {
        row(Action::Stop, "Not here: STOP is the facilitator's (see --allow-stop)");
    }
    if let Some(n) = participant_note(w) {
        lines.push(Line::from(""));
        lines.push(Line::from(n));
    }
    let h = lines.len() as u16 + 3;
    let r = centered(area, area.width.saturating_sub(4).min(84), h);
    f.render_widget(Clear, r);
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(Block::default().borders(Borders::ALL).border_style(th.focused_border()).title(" Help · watch "));
    f.render_widget(p, r);
}
