//! The Backlog screen's state and keys. No drawing here (see `draw`).
//!
//! Every change (status, acceptable, a link to a new playbook) is saved to
//! the backlog file at once with `Backlog::save`; when that fails the change
//! is undone on screen and the reason shown.
use crate::model::backlog::{Backlog, Card, high_impact_likelihood, most_ilities, safe_start};
use crate::model::playbook::template::TemplateParams;
use crate::tui::theme::Theme;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::{Path, PathBuf};

/// Which cards are on the map and how the list is ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Every card, in file order.
    All,
    /// High likelihood × impact on the key -ilities.
    HighImpactLikelihood,
    /// Lowest impact first.
    SafeStart,
    /// The most -ilities first.
    MostIlities,
}

impl Filter {
    pub const ALL: [Filter; 4] = [Filter::All, Filter::HighImpactLikelihood, Filter::SafeStart, Filter::MostIlities];

    /// The filter's name on screen.
    pub fn name(self) -> &'static str {
        match self {
            Filter::All => "all cards",
            Filter::HighImpactLikelihood => "high impact × likelihood",
            Filter::SafeStart => "safe start",
            Filter::MostIlities => "most -ilities",
        }
    }

    /// The key that chooses it.
    pub fn key(self) -> char {
        match self {
            Filter::All => '0',
            Filter::HighImpactLikelihood => '1',
            Filter::SafeStart => '2',
            Filter::MostIlities => '3',
        }
    }

    /// How the list is ordered, in a few words.
    pub fn rule(self) -> &'static str {
        match self {
            Filter::All => "every card, in file order",
            Filter::HighImpactLikelihood => "likelihood × impact on key -ilities",
            Filter::SafeStart => "lowest impact first, then the more likely",
            Filter::MostIlities => "most -ilities first, then likelihood × impact",
        }
    }
}

/// What the caller should do after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    Quit,
}

/// Everything the screen shows and edits.
pub struct BacklogScreen {
    pub path: PathBuf,
    pub backlog: Backlog,
    /// Where `c` writes new playbooks (`playbooks/` by default).
    pub playbooks_dir: PathBuf,
    pub theme: Theme,
    pub filter: Filter,
    /// The -ility the first rule looks at; `None`: any.
    pub key_ility: Option<String>,
    /// The selected cell: (likelihood, impact), both 1–5.
    pub cell: (u8, u8),
    /// Which card of the cell is selected.
    pub in_cell: usize,
    pub help: bool,
    pub flash: Option<String>,
}

/// A card id as a file name: lower case, anything but letters, digits,
/// `-` and `_` turned into `-`.
pub fn file_stem(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c.to_ascii_lowercase() } else { '-' })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "card".into() } else { s }
}

impl BacklogScreen {
    /// Load the backlog (errors with file:line:column).
    pub fn open(path: &Path, playbooks_dir: &Path, theme: Theme) -> Result<BacklogScreen, String> {
        let backlog = Backlog::load(path).map_err(|e| e.to_string())?;
        let mut s = BacklogScreen {
            path: path.to_path_buf(),
            backlog,
            playbooks_dir: playbooks_dir.to_path_buf(),
            theme,
            filter: Filter::All,
            key_ility: None,
            cell: (5, 5),
            in_cell: 0,
            help: false,
            flash: None,
        };
        s.select_first();
        Ok(s)
    }

    fn key_ilities(&self) -> Vec<String> {
        self.key_ility.iter().cloned().collect()
    }

    /// The cards the filter shows, ranked (file order for "all").
    pub fn ranked(&self) -> Vec<&Card> {
        let cards = &self.backlog.cards;
        match self.filter {
            Filter::All => cards.iter().collect(),
            Filter::HighImpactLikelihood => high_impact_likelihood(cards, &self.key_ilities()),
            Filter::SafeStart => safe_start(cards),
            Filter::MostIlities => most_ilities(cards),
        }
    }

    /// The shown cards in cell (likelihood, impact), in backlog order.
    pub fn cell_cards(&self, likelihood: u8, impact: u8) -> Vec<&Card> {
        let shown: Vec<&str> = self.ranked().iter().map(|c| c.id.as_str()).collect();
        self.backlog
            .cards
            .iter()
            .filter(|c| c.likelihood == likelihood && c.impact == impact && shown.contains(&c.id.as_str()))
            .collect()
    }

    /// The selected card, if the selected cell has one.
    pub fn selected(&self) -> Option<&Card> {
        let cards = self.cell_cards(self.cell.0, self.cell.1);
        cards.get(self.in_cell.min(cards.len().saturating_sub(1))).copied()
    }

    fn select_card(&mut self, id: &str) {
        let Some(c) = self.backlog.card(id) else { return };
        self.cell = (c.likelihood, c.impact);
        self.in_cell = self.cell_cards(self.cell.0, self.cell.1).iter().position(|c| c.id == id).unwrap_or(0);
    }

    /// The card at the top of the ranking ("all": highest likelihood × impact).
    fn select_first(&mut self) {
        let first = match self.filter {
            Filter::All => self
                .backlog
                .cards
                .iter()
                .min_by_key(|c| std::cmp::Reverse((u16::from(c.likelihood) * u16::from(c.impact), c.impact)))
                .map(|c| c.id.clone()),
            _ => self.ranked().first().map(|c| c.id.clone()),
        };
        if let Some(id) = first {
            self.select_card(&id);
        }
    }

    /// Switch the filter and select the top of its ranking: what the rule
    /// says to explore next.
    fn set_filter(&mut self, f: Filter) {
        self.filter = f;
        self.select_first();
        let n = self.ranked().len();
        if f == Filter::All {
            self.flash = Some(format!("All {n} cards, in file order."));
            return;
        }
        self.flash = Some(format!("{}: {n} candidates (in backlog, not acceptable).", f.name()));
    }

    /// Handle one key press.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return Outcome::Quit;
        }
        if self.help {
            if matches!(key.code, KeyCode::Esc | KeyCode::Char('?' | 'q') | KeyCode::Enter) {
                self.help = false;
            }
            return Outcome::Continue;
        }
        self.flash = None;
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Outcome::Quit,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Up | KeyCode::Char('k') => self.move_cell(1, 0),
            KeyCode::Down | KeyCode::Char('j') => self.move_cell(-1, 0),
            KeyCode::Right | KeyCode::Char('l') => self.move_cell(0, 1),
            KeyCode::Left | KeyCode::Char('h') => self.move_cell(0, -1),
            KeyCode::Tab => self.cycle(1),
            KeyCode::BackTab => self.cycle(-1),
            KeyCode::Char(']') | KeyCode::Char('n') | KeyCode::PageDown => self.step_ranked(1),
            KeyCode::Char('[') | KeyCode::Char('p') | KeyCode::PageUp => self.step_ranked(-1),
            KeyCode::Char('f') => {
                let i = Filter::ALL.iter().position(|f| *f == self.filter).unwrap_or(0);
                self.set_filter(Filter::ALL[(i + 1) % Filter::ALL.len()]);
            }
            KeyCode::Char(ch) if Filter::ALL.iter().any(|f| f.key() == ch) => {
                if let Some(f) = Filter::ALL.iter().find(|f| f.key() == ch) {
                    self.set_filter(*f);
                }
            }
            KeyCode::Char('i') => self.cycle_key_ility(),
            KeyCode::Char('s') => self.advance_status(),
            KeyCode::Char('x') => self.toggle_acceptable(),
            KeyCode::Char('c') => self.convert(),
            _ => {}
        }
        Outcome::Continue
    }

    fn move_cell(&mut self, dl: i8, di: i8) {
        let l = (self.cell.0 as i8 + dl).clamp(1, 5) as u8;
        let i = (self.cell.1 as i8 + di).clamp(1, 5) as u8;
        self.cell = (l, i);
        self.in_cell = 0;
    }

    fn cycle(&mut self, delta: isize) {
        let n = self.cell_cards(self.cell.0, self.cell.1).len();
        if n < 2 {
            self.flash = Some(if n == 1 { "One card in this cell." } else { "No card in this cell." }.into());
            return;
        }
        self.in_cell = (self.in_cell as isize + delta).rem_euclid(n as isize) as usize;
    }

    fn step_ranked(&mut self, delta: isize) {
        let ids: Vec<String> = self.ranked().iter().map(|c| c.id.clone()).collect();
        if ids.is_empty() {
            return;
        }
        let at = self.selected().and_then(|c| ids.iter().position(|id| *id == c.id));
        let next = match at {
            Some(i) => (i as isize + delta).clamp(0, ids.len() as isize - 1) as usize,
            None => 0,
        };
        self.select_card(&ids[next]);
    }

    fn cycle_key_ility(&mut self) {
        let all = &self.backlog.ilities;
        self.key_ility = match &self.key_ility {
            None => all.first().cloned(),
            Some(k) => all.iter().position(|x| x == k).and_then(|i| all.get(i + 1)).cloned(),
        };
        let which = self.key_ility.clone().unwrap_or_else(|| "any".into());
        self.set_filter(Filter::HighImpactLikelihood);
        self.flash = Some(format!("Key -ility: {which} ({} cards).", self.ranked().len()));
    }

    /// Change the selected card with `edit`, then save; undone if saving fails.
    fn change(&mut self, edit: impl FnOnce(&mut Card) -> Result<String, String>) {
        let Some(id) = self.selected().map(|c| c.id.clone()) else {
            self.flash = Some("No card selected: move to a cell with a card.".into());
            return;
        };
        let before = self.backlog.clone();
        let Some(card) = self.backlog.card_mut(&id) else { return };
        let what = match edit(card) {
            Ok(w) => w,
            Err(why) => {
                self.flash = Some(why);
                return;
            }
        };
        match self.backlog.save(&self.path) {
            Ok(()) => self.flash = Some(format!("{what}; saved.")),
            Err(e) => {
                self.backlog = before;
                self.flash = Some(format!("NOT SAVED: {e}"));
            }
        }
        // The card may have left the filter (status, acceptable): keep it
        // selected if it is still shown.
        if self.ranked().iter().any(|c| c.id == id) {
            self.select_card(&id);
        }
    }

    fn advance_status(&mut self) {
        self.change(|c| match c.status.next() {
            Some(next) => {
                let from = c.status;
                c.status = next;
                Ok(format!("{}: {} → {}", c.id, from.as_str(), next.as_str()))
            }
            None => Err(format!("{} is already at {}, the last stage.", c.id, c.status.as_str())),
        });
    }

    fn toggle_acceptable(&mut self) {
        self.change(|c| {
            c.acceptable = !c.acceptable;
            Ok(if c.acceptable {
                format!("{} marked acceptable (left out of the selections)", c.id)
            } else {
                format!("{} no longer acceptable", c.id)
            })
        });
    }

    /// Write `playbooks/<id>.yaml` from the selected card (never over an
    /// existing file), link it from the card and save the backlog.
    fn convert(&mut self) {
        let Some(card) = self.selected().cloned() else {
            self.flash = Some("No card selected: move to a cell with a card.".into());
            return;
        };
        let target = self.playbooks_dir.join(format!("{}.yaml", file_stem(&card.id)));
        match write_new(&target, &card.to_playbook(TemplateParams::default())) {
            Ok(()) => {
                let link = target.display().to_string();
                self.change(|c| {
                    if !c.links.contains(&link) {
                        c.links.push(link.clone());
                    }
                    Ok(format!("Wrote {link} (check it with `gameday plan {link}`)"))
                });
            }
            Err(e) => self.flash = Some(e),
        }
    }
}

/// Write `text` to `path` atomically, refusing to replace an existing file.
pub fn write_new(path: &Path, text: &str) -> Result<(), String> {
    if path.exists() {
        return Err(format!("{} already exists; not overwritten.", path.display()));
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".new-playbook-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
    tmp.as_file().sync_all().map_err(|e| format!("{}: {e}", path.display()))?;
    tmp.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            format!("{} already exists; not overwritten.", path.display())
        } else {
            format!("{}: {}", path.display(), e.error)
        }
    })?;
    Ok(())
}

/// The keys of the Backlog screen, for the help overlay.
pub const KEYS: &[(&str, &str)] = &[
    ("←↑↓→ hjkl", "move between cells (up: more likely, right: more impact)"),
    ("Tab S-Tab", "next / previous card in the cell"),
    ("] [ n p", "next / previous card in the ranked list"),
    ("0", "filter: all cards"),
    ("1", "filter: high impact × likelihood on the key -ilities"),
    ("2", "filter: safe start (lowest impact first)"),
    ("3", "filter: most -ilities first"),
    ("f", "next filter"),
    ("i", "key -ility for filter 1: any, then each of the backlog's"),
    ("s", "advance the card's status (backlog → game-day → …)"),
    ("x", "mark the card acceptable (or not)"),
    ("c", "write a new playbook from the card (playbooks/<id>.yaml)"),
    ("?", "this help"),
    ("q Esc", "quit (every change is already saved)"),
];
