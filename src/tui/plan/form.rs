//! A small dialog of one-line fields (approval, invitee, note): Tab moves
//! between fields, Enter saves, Esc cancels. What the fields mean and how
//! they are checked belongs to the caller.
use crate::tui::theme::Theme;
use crate::tui::widgets::centered;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui_textarea::TextArea;

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKey {
    /// Still open.
    Open,
    Cancel,
    /// Enter: the caller checks the values and closes it (or sets `error`).
    Submit,
}

/// One labelled line of input.
pub struct FormField {
    pub label: String,
    pub text: TextArea<'static>,
}

/// The dialog.
pub struct Form {
    pub title: String,
    pub fields: Vec<FormField>,
    pub focus: usize,
    /// Why the last Enter was refused.
    pub error: Option<String>,
}

impl Form {
    pub fn new(title: impl Into<String>) -> Self {
        Self { title: title.into(), fields: Vec::new(), focus: 0, error: None }
    }

    /// Add a field with a starting value and a hint shown while it is empty.
    pub fn field(mut self, label: &str, value: &str, hint: &str) -> Self {
        let mut text = TextArea::default();
        text.set_placeholder_text(hint.to_string());
        text.set_cursor_line_style(Style::default());
        text.insert_str(value);
        self.fields.push(FormField { label: label.to_string(), text });
        self
    }

    /// The trimmed text of field `i` (empty when there is none).
    pub fn value(&self, i: usize) -> String {
        self.fields.get(i).map(|f| f.text.lines().join(" ").trim().to_string()).unwrap_or_default()
    }

    pub fn on_key(&mut self, key: KeyEvent) -> FormKey {
        let n = self.fields.len().max(1);
        match key.code {
            KeyCode::Esc => FormKey::Cancel,
            KeyCode::Enter => FormKey::Submit,
            KeyCode::Tab | KeyCode::Down => {
                self.focus = (self.focus + 1) % n;
                FormKey::Open
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.focus = (self.focus + n - 1) % n;
                FormKey::Open
            }
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => FormKey::Cancel,
            _ => {
                if let Some(f) = self.fields.get_mut(self.focus) {
                    f.text.input(key);
                }
                self.error = None;
                FormKey::Open
            }
        }
    }

    /// Draw centred over `area`.
    pub fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let label_w = self.fields.iter().map(|x| x.label.chars().count()).max().unwrap_or(0) as u16 + 3;
        let h = self.fields.len() as u16 + 4;
        let r = centered(area, area.width.saturating_sub(6).min(90), h);
        f.render_widget(Clear, r);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", self.title))
            .border_style(theme.focused_border());
        let inner = block.inner(r);
        f.render_widget(block, r);
        let mut rows: Vec<Constraint> = self.fields.iter().map(|_| Constraint::Length(1)).collect();
        rows.push(Constraint::Length(1));
        rows.push(Constraint::Length(1));
        let parts = Layout::vertical(rows).split(inner);
        for (i, field) in self.fields.iter().enumerate() {
            let [l, v] = Layout::horizontal([Constraint::Length(label_w), Constraint::Min(1)]).areas(parts[i]);
            let mark = if i == self.focus { "▶" } else { " " };
            f.render_widget(Paragraph::new(format!("{mark}{}:", field.label)), l);
            f.render_widget(&field.text, v);
        }
        let status = match &self.error {
            Some(e) => Span::styled(format!("✖ {e}"), theme.bad()),
            None => Span::styled("Enter saves · Tab next field · Esc cancels", theme.dim()),
        };
        if let Some(last) = parts.last() {
            f.render_widget(Paragraph::new(Line::from(status)), *last);
        }
    }
}
