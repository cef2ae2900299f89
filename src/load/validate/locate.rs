//! From a JSON pointer (`/method/3/timebox`) back to a line and column in
//! the YAML (or JSON) text it came from.
//!
//! The loader hands out a `serde_json::Value` without positions, so checks
//! that run on the value report a pointer; this module re-reads the text with
//! serde-saphyr's event parser (`granit_parser`), whose events carry source
//! markers, and records where every key and value starts. JSON is YAML too, so
//! the same walk serves `.json` files. Aliases and merge keys (`<<`) are
//! recorded where they are written: a pointer into an aliased node falls back
//! to the alias, the closest place the user can edit.
use serde_saphyr::granit_parser::{Event, Parser};
use std::collections::HashMap;

/// A 1-based line and a 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Where a node's key (in its parent mapping) and its value start.
#[derive(Debug, Clone, Copy)]
struct Spot {
    key: Option<Position>,
    value: Position,
}

/// Positions of every node of one document, by JSON pointer.
#[derive(Debug, Default)]
pub struct Locator {
    spots: HashMap<String, Spot>,
}

/// One open collection during the walk.
enum Frame {
    Seq {
        pointer: String,
        next: usize,
    },
    /// `key` is `Some` once a key has been read and its value is awaited.
    Map {
        pointer: String,
        key: Option<(String, Position)>,
    },
}

impl Locator {
    /// Walk `text`. A text the parser rejects yields the positions found up
    /// to the error (the loader reports syntax errors on its own).
    pub fn new(text: &str) -> Self {
        let mut spots = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut documents = 0usize;
        for item in Parser::new_from_str(text) {
            let Ok((event, span)) = item else { break };
            let here = Position { line: span.start.line().max(1), column: span.start.col() + 1 };
            match event {
                Event::DocumentStart(..) => {
                    documents += 1;
                    if documents > 1 {
                        // Only the first document is an experiment.
                        break;
                    }
                }
                Event::Scalar(value, ..) => {
                    if let Some(Frame::Map { key: key @ None, .. }) = stack.last_mut() {
                        *key = Some((value.into_owned(), here));
                    } else if let Some(pointer) = next_pointer(&mut stack) {
                        record(&mut spots, pointer, here);
                    } else {
                        spots.entry(String::new()).or_insert(Spot { key: None, value: here });
                    }
                }
                Event::Alias(_) => {
                    if let Some(Frame::Map { key: key @ None, .. }) = stack.last_mut() {
                        *key = Some(("<alias>".to_string(), here));
                    } else if let Some(pointer) = next_pointer(&mut stack) {
                        record(&mut spots, pointer, here);
                    }
                }
                Event::SequenceStart(..) | Event::MappingStart(..) => {
                    let is_map = matches!(event, Event::MappingStart(..));
                    let (pointer, key) = match next_pointer(&mut stack) {
                        Some(p) => p,
                        None if stack.is_empty() => (String::new(), None),
                        // A collection used as a mapping key: give it a
                        // pointer nobody can ask for.
                        None => ("\u{0}complex-key".to_string(), None),
                    };
                    spots.entry(pointer.clone()).or_insert(Spot { key, value: here });
                    stack.push(if is_map {
                        Frame::Map { pointer, key: None }
                    } else {
                        Frame::Seq { pointer, next: 0 }
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        Self { spots }
    }

    /// Where the value at `pointer` starts; when the pointer names something
    /// absent (a missing key), the closest existing parent.
    pub fn value(&self, pointer: &str) -> Position {
        self.find(pointer, false)
    }

    /// Where the key of `pointer` is written (for a problem with the key
    /// itself); the value's position for list items and the root.
    pub fn key(&self, pointer: &str) -> Position {
        self.find(pointer, true)
    }

    fn find(&self, pointer: &str, want_key: bool) -> Position {
        let mut p = pointer;
        loop {
            if let Some(spot) = self.spots.get(p) {
                return if want_key { spot.key.unwrap_or(spot.value) } else { spot.value };
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Position { line: 1, column: 1 },
            }
        }
    }
}

/// The pointer of the node about to be read, and its key position, if the
/// top of the stack expects a value.
fn next_pointer(stack: &mut [Frame]) -> Option<(String, Option<Position>)> {
    match stack.last_mut()? {
        Frame::Seq { pointer, next } => {
            let p = format!("{pointer}/{next}");
            *next += 1;
            Some((p, None))
        }
        Frame::Map { pointer, key } => {
            let (k, at) = key.take()?;
            Some((format!("{pointer}/{}", escape(&k)), Some(at)))
        }
    }
}

fn record(spots: &mut HashMap<String, Spot>, (pointer, key): (String, Option<Position>), value: Position) {
    spots.entry(pointer).or_insert(Spot { key, value });
}

/// RFC 6901 escaping of one pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(l: &Locator, p: &str) -> (usize, usize) {
        let pos = l.value(p);
        (pos.line, pos.column)
    }

    #[test]
    fn block_yaml() {
        let text = "title: t\nmethod:\n  - type: manual\n    timebox: 10x\n  - name: b\n    tags: [a, \"b\"]\n";
        let l = Locator::new(text);
        assert_eq!(at(&l, "/title"), (1, 8));
        assert_eq!(at(&l, "/method/0/timebox"), (4, 14));
        assert_eq!(at(&l, "/method/1/tags/1"), (6, 15));
        assert_eq!(l.key("/method/0/timebox").line, 4);
        assert_eq!(l.key("/method/0/timebox").column, 5);
        // Missing key: the parent.
        assert_eq!(at(&l, "/method/1/nope"), at(&l, "/method/1"));
        assert_eq!(at(&l, "/nothing/here"), (1, 1));
    }

    #[test]
    fn json_and_escapes() {
        let text = "{\n  \"a/b\": {\"c\": [1,\n 2]}\n}";
        let l = Locator::new(text);
        assert_eq!(at(&l, "/a~1b/c/1"), (3, 2));
    }

    #[test]
    fn broken_text_does_not_panic() {
        let l = Locator::new("a: [1, 2\nb: {");
        let _ = l.value("/a/1");
        let _ = Locator::new("");
        let _ = Locator::new("? [a, b]\n: c\nd: *x\n");
    }
}
