//! Text that is safe to print to a terminal or a log: control characters
//! (other than newline and tab), DEL, C1 controls and the Unicode bidi
//! controls are shown as visible escapes (`\x1b`, `\u{202e}`), so a title, a
//! note or a remote service's error text cannot move the cursor, retitle the
//! window, write the clipboard (OSC 52) or reorder what is read.
use std::borrow::Cow;

/// Whether `c` would act on a terminal or on the reading order rather than show.
fn acts_on_terminal(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every character that acts on a terminal replaced by its escape.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(acts_on_terminal) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !acts_on_terminal(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

/// A JSON text with every character that acts on a terminal written as a
/// `\uXXXX` escape (still the same JSON). serde escapes C0 controls itself
/// but writes DEL, C1 and bidi controls as they are.
pub fn json_terminal_safe(json: &str) -> Cow<'_, str> {
    if !json.chars().any(acts_on_terminal) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if acts_on_terminal(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Bytes that may not be UTF-8, shown safely: invalid sequences as U+FFFD.
pub fn terminal_safe_bytes(bytes: &[u8]) -> String {
    terminal_safe(&String::from_utf8_lossy(bytes)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_obeyed() {
        let hostile = "a\x1b]52;c;aGk=\x07b\x1b[2Jc\rd\x08e\u{9b}f\u{202e}g\x7f\n\tok";
        assert_eq!(terminal_safe(hostile), "a\\x1b]52;c;aGk=\\x07b\\x1b[2Jc\\x0dd\\x08e\\u{9b}f\\u{202e}g\\x7f\n\tok");
        assert!(matches!(terminal_safe("plain ünïcode\n\t"), Cow::Borrowed(_)));
        assert_eq!(terminal_safe_bytes(b"x\xff\x1b"), "x\u{fffd}\\x1b");
        let json = serde_json::to_string("a\u{9b}b\u{202e}c\x1b").unwrap();
        let safe = json_terminal_safe(&json);
        assert_eq!(safe, r#""a\u009bb\u202ec\u001b""#);
        assert_eq!(serde_json::from_str::<String>(&safe).unwrap(), "a\u{9b}b\u{202e}c\x1b");
    }
}
