//! One keymap definition: key handling, the footer hints, the help overlay
//! and the README's key table are all generated from it, so they never drift.
//! Actions are a serde enum so the config file can rebind any of them.
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Confirm,
    Skip,
    Abort,
    Stop,
    Note,
    Detected,
    Diagnosed,
    Mitigated,
    Recovered,
    SwitchAuthor,
    Suspend,
    Timeline,
    Report,
    WriteReport,
    Debrief,
    ActionItem,
    Answer,
    AddToBacklog,
    Search,
    Filter,
    Help,
    Quit,
    FocusNext,
    Up,
    Down,
    PageUp,
    PageDown,
}

impl Action {
    /// Every action, in the order help lists them.
    pub const ALL: [Action; 27] = [
        Action::Confirm,
        Action::Skip,
        Action::Abort,
        Action::Stop,
        Action::Note,
        Action::Detected,
        Action::Diagnosed,
        Action::Mitigated,
        Action::Recovered,
        Action::SwitchAuthor,
        Action::Suspend,
        Action::Timeline,
        Action::Report,
        Action::WriteReport,
        Action::Debrief,
        Action::ActionItem,
        Action::Answer,
        Action::AddToBacklog,
        Action::Search,
        Action::Filter,
        Action::Help,
        Action::Quit,
        Action::FocusNext,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
    ];

    /// Short label for the footer.
    pub fn short(self) -> &'static str {
        match self {
            Action::Confirm => "confirm",
            Action::Skip => "skip",
            Action::Abort => "abort",
            Action::Stop => "STOP",
            Action::Note => "note",
            Action::Detected => "detected",
            Action::Diagnosed => "diagnosed",
            Action::Mitigated => "mitigated",
            Action::Recovered => "recovered",
            Action::SwitchAuthor => "author",
            Action::Suspend => "suspend",
            Action::Timeline => "timeline",
            Action::Report => "report",
            Action::WriteReport => "write report",
            Action::Debrief => "debrief",
            Action::ActionItem => "action item",
            Action::Answer => "answer",
            Action::AddToBacklog => "to backlog",
            Action::Search => "search",
            Action::Filter => "filter",
            Action::Help => "help",
            Action::Quit => "quit",
            Action::FocusNext => "focus",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
        }
    }

    /// The name the config file's `keys:` takes (`switch_author`).
    pub fn config_name(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }

    /// What it does, for help and the README.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Confirm => "Run the waiting step (a manual step: mark it done)",
            Action::Skip => "Skip the waiting step, with an optional reason",
            Action::Abort => "Abort the run: asks to confirm and records a reason",
            Action::Stop => "STOP now: cancel the running step, then roll back",
            Action::Note => "Write an observation, weakness, question, action…",
            Action::Detected => "Milestone: the problem was detected",
            Action::Diagnosed => "Milestone: the cause was diagnosed",
            Action::Mitigated => "Milestone: the impact was mitigated",
            Action::Recovered => "Milestone: the system recovered",
            Action::SwitchAuthor => "Change who is writing observations",
            Action::Suspend => "Suspend or resume the Game Day clock (T+ stops)",
            Action::Timeline => "Switch between the Run screen and the Timeline",
            Action::Report => "Preview the session's report (press again to go back)",
            Action::WriteReport => "On the report preview: write report.md and report.html now",
            Action::Debrief => "Debrief: findings → follow-ups (press again to go back)",
            Action::ActionItem => "On the Debrief: an action item from the selected finding",
            Action::Answer => "On the Debrief: answer the selected question",
            Action::AddToBacklog => "On the Debrief: add the finding to the hypothesis backlog",
            Action::Search => "Search the Timeline",
            Action::Filter => "Filter the Timeline by kind",
            Action::Help => "Show or hide this help",
            Action::Quit => "Quit (asks first while a run is active)",
            Action::FocusNext => "Focus: step list, output, log (Debrief: the three lists)",
            Action::Up => "Scroll up in the focused pane",
            Action::Down => "Scroll down in the focused pane",
            Action::PageUp => "Scroll a page up",
            Action::PageDown => "Scroll a page down",
        }
    }
}

/// A key with modifiers, written like `ctrl-x`, `f12`, `enter`, `!`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Self {
        let code = match ev.code {
            // Shifted letters arrive as uppercase chars; keep them as typed.
            KeyCode::BackTab => KeyCode::Tab,
            c => c,
        };
        Self { code, ctrl: ev.modifiers.contains(KeyModifiers::CONTROL), alt: ev.modifiers.contains(KeyModifiers::ALT) }
    }

    /// Parse `ctrl-x`, `alt-enter`, `f12`, `pageup`, `?`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-").or_else(|| lower.strip_prefix("c-")) {
                ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt-").or_else(|| lower.strip_prefix("m-")) {
                alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].chars().all(|c| c.is_ascii_digit()) => {
                KeyCode::F(f[1..].parse().ok()?)
            }
            _ => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
            }
        };
        Some(Self { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            write!(f, "Ctrl-")?;
        }
        if self.alt {
            write!(f, "Alt-")?;
        }
        match self.code {
            KeyCode::Enter => write!(f, "Enter"),
            KeyCode::Esc => write!(f, "Esc"),
            KeyCode::Tab => write!(f, "Tab"),
            KeyCode::Up => write!(f, "↑"),
            KeyCode::Down => write!(f, "↓"),
            KeyCode::Left => write!(f, "←"),
            KeyCode::Right => write!(f, "→"),
            KeyCode::PageUp => write!(f, "PgUp"),
            KeyCode::PageDown => write!(f, "PgDn"),
            KeyCode::Home => write!(f, "Home"),
            KeyCode::End => write!(f, "End"),
            KeyCode::Backspace => write!(f, "Backspace"),
            KeyCode::Delete => write!(f, "Del"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Char(' ') => write!(f, "Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            _ => write!(f, "?"),
        }
    }
}

/// Keys bound to each action.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: BTreeMap<Action, Vec<Key>>,
}

fn keys(specs: &[&str]) -> Vec<Key> {
    specs.iter().filter_map(|s| Key::parse(s)).collect()
}

impl Default for Keymap {
    fn default() -> Self {
        let mut b = BTreeMap::new();
        b.insert(Action::Confirm, keys(&["enter", "c"]));
        b.insert(Action::Skip, keys(&["s"]));
        b.insert(Action::Abort, keys(&["a"]));
        b.insert(Action::Stop, keys(&["f12", "ctrl-x", "!"]));
        b.insert(Action::Note, keys(&["n"]));
        b.insert(Action::Detected, keys(&["1"]));
        b.insert(Action::Diagnosed, keys(&["2"]));
        b.insert(Action::Mitigated, keys(&["3"]));
        b.insert(Action::Recovered, keys(&["4"]));
        b.insert(Action::SwitchAuthor, keys(&["u"]));
        b.insert(Action::Suspend, keys(&["p"]));
        b.insert(Action::Timeline, keys(&["t"]));
        b.insert(Action::Report, keys(&["r"]));
        b.insert(Action::WriteReport, keys(&["w"]));
        b.insert(Action::Debrief, keys(&["d"]));
        b.insert(Action::ActionItem, keys(&["i"]));
        b.insert(Action::Answer, keys(&["A"]));
        b.insert(Action::AddToBacklog, keys(&["b"]));
        b.insert(Action::Search, keys(&["/"]));
        b.insert(Action::Filter, keys(&["f"]));
        b.insert(Action::Help, keys(&["?"]));
        b.insert(Action::Quit, keys(&["q"]));
        b.insert(Action::FocusNext, keys(&["tab"]));
        b.insert(Action::Up, keys(&["up", "k"]));
        b.insert(Action::Down, keys(&["down", "j"]));
        b.insert(Action::PageUp, keys(&["pageup"]));
        b.insert(Action::PageDown, keys(&["pagedown"]));
        Self { bindings: b }
    }
}

impl Keymap {
    /// Apply overrides from the config file: `{stop: ["f12", "ctrl-x"], …}`.
    /// Unknown keys are reported, not ignored silently.
    pub fn with_overrides(mut self, overrides: &BTreeMap<Action, Vec<String>>) -> Result<Self, String> {
        for (action, specs) in overrides {
            let mut parsed = Vec::new();
            for s in specs {
                parsed
                    .push(Key::parse(s).ok_or_else(|| format!("unknown key '{s}' for {action:?} in the config file"))?);
            }
            self.bindings.insert(*action, parsed);
        }
        if self.keys(Action::Stop).is_empty() {
            return Err("STOP must keep at least one key".into());
        }
        Ok(self)
    }

    /// The action a key triggers. STOP wins over anything else on the same key.
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        let k = Key::from_event(key);
        if self.keys(Action::Stop).contains(&k) {
            return Some(Action::Stop);
        }
        Action::ALL.iter().copied().find(|a| self.keys(*a).contains(&k))
    }

    /// Keys of one action.
    pub fn keys(&self, action: Action) -> &[Key] {
        self.bindings.get(&action).map(Vec::as_slice).unwrap_or(&[])
    }

    /// `F12/Ctrl-x/!`
    pub fn label(&self, action: Action) -> String {
        self.keys(action).iter().map(ToString::to_string).collect::<Vec<_>>().join("/")
    }

    /// The README's key table, generated (a test compares it with the README).
    pub fn markdown_table(&self) -> String {
        let mut out = String::from("| Keys | Action | Config name |\n|---|---|---|\n");
        for a in Action::ALL {
            let keys = self
                .keys(a)
                .iter()
                .map(|k| format!("`{}`", k.to_string().replace('|', "\\|")))
                .collect::<Vec<_>>()
                .join(" ");
            out.push_str(&format!("| {keys} | {} | `{}` |\n", a.describe(), a.config_name()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventKind;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new_with_kind(code, m, KeyEventKind::Press)
    }

    #[test]
    fn stop_keys() {
        let km = Keymap::default();
        assert_eq!(km.action(&ev(KeyCode::F(12), KeyModifiers::NONE)), Some(Action::Stop));
        assert_eq!(km.action(&ev(KeyCode::Char('x'), KeyModifiers::CONTROL)), Some(Action::Stop));
        assert_eq!(km.action(&ev(KeyCode::Char('!'), KeyModifiers::SHIFT)), Some(Action::Stop));
        assert_eq!(km.action(&ev(KeyCode::Char('x'), KeyModifiers::NONE)), None);
    }

    #[test]
    fn overrides_rebind() {
        let mut o = BTreeMap::new();
        o.insert(Action::Note, vec!["o".to_string()]);
        let km = Keymap::default().with_overrides(&o).unwrap();
        assert_eq!(km.action(&ev(KeyCode::Char('o'), KeyModifiers::NONE)), Some(Action::Note));
        assert_eq!(km.action(&ev(KeyCode::Char('n'), KeyModifiers::NONE)), None);
        o.insert(Action::Stop, vec![]);
        assert!(Keymap::default().with_overrides(&o).is_err());
        o.insert(Action::Stop, vec!["hyper-q".into()]);
        assert!(Keymap::default().with_overrides(&o).is_err());
    }
}
