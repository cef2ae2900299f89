//! Drawing the Backlog screen: the likelihood × impact map (likelihood up,
//! impact right, so high/high is the top-right cell), the selected card,
//! the ranked list of the filter, feedback and keys.
use super::screen::{BacklogScreen, Filter, KEYS};
use crate::model::backlog::Card;
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, wrap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Smallest size the screen is laid out for.
pub const MIN: (u16, u16) = (80, 24);

/// Width of the likelihood labels left of the map.
const LABEL_W: usize = 3;

fn cut(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        format!("{s:<w$}")
    } else {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Draw the whole screen.
pub fn draw(f: &mut Frame, s: &BacklogScreen) {
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
    // Lines per map cell: on a short terminal one (the count and the
    // selected card) leaves the card panel room for its text.
    let cell_h: u16 = match area.height {
        34.. => 3,
        30..=33 => 2,
        _ => 1,
    };
    let map_h = 1 + 5 * cell_h + 2;
    let [head, map, bottom, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(map_h), Constraint::Min(4), Constraint::Length(2)])
            .areas(area);
    let shown = s.ranked().len();
    let total = s.backlog.cards.len();
    let head_text =
        format!(" Backlog · {} · {shown} of {total} cards shown · filter {}", s.path.display(), s.filter.name());
    f.render_widget(Paragraph::new(Span::styled(cut(&head_text, head.width as usize), th.title())), head);
    draw_map(f, map, s, cell_h as usize);
    let [card, list] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    draw_card(f, card, s);
    draw_list(f, list, s);
    let w = foot.width as usize;
    let flash = match &s.flash {
        Some(m) if m.starts_with("NOT SAVED") => Line::from(Span::styled(cut(&format!(" ✖ {m}"), w), th.bad())),
        Some(m) => Line::from(cut(&format!(" {m}"), w)),
        None => Line::from(Span::styled(cut(" Every change is saved to the backlog file at once.", w), th.dim())),
    };
    let hints = " ←↑↓→ Tab move · 0-3 filter · s status · x acceptable · c playbook · ? · q quit";
    f.render_widget(Paragraph::new(vec![flash, Line::from(cut(hints, w))]), foot);
    if s.help {
        help(f, area, th);
    }
}

/// The lines of one cell: ids (a count first when there are several), the
/// selected card marked with ▶, "+N more" when they do not fit.
fn cell_lines(cards: &[&Card], selected: Option<usize>, h: usize, w: usize) -> Vec<String> {
    let n = cards.len();
    if n == 0 {
        let mark = if selected.is_some() { "▶" } else { " " };
        return vec![cut(&format!("{mark}·"), w)];
    }
    let overflow = n > h;
    let slots = if overflow { h.saturating_sub(1).max(1) } else { n };
    let sel = selected.unwrap_or(0).min(n - 1);
    let start = if sel >= slots { sel + 1 - slots } else { 0 };
    let mut out = Vec::new();
    for (k, card) in cards.iter().enumerate().skip(start).take(slots) {
        let mark = if selected == Some(k) { "▶" } else { " " };
        let count = if k == start && n > 1 { format!("{n}×") } else { String::new() };
        out.push(cut(&format!("{mark}{count}{}", card.id), w));
    }
    if overflow {
        out.push(cut(&format!(" +{} more", n - slots), w));
    }
    out
}

fn draw_map(f: &mut Frame, area: Rect, s: &BacklogScreen, cell_h: usize) {
    let th = &s.theme;
    let total_w = area.width as usize;
    let cw = (total_w.saturating_sub(LABEL_W + 1) / 5).max(4);
    let inner_w = cw - 1;
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::from(Span::styled(
        cut(" Likelihood ↑  (5 seen often … 1 hardly ever; each cell: count and card ids)", total_w),
        th.dim(),
    )));
    for l in (1..=5u8).rev() {
        let cells: Vec<Vec<String>> = (1..=5u8)
            .map(|i| {
                let cards = s.cell_cards(l, i);
                let selected = (s.cell == (l, i)).then_some(s.in_cell);
                cell_lines(&cards, selected, cell_h, inner_w)
            })
            .collect();
        for k in 0..cell_h {
            let label = if k == 0 { format!(" {l} ") } else { " ".repeat(LABEL_W) };
            let mut spans = vec![Span::styled(label, th.title())];
            for (i, cell) in cells.iter().enumerate() {
                let text = cell.get(k).cloned().unwrap_or_else(|| " ".repeat(inner_w));
                let here = s.cell == (l, i as u8 + 1);
                let high = l >= 4 && i + 1 >= 4;
                let style = if here {
                    th.selected()
                } else if high {
                    th.warn()
                } else {
                    Style::default()
                };
                spans.push(Span::styled("│", th.border()));
                spans.push(Span::styled(text, style));
            }
            spans.push(Span::styled("│", th.border()));
            lines.push(Line::from(spans));
        }
    }
    let mut numbers = " ".repeat(LABEL_W);
    for i in 1..=5 {
        numbers.push_str(&format!("{:^cw$}", i));
    }
    lines.push(Line::from(Span::styled(numbers, th.title())));
    lines.push(Line::from(Span::styled(
        cut(
            &format!(
                "{}Impact →  (1 nobody notices … 5 customers badly hit) · high/high is top right",
                " ".repeat(LABEL_W)
            ),
            total_w,
        ),
        th.dim(),
    )));
    f.render_widget(Paragraph::new(lines), area);
}

fn draw_card(f: &mut Frame, area: Rect, s: &BacklogScreen) {
    let th = &s.theme;
    let (l, i) = s.cell;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border())
        .title(format!(" Likelihood {l} × impact {i} "));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let Some(c) = s.selected() else {
        f.render_widget(Paragraph::new(Span::styled("No card here (arrows move).", th.dim())), inner);
        return;
    };
    let n = s.cell_cards(l, i).len();
    let which = if n > 1 { format!(" ({} of {n}, Tab next)", s.in_cell.min(n - 1) + 1) } else { String::new() };
    let mut lines = vec![Line::from(Span::styled(cut(&format!("{}{which}", c.id), w), th.title()))];
    let acceptable = if c.acceptable { "acceptable: yes (not explored)" } else { "acceptable: no" };
    lines.push(Line::from(cut(&format!("status {} · {acceptable}", c.status.as_str()), w)));
    lines.push(Line::from(cut(&format!("-ilities: {}", c.ilities.join(", ")), w)));
    let mut rest = vec![c.title.clone()];
    let areas: Vec<&str> = c.areas.iter().map(|a| a.as_str()).collect();
    let source = c.source.map(|x| x.as_str()).unwrap_or("?");
    rest.push(format!("source {source} · areas {}", if areas.is_empty() { "-".into() } else { areas.join(", ") }));
    if let Some(h) = &c.hypothesis {
        rest.push(format!("Hypothesis: {h}"));
    }
    rest.push(c.description.clone());
    if !c.links.is_empty() {
        rest.push(format!("Links: {}", c.links.join(", ")));
    }
    for r in rest {
        lines.extend(wrap(&r, w.max(1)).into_iter().map(Line::from));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_list(f: &mut Frame, area: Rect, s: &BacklogScreen) {
    let th = &s.theme;
    let key = match (&s.key_ility, s.filter) {
        (Some(k), Filter::HighImpactLikelihood) => format!(" · {k}"),
        (None, Filter::HighImpactLikelihood) => " · any".into(),
        _ => String::new(),
    };
    let title = match s.filter {
        Filter::All => " 0 all cards · 1 2 3 rank them ".to_string(),
        f => format!(" {} {}{key} ", f.key(), f.name()),
    };
    let block = Block::default().borders(Borders::ALL).border_style(th.border()).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let h = inner.height as usize;
    let ranked = s.ranked();
    let selected = s.selected().map(|c| c.id.clone());
    let mut lines: Vec<Line> = Vec::new();
    if s.filter != Filter::All {
        lines.push(Line::from(Span::styled(cut(s.filter.rule(), w), th.dim())));
    }
    if ranked.is_empty() {
        lines.push(Line::from(Span::styled("No card fits this rule.", th.dim())));
    }
    let room = h.saturating_sub(lines.len()).max(1);
    let at = ranked.iter().position(|c| Some(&c.id) == selected.as_ref()).unwrap_or(0);
    let start = if at >= room { at + 1 - room } else { 0 };
    let id_w = w.saturating_sub(23).clamp(8, 17);
    for (n, c) in ranked.iter().enumerate().skip(start).take(room) {
        let here = Some(&c.id) == selected.as_ref();
        let mark = if here { "▶" } else { " " };
        let score = u16::from(c.likelihood) * u16::from(c.impact);
        let text = match s.filter {
            Filter::All => {
                format!("{mark}{} {}×{}={score:<2} {}", cut(&c.id, id_w + 4), c.likelihood, c.impact, c.status.as_str())
            }
            _ => format!(
                "{mark}{:>2}. {} {}×{}={score:<2} {} -ilities",
                n + 1,
                cut(&c.id, id_w),
                c.likelihood,
                c.impact,
                c.ilities.len()
            ),
        };
        let style = if here { th.selected() } else { th.base() };
        lines.push(Line::from(Span::styled(cut(&text, w), style)));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn help(f: &mut Frame, area: Rect, th: &Theme) {
    let r = centered(area, area.width.saturating_sub(4).min(84), (KEYS.len() as u16 + 5).min(area.height));
    f.render_widget(Clear, r);
    let mut lines = vec![Line::from(Span::styled("Backlog screen keys", th.title()))];
    for (k, what) in KEYS {
        lines.push(Line::from(vec![Span::styled(format!("{k:<12}"), th.key()), Span::raw(*what)]));
    }
    lines.push(Line::from("Filters 1–3 rank only cards in backlog status that are not acceptable."));
    let p = Paragraph::new(lines)
        .block(Block::default().borders(Borders::ALL).title(" Help · Esc closes ").border_style(th.focused_border()));
    f.render_widget(p, r);
}
