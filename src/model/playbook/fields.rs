//! Reading typed fields out of a JSON value, with errors that say where
//! (a JSON pointer) and what was expected. Shared by the playbook and the
//! backlog readers.
use serde_json::{Map, Value};
use std::fmt;

/// A problem at one place of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON pointer of the offending value (or of the mapping a key is missing from).
    pub pointer: String,
    /// The key itself is at fault (misspelt, unknown), not its value.
    pub on_key: bool,
    pub message: String,
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), on_key: false, message: message.into() }
    }

    pub fn on_key(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), on_key: true, message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "at {}: {}", self.pointer, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

pub type Field<T> = Result<T, FieldError>;

/// `parent/key` as a JSON pointer.
pub fn join(parent: &str, key: &str) -> String {
    format!("{parent}/{}", crate::load::validate::locate::escape(key))
}

/// A short description of a value's type, for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The value of `key`, treating `null` as absent.
pub fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

/// `what` must be a mapping.
pub fn mapping<'a>(v: &'a Value, pointer: &str, what: &str) -> Field<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| FieldError::new(pointer, format!("{what} must be a mapping, not {}", kind(v))))
}

/// `what` must be a list.
pub fn list<'a>(v: &'a Value, pointer: &str, what: &str) -> Field<&'a Vec<Value>> {
    v.as_array().ok_or_else(|| FieldError::new(pointer, format!("{what} must be a list, not {}", kind(v))))
}

/// Optional non-empty text.
pub fn text(map: &Map<String, Value>, key: &str, parent: &str, what: &str) -> Field<Option<String>> {
    let Some(v) = get(map, key) else { return Ok(None) };
    match v {
        Value::String(s) if !s.trim().is_empty() => Ok(Some(s.clone())),
        Value::String(_) => Err(FieldError::new(join(parent, key), format!("{what} must not be empty"))),
        other => Err(FieldError::new(join(parent, key), format!("{what} must be text, not {}", kind(other)))),
    }
}

/// Required non-empty text.
pub fn required_text(map: &Map<String, Value>, key: &str, parent: &str, what: &str) -> Field<String> {
    text(map, key, parent, what)?
        .ok_or_else(|| FieldError::new(parent, format!("{what} is missing: add `{key}:` here")))
}

/// Optional boolean (`true`/`false`; YAML's `yes`/`no` are read as booleans too).
pub fn boolean(map: &Map<String, Value>, key: &str, parent: &str, what: &str) -> Field<Option<bool>> {
    match get(map, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(FieldError::new(
            join(parent, key),
            format!("{what} must be true or false, not {} ({})", kind(other), short(other)),
        )),
    }
}

/// A list of non-empty texts (a single text is accepted as a list of one).
pub fn texts(map: &Map<String, Value>, key: &str, parent: &str, what: &str) -> Field<Vec<String>> {
    let pointer = join(parent, key);
    match get(map, key) {
        None => Ok(Vec::new()),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
                other => Err(FieldError::new(
                    format!("{pointer}/{i}"),
                    format!("each of {what} must be non-empty text, not {}", kind(other)),
                )),
            })
            .collect(),
        Some(other) => Err(FieldError::new(pointer, format!("{what} must be a list of texts, not {}", kind(other)))),
    }
}

/// A value cut short for a message.
pub fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    };
    if s.chars().count() > 40 { format!("{}…", s.chars().take(40).collect::<String>()) } else { s }
}

/// RFC 3339 date and time (`2025-03-14T09:00:00+01:00`).
pub fn rfc3339(v: &Value, pointer: &str, what: &str) -> Field<chrono::DateTime<chrono::FixedOffset>> {
    let s = v.as_str().ok_or_else(|| {
        FieldError::new(pointer, format!("{what} must be an RFC 3339 date and time in quotes, not {}", kind(v)))
    })?;
    chrono::DateTime::parse_from_rfc3339(s.trim()).map_err(|_| {
        FieldError::new(
            pointer,
            format!(
                "{what} '{s}' is not an RFC 3339 date and time; write it like \"2025-03-14T09:00:00+01:00\" or \"2025-03-14T08:00:00Z\""
            ),
        )
    })
}
