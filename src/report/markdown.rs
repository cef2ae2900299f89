//! Escaping for the Markdown report: nothing from a session may become
//! Markdown syntax or raw HTML. Each escape streams into a writer (the long
//! lists are written row by row, rows.rs) and has a `String` form for the
//! template filters of render.rs.
use std::fmt::{self, Write};

/// Escape for a Markdown table cell: one line (runs of whitespace become
/// one space), no pipes, no raw HTML.
pub fn write_cell<W: Write + ?Sized>(out: &mut W, s: &str) -> fmt::Result {
    for (i, word) in s.split_whitespace().enumerate() {
        if i > 0 {
            out.write_char(' ')?;
        }
        write_escaped(out, word, |c| (c == '|').then_some("\\|"))?;
    }
    Ok(())
}

/// Escape inline Markdown text; continuation lines are indented so a
/// multi-line note stays inside its list item.
pub fn write_inline<W: Write + ?Sized>(out: &mut W, s: &str) -> fmt::Result {
    let indent = |c| (c == '\n').then_some("\n  ");
    let s = s.trim();
    if s.contains('\r') { write_escaped(out, &s.replace("\r\n", "\n"), indent) } else { write_escaped(out, s, indent) }
}

/// `s` with `&`, `<`, `>` as HTML entities and `extra` characters replaced.
fn write_escaped<W: Write + ?Sized>(out: &mut W, s: &str, extra: impl Fn(char) -> Option<&'static str>) -> fmt::Result {
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let rep = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            c => match extra(c) {
                Some(r) => r,
                None => continue,
            },
        };
        out.write_str(&s[start..i])?;
        out.write_str(rep)?;
        start = i + c.len_utf8();
    }
    out.write_str(&s[start..])
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

/// A fenced code block whose fence cannot be closed by the content.
pub fn fence(s: &str) -> String {
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
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}text\n{}\n{fence}", s.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escapes as first written (whole-string replaces), for comparison.
    fn cell_by_replace(s: &str) -> String {
        let one = s.split_whitespace().collect::<Vec<_>>().join(" ");
        one.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('|', "\\|")
    }

    fn inline_by_replace(s: &str) -> String {
        let e = s.trim().replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        e.replace("\r\n", "\n").replace('\n', "\n  ")
    }

    #[test]
    fn markdown_escapes() {
        assert_eq!(cell("a|b\nc <x>"), "a\\|b c &lt;x&gt;");
        assert_eq!(fence("x ``` y"), "````text\nx ``` y\n````");
        assert_eq!(inline("one\ntwo"), "one\n  two");
        assert_eq!(inline(" a\r\nb\rc & d \n"), "a\n  b\rc &amp; d");
    }

    #[test]
    fn streaming_escapes_match_whole_string_replaces() {
        for s in [
            "",
            "   ",
            "plain text",
            "  lead and trail  ",
            "tabs\tand\u{a0}nbsp and\u{2003}em",
            "a||b | c",
            "<script>&amp;</script>",
            "multi\nline\r\nwith\rcr\n\n",
            "ünïcödé 🎉 | <b>",
        ] {
            assert_eq!(cell(s), cell_by_replace(s), "cell {s:?}");
            assert_eq!(inline(s), inline_by_replace(s), "inline {s:?}");
        }
    }
}
