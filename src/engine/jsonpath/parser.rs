//! Recursive-descent parser for jsonpath2's grammar (`JSONPath.g4` in the
//! python-jsonpath2 sources). It is hand written because no maintained Rust
//! crate implements this dialect (`=` for equality, `and`/`or`/`not`, `or`
//! binding tighter than `and`, callable subscripts, undecoded string
//! escapes); RFC 9535 crates such as `serde_json_path` reject or misread it.
//!
//! Each function below is one grammar rule, and `depth` counts nested rules
//! the way ANTLR nests rule contexts: Python gives up with `RecursionError`
//! once that nesting passes roughly 980, so a path nested more deeply than
//! [`MAX_RULE_DEPTH`] is refused here too (this also bounds our own stack).
use super::ast::{Anchor, CmpOp, Expr, Func, Lit, Operand, Path, PyInt, Selector, Step};
use super::lexer::{Tok, Token, lex};
use std::collections::BTreeMap;

/// Deepest rule nesting accepted, measured against jsonpath2 under Python's
/// default recursion limit of 1000. Python's real limit also depends on
/// parser internals and on how deep the caller already is, so for a given
/// construct the cut-off can differ from jsonpath2's by one or two levels
/// (e.g. 978 vs 979 chained `.a`, 971 vs 973 chained `not`).
pub(crate) const MAX_RULE_DEPTH: usize = 981;

/// Python 3.11's `int()` refuses decimal strings of more digits than this
/// (`sys.get_int_max_str_digits()`), which makes jsonpath2 reject the path.
const MAX_INT_DIGITS: usize = 4300;

/// Parses a whole path (`jsonpath: ROOT_VALUE subscript? EOF`).
pub(crate) fn parse_path(input: &str) -> Result<Path, String> {
    let toks = lex(input)?;
    let mut p = Parser { toks, i: 0, depth: 0 };
    p.enter()?;
    p.expect(&Tok::Dollar, "'$'")?;
    let steps = p.subscripts()?;
    p.expect(&Tok::Eof, "the end of the path")?;
    Ok(Path { anchor: Anchor::Root, steps })
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    depth: usize,
}

type Res<T> = Result<T, String>;

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.i).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn bump(&mut self) -> Tok {
        let tok = self.peek().clone();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        tok
    }

    fn error(&self, wanted: &str) -> String {
        let pos = self.toks.get(self.i).map_or(0, |t| t.pos);
        format!("unexpected {} at position {pos}, expected {wanted}", self.peek().describe())
    }

    fn expect(&mut self, tok: &Tok, wanted: &str) -> Res<()> {
        if self.peek() == tok {
            self.bump();
            Ok(())
        } else {
            Err(self.error(wanted))
        }
    }

    /// Enters one more grammar rule.
    fn enter(&mut self) -> Res<()> {
        self.depth += 1;
        if self.depth > MAX_RULE_DEPTH { Err("path is nested too deeply".to_string()) } else { Ok(()) }
    }

    /// Runs a rule one level deeper.
    fn rule<T>(&mut self, f: impl FnOnce(&mut Self) -> Res<T>) -> Res<T> {
        self.enter()?;
        let out = f(self);
        self.depth -= 1;
        out
    }

    /// `subscript?` — the grammar chains subscripts by right recursion, so
    /// the n-th one sits n rules deep; this loop keeps the same count.
    fn subscripts(&mut self) -> Res<Vec<Step>> {
        let mut steps = Vec::new();
        let base = self.depth;
        while matches!(self.peek(), Tok::DotDot | Tok::Dot | Tok::LBracket) {
            self.enter()?;
            let step = self.subscript()?;
            steps.push(step);
        }
        self.depth = base;
        Ok(steps)
    }

    /// One `subscript` (without its tail).
    fn subscript(&mut self) -> Res<Step> {
        match self.bump() {
            Tok::DotDot => match self.peek() {
                Tok::Id(_) | Tok::Star => Ok(Step::Descend(vec![self.bareword()?])),
                Tok::LBracket => Ok(Step::Descend(self.subscriptables()?)),
                _ => Err(self.error("a name, '*' or '['")),
            },
            Tok::Dot => Ok(Step::Child(vec![self.bareword()?])),
            _ => {
                self.i -= 1;
                Ok(Step::Child(self.subscriptables()?))
            }
        }
    }

    /// `subscriptableBareword: ID subscriptableArguments? | '*'`.
    fn bareword(&mut self) -> Res<Selector> {
        self.rule(|p| match p.peek().clone() {
            Tok::Id(name) => {
                p.bump();
                if p.peek() == &Tok::LParen {
                    let args = p.arguments()?;
                    call(&name, args)
                } else {
                    Ok(Selector::Name(name))
                }
            }
            Tok::Star => {
                p.bump();
                Ok(Selector::Wildcard)
            }
            _ => Err(p.error("a name or '*'")),
        })
    }

    /// `subscriptables: '[' subscriptable (',' subscriptable)* ']'`.
    fn subscriptables(&mut self) -> Res<Vec<Selector>> {
        self.rule(|p| {
            p.expect(&Tok::LBracket, "'['")?;
            let mut out = vec![p.subscriptable()?];
            while p.peek() == &Tok::Comma {
                p.bump();
                out.push(p.subscriptable()?);
            }
            p.expect(&Tok::RBracket, "',' or ']'")?;
            Ok(out)
        })
    }

    /// `subscriptableArguments: '(' (jsonpath__ (',' jsonpath__)*)? ')'`.
    fn arguments(&mut self) -> Res<Vec<Operand>> {
        self.rule(|p| {
            p.expect(&Tok::LParen, "'('")?;
            let mut out = Vec::new();
            if p.peek() != &Tok::RParen {
                out.push(p.operand()?);
                while p.peek() == &Tok::Comma {
                    p.bump();
                    out.push(p.operand()?);
                }
            }
            p.expect(&Tok::RParen, "',' or ')'")?;
            Ok(out)
        })
    }

    /// One `subscriptable` inside brackets.
    fn subscriptable(&mut self) -> Res<Selector> {
        self.rule(|p| match p.peek().clone() {
            Tok::Str(name) => {
                p.bump();
                Ok(Selector::Name(name))
            }
            Tok::Num(_) => {
                let start = p.index_number()?;
                if p.peek() == &Tok::Colon { p.slice(Some(start)) } else { Ok(Selector::Index(start.clamped())) }
            }
            Tok::Colon => p.slice(None),
            Tok::Star => {
                p.bump();
                Ok(Selector::Wildcard)
            }
            Tok::Question => {
                p.bump();
                p.expect(&Tok::LParen, "'('")?;
                let expr = p.expression()?;
                p.expect(&Tok::RParen, "')'")?;
                Ok(Selector::Filter(Box::new(expr)))
            }
            Tok::Dollar | Tok::At => Ok(Selector::Node(Box::new(p.inner_path()?))),
            Tok::Id(name) => {
                p.bump();
                if p.peek() != &Tok::LParen {
                    return Err(p.error("'('"));
                }
                let args = p.arguments()?;
                call(&name, args)
            }
            _ => Err(p.error("a name, index, slice, '*', filter or path")),
        })
    }

    /// `NUMBER{self.tryCast(int)}?`: a number token that Python's `int()`
    /// accepts.
    fn index_number(&mut self) -> Res<PyInt> {
        let pos = self.toks.get(self.i).map_or(0, |t| t.pos);
        match self.bump() {
            Tok::Num(text) => {
                int_literal(&text).ok_or_else(|| format!("index {} at position {pos} is not an integer", short(&text)))
            }
            _ => {
                self.i -= 1;
                Err(self.error("a number"))
            }
        }
    }

    /// `sliceable: ':' NUMBER? (':' NUMBER?)?`, after an optional start.
    fn slice(&mut self, start: Option<PyInt>) -> Res<Selector> {
        self.rule(|p| {
            p.expect(&Tok::Colon, "':'")?;
            let mut end = None;
            let mut step = None;
            if matches!(p.peek(), Tok::Num(_)) {
                end = Some(p.index_number()?);
            }
            if p.peek() == &Tok::Colon {
                p.bump();
                if matches!(p.peek(), Tok::Num(_)) {
                    step = Some(p.index_number()?);
                }
            }
            Ok(Selector::Slice {
                start: start.map(|v| v.clamped()),
                end: end.map(|v| v.clamped()),
                step: step.map(|v| v.clamped()),
            })
        })
    }

    /// `jsonpath_: ('$' | '@') subscript?`.
    fn inner_path(&mut self) -> Res<Path> {
        self.rule(|p| {
            let anchor = match p.bump() {
                Tok::Dollar => Anchor::Root,
                Tok::At => Anchor::Current,
                _ => {
                    p.i -= 1;
                    return Err(p.error("'$' or '@'"));
                }
            };
            let steps = p.subscripts()?;
            Ok(Path { anchor, steps })
        })
    }

    /// `jsonpath__: jsonpath_ | value`.
    fn operand(&mut self) -> Res<Operand> {
        self.rule(|p| match p.peek() {
            Tok::Dollar | Tok::At => Ok(Operand::Path(p.inner_path()?)),
            _ => Ok(Operand::Lit(p.value()?)),
        })
    }

    /// `expression: andExpression`.
    fn expression(&mut self) -> Res<Expr> {
        self.rule(|p| p.and_expression())
    }

    /// `andExpression: orExpression ('and' andExpression)?` (so `or` binds
    /// tighter than `and`).
    fn and_expression(&mut self) -> Res<Expr> {
        let base = self.depth;
        let mut parts = Vec::new();
        loop {
            self.enter()?;
            parts.push(self.or_expression()?);
            if self.peek() != &Tok::And {
                break;
            }
            self.bump();
        }
        self.depth = base;
        Ok(flatten(parts, Expr::And))
    }

    /// `orExpression: notExpression ('or' orExpression)?`.
    fn or_expression(&mut self) -> Res<Expr> {
        let base = self.depth;
        let mut parts = Vec::new();
        loop {
            self.enter()?;
            parts.push(self.not_expression()?);
            if self.peek() != &Tok::Or {
                break;
            }
            self.bump();
        }
        self.depth = base;
        Ok(flatten(parts, Expr::Or))
    }

    /// `notExpression: 'not' notExpression | '(' expression ')' |
    /// jsonpath__ (op jsonpath__)?`.
    fn not_expression(&mut self) -> Res<Expr> {
        let base = self.depth;
        self.enter()?;
        let mut negations = 0usize;
        while self.peek() == &Tok::Not {
            self.bump();
            negations += 1;
            self.enter()?;
        }
        let inner = if self.peek() == &Tok::LParen {
            self.bump();
            let e = self.expression()?;
            self.expect(&Tok::RParen, "')'")?;
            e
        } else {
            let left = self.operand()?;
            let op = match self.peek() {
                Tok::Eq => Some(CmpOp::Eq),
                Tok::Ne => Some(CmpOp::Ne),
                Tok::Lt => Some(CmpOp::Lt),
                Tok::Le => Some(CmpOp::Le),
                Tok::Gt => Some(CmpOp::Gt),
                Tok::Ge => Some(CmpOp::Ge),
                _ => None,
            };
            match op {
                Some(op) => {
                    self.bump();
                    let right = self.operand()?;
                    Expr::Cmp(op, left, right)
                }
                None => Expr::Some(left),
            }
        };
        self.depth = base;
        // jsonpath2 cancels double negations; the meaning is the same.
        Ok(if negations % 2 == 1 {
            match inner {
                Expr::Not(e) => *e,
                e => Expr::Not(Box::new(e)),
            }
        } else {
            inner
        })
    }

    /// `value: STRING | NUMBER | obj | array | true | false | null`.
    fn value(&mut self) -> Res<Lit> {
        self.rule(|p| {
            let pos = p.toks.get(p.i).map_or(0, |t| t.pos);
            match p.bump() {
                Tok::Str(s) => Ok(Lit::Str(s)),
                Tok::Num(text) => number_literal(&text)
                    .ok_or_else(|| format!("integer {} at position {pos} is too long", short(&text))),
                Tok::True => Ok(Lit::Bool(true)),
                Tok::False => Ok(Lit::Bool(false)),
                Tok::Null => Ok(Lit::Null),
                Tok::LBrace => {
                    p.i -= 1;
                    p.object()
                }
                Tok::LBracket => {
                    p.i -= 1;
                    p.array()
                }
                _ => {
                    p.i -= 1;
                    Err(p.error("'$', '@' or a JSON value"))
                }
            }
        })
    }

    /// `obj: '{' pair (',' pair)* '}' | '{' '}'`; a repeated key keeps its
    /// last value, as in Python.
    fn object(&mut self) -> Res<Lit> {
        self.rule(|p| {
            p.expect(&Tok::LBrace, "'{'")?;
            let mut map = BTreeMap::new();
            if p.peek() == &Tok::RBrace {
                p.bump();
                return Ok(Lit::Dict(map));
            }
            loop {
                let (k, v) = p.pair()?;
                map.insert(k, v);
                match p.bump() {
                    Tok::Comma => continue,
                    Tok::RBrace => return Ok(Lit::Dict(map)),
                    _ => {
                        p.i -= 1;
                        return Err(p.error("',' or '}'"));
                    }
                }
            }
        })
    }

    /// `pair: STRING ':' value`.
    fn pair(&mut self) -> Res<(String, Lit)> {
        self.rule(|p| match p.peek().clone() {
            Tok::Str(k) => {
                p.bump();
                p.expect(&Tok::Colon, "':'")?;
                Ok((k, p.value()?))
            }
            _ => Err(p.error("a string key")),
        })
    }

    /// `array: '[' value (',' value)* ']' | '[' ']'`.
    fn array(&mut self) -> Res<Lit> {
        self.rule(|p| {
            p.expect(&Tok::LBracket, "'['")?;
            let mut items = Vec::new();
            if p.peek() == &Tok::RBracket {
                p.bump();
                return Ok(Lit::List(items));
            }
            loop {
                items.push(p.value()?);
                match p.bump() {
                    Tok::Comma => continue,
                    Tok::RBracket => return Ok(Lit::List(items)),
                    _ => {
                        p.i -= 1;
                        return Err(p.error("',' or ']'"));
                    }
                }
            }
        })
    }
}

/// A callable subscript, if jsonpath2 knows the name.
fn call(name: &str, args: Vec<Operand>) -> Res<Selector> {
    Func::by_name(name).map(|f| Selector::Call(f, args)).ok_or_else(|| format!("unknown function '{name}'"))
}

/// Collapses a one-element `and`/`or` into its only member.
fn flatten(mut parts: Vec<Expr>, wrap: fn(Vec<Expr>) -> Expr) -> Expr {
    if parts.len() == 1
        && let Some(only) = parts.pop()
    {
        return only;
    }
    wrap(parts)
}

/// Python `int(text)` for a number token: `None` when it has a fraction or
/// exponent, or more digits than Python converts.
fn int_literal(text: &str) -> Option<PyInt> {
    if text.contains(['.', 'e', 'E']) {
        return None;
    }
    let digits = text.trim_start_matches('-').len();
    (digits <= MAX_INT_DIGITS).then(|| PyInt::parse(text))
}

/// jsonpath2's literal numbers: `float` when the text has `.`, `e` or `E`,
/// otherwise `int` (which fails beyond Python's digit limit).
fn number_literal(text: &str) -> Option<Lit> {
    if text.contains(['.', 'e', 'E']) {
        // The lexer only produces valid JSON numbers; overflow gives ±inf as
        // Python's float() does.
        text.parse::<f64>().ok().map(Lit::Float)
    } else {
        int_literal(text).map(Lit::Int)
    }
}

fn short(text: &str) -> String {
    if text.len() > 24 { format!("{}…", &text[..24]) } else { text.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> bool {
        parse_path(s).is_ok()
    }

    #[test]
    fn accepts_the_dialect() {
        for p in [
            "$",
            " $ . a ",
            "$.a.b",
            r#"$["a"]["b c"]"#,
            "$[*]",
            "$.*",
            "$[-1]",
            "$[1:2:3]",
            "$[::]",
            "$[:]",
            "$[0,1]",
            r#"$["a","b"]"#,
            "$..a",
            "$..[0]",
            "$[?(@.x = 1 and not @.y or @.z != \"q\")]",
            "$[?(@.x >= 1.5e3)]",
            "$.a.length()",
            "$.a[length()]",
            "$.s.substring(1, @.n)",
            "$[?(@ = {\"a\": [1, true, null]})]",
            "$[$.k]",
            "$.andy",
        ] {
            assert!(ok(p), "{p} should parse: {:?}", parse_path(p));
        }
    }

    #[test]
    fn rejects_what_jsonpath2_rejects() {
        for p in [
            "",
            "@",
            "a",
            "$.",
            "$..",
            "$...a",
            "$['a']",
            "$[?(@.a == 1)]",
            "$[1.5]",
            "$[1e2]",
            "$[01]",
            "$[]",
            "$[a]",
            "$.and",
            "$.true",
            "$.nope()",
            "$.a b",
            "$[?()]",
            "$[1:2:3:4]",
        ] {
            assert!(!ok(p), "{p} should be refused");
        }
    }

    #[test]
    fn or_binds_tighter_than_and() {
        let Ok(path) = parse_path("$[?(@.a and @.b or @.c)]") else {
            panic!("parse failed");
        };
        let Step::Child(sels) = &path.steps[0] else {
            panic!("expected a child step");
        };
        let Selector::Filter(expr) = &sels[0] else {
            panic!("expected a filter");
        };
        let Expr::And(parts) = expr.as_ref() else {
            panic!("expected and at the top: {expr:?}");
        };
        assert!(matches!(parts[1], Expr::Or(_)));
    }

    #[test]
    fn integer_digit_limit_matches_python() {
        let ok_digits = "9".repeat(MAX_INT_DIGITS);
        assert!(ok(&format!("$[{ok_digits}]")));
        assert!(ok(&format!("$[-{ok_digits}]")));
        assert!(!ok(&format!("$[{ok_digits}9]")));
        assert!(!ok(&format!("$[?(@ = {ok_digits}9)]")));
        assert!(ok(&format!("$[?(@ = {ok_digits}9.0)]")));
    }

    #[test]
    fn nesting_is_bounded() {
        assert!(ok(&format!("${}", ".a".repeat(900))));
        assert!(!ok(&format!("${}", ".a".repeat(1000))));
        assert!(ok(&format!("${}{}", "[?(@".repeat(100), ")]".repeat(100))));
        assert!(!ok(&format!("${}{}", "[?(@".repeat(120), ")]".repeat(120))));
        assert!(!ok(&format!("$[?({}@)]", "not ".repeat(1000))));
        assert!(ok(&format!("$[?({}@)]", "not ".repeat(900))));
    }
}
