//! Tokens of the jsonpath2 grammar (`JSONPath.g4`), split the way its ANTLR
//! lexer splits them: longest match wins, and a keyword (`and`, `not`, `or`,
//! `true`, `false`, `null`) beats a name of the same length. Any character
//! the grammar has no token for is an error, as jsonpath2 raises on the first
//! "token recognition error".

/// One token kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    At,
    DotDot,
    Dollar,
    Dot,
    Star,
    And,
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
    Ne,
    Not,
    Or,
    True,
    False,
    Null,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Colon,
    Comma,
    LParen,
    RParen,
    Question,
    /// `[_A-Za-z][_A-Za-z0-9]*`
    Id(String),
    /// The text between the quotes, escapes left as written: jsonpath2 takes
    /// `getText()[1:-1]` and never decodes them.
    Str(String),
    /// The number exactly as written.
    Num(String),
    Eof,
}

impl Tok {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        let fixed = match self {
            Tok::At => "'@'",
            Tok::DotDot => "'..'",
            Tok::Dollar => "'$'",
            Tok::Dot => "'.'",
            Tok::Star => "'*'",
            Tok::And => "'and'",
            Tok::Eq => "'='",
            Tok::Ge => "'>='",
            Tok::Gt => "'>'",
            Tok::Le => "'<='",
            Tok::Lt => "'<'",
            Tok::Ne => "'!='",
            Tok::Not => "'not'",
            Tok::Or => "'or'",
            Tok::True => "'true'",
            Tok::False => "'false'",
            Tok::Null => "'null'",
            Tok::LBrace => "'{'",
            Tok::RBrace => "'}'",
            Tok::LBracket => "'['",
            Tok::RBracket => "']'",
            Tok::Colon => "':'",
            Tok::Comma => "','",
            Tok::LParen => "'('",
            Tok::RParen => "')'",
            Tok::Question => "'?'",
            Tok::Eof => "the end of the path",
            Tok::Id(s) => return format!("name '{s}'"),
            Tok::Str(s) => return format!("string \"{}\"", shorten(s)),
            Tok::Num(s) => return format!("number {}", shorten(s)),
        };
        fixed.to_string()
    }
}

/// Keeps error messages short when the offending text is huge.
fn shorten(s: &str) -> String {
    if s.chars().count() > 24 {
        let head: String = s.chars().take(24).collect();
        format!("{head}…")
    } else {
        s.to_string()
    }
}

/// A token and the character offset where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) pos: usize,
}

/// Splits `input` into tokens, ending with [`Tok::Eof`].
pub(crate) fn lex(input: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let next = chars.get(i + 1).copied();
        let tok = match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            '@' => Tok::At,
            '$' => Tok::Dollar,
            '*' => Tok::Star,
            '=' => Tok::Eq,
            '{' => Tok::LBrace,
            '}' => Tok::RBrace,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            ':' => Tok::Colon,
            ',' => Tok::Comma,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '?' => Tok::Question,
            '.' if next == Some('.') => {
                i += 1;
                Tok::DotDot
            }
            '.' => Tok::Dot,
            '>' | '<' | '!' if next == Some('=') => {
                i += 1;
                match c {
                    '>' => Tok::Ge,
                    '<' => Tok::Le,
                    _ => Tok::Ne,
                }
            }
            '>' => Tok::Gt,
            '<' => Tok::Lt,
            '"' => {
                let (text, end) = lex_string(&chars, i)?;
                i = end;
                out.push(Token { tok: Tok::Str(text), pos: start });
                continue;
            }
            '-' | '0'..='9' => {
                let end = lex_number(&chars, i).ok_or_else(|| unknown_char(c, i))?;
                let text: String = chars[i..end].iter().collect();
                i = end;
                out.push(Token { tok: Tok::Num(text), pos: start });
                continue;
            }
            c if c == '_' || c.is_ascii_alphabetic() => {
                let mut end = i + 1;
                while end < chars.len() && (chars[end] == '_' || chars[end].is_ascii_alphanumeric()) {
                    end += 1;
                }
                let word: String = chars[i..end].iter().collect();
                i = end;
                out.push(Token { tok: keyword(word), pos: start });
                continue;
            }
            other => return Err(unknown_char(other, i)),
        };
        i += 1;
        out.push(Token { tok, pos: start });
    }
    out.push(Token { tok: Tok::Eof, pos: chars.len() });
    Ok(out)
}

fn unknown_char(c: char, pos: usize) -> String {
    format!("unexpected character {c:?} at position {pos}")
}

/// A whole-word keyword, or a name.
fn keyword(word: String) -> Tok {
    match word.as_str() {
        "and" => Tok::And,
        "not" => Tok::Not,
        "or" => Tok::Or,
        "true" => Tok::True,
        "false" => Tok::False,
        "null" => Tok::Null,
        _ => Tok::Id(word),
    }
}

/// `'"' (ESC | SAFECODEPOINT)* '"'`; returns the raw inner text and the
/// offset just past the closing quote.
fn lex_string(chars: &[char], open: usize) -> Result<(String, usize), String> {
    let mut i = open + 1;
    loop {
        match chars.get(i) {
            None => return Err(format!("unterminated string starting at position {open}")),
            Some('"') => {
                let text: String = chars[open + 1..i].iter().collect();
                return Ok((text, i + 1));
            }
            Some('\\') => {
                let ok = match chars.get(i + 1) {
                    Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') => {
                        i += 2;
                        true
                    }
                    Some('u') => {
                        let hex = chars.get(i + 2..i + 6);
                        let ok = hex.is_some_and(|h| h.iter().all(char::is_ascii_hexdigit));
                        i += 6;
                        ok
                    }
                    _ => false,
                };
                if !ok {
                    return Err(format!("invalid escape in the string starting at position {open}"));
                }
            }
            Some(c) if (*c as u32) < 0x20 => {
                return Err(format!("control character in the string starting at position {open}"));
            }
            Some(_) => i += 1,
        }
    }
}

/// `'-'? INT ('.' [0-9]+)? EXP?` with `INT: '0' | [1-9][0-9]*` and
/// `EXP: [Ee] [+-]? INT`. Like the ANTLR lexer, a fraction or exponent that
/// does not complete is left for the next token (`1.x` is `1`, `.`, `x`).
/// Returns the end offset, or `None` when not even an integer starts here.
fn lex_number(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start;
    if chars.get(i) == Some(&'-') {
        i += 1;
    }
    i = lex_int(chars, i)?;
    if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        i += 2;
        while chars.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
        }
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        if matches!(chars.get(j), Some('+' | '-')) {
            j += 1;
        }
        if let Some(end) = lex_int(chars, j) {
            i = end;
        }
    }
    Some(i)
}

/// `'0' | [1-9][0-9]*`: a leading zero ends the integer at once.
fn lex_int(chars: &[char], start: usize) -> Option<usize> {
    match chars.get(start) {
        Some('0') => Some(start + 1),
        Some('1'..='9') => {
            let mut i = start + 1;
            while chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            Some(i)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn keywords_win_only_on_whole_words() {
        assert_eq!(kinds("and andy"), vec![Tok::And, Tok::Id("andy".into()), Tok::Eof]);
    }

    #[test]
    fn numbers_stop_where_the_grammar_stops() {
        assert_eq!(
            kinds("01 1.x 1e05"),
            vec![
                Tok::Num("0".into()),
                Tok::Num("1".into()),
                Tok::Num("1".into()),
                Tok::Dot,
                Tok::Id("x".into()),
                Tok::Num("1e0".into()),
                Tok::Num("5".into()),
                Tok::Eof
            ]
        );
        assert!(lex("-x").is_err());
    }

    #[test]
    fn strings_keep_escapes_raw_and_reject_bad_ones() {
        assert_eq!(kinds(r#""a\"b""#), vec![Tok::Str(r#"a\"b"#.into()), Tok::Eof]);
        assert!(lex(r#""\x""#).is_err());
        assert!(lex(r#""\u12""#).is_err());
        assert!(lex("\"a\nb\"").is_err());
        assert!(lex("\"abc").is_err());
        assert!(lex("'a'").is_err());
    }

    #[test]
    fn operators_take_the_longest_match() {
        assert_eq!(
            kinds("...>=>!=<=<"),
            vec![Tok::DotDot, Tok::Dot, Tok::Ge, Tok::Gt, Tok::Ne, Tok::Le, Tok::Lt, Tok::Eof]
        );
        assert!(lex("!").is_err());
        assert!(lex("é").is_err());
    }
}
