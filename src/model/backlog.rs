//! The hypothesis backlog: failure cards the team brainstormed or took from
//! incidents, each placed on a likelihood × impact map (1–5 each, relative
//! guesses rather than probabilities) and tagged with the -ilities it puts at
//! risk. A card becomes a hypothesis, and then a Game Day playbook.
//!
//! File format (YAML; `cards:` may also be the whole document as a list):
//!
//! ```yaml
//! ilities: [reliability, safety, security, durability, availability]  # the team's taxonomy (optional)
//! cards:
//!   - id: DB1-DOWN                     # unique
//!     title: Primary database becomes unavailable
//!     description: The primary of DB1 dies; failover should promote the replica.
//!     source: incident                 # incident | brainstorm
//!     areas: [infrastructure]          # infrastructure | platform | application | people-practices-processes
//!     likelihood: 3                    # 1 (hardly ever) … 5 (seen often)
//!     impact: 5                        # 1 (nobody notices) … 5 (customers badly hit)
//!     ilities: [durability, availability]
//!     acceptable: false                # true: not worth exploring
//!     hypothesis: The system meets its SLOs if DB1 becomes unavailable.
//!     status: backlog                  # backlog → game-day → weakness-found → improved → chaos-test
//!     links: [playbooks/database-failover.yaml]
//! ```
//!
//! Unknown keys on a card or at the top are kept when the backlog is saved.
//! Saving keeps the order of keys and cards but loses comments (the YAML is
//! written anew from the data).
pub mod select;

use crate::load::validate::{LocatedError, locate_pointer};
use crate::model::playbook::Hypothesis;
use crate::model::playbook::fields::{
    Field, FieldError, boolean, get, join, kind, list, mapping, required_text, short, text, texts,
};
use crate::model::playbook::template::TemplateParams;
pub use select::{Grid, grid, high_impact_likelihood, most_ilities, safe_start};
use serde_json::{Map, Value};
use std::path::Path;

/// Where the failure idea came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Incident,
    Brainstorm,
}

/// Where dark debt may hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Infrastructure,
    Platform,
    Application,
    PeoplePracticesProcesses,
}

/// A card's place in the learning loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Backlog,
    GameDay,
    WeaknessFound,
    Improved,
    ChaosTest,
}

macro_rules! names {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];
            /// The name as written in the file.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),* }
            }
            pub fn parse(s: &str) -> Option<$ty> {
                match s { $($name => Some($ty::$variant),)* _ => None }
            }
            fn choices() -> String {
                [$($name),*].join(", ")
            }
        }
    };
}

names!(Source { Incident => "incident", Brainstorm => "brainstorm" });
names!(Area {
    Infrastructure => "infrastructure",
    Platform => "platform",
    Application => "application",
    PeoplePracticesProcesses => "people-practices-processes",
});
names!(Status {
    Backlog => "backlog",
    GameDay => "game-day",
    WeaknessFound => "weakness-found",
    Improved => "improved",
    ChaosTest => "chaos-test",
});

impl Status {
    /// The next stage of the lifecycle (`None` after chaos-test).
    pub fn next(self) -> Option<Status> {
        let i = Status::ALL.iter().position(|s| *s == self)?;
        Status::ALL.get(i + 1).copied()
    }
}

/// One failure card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: String,
    pub title: String,
    pub description: String,
    pub source: Option<Source>,
    pub areas: Vec<Area>,
    /// 1 (hardly ever) to 5 (seen often).
    pub likelihood: u8,
    /// 1 (nobody notices) to 5 (customers badly hit).
    pub impact: u8,
    pub ilities: Vec<String>,
    /// Declared not worth exploring; left out of every selection.
    pub acceptable: bool,
    pub hypothesis: Option<String>,
    pub status: Status,
    /// Playbooks, sessions, journals, tickets.
    pub links: Vec<String>,
}

/// The -ilities a new backlog starts with.
pub const DEFAULT_ILITIES: &[&str] = &["reliability", "safety", "security", "durability", "availability"];

/// A loaded backlog: typed cards plus the document they came from (kept so
/// that saving preserves key order and keys we do not know).
#[derive(Debug, Clone, PartialEq)]
pub struct Backlog {
    /// The team's -ilities taxonomy (the defaults when the file has none).
    pub ilities: Vec<String>,
    pub cards: Vec<Card>,
    doc: Value,
}

impl Card {
    /// The card turned around into a hypothesis: "when it happens, it will
    /// not have the impact". The card's own statement wins when it has one.
    pub fn to_hypothesis(&self) -> Hypothesis {
        let statement = self.hypothesis.clone().unwrap_or_else(|| {
            let what = self.title.trim_end_matches('.');
            format!("When this happens — {what} — the system keeps meeting its objectives and users do not feel it.")
        });
        Hypothesis { statement, backlog: Some(self.id.clone()), ilities: self.ilities.clone() }
    }

    /// Template parameters for a Game Day exploring this card; `base` holds
    /// the rest (style, environment, people). The title becomes the card's.
    pub fn to_template(&self, base: TemplateParams) -> TemplateParams {
        TemplateParams {
            title: format!("Game Day: {}", self.title),
            hypothesis: Some(self.to_hypothesis()),
            conditions: Some(self.description.clone()),
            ..base
        }
    }

    /// A new playbook (YAML text) exploring this card.
    pub fn to_playbook(&self, base: TemplateParams) -> String {
        crate::model::playbook::template::render(&self.to_template(base))
    }

    /// The -ilities of the card that are in `key`.
    pub fn key_ilities(&self, key: &[String]) -> usize {
        self.ilities.iter().filter(|i| key.iter().any(|k| k.eq_ignore_ascii_case(i))).count()
    }
}

impl Backlog {
    /// An empty backlog with the default -ilities.
    pub fn new() -> Self {
        let ilities: Vec<String> = DEFAULT_ILITIES.iter().map(|s| s.to_string()).collect();
        let doc = serde_json::json!({"ilities": ilities, "cards": []});
        Self { ilities, cards: Vec::new(), doc }
    }

    /// Load and check a backlog file; problems come with file:line:column.
    pub fn load(path: &Path) -> Result<Backlog, LocatedError> {
        let loaded = crate::load::load_path(path).map_err(|e| {
            let mut l = LocatedError::from(e);
            if l.file.is_empty() {
                l.file = path.display().to_string();
            }
            l
        })?;
        Backlog::from_doc(&loaded.doc)
            .map_err(|e| locate_pointer(&loaded.origin, &loaded.raw, &e.pointer, e.on_key, &e.message))
    }

    /// Read a backlog document; the first problem with its JSON pointer.
    pub fn from_doc(doc: &Value) -> Field<Backlog> {
        let (ilities, cards_value, cards_pointer) = match doc {
            Value::Array(_) => (None, doc, String::new()),
            Value::Object(root) => {
                let cards = root.get("cards").ok_or_else(|| {
                    FieldError::new("", "a backlog needs a `cards:` list (or is itself a list of cards)")
                })?;
                let ilities = if get(root, "ilities").is_some() {
                    Some(texts(root, "ilities", "", "the backlog's `ilities`")?)
                } else {
                    None
                };
                (ilities, cards, "/cards".to_string())
            }
            other => {
                return Err(FieldError::new(
                    "",
                    format!("a backlog must be a mapping with `cards:`, not {}", kind(other)),
                ));
            }
        };
        let items = list(cards_value, &cards_pointer, "`cards`")?;
        let mut cards: Vec<Card> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let pointer = format!("{cards_pointer}/{i}");
            let card = card(item, &pointer)?;
            if let Some(first) = cards.iter().position(|c| c.id == card.id) {
                return Err(FieldError::new(
                    join(&pointer, "id"),
                    format!(
                        "the card id '{}' is already used by card {} of the list; ids must be unique",
                        card.id,
                        first + 1
                    ),
                ));
            }
            cards.push(card);
        }
        let ilities = ilities.unwrap_or_else(|| DEFAULT_ILITIES.iter().map(|s| s.to_string()).collect());
        Ok(Backlog { ilities, cards, doc: doc.clone() })
    }

    pub fn card(&self, id: &str) -> Option<&Card> {
        self.cards.iter().find(|c| c.id == id)
    }

    pub fn card_mut(&mut self, id: &str) -> Option<&mut Card> {
        self.cards.iter_mut().find(|c| c.id == id)
    }

    /// The document with the cards as they are now: keys keep their order,
    /// unknown keys stay, new cards go at the end.
    pub fn to_doc(&self) -> Value {
        let originals: Vec<&Map<String, Value>> = match &self.doc {
            Value::Array(a) => a.iter().filter_map(Value::as_object).collect(),
            Value::Object(m) => {
                m.get("cards").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object).collect()
            }
            _ => Vec::new(),
        };
        let cards: Vec<Value> = self
            .cards
            .iter()
            .map(|c| {
                let original = originals.iter().find(|o| o.get("id").and_then(Value::as_str) == Some(&c.id));
                Value::Object(write_card(c, original.map(|o| (*o).clone()).unwrap_or_default()))
            })
            .collect();
        match &self.doc {
            Value::Array(_) => Value::Array(cards),
            Value::Object(m) => {
                let mut m = m.clone();
                m.insert("ilities".into(), Value::from(self.ilities.clone()));
                m.insert("cards".into(), Value::Array(cards));
                Value::Object(m)
            }
            _ => serde_json::json!({"ilities": self.ilities, "cards": cards}),
        }
    }

    /// The backlog as YAML text (comments of the original file are not kept).
    pub fn to_yaml(&self) -> Result<String, String> {
        let body = serde_saphyr::to_string(&self.to_doc()).map_err(|e| format!("cannot write the backlog: {e}"))?;
        Ok(format!("# Hypothesis backlog (written by gameday; edit freely).\n{body}"))
    }

    /// Write the backlog to `path` (through a temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = self.to_yaml()?;
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
        tmp.as_file().sync_all().map_err(|e| format!("{}: {e}", path.display()))?;
        tmp.persist(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(())
    }
}

impl Default for Backlog {
    fn default() -> Self {
        Self::new()
    }
}

fn card(item: &Value, pointer: &str) -> Field<Card> {
    let map = mapping(item, pointer, "each card")?;
    let id = match get(map, "id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(FieldError::new(
                join(pointer, "id"),
                format!("a card id must be non-empty text, not {}", short(other)),
            ));
        }
        None => return Err(FieldError::new(pointer, "this card has no `id`; give every card a short unique id")),
    };
    let what = |field: &str| format!("the {field} of card '{id}'");
    let title = required_text(map, "title", pointer, &what("`title`"))?;
    let description = required_text(map, "description", pointer, &what("`description`"))?;
    let source = match get(map, "source") {
        None => None,
        Some(v) => Some(v.as_str().and_then(Source::parse).ok_or_else(|| {
            FieldError::new(
                join(pointer, "source"),
                format!("{} must be one of {}, not {}", what("`source`"), Source::choices(), short(v)),
            )
        })?),
    };
    let areas = texts(map, "areas", pointer, &what("`areas`"))?
        .iter()
        .enumerate()
        .map(|(i, a)| {
            Area::parse(a).ok_or_else(|| {
                let at = if map.get("areas").is_some_and(Value::is_array) {
                    format!("{}/{i}", join(pointer, "areas"))
                } else {
                    join(pointer, "areas")
                };
                FieldError::new(at, format!("'{a}' is not a dark-debt area; use one of {}", Area::choices()))
            })
        })
        .collect::<Field<Vec<Area>>>()?;
    let likelihood = scale(map, "likelihood", pointer, &id)?;
    let impact = scale(map, "impact", pointer, &id)?;
    let status = match get(map, "status") {
        None => Status::Backlog,
        Some(v) => v.as_str().and_then(Status::parse).ok_or_else(|| {
            FieldError::new(
                join(pointer, "status"),
                format!("{} must be one of {}, not {}", what("`status`"), Status::choices(), short(v)),
            )
        })?,
    };
    Ok(Card {
        title,
        description,
        source,
        areas,
        likelihood,
        impact,
        ilities: texts(map, "ilities", pointer, &what("`ilities`"))?,
        acceptable: boolean(map, "acceptable", pointer, &what("`acceptable` flag"))?.unwrap_or(false),
        hypothesis: text(map, "hypothesis", pointer, &what("`hypothesis`"))?,
        status,
        links: texts(map, "links", pointer, &what("`links`"))?,
        id,
    })
}

/// A 1–5 position on the map.
fn scale(map: &Map<String, Value>, key: &str, pointer: &str, id: &str) -> Field<u8> {
    let expected = format!("the {key} of card '{id}' must be a whole number from 1 to 5");
    match get(map, key) {
        None => {
            Err(FieldError::new(pointer, format!("card '{id}' has no `{key}`; add one, a whole number from 1 to 5")))
        }
        Some(v) => match v.as_u64() {
            Some(n @ 1..=5) => Ok(n as u8),
            _ => Err(FieldError::new(join(pointer, key), format!("{expected}, not {}", short(v)))),
        },
    }
}

/// Put the typed fields into `m`, keeping the position of keys already there.
fn write_card(c: &Card, mut m: Map<String, Value>) -> Map<String, Value> {
    fn set(m: &mut Map<String, Value>, key: &str, v: Option<Value>) {
        match v {
            Some(v) => {
                m.insert(key.to_string(), v);
            }
            None => {
                m.shift_remove(key);
            }
        }
    }
    let list = |v: &[String]| (!v.is_empty()).then(|| Value::from(v.to_vec()));
    set(&mut m, "id", Some(Value::from(c.id.clone())));
    set(&mut m, "title", Some(Value::from(c.title.clone())));
    set(&mut m, "description", Some(Value::from(c.description.clone())));
    set(&mut m, "source", c.source.map(|s| Value::from(s.as_str())));
    let areas: Vec<String> = c.areas.iter().map(|a| a.as_str().to_string()).collect();
    set(&mut m, "areas", list(&areas));
    set(&mut m, "likelihood", Some(Value::from(c.likelihood)));
    set(&mut m, "impact", Some(Value::from(c.impact)));
    set(&mut m, "ilities", list(&c.ilities));
    let acceptable = c.acceptable || m.contains_key("acceptable");
    set(&mut m, "acceptable", acceptable.then_some(Value::Bool(c.acceptable)));
    set(&mut m, "hypothesis", c.hypothesis.clone().map(Value::from));
    set(&mut m, "status", Some(Value::from(c.status.as_str())));
    set(&mut m, "links", list(&c.links));
    m
}
