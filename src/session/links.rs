//! How a follow-up note names the note it follows up. The reference is
//! plain text in the note (`(from weakness #3, T+00:04:10)`), readable in
//! the report, where notes are listed by T+ rather than by id, and parsed
//! back so the Debrief can show what has been done with each finding and
//! the report can print each question with its answer.
use crate::timefmt::t_plus;

/// `(from weakness #3, T+00:04:10)`, appended to an action item or a
/// backlog note made from note `id`.
pub fn from(kind: &str, id: u64, t: f64) -> String {
    format!("(from {kind} #{id}, {})", t_plus(t))
}

/// The note a follow-up names: `(kind, id)` of its last `(from kind #id`.
pub fn source_of(text: &str) -> Option<(String, u64)> {
    let at = text.rfind("(from ")?;
    let rest = &text[at + "(from ".len()..];
    let (kind, rest) = rest.split_once(" #")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let id = digits.parse().ok()?;
    (!kind.is_empty() && !kind.contains(' ')).then(|| (kind.to_string(), id))
}

/// The answer note: `Answer to question #4 (asked at T+00:06:01): Bob owns it.`
pub fn answer(question: u64, asked_t: f64, answer: &str) -> String {
    format!("Answer to question #{question} (asked at {}): {answer}", t_plus(asked_t))
}

/// `(question id, answer)` when the text is an answer note.
pub fn answer_of(text: &str) -> Option<(u64, String)> {
    let rest = text.strip_prefix("Answer to question #")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let id = digits.parse().ok()?;
    let (_, answer) = rest[digits.len()..].split_once("): ")?;
    Some((id, answer.trim().to_string()))
}

/// The backlog note: `Added card GD-1 to the backlog b.yaml (from weakness #3, T+…)`.
pub fn backlog(card: &str, file: &str, kind: &str, id: u64, t: f64) -> String {
    format!("Added card {card} to the backlog {file} {}", from(kind, id, t))
}

/// The card id when the text is a backlog note.
pub fn backlog_card_of(text: &str) -> Option<String> {
    let rest = text.strip_prefix("Added card ")?;
    let (card, _) = rest.split_once(" to the backlog ")?;
    Some(card.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let t = format!("Add a lag alert {}", from("weakness", 3, 250.0));
        assert_eq!(t, "Add a lag alert (from weakness #3, T+00:04:10)");
        assert_eq!(source_of(&t), Some(("weakness".into(), 3)));
        assert_eq!(source_of("plain (from memory)"), None);
        let a = answer(4, 361.0, "Bob owns it (the pager): yes");
        assert_eq!(answer_of(&a), Some((4, "Bob owns it (the pager): yes".into())));
        assert_eq!(answer_of("Answer to question #x: no"), None);
        let b = backlog("GD-20250614-3", "playbooks/backlog.yaml", "weakness", 3, 250.0);
        assert_eq!(backlog_card_of(&b).as_deref(), Some("GD-20250614-3"));
        assert_eq!(source_of(&b), Some(("weakness".into(), 3)));
    }
}
