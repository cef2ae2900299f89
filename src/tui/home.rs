//! The Home screen (`gameday` with no arguments): playbooks found, sessions
//! to resume, recent sessions with their verdicts, the backlog, and a hint to
//! try the demo. It only chooses; the CLI then runs or resumes.
use super::theme::Theme;
use crate::session::catalog::{PlaybookEntry, SessionEntry};
use futures::StreamExt;
use ratatui::Frame;
use ratatui::crossterm::event::{Event as TermEvent, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph};
use std::path::PathBuf;

/// What the person picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Run(PathBuf),
    /// The Plan screen of a playbook; Home comes back after it.
    Plan(PathBuf),
    /// The backlog screen; Home comes back after it.
    Backlog(PathBuf),
    Resume(PathBuf),
    Review(PathBuf),
    Demo,
    Quit,
}

/// One selectable row.
#[derive(Debug, Clone)]
enum Row {
    Header(String),
    Playbook(PlaybookEntry),
    Session(SessionEntry),
    Note(String),
}

/// Home screen state.
pub struct Home {
    rows: Vec<Row>,
    selected: usize,
    theme: Theme,
    backlog: Option<(PathBuf, usize)>,
}

impl Home {
    pub fn new(
        playbooks: Vec<PlaybookEntry>,
        sessions: Vec<SessionEntry>,
        backlog: Option<(PathBuf, usize)>,
        theme: Theme,
    ) -> Self {
        let mut rows = vec![Row::Header("Playbooks and experiments (Enter: run)".into())];
        if playbooks.is_empty() {
            rows.push(Row::Note("none in ./playbooks — try `gameday demo`".into()));
        }
        rows.extend(playbooks.into_iter().map(Row::Playbook));
        let (open, done): (Vec<_>, Vec<_>) = sessions.into_iter().partition(|s| !s.finished);
        rows.push(Row::Header("Unfinished sessions (Enter: resume)".into()));
        if open.is_empty() {
            rows.push(Row::Note("none".into()));
        }
        rows.extend(open.into_iter().map(Row::Session));
        rows.push(Row::Header("Recent sessions (Enter: review and add notes)".into()));
        if done.is_empty() {
            rows.push(Row::Note("none yet".into()));
        }
        rows.extend(done.into_iter().take(15).map(Row::Session));
        let mut h = Self { rows, selected: 0, theme, backlog };
        h.select_next(0);
        h
    }

    fn selectable(&self, i: usize) -> bool {
        matches!(self.rows.get(i), Some(Row::Playbook(_) | Row::Session(_)))
    }

    fn select_next(&mut self, from: usize) {
        if let Some(i) = (from..self.rows.len()).find(|i| self.selectable(*i)) {
            self.selected = i;
        }
    }

    fn select_prev(&mut self) {
        if let Some(i) = (0..self.selected).rev().find(|i| self.selectable(*i)) {
            self.selected = i;
        }
    }

    /// Select the row of this playbook or session (coming back to Home).
    pub fn select_path(&mut self, path: &std::path::Path) {
        let found = self.rows.iter().position(|r| match r {
            Row::Playbook(p) => p.path == path,
            Row::Session(s) => s.dir == path,
            _ => false,
        });
        if let Some(i) = found {
            self.selected = i;
        }
    }

    /// Handle a key; `Some` when a choice was made.
    pub fn on_key(&mut self, code: KeyCode, mods: KeyModifiers) -> Option<Choice> {
        match code {
            KeyCode::Char('q') | KeyCode::Esc => Some(Choice::Quit),
            KeyCode::Char('c') if mods.contains(KeyModifiers::CONTROL) => Some(Choice::Quit),
            KeyCode::Char('d') => Some(Choice::Demo),
            KeyCode::Char('p') => match self.rows.get(self.selected) {
                // A plain experiment has no plan (no `gameday: 1` fields).
                Some(Row::Playbook(p)) if p.problem.is_none() && p.game_day => Some(Choice::Plan(p.path.clone())),
                _ => None,
            },
            KeyCode::Char('b') => self.backlog.as_ref().map(|(path, _)| Choice::Backlog(path.clone())),
            KeyCode::Down | KeyCode::Char('j') => {
                self.select_next(self.selected + 1);
                None
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.select_prev();
                None
            }
            KeyCode::Enter => match self.rows.get(self.selected) {
                Some(Row::Playbook(p)) if p.problem.is_none() => Some(Choice::Run(p.path.clone())),
                Some(Row::Session(s)) if !s.finished => Some(Choice::Resume(s.dir.clone())),
                Some(Row::Session(s)) => Some(Choice::Review(s.dir.clone())),
                _ => None,
            },
            _ => None,
        }
    }

    /// Draw the screen.
    pub fn draw(&self, f: &mut Frame) {
        let th = &self.theme;
        let area = f.area();
        let [head, body, foot] =
            Layout::vertical([Constraint::Length(2), Constraint::Min(3), Constraint::Length(2)]).areas(area);
        f.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(" gameday — the Game Day console", th.title())),
                Line::from(Span::styled(
                    " New here? Press d for the demo: a local service and a Game Day, no setup.",
                    th.dim(),
                )),
            ]),
            head,
        );
        let mut state = ListState::default().with_selected(Some(self.selected));
        let items: Vec<ListItem> = self.rows.iter().map(|r| ListItem::new(self.row_line(r, body))).collect();
        let list = List::new(items)
            .block(Block::default().borders(Borders::ALL).border_style(th.border()))
            .highlight_style(th.selected());
        f.render_stateful_widget(list, body, &mut state);
        // The backlog's path only when the line has room for it.
        let backlog = match &self.backlog {
            Some((p, n)) if area.width >= 100 => format!(" · b backlog: {} ({n} cards)", p.display()),
            Some((_, n)) => format!(" · b backlog ({n} cards)"),
            None => String::new(),
        };
        f.render_widget(
            Paragraph::new(vec![
                Line::from(format!(" ↑/↓ choose · Enter open · p plan · d demo · q quit{backlog}")),
                Line::from(Span::styled(" Headless like `chaos run`: gameday run FILE --headless", th.dim())),
            ]),
            foot,
        );
    }

    fn row_line(&self, r: &Row, area: Rect) -> Line<'static> {
        let th = &self.theme;
        let w = area.width.saturating_sub(4) as usize;
        match r {
            Row::Header(t) => Line::from(Span::styled(t.clone(), th.title())),
            Row::Note(t) => Line::from(Span::styled(format!("   {t}"), th.dim())),
            Row::Playbook(p) => {
                let kind = if p.game_day { "Game Day" } else { "experiment" };
                let text = match &p.problem {
                    // The problem names the file (and line) already.
                    Some(why) if why.contains(&*p.path.to_string_lossy()) => format!("   ✖ {why}"),
                    Some(why) => format!("   ✖ {}  {}", p.path.display(), why),
                    None => format!("   {kind:<10}  {}  ({})", p.title, p.path.display()),
                };
                Line::from(crate::tui::widgets::ellipsis(&text, w))
            }
            Row::Session(s) => {
                let glyph = match s.verdict.as_str() {
                    "completed" => "✔",
                    "deviated" => "▲",
                    "unfinished" => "◆",
                    _ => "✖",
                };
                let text =
                    format!("   {glyph} {:<11} {}  {}  ({} notes)", s.verdict, s.started, s.title, s.observations);
                Line::from(crate::tui::widgets::ellipsis(&text, w))
            }
        }
    }
}

/// Show the Home screen until a choice is made. The terminal must be entered.
pub async fn run_home(mut home: Home) -> std::io::Result<Choice> {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))?;
    // A full first paint. Not `clear()`: it asks the terminal where its
    // cursor is, and a terminal that does not answer would stall us.
    let area = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, area.width, area.height))?;
    let mut events = EventStream::new();
    loop {
        terminal.draw(|f| home.draw(f))?;
        match events.next().await {
            Some(Ok(TermEvent::Key(k))) if k.kind == KeyEventKind::Press => {
                if let Some(c) = home.on_key(k.code, k.modifiers) {
                    return Ok(c);
                }
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
            None => return Ok(Choice::Quit),
        }
    }
}
