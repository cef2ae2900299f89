//! Append a failure card to a backlog file as text. The YAML library writes
//! a document anew and would drop the team's comments, so the card is
//! inserted as lines at the end of the `cards:` list; the result is parsed
//! and checked (every earlier card unchanged, the new one present) before it
//! replaces the file, so a backlog is never left half-written or unreadable.
use crate::load::{Format, parse_document};
use crate::model::backlog::{Backlog, DEFAULT_ILITIES};
use std::io::Write;
use std::path::Path;

/// What the Debrief knows about a finding. Likelihood and impact are the
/// team's call: the card gets the middle of the map (the format requires a
/// place) and a comment saying so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCard {
    /// Preferred id; `-2`, `-3`… are added when it is taken.
    pub id: String,
    pub title: String,
    pub description: String,
    /// `Game Day <title>, <date>` (the format's `source` only takes
    /// `incident` or `brainstorm`, so this goes in a key of its own).
    pub origin: String,
    /// The session directory, so the card leads back to the evidence.
    pub links: Vec<String>,
}

/// How a new backlog file starts.
fn new_file_header() -> String {
    format!(
        "# Hypothesis backlog: failure cards to explore in Game Days, each placed on\n\
         # the likelihood × impact map (1–5 each). `gameday backlog FILE` shows it.\n\
         ilities: [{}]\n\
         cards:\n",
        DEFAULT_ILITIES.join(", ")
    )
}

/// A YAML double-quoted scalar (JSON's string syntax is a subset of it).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The card's lines, its `- ` at `indent` spaces.
fn render(card: &NewCard, id: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut s = String::new();
    s.push_str(&format!("{pad}# Added in the debrief of {}.\n", card.origin.replace('\n', " ")));
    s.push_str(&format!("{pad}# Likelihood and impact are placeholders: place the card on the map.\n"));
    s.push_str(&format!("{pad}- id: {}\n", quoted(id)));
    let field = |k: &str, v: &str| format!("{pad}  {k}: {}\n", quoted(v));
    s.push_str(&field("title", &card.title));
    s.push_str(&field("description", &card.description));
    s.push_str(&field("origin", &card.origin));
    s.push_str(&format!("{pad}  likelihood: 3\n{pad}  impact: 3\n{pad}  status: backlog\n"));
    if !card.links.is_empty() {
        let links: Vec<String> = card.links.iter().map(|l| quoted(l)).collect();
        s.push_str(&format!("{pad}  links: [{}]\n", links.join(", ")));
    }
    s
}

/// Is this line a top-level key or list item (not blank, comment or marker)?
fn top_level(line: &str) -> bool {
    !line.is_empty()
        && !line.starts_with([' ', '\t', '#'])
        && !line.starts_with("---")
        && !line.starts_with("...")
        && !line.starts_with('%')
}

fn is_item(line: &str) -> bool {
    line == "-" || line.starts_with("- ")
}

/// Where the card's lines go in `text` (a byte offset at a line start), the
/// indentation of the list's items, and `text` itself (an empty flow list
/// `cards: []` is opened up into a block list).
fn insertion(text: &str) -> Result<(usize, usize, String), String> {
    let mut starts = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        starts.push((at, line.trim_end_matches(['\n', '\r'])));
        at += line.len();
    }
    let first_top = starts.iter().position(|(_, l)| top_level(l));
    if let Some(i) = first_top
        && is_item(starts[i].1)
    {
        // The whole document is the list of cards.
        return Ok((text.len(), 0, text.to_string()));
    }
    let Some(cards) = starts.iter().position(|(_, l)| l.starts_with("cards:")) else {
        return Err("it has no top-level `cards:` list".into());
    };
    let after = starts[cards].1["cards:".len()..].trim();
    let after = after.split(" #").next().unwrap_or("").trim();
    if after == "[]" {
        let (off, line) = starts[cards];
        let mut opened = String::with_capacity(text.len());
        opened.push_str(&text[..off]);
        opened.push_str(&line.replacen("[]", "", 1));
        opened.push_str(&text[off + line.len()..]);
        return insertion(&opened);
    }
    if !after.is_empty() && !after.starts_with('#') {
        return Err("its `cards:` are written inline (`[…]`); add the card by hand".into());
    }
    let item_indent = starts[cards + 1..]
        .iter()
        .map(|(_, l)| *l)
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter(|l| is_item(l.trim_start()))
        .map(|l| l.len() - l.trim_start().len())
        .unwrap_or(2);
    // The list ends at the next top-level key (a top-level `- ` belongs to
    // the list when its items are not indented).
    let next = starts[cards + 1..]
        .iter()
        .position(|(_, l)| top_level(l) && !(item_indent == 0 && is_item(l)))
        .map(|i| i + cards + 1);
    let Some(mut end) = next else { return Ok((text.len(), item_indent, text.to_string())) };
    // Comments and blank lines just above the next key belong to it.
    while end > cards + 1 && {
        let l = starts[end - 1].1.trim_start();
        l.is_empty() || (l.starts_with('#') && starts[end - 1].1.len() == l.len())
    } {
        end -= 1;
    }
    Ok((starts[end].0, item_indent, text.to_string()))
}

/// An id not used by any card of the backlog.
fn unique_id(wanted: &str, backlog: &Backlog) -> String {
    let mut id = wanted.to_string();
    let mut n = 2;
    while backlog.card(&id).is_some() {
        id = format!("{wanted}-{n}");
        n += 1;
    }
    id
}

/// Add `card` to the backlog at `path` (created when missing). Returns the
/// card's id. The file is replaced only by a text that loads as a backlog
/// with every earlier card unchanged and the new one added.
pub fn append(path: &Path, card: &NewCard) -> Result<String, String> {
    let shown = path.display();
    let exists = path.exists();
    let (text, old) = if exists {
        let old = Backlog::load(path).map_err(|e| format!("{shown} does not load as a backlog: {e}"))?;
        let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
        (text, old)
    } else {
        (new_file_header(), Backlog::new())
    };
    let id = unique_id(&card.id, &old);
    let (offset, indent, text) = insertion(&text).map_err(|e| format!("cannot add a card to {shown}: {e}"))?;
    let mut new_text = String::with_capacity(text.len() + 512);
    new_text.push_str(&text[..offset]);
    if !new_text.is_empty() && !new_text.ends_with('\n') {
        new_text.push('\n');
    }
    new_text.push_str(&render(card, &id, indent));
    new_text.push_str(&text[offset..]);
    check(&new_text, &old, &id, path)?;
    write(path, &new_text, exists)?;
    Ok(id)
}

/// The new text must load, keep every card and add exactly `id`.
fn check(new_text: &str, old: &Backlog, id: &str, path: &Path) -> Result<(), String> {
    let unsafe_edit =
        |why: String| format!("{} was not changed: the card could not be added safely ({why})", path.display());
    let doc = parse_document(&path.display().to_string(), new_text.as_bytes(), Format::Yaml)
        .map_err(|e| unsafe_edit(e.to_string()))?;
    let new = Backlog::from_doc(&doc).map_err(|e| unsafe_edit(e.message.clone()))?;
    let kept = old.cards.iter().all(|c| new.card(&c.id) == Some(c));
    if new.cards.len() != old.cards.len() + 1 || new.card(id).is_none() || !kept {
        return Err(unsafe_edit("the file's layout is unusual".into()));
    }
    Ok(())
}

/// Replace (or create) the file in one step: a reader sees the old text or
/// the new one. An existing file keeps its permissions.
fn write(path: &Path, text: &str, exists: bool) -> Result<(), String> {
    let shown = path.display();
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !exists {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut f =
            std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| format!("{shown}: {e}"))?;
        f.write_all(text.as_bytes()).map_err(|e| format!("{shown}: {e}"))?;
        return f.sync_all().map_err(|e| format!("{shown}: {e}"));
    }
    let perms = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?.permissions();
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    tmp.write_all(text.as_bytes()).map_err(|e| format!("{shown}: {e}"))?;
    tmp.as_file().sync_all().map_err(|e| format!("{shown}: {e}"))?;
    std::fs::set_permissions(tmp.path(), perms).map_err(|e| format!("{shown}: {e}"))?;
    tmp.persist(path).map_err(|e| format!("{shown}: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> NewCard {
        NewCard {
            id: "GD-1".into(),
            title: "Nobody saw the queue: \"lag\" # not a comment".into(),
            description: "Nobody saw the queue\nfor four minutes.".into(),
            origin: "Game Day Orders, 2025-06-14".into(),
            links: vec!["/srv/sessions/x".into()],
        }
    }

    fn roundtrip(before: &str) -> (String, Backlog) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("b.yaml");
        std::fs::write(&p, before).unwrap();
        let id = append(&p, &card()).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        let b = Backlog::load(&p).unwrap();
        assert_eq!(b.card(&id).unwrap().description, "Nobody saw the queue\nfor four minutes.");
        (text, b)
    }

    const ONE: &str = "  - id: A\n    title: a\n    description: d\n    likelihood: 1\n    impact: 1\n";

    #[test]
    fn appends_after_the_last_card_and_keeps_comments() {
        let before = format!("# top comment\nilities: [x]\ncards:\n{ONE}  # trailing comment\n");
        let (text, b) = roundtrip(&before);
        assert!(text.starts_with(&before), "{text}");
        assert_eq!(b.cards.len(), 2);
    }

    #[test]
    fn inserts_before_a_later_key_and_its_comment() {
        let before = format!("cards:\n{ONE}\n# about extra\nextra: 1\n");
        let (text, b) = roundtrip(&before);
        assert!(text.ends_with("\n# about extra\nextra: 1\n"), "{text}");
        assert!(text.starts_with(&format!("cards:\n{ONE}")));
        assert_eq!(b.cards.len(), 2);
    }

    #[test]
    fn other_shapes() {
        // A bare list, unindented items, an empty flow list, no final newline.
        let (_, b) = roundtrip("- id: A\n  title: a\n  description: d\n  likelihood: 1\n  impact: 1");
        assert_eq!(b.cards.len(), 2);
        let (_, b) = roundtrip("cards:\n- id: A\n  title: a\n  description: d\n  likelihood: 1\n  impact: 1\nx: 1\n");
        assert_eq!(b.cards.len(), 2);
        let (text, b) = roundtrip("# mine\ncards: []  # none yet\n");
        assert_eq!(b.cards.len(), 1);
        assert!(text.starts_with("# mine\ncards:   # none yet\n"), "{text}");
    }

    #[test]
    fn creates_a_new_file_and_refuses_what_it_cannot_edit_safely() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("new/backlog.yaml");
        assert_eq!(append(&p, &card()).unwrap(), "GD-1");
        assert_eq!(append(&p, &card()).unwrap(), "GD-1-2");
        assert_eq!(Backlog::load(&p).unwrap().cards.len(), 2);
        let flow = d.path().join("flow.yaml");
        let text = "cards: [{id: A, title: a, description: d, likelihood: 1, impact: 1}]\n";
        std::fs::write(&flow, text).unwrap();
        assert!(append(&flow, &card()).is_err());
        assert_eq!(std::fs::read_to_string(&flow).unwrap(), text);
    }
}
