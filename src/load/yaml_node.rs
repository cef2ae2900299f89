//! A YAML document as a tree whose scalars remember where they were written,
//! so that plain scalars can be typed by PyYAML's rules rather than
//! serde-saphyr's.
//!
//! Why: Chaos Toolkit reads YAML with `yaml.safe_load` (YAML 1.1 as PyYAML
//! implements it). serde-saphyr's YAML 1.1 mode differs on a few spellings
//! (`y`/`n` are booleans there, `0o17` and `1e3` are numbers, `12:30` is
//! text), and it cannot tell a plain `y` from a quoted `"y"` once it has
//! typed it. Each scalar is therefore read together with its location; the
//! source text at that location says whether the scalar was plain, and a
//! plain scalar is typed again by `pyyaml_scalar`.
use super::pyyaml_scalar;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;
use std::fmt;

/// One node of the document; scalars carry their serde-saphyr value.
pub(super) enum Node {
    Scalar(Value),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl Node {
    /// The JSON value, with plain scalars typed as PyYAML types them.
    pub(super) fn into_value(self, text: &str) -> Value {
        match self {
            Node::Scalar(v) => v,
            Node::Seq(items) => Value::Array(items.into_iter().map(|n| spanned_value(n, text)).collect()),
            Node::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (k, n) in entries {
                    map.insert(key_text(k, text), spanned_value(n, text));
                }
                Value::Object(map)
            }
        }
    }
}

/// A key as PyYAML + `json.dumps` spell it: a plain `on:` is the boolean
/// true, so its key is `"true"`; `1:` is `"1"`.
fn key_text(key: Spanned<String>, text: &str) -> String {
    let Spanned { value, defined, .. } = key;
    match retype(Value::String(value), source_of(text, defined)) {
        Value::String(s) => s,
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

fn spanned_value(node: Spanned<Node>, text: &str) -> Value {
    let Spanned { value, defined, .. } = node;
    match value {
        Node::Scalar(v) => retype(v, source_of(text, defined)),
        other => other.into_value(text),
    }
}

/// The source text of a node's span, or `None` when the scalar carries an
/// explicit tag or is a block scalar (`!!str 12`, `|`: the span starts after
/// the tag or header, so the text before it is looked at, past an anchor
/// that may sit between them).
fn source_of(text: &str, at: serde_saphyr::Location) -> Option<&str> {
    let span = at.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    let raw = text.get(start..start.checked_add(len)?)?;
    let mut before = text.get(..start)?;
    for _ in 0..2 {
        let trimmed = before.trim_end();
        let token_start = trimmed.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let token = &trimmed[token_start..];
        // A tag, or a block scalar's header (`|`, `>-`): not a plain scalar.
        if token.starts_with(['!', '|', '>']) {
            return None;
        }
        if !token.starts_with('&') {
            break;
        }
        before = &trimmed[..token_start];
    }
    Some(raw)
}

/// The value PyYAML would give a scalar written as `raw`, when `raw` is a
/// plain (unquoted, untagged, single-line) scalar; otherwise `parsed`.
fn retype(parsed: Value, raw: Option<&str>) -> Value {
    let Some(raw) = raw.map(str::trim_end) else { return parsed };
    let plain = !raw.is_empty()
        && !raw.contains('\n')
        && !matches!(raw.as_bytes()[0], b'"' | b'\'' | b'|' | b'>' | b'!' | b'&' | b'*');
    if !plain {
        return parsed;
    }
    // A value PyYAML gives no JSON form (too big, not finite) keeps
    // serde-saphyr's reading, so that its error or value stands.
    match pyyaml_scalar::resolve(raw) {
        Some(value) if value != parsed => value,
        _ => parsed,
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Number(v.into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Number(v.into())))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        match i64::try_from(v) {
            Ok(n) => self.visit_i64(n),
            Err(_) => u64::try_from(v)
                .map_err(|_| E::custom(format!("the integer {v} is too large")))
                .map(|n| Node::Scalar(Value::Number(n.into()))),
        }
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        u64::try_from(v)
            .map_err(|_| E::custom(format!("the integer {v} is too large")))
            .map(|n| Node::Scalar(Value::Number(n.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        // Same refusal as serde_json's own Value: JSON has no NaN/infinity.
        Number::from_f64(v).map(|n| Node::Scalar(Value::Number(n))).ok_or_else(|| {
            E::custom(format!(
                "`{v}` is not a finite number and an experiment is JSON, which has no NaN or infinity; quote it if you mean text"
            ))
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Scalar(Value::String(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Scalar(Value::String(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            entries.push((key, map.next_value::<Spanned<Node>>()?));
        }
        Ok(Node::Map(entries))
    }
}
