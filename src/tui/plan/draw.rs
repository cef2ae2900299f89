//! Drawing the Plan screen: the header (title, style and what it explores),
//! the seven steps with their state and what is still to do on the left,
//! the selected step's rows on the right, feedback and keys at the bottom.
use super::checklist::{State, Step};
use super::detail::{Look, NOTES_PAGE, Row};
use super::screen::{Focus, KEYS, Overlay, PlanScreen};
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, wrap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Smallest size the screen is laid out for.
pub const MIN: (u16, u16) = (80, 24);

fn look(theme: &Theme, l: Look) -> Style {
    match l {
        Look::Heading => theme.title(),
        Look::Text => theme.base(),
        Look::Dim => theme.dim(),
        Look::Good => theme.ok(),
        Look::Warn => theme.warn(),
        Look::Bad => theme.bad(),
    }
}

fn state_style(theme: &Theme, s: State) -> Style {
    match s {
        State::Done => theme.ok(),
        State::OnTheDay => theme.warn(),
        State::Missing => theme.bad(),
    }
}

fn cut(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Draw the whole screen.
pub fn draw(f: &mut Frame, s: &PlanScreen) {
    let area = f.area();
    if area.width < MIN.0 || area.height < MIN.1 {
        let text = vec![
            Line::from(format!("Terminal {}×{}: enlarge it to at least 80×24.", area.width, area.height)),
            Line::from("q quits."),
        ];
        f.render_widget(Paragraph::new(text), area);
        return;
    }
    let th = &s.theme;
    let steps = s.steps();
    let [head, body, foot] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(5), Constraint::Length(2)]).areas(area);
    header(f, head, s, &steps);
    let left_w = if area.width >= 110 { 40 } else { 31 };
    let [left, right] = Layout::horizontal([Constraint::Length(left_w), Constraint::Min(20)]).areas(body);
    step_list(f, left, s, &steps);
    detail(f, right, s, &steps);
    let w = foot.width as usize;
    let flash = match &s.flash {
        Some(m) if m.starts_with("NOT SAVED") => Line::from(Span::styled(cut(&format!(" ✖ {m}"), w), th.bad())),
        Some(m) => Line::from(cut(&format!(" {m}"), w)),
        None => {
            let state = if s.day_path.exists() { "next to the playbook" } else { "not written yet" };
            Line::from(Span::styled(cut(&format!(" Day file: {} ({state})", s.day_file_name()), w), th.dim()))
        }
    };
    let hints = " ↑↓ choose · Tab rows · Space approve/tick · i invite · n note · ? help · q quit";
    f.render_widget(Paragraph::new(vec![flash, Line::from(cut(hints, w))]), foot);
    match &s.overlay {
        Overlay::None => {}
        Overlay::Help => help(f, area, th),
        Overlay::Form(form, _) => form.draw(f, area, th),
    }
}

fn header(f: &mut Frame, area: Rect, s: &PlanScreen, steps: &[Step]) {
    let th = &s.theme;
    let w = area.width as usize;
    let title = if s.playbook.title.is_empty() {
        s.experiment.get("title").and_then(|t| t.as_str()).unwrap_or("(untitled)").to_string()
    } else {
        s.playbook.title.clone()
    };
    let done = steps.iter().filter(|st| st.state() == State::Done).count();
    let style = match s.playbook.style() {
        Some(st) => format!("{}: explores {}", st.as_str(), st.explores()),
        None => "no style chosen".to_string(),
    };
    let line1 = cut(&format!(" Plan · {title}"), w);
    let line2 = cut(&format!(" {done} of 7 steps complete · {style} · {}", s.path.display()), w);
    f.render_widget(
        Paragraph::new(vec![Line::from(Span::styled(line1, th.title())), Line::from(Span::styled(line2, th.dim()))]),
        area,
    );
}

fn step_list(f: &mut Frame, area: Rect, s: &PlanScreen, steps: &[Step]) {
    let th = &s.theme;
    let border = if s.focus == Focus::Steps { th.focused_border() } else { th.border() };
    let block = Block::default().borders(Borders::ALL).title(" Seven steps ").border_style(border);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    for (i, st) in steps.iter().enumerate() {
        let state = st.state();
        let mark = if i == s.page { "▶" } else { " " };
        let text = format!("{mark}{} {} {:<11}{}", state.glyph(), st.number, st.title, state.word());
        let mut style = state_style(th, state);
        if i == s.page {
            style = style.patch(th.selected());
        }
        lines.push(Line::from(Span::styled(cut(&text, w), style)));
    }
    let mark = if s.page == NOTES_PAGE { "▶" } else { " " };
    let notes = format!("{mark}  Notes on the day ({})", s.day.notes.len());
    let style = if s.page == NOTES_PAGE { th.selected() } else { th.base() };
    lines.push(Line::from(Span::styled(cut(&notes, w), style)));
    lines.push(Line::from(""));
    let gaps: Vec<(State, String)> = steps
        .iter()
        .flat_map(|st| st.gaps.iter().map(move |g| (g.state, format!("{} {}", st.number, g.text))))
        .collect();
    if gaps.is_empty() {
        lines.push(Line::from(Span::styled("✔ Nothing left to do.", th.ok())));
    } else {
        lines.push(Line::from(Span::styled(format!("Still to do ({})", gaps.len()), th.title())));
        // Wrapped, continuation lines indented; what does not fit is counted.
        let mut shown = 0;
        for (n, (state, text)) in gaps.iter().enumerate() {
            let wrapped = hanging(&format!("{} {text}", state.glyph()), w, 4);
            let left = gaps.len() - n;
            let need = wrapped.len() + usize::from(left > 1);
            if lines.len() + need > inner.height as usize {
                break;
            }
            for l in wrapped {
                lines.push(Line::from(Span::styled(cut(&l, w), state_style(th, *state))));
            }
            shown += 1;
        }
        if shown < gaps.len() {
            lines.push(Line::from(Span::styled(format!("… {} more (see each step)", gaps.len() - shown), th.dim())));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// `text` wrapped to `width`, lines after the first indented by `indent`.
fn hanging(text: &str, width: usize, indent: usize) -> Vec<String> {
    let width = width.max(indent + 8);
    let mut lines = wrap(text, width);
    if lines.len() <= 1 {
        return lines;
    }
    let rest: Vec<String> = lines.drain(1..).collect();
    let rest = rest.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
    lines.extend(wrap(&rest, width - indent).into_iter().map(|l| format!("{}{l}", " ".repeat(indent))));
    lines
}

/// Visual lines of `rows` wrapped to `width`, with the logical row of each.
fn visual(rows: &[Row], width: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let wrapped = wrap(&r.text, width);
        if wrapped.is_empty() {
            out.push((i, String::new()));
        }
        for (k, l) in wrapped.into_iter().enumerate() {
            out.push((i, if k == 0 { l } else { format!("  {l}") }));
        }
    }
    out
}

fn detail(f: &mut Frame, area: Rect, s: &PlanScreen, steps: &[Step]) {
    let th = &s.theme;
    let title = match steps.get(s.page) {
        Some(st) => {
            let state = st.state();
            format!(" {}. {} — {} {} ", st.number, st.title, state.glyph(), state.word())
        }
        None => " Notes on the day ".to_string(),
    };
    let border = if s.focus == Focus::Detail { th.focused_border() } else { th.border() };
    let block = Block::default().borders(Borders::ALL).title(title).border_style(border);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = s.rows();
    // One column for the cursor mark; continuation lines are indented.
    let lines = visual(&rows, (inner.width as usize).saturating_sub(3).max(10));
    let height = inner.height as usize;
    // Scroll so the whole selected row shows, its wrapped lines too (a
    // preflight item cut after its first line cannot be read before ticking).
    let cursor_first = lines.iter().position(|(i, _)| *i == s.cursor).unwrap_or(0);
    let cursor_last = lines.iter().rposition(|(i, _)| *i == s.cursor).unwrap_or(0);
    let start = if s.focus == Focus::Detail && cursor_last >= height {
        (cursor_last + 1 - height).min(cursor_first)
    } else {
        0
    };
    let shown: Vec<Line> = lines
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(n, (i, text))| {
            let on_cursor = s.focus == Focus::Detail && *i == s.cursor;
            let first = n == 0 || lines[n - 1].0 != *i;
            let mark = if on_cursor && first { "▶ " } else { "  " };
            let mut style = rows.get(*i).map(|r| look(th, r.look)).unwrap_or_default();
            if on_cursor {
                style = style.patch(th.selected());
            }
            Line::from(Span::styled(format!("{mark}{text}"), style))
        })
        .collect();
    f.render_widget(Paragraph::new(shown), inner);
}

fn help(f: &mut Frame, area: Rect, th: &Theme) {
    let r = centered(area, area.width.saturating_sub(4).min(80), (KEYS.len() as u16 + 6).min(area.height));
    f.render_widget(Clear, r);
    let mut lines = vec![Line::from(Span::styled("Plan screen keys", th.title()))];
    for (k, what) in KEYS {
        lines.push(Line::from(vec![Span::styled(format!("{k:<14}"), th.key()), Span::raw(*what)]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from("Changes go to the day file next to the playbook, never into it."));
    let p = Paragraph::new(lines)
        .block(Block::default().borders(Borders::ALL).title(" Help · Esc closes ").border_style(th.focused_border()));
    f.render_widget(p, r);
}
