//! Checks a regex tolerance pattern the way Python's `re.compile` would, with
//! Rust's `regex` doing the parsing. Python-only spellings that mean the same
//! thing are rewritten first, and Rust's errors are given Python's wording
//! where there is an equivalent (Chaos Toolkit quotes `re.error.msg`).
use regex::Regex;

/// `Err(msg)` carries the reason in Python's words when it has one.
pub fn check(pattern: &str) -> Result<(), String> {
    match Regex::new(&to_rust(pattern)) {
        Ok(_) => Ok(()),
        Err(e) => Err(python_reason(&e.to_string())),
    }
}

/// Python's `$` (without MULTILINE): end of text, or before a final newline.
/// Searching only asks whether there is a match, so consuming the newline is fine.
const PY_DOLLAR: &str = r"(?:\n?\z)";

/// Rewrite Python-only spellings: `${name}` templates (substituted before the
/// pattern is used), literal braces that are not a quantifier, `{,n}` and `\Z`.
pub fn to_rust(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    // With an inline MULTILINE flag, `$` already means "before any newline".
    let multiline = pattern
        .match_indices("(?")
        .any(|(i, _)| pattern[i + 2..].chars().take_while(|c| c.is_ascii_alphabetic()).any(|c| c == 'm'));
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            match chars.get(i + 1) {
                Some('Z') if !in_class => out.push_str("\\z"),
                Some(n) => {
                    out.push('\\');
                    out.push(*n);
                }
                None => out.push('\\'),
            }
            i += 2;
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push(c);
                // `[]` and `[^]` open with a literal `]`.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            '$' if chars.get(i + 1) == Some(&'{') => {
                if let Some(len) = template_len(&chars[i..]) {
                    out.push('x');
                    i += len;
                    continue;
                }
                out.push_str(PY_DOLLAR);
            }
            // Python's `$` also matches just before a trailing newline.
            '$' if !multiline => out.push_str(PY_DOLLAR),
            '{' => match quantifier(&chars[i..]) {
                Some((text, len)) => {
                    out.push_str(&text);
                    i += len;
                    continue;
                }
                None => out.push_str("\\{"),
            },
            '}' => out.push_str("\\}"),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Length of a `${identifier}` template at the start of `s`.
fn template_len(s: &[char]) -> Option<usize> {
    let end = s.iter().position(|c| *c == '}')?;
    let name = &s[2..end];
    let ok = !name.is_empty()
        && (name[0].is_ascii_alphabetic() || name[0] == '_')
        && name.iter().all(|c| c.is_ascii_alphanumeric() || *c == '_');
    ok.then_some(end + 1)
}

/// A Python quantifier `{m}`, `{m,}`, `{,n}`, `{m,n}` at the start of `s`,
/// rewritten for Rust, with its length.
fn quantifier(s: &[char]) -> Option<(String, usize)> {
    let end = s.iter().position(|c| *c == '}')?;
    let body: String = s[1..end].iter().collect();
    let (lo, hi) = match body.split_once(',') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (body.as_str(), None),
    };
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    if !digits(lo) || !hi.is_none_or(digits) {
        return None;
    }
    let text = match hi {
        None if lo.is_empty() => return None,
        None => format!("{{{lo}}}"),
        Some(hi) => {
            let lo = if lo.is_empty() { "0" } else { lo };
            format!("{{{lo},{hi}}}")
        }
    };
    Some((text, end + 1))
}

/// Python's `re.error.msg` for the Rust errors that have an equivalent.
fn python_reason(rust: &str) -> String {
    let reason = rust.lines().rev().find_map(|l| l.strip_prefix("error: ")).unwrap_or(rust).trim();
    let table = [
        ("unclosed character class", "unterminated character set"),
        ("unclosed group", "missing ), unterminated subpattern"),
        ("unopened group", "unbalanced parenthesis"),
        ("repetition operator missing expression", "nothing to repeat"),
        ("invalid character class range", "bad character range"),
        ("invalid repetition count range", "min repeat greater than max repeat"),
        ("unrecognized escape sequence", "bad escape"),
    ];
    table
        .iter()
        .find(|(rust, _)| reason.starts_with(rust))
        .map(|(_, py)| py.to_string())
        .unwrap_or_else(|| reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_messages() {
        assert_eq!(check("(["), Err("unterminated character set".into()));
        assert_eq!(check("("), Err("missing ), unterminated subpattern".into()));
        assert_eq!(check(")"), Err("unbalanced parenthesis".into()));
        assert_eq!(check("*"), Err("nothing to repeat".into()));
    }

    #[test]
    fn python_only_spellings_are_accepted() {
        for p in ["${x}", "a{", "x{,3}", "}", r"\Z", "a{}", "[]a]", "[0-9]{2}", "${x}-[a-z]+"] {
            assert_eq!(check(p), Ok(()), "{p}");
        }
    }
}
