//! Escaping for the Markdown report: nothing from a session may become
//! Markdown syntax or raw HTML — no link, image, heading, list, fence or
//! table cell of its own. Characters that open inline syntax (`\`, `` ` ``,
//! `*`, `[`, `]`, `~`, `_` at a word's edge, `|` in a cell) are
//! backslash-escaped, `&`, `<`, `>` become entities, a line that would start
//! a block (`#`, `-`, `+`, `=`, `:`, `1.`) has its first mark escaped, and
//! `://` is written `:\/\/` so no renderer turns a bare URL into a link.
//! Control characters are shown as escapes (crate::term_text). Each escape streams into a writer (the long
//! lists are written row by row, rows.rs) and has a `String` form for the
//! template filters of render.rs.
use std::fmt::{self, Write};

/// Escape for a Markdown table cell: one line (runs of whitespace become
/// one space), no pipes, no raw HTML.
pub fn write_cell<W: Write + ?Sized>(out: &mut W, s: &str) -> fmt::Result {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    write_escaped(out, &one_line, true)
}

/// Escape inline Markdown text; continuation lines are indented so a
/// multi-line note stays inside its list item.
pub fn write_inline<W: Write + ?Sized>(out: &mut W, s: &str) -> fmt::Result {
    let s = s.trim();
    let s = if s.contains('\r') { std::borrow::Cow::Owned(s.replace("\r\n", "\n")) } else { s.into() };
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.write_str("\n  ")?;
        }
        write_escaped(out, line, false)?;
    }
    Ok(())
}

/// One line of text, escaped as the module docs say; `in_cell` escapes `|`
/// too, and leaves block marks alone (a cell holds no blocks).
fn write_escaped<W: Write + ?Sized>(out: &mut W, line: &str, in_cell: bool) -> fmt::Result {
    let safe = crate::term_text::terminal_safe(line);
    let chars: Vec<char> = safe.chars().collect();
    let first = chars.iter().position(|c| !c.is_whitespace()).unwrap_or(chars.len());
    let block_mark = if in_cell { None } else { starts_block(&chars[first..]).map(|m| first + m) };
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        match c {
            '&' => out.write_str("&amp;")?,
            '<' => out.write_str("&lt;")?,
            '>' => out.write_str("&gt;")?,
            '\\' | '`' | '*' | '[' | ']' | '~' => {
                out.write_char('\\')?;
                out.write_char(c)?;
            }
            '|' if in_cell => out.write_str("\\|")?,
            '_' if !(before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric)) => {
                out.write_str("\\_")?
            }
            '/' if before == Some('/') || (before == Some(':') && after == Some('/')) => out.write_str("\\/")?,
            _ if Some(i) == block_mark => {
                out.write_char('\\')?;
                out.write_char(c)?;
            }
            _ => out.write_char(c)?,
        }
    }
    Ok(())
}

/// Where the mark is, relative to the line's start, when `rest` (a line from
/// its first non-blank character) would open a block: a heading, a list
/// item, a setext underline, a definition or a line block.
fn starts_block(rest: &[char]) -> Option<usize> {
    match rest.first()? {
        '#' | '-' | '+' | '=' | ':' | '|' => Some(0),
        c if c.is_ascii_digit() => {
            let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            matches!(rest.get(digits), Some('.' | ')')).then_some(digits)
        }
        _ => None,
    }
}

/// [`write_cell`] as a string.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing into a String cannot fail.
    let _ = write_cell(&mut out, s);
    out
}

/// [`write_inline`] as a string.
pub fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = write_inline(&mut out, s);
    out
}

/// The longest run of backticks in `s`.
fn longest_backtick_run(s: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// A fenced code block whose fence cannot be closed by the content.
pub fn fence(s: &str) -> String {
    let s = crate::term_text::terminal_safe(s);
    let fence = "`".repeat((longest_backtick_run(&s) + 1).max(3));
    format!("{fence}text\n{}\n{fence}", s.trim_end())
}

/// An inline code span (backticks included) on one line that its content
/// cannot close; `in_cell` escapes `|`, which a table splits on even there.
pub fn code(s: &str, in_cell: bool) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut text = crate::term_text::terminal_safe(&one_line).into_owned();
    if text.is_empty() {
        return String::new();
    }
    if in_cell {
        text = text.replace('|', "\\|");
    }
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    // A space on each side keeps a backtick at either end from joining the fence.
    if text.starts_with('`') || text.ends_with('`') {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes() {
        assert_eq!(cell("a|b\nc <x>"), "a\\|b c &lt;x&gt;");
        assert_eq!(fence("x ``` y"), "````text\nx ``` y\n````");
        assert_eq!(inline("one\ntwo"), "one\n  two");
        assert_eq!(inline(" a\r\nb\rc & d \n"), "a\n  b\\\\x0dc &amp; d");
        assert_eq!(inline("snake_case_name and _em_"), "snake_case_name and \\_em\\_");
    }

    #[test]
    fn nothing_breaks_out_of_its_place() {
        assert_eq!(inline("[x](javascript:alert(1))"), "\\[x\\](javascript:alert(1))");
        assert_eq!(inline("![](http://t.example/p.gif)"), "!\\[\\](http:\\/\\/t.example/p.gif)");
        assert_eq!(
            inline("ok\n# owned\n```\n1. item\n  - item"),
            "ok\n  \\# owned\n  \\`\\`\\`\n  1\\. item\n    \\- item"
        );
        // A backslash before a pipe stays inside its cell.
        assert_eq!(cell("a\\|b"), "a\\\\\\|b");
        assert_eq!(code("a ` b | c", true), "``a ` b \\| c``");
        assert_eq!(code("`x`", false), "`` `x` ``");
        assert_eq!(inline("t\x1b]52;c;aGk=\x07"), "t\\\\x1b\\]52;c;aGk=\\\\x07");
    }
}
