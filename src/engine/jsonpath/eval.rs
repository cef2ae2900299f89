//! Evaluation, following jsonpath2's node and subscript classes.
//!
//! jsonpath2 is built from Python generators, so it is lazy: a filter such as
//! `[?(@[0,::0])]` is true as soon as `@[0]` matches, before the invalid
//! slice `::0` would raise. To keep that behaviour while evaluating one step
//! at a time (which keeps our stack shallow for long paths), every step
//! yields a [`Stream`]: the values in jsonpath2's order, then possibly the
//! error that Python would raise when asked for the next one.
use super::ast::{Anchor, CmpOp, Expr, Operand, Path, Selector, Step};
use super::functions::{Produced, call};
use super::pyvalue::{View, eq, order, truthy};
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

/// How much work one evaluation may do (values produced plus values visited
/// by `..`). Python has no such limit; it would simply run for a very long
/// time on the paths that reach it (e.g. `$..*..*..*` on a large document).
pub(crate) const WORK_BUDGET: u64 = 2_000_000;

/// Why an evaluation stopped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EvalError {
    /// An exception jsonpath2 raises too (the run would crash in Chaos Toolkit).
    Python(String),
    /// Our own safety limit, see [`WORK_BUDGET`].
    TooMuchWork,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Python(m) => f.write_str(m),
            EvalError::TooMuchWork => f.write_str("the path does too much work on this document"),
        }
    }
}

/// A matched value: borrowed from the document, or made by a function.
type Item<'a> = Cow<'a, Value>;

/// Values in order, then the error (if any) raised when asking for more.
#[derive(Default)]
pub(crate) struct Stream<'a> {
    pub(crate) items: Vec<Item<'a>>,
    pub(crate) err: Option<EvalError>,
}

/// Remaining work allowance.
pub(crate) struct Budget(u64);

impl Budget {
    pub(crate) fn new() -> Budget {
        Budget(WORK_BUDGET)
    }

    fn spend(&mut self) -> Result<(), EvalError> {
        if self.0 == 0 {
            return Err(EvalError::TooMuchWork);
        }
        self.0 -= 1;
        Ok(())
    }
}

impl<'a> Stream<'a> {
    fn push(&mut self, item: Item<'a>, budget: &mut Budget) {
        match budget.spend() {
            Ok(()) => self.items.push(item),
            Err(e) => self.err = Some(e),
        }
    }

    fn failed(&self) -> bool {
        self.err.is_some()
    }
}

/// Every match of `path`, with `$` bound to `root` and `@` to `cur`.
pub(crate) fn evaluate<'a>(path: &Path, root: &'a Value, cur: &'a Value, budget: &mut Budget) -> Stream<'a> {
    let start = match path.anchor {
        Anchor::Root => root,
        Anchor::Current => cur,
    };
    let mut stream = Stream { items: vec![Cow::Borrowed(start)], err: None };
    for step in &path.steps {
        if stream.items.is_empty() {
            break;
        }
        let mut next = Stream::default();
        for item in &stream.items {
            match step {
                Step::Child(selectors) => {
                    for sel in selectors {
                        apply(sel, root, item, &mut next, budget);
                        if next.failed() {
                            break;
                        }
                    }
                }
                Step::Descend(selectors) => descend(selectors, root, item, &mut next, budget),
            }
            if next.failed() {
                break;
            }
        }
        if !next.failed() {
            next.err = stream.err.take();
        }
        stream = next;
    }
    stream
}

/// `..`: the selectors applied to `item` and then to each value below it,
/// depth first in document order (jsonpath2's `RecursiveDescentNode`).
fn descend<'a>(selectors: &[Selector], root: &'a Value, item: &Item<'a>, out: &mut Stream<'a>, budget: &mut Budget) {
    let visit = |node: Item<'a>, out: &mut Stream<'a>, budget: &mut Budget| {
        for sel in selectors {
            apply(sel, root, &node, out, budget);
            if out.failed() {
                return false;
            }
        }
        true
    };
    match item {
        Cow::Borrowed(v) => preorder(v, budget, out, |n, out, budget| visit(Cow::Borrowed(n), out, budget)),
        Cow::Owned(v) => preorder(v, budget, out, |n, out, budget| visit(Cow::Owned(n.clone()), out, budget)),
    }
}

/// Visits `v` and everything below it in pre-order, without recursion.
fn preorder<'x, 'a>(
    v: &'x Value,
    budget: &mut Budget,
    out: &mut Stream<'a>,
    mut f: impl FnMut(&'x Value, &mut Stream<'a>, &mut Budget) -> bool,
) {
    let mut stack = vec![v];
    while let Some(node) = stack.pop() {
        if let Err(e) = budget.spend() {
            out.err = Some(e);
            return;
        }
        if !f(node, out, budget) {
            return;
        }
        match node {
            Value::Array(a) => stack.extend(a.iter().rev()),
            Value::Object(m) => stack.extend(m.values().rev()),
            _ => {}
        }
    }
}

/// The child values `pick` selects from `item`, borrowed when `item` is.
fn project<'a, F>(item: &Item<'a>, out: &mut Stream<'a>, budget: &mut Budget, pick: F)
where
    F: for<'x> Fn(&'x Value) -> Vec<&'x Value>,
{
    match item {
        Cow::Borrowed(v) => {
            for c in pick(v) {
                out.push(Cow::Borrowed(c), budget);
                if out.failed() {
                    return;
                }
            }
        }
        Cow::Owned(v) => {
            for c in pick(v) {
                out.push(Cow::Owned(c.clone()), budget);
                if out.failed() {
                    return;
                }
            }
        }
    }
}

/// jsonpath2's `ArrayIndexSubscript`: negative indices count from the end,
/// once.
fn array_index(v: &Value, index: i128) -> Option<&Value> {
    let a = v.as_array()?;
    let len = a.len() as i128;
    let at = if index < 0 { index + len } else { index };
    if (0..len).contains(&at) { a.get(usize::try_from(at).ok()?) } else { None }
}

/// One selector applied to one value.
fn apply<'a>(sel: &Selector, root: &'a Value, item: &Item<'a>, out: &mut Stream<'a>, budget: &mut Budget) {
    match sel {
        Selector::Name(name) => {
            project(item, out, budget, |v| v.as_object().and_then(|m| m.get(name)).into_iter().collect())
        }
        Selector::Index(i) => project(item, out, budget, |v| array_index(v, *i).into_iter().collect()),
        Selector::Slice { start, end, step } => {
            let Some(len) = item.as_array().map(Vec::len) else {
                return;
            };
            match slice_indices(len, *start, *end, *step) {
                Ok(indices) => {
                    project(item, out, budget, |v| indices.iter().filter_map(|i| array_index(v, *i)).collect())
                }
                Err(e) => out.err = Some(e),
            }
        }
        Selector::Wildcard => project(item, out, budget, |v| match v {
            Value::Array(a) => a.iter().collect(),
            Value::Object(m) => m.values().collect(),
            _ => Vec::new(),
        }),
        Selector::Filter(expr) => match eval_expr(expr, root, item, budget) {
            Ok(true) => out.push(item.clone(), budget),
            Ok(false) => {}
            Err(e) => out.err = Some(e),
        },
        Selector::Node(path) => {
            let keys = evaluate(path, root, item, budget);
            for key in &keys.items {
                let key = View::Doc(key);
                if let Some(i) = key.as_index() {
                    project(item, out, budget, |v| array_index(v, i).into_iter().collect());
                } else if let Some(name) = key.as_str() {
                    project(item, out, budget, |v| v.as_object().and_then(|m| m.get(name)).into_iter().collect());
                }
                if out.failed() {
                    return;
                }
            }
            if let Some(e) = keys.err {
                out.err = Some(e);
            }
        }
        Selector::Call(func, args) => {
            // Python's itertools.product reads every argument in full first.
            let mut streams: Vec<Stream<'_>> = Vec::new();
            for arg in args {
                if let Operand::Path(p) = arg {
                    let s = evaluate(p, root, item, budget);
                    if let Some(e) = s.err {
                        out.err = Some(e);
                        return;
                    }
                    streams.push(s);
                }
            }
            let mut next_stream = streams.iter();
            let columns: Vec<Vec<View<'_>>> = args
                .iter()
                .map(|arg| match arg {
                    Operand::Lit(l) => vec![View::Lit(l)],
                    Operand::Path(_) => next_stream
                        .next()
                        .map(|s| s.items.iter().map(|v| View::Doc(v.as_ref())).collect())
                        .unwrap_or_default(),
                })
                .collect();
            for_each_combination(&columns, budget, out, |combo, out, budget| {
                match call(*func, item, combo) {
                    Some(Produced::Same) => out.push(item.clone(), budget),
                    Some(Produced::New(v)) => out.push(Cow::Owned(v), budget),
                    None => {}
                }
                !out.failed()
            });
        }
    }
}

/// Every combination of one value per column, last column fastest
/// (`itertools.product` order). A product of no columns has one empty
/// combination.
fn for_each_combination<'v, 'a>(
    columns: &[Vec<View<'v>>],
    budget: &mut Budget,
    out: &mut Stream<'a>,
    mut f: impl FnMut(&[View<'v>], &mut Stream<'a>, &mut Budget) -> bool,
) {
    if columns.iter().any(Vec::is_empty) {
        return;
    }
    let mut odometer = vec![0usize; columns.len()];
    let mut combo: Vec<View<'v>> = columns.iter().map(|c| c[0]).collect();
    loop {
        if let Err(e) = budget.spend() {
            out.err = Some(e);
            return;
        }
        if !f(&combo, out, budget) {
            return;
        }
        // Advance, last column first.
        let mut col = columns.len();
        loop {
            if col == 0 {
                return;
            }
            col -= 1;
            odometer[col] += 1;
            if odometer[col] < columns[col].len() {
                combo[col] = columns[col][odometer[col]];
                break;
            }
            odometer[col] = 0;
            combo[col] = columns[col][0];
        }
    }
}

/// The indices `range(...)` yields in jsonpath2's `ArraySliceSubscript`,
/// keeping only those that can select something (`-len <= i < len`; an index
/// below zero still wraps once, as jsonpath2 passes it to its index
/// subscript).
fn slice_indices(
    len: usize,
    start: Option<i128>,
    end: Option<i128>,
    step: Option<i128>,
) -> Result<Vec<i128>, EvalError> {
    let n = len as i128;
    let lo = match start {
        None => 0,
        Some(s) if s < 0 && s.abs() < n => s + n,
        Some(s) if s < 0 => 0,
        Some(s) => s,
    };
    let hi = match end {
        None => n,
        Some(e) if e < 0 => e + n,
        Some(e) => e,
    };
    let step = step.unwrap_or(1);
    let mut out = Vec::new();
    if step == 0 {
        return Err(EvalError::Python("ValueError: range() arg 3 must not be zero".to_string()));
    }
    if step > 0 {
        // lo is never negative here.
        let mut i = lo;
        while i < hi && i < n {
            out.push(i);
            i += step;
        }
    } else {
        let down = -step;
        let mut i = lo;
        if i > n - 1 {
            // Skip the indices past the end without visiting them.
            let skip = (i - (n - 1) + down - 1) / down;
            i -= skip * down;
        }
        while i > hi && i >= -n {
            out.push(i);
            i -= down;
        }
    }
    Ok(out)
}

/// A filter expression on the current value.
fn eval_expr(expr: &Expr, root: &Value, cur: &Value, budget: &mut Budget) -> Result<bool, EvalError> {
    match expr {
        Expr::And(parts) => {
            for p in parts {
                if !eval_expr(p, root, cur, budget)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Expr::Or(parts) => {
            for p in parts {
                if eval_expr(p, root, cur, budget)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Expr::Not(inner) => Ok(!eval_expr(inner, root, cur, budget)?),
        Expr::Some(Operand::Lit(l)) => Ok(truthy(l)),
        Expr::Some(Operand::Path(p)) => {
            let s = evaluate(p, root, cur, budget);
            if !s.items.is_empty() {
                return Ok(true);
            }
            s.err.map_or(Ok(false), Err)
        }
        Expr::Cmp(op, left, right) => compare(*op, left, right, root, cur, budget),
    }
}

/// jsonpath2's `BinaryOperatorExpression.evaluate`: true when some pair of
/// left and right values satisfies `op`. When both sides are paths, the
/// right side is a generator that the first left value exhausts, so only
/// the first left value is ever compared (`[?(@.a[*] = 2)]` looks at every
/// element, `[?(@.a[*] = @.b)]` only at the first one).
fn compare(
    op: CmpOp,
    left: &Operand,
    right: &Operand,
    root: &Value,
    cur: &Value,
    budget: &mut Budget,
) -> Result<bool, EvalError> {
    let holds = |a: View<'_>, b: View<'_>| test(op, a, b);
    match (left, right) {
        (Operand::Lit(a), Operand::Lit(b)) => Ok(holds(View::Lit(a), View::Lit(b))),
        (Operand::Path(p), Operand::Lit(b)) => {
            let s = evaluate(p, root, cur, budget);
            if s.items.iter().any(|a| holds(View::Doc(a), View::Lit(b))) {
                return Ok(true);
            }
            s.err.map_or(Ok(false), Err)
        }
        (Operand::Lit(a), Operand::Path(p)) => {
            let s = evaluate(p, root, cur, budget);
            if s.items.iter().any(|b| holds(View::Lit(a), View::Doc(b))) {
                return Ok(true);
            }
            s.err.map_or(Ok(false), Err)
        }
        (Operand::Path(lp), Operand::Path(rp)) => {
            let ls = evaluate(lp, root, cur, budget);
            let Some(first) = ls.items.first() else {
                return ls.err.map_or(Ok(false), Err);
            };
            let rs = evaluate(rp, root, cur, budget);
            if rs.items.iter().any(|b| holds(View::Doc(first), View::Doc(b))) {
                return Ok(true);
            }
            if let Some(e) = rs.err {
                return Err(e);
            }
            ls.err.map_or(Ok(false), Err)
        }
    }
}

fn test(op: CmpOp, a: View<'_>, b: View<'_>) -> bool {
    match op {
        CmpOp::Eq => eq(a, b),
        CmpOp::Ne => !eq(a, b),
        CmpOp::Lt => order(a, b) == Some(Ordering::Less),
        CmpOp::Le => matches!(order(a, b), Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Gt => order(a, b) == Some(Ordering::Greater),
        CmpOp::Ge => matches!(order(a, b), Some(Ordering::Greater | Ordering::Equal)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_follow_jsonpath2_range_arithmetic() {
        // [2:-10:-1] on 7 items: range(2, -3, -1) -> 2, 1, 0, -1, -2.
        assert_eq!(slice_indices(7, Some(2), Some(-10), Some(-1)), Ok(vec![2, 1, 0, -1, -2]));
        // [::-1] is range(0, len, -1): empty.
        assert_eq!(slice_indices(3, None, None, Some(-1)), Ok(vec![]));
        // [:-100:-1] on 7: range(0, -93, -1) -> 0, -1, ..., -7.
        assert_eq!(slice_indices(7, None, Some(-100), Some(-1)), Ok(vec![0, -1, -2, -3, -4, -5, -6, -7]));
        assert!(slice_indices(3, None, None, Some(0)).is_err());
        // A start far past the end skips straight to the last reachable index.
        assert_eq!(slice_indices(5, Some(100), None, Some(-3)), Ok(vec![]));
        assert_eq!(slice_indices(5, Some(100), Some(-6), Some(-3)), Ok(vec![4, 1]));
        assert_eq!(slice_indices(5, Some(100), Some(-100), Some(-3)), Ok(vec![4, 1, -2, -5]));
    }
}
