//! The parsed form of a path, mirroring jsonpath2's node and subscript
//! classes closely enough that evaluation can follow them one to one.
use std::collections::BTreeMap;

/// Where a path starts: `$` (the document) or `@` (the current value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Anchor {
    Root,
    Current,
}

/// `$…` or `@…`.
#[derive(Debug, Clone)]
pub(crate) struct Path {
    pub(crate) anchor: Anchor,
    pub(crate) steps: Vec<Step>,
}

/// One subscript of the path.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// `.x`, `[…]`: the selectors applied to the current value.
    Child(Vec<Selector>),
    /// `..x`, `..[…]`: the selectors applied to the current value and to
    /// every value below it, depth first.
    Descend(Vec<Selector>),
}

/// One entry of a subscript (`[a, b]` has two).
#[derive(Debug, Clone)]
pub(crate) enum Selector {
    /// Object member; the name is kept exactly as written (escapes included).
    Name(String),
    /// Array element (negative counts from the end).
    Index(i128),
    /// `[start:end:step]`, Python `range` semantics as jsonpath2 computes them.
    Slice { start: Option<i128>, end: Option<i128>, step: Option<i128> },
    /// `*`: every member or element.
    Wildcard,
    /// `?(…)`: the current value itself when the expression holds.
    Filter(Box<Expr>),
    /// `[$…]` / `[@…]`: each integer (or string) the inner path matches is used
    /// as an index (or name) into the current value.
    Node(Box<Path>),
    /// `name(args)`.
    Call(Func, Vec<Operand>),
}

/// jsonpath2's callable subscripts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Func {
    CharAt,
    Entries,
    Keys,
    Length,
    Substring,
    Values,
}

impl Func {
    /// The function of that exact name, if jsonpath2 has one.
    pub(crate) fn by_name(name: &str) -> Option<Func> {
        Some(match name {
            "charAt" => Func::CharAt,
            "entries" => Func::Entries,
            "keys" => Func::Keys,
            "length" => Func::Length,
            "substring" => Func::Substring,
            "values" => Func::Values,
            _ => return None,
        })
    }
}

/// A comparison operand or call argument: a path, or a JSON literal.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Path(Path),
    Lit(Lit),
}

/// A filter expression.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Cmp(CmpOp, Operand, Operand),
    /// A lone operand: a path holds when it matches anything, a literal when
    /// it is truthy in Python.
    Some(Operand),
}

/// Comparison operators (`=` is equality in this dialect).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A JSON literal written in the path. It is a Python value: integers are
/// unbounded, strings keep their escapes undecoded.
#[derive(Debug, Clone)]
pub(crate) enum Lit {
    Null,
    Bool(bool),
    Int(PyInt),
    Float(f64),
    Str(String),
    List(Vec<Lit>),
    /// Key order never matters (literals are only compared, never output).
    Dict(BTreeMap<String, Lit>),
}

/// A Python `int` literal: small ones exactly, larger ones as decimal digits.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PyInt {
    Small(i128),
    /// Magnitude beyond `i128`; `digits` has no sign and no leading zero.
    Big {
        negative: bool,
        digits: String,
    },
}

/// Bound used where an index or slice bound is too large to matter: every
/// array is far shorter, and the sum of two of these still fits in `i128`.
pub(crate) const INDEX_CLAMP: i128 = 1 << 100;

impl PyInt {
    /// Parses `-?[0-9]+` (already validated by the lexer).
    pub(crate) fn parse(text: &str) -> PyInt {
        if let Ok(v) = text.parse::<i128>() {
            return PyInt::Small(v);
        }
        let negative = text.starts_with('-');
        let digits = text.trim_start_matches('-').to_string();
        PyInt::Big { negative, digits }
    }

    /// The value clamped to `±INDEX_CLAMP`, for index arithmetic.
    pub(crate) fn clamped(&self) -> i128 {
        match self {
            PyInt::Small(v) => (*v).clamp(-INDEX_CLAMP, INDEX_CLAMP),
            PyInt::Big { negative: true, .. } => -INDEX_CLAMP,
            PyInt::Big { negative: false, .. } => INDEX_CLAMP,
        }
    }
}
