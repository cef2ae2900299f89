//! JSON path in the dialect of Python's `jsonpath2`, which Chaos Toolkit uses
//! for `jsonpath` tolerances (`=` for equality, double-quoted names, filters
//! applied to the current node).
//! OWNER: jsonpath helper. Stub: replace with the real implementation.
use serde_json::Value;

/// A parsed path.
#[derive(Debug, Clone)]
pub struct JsonPath {
    source: String,
}

/// Parse a path; the error explains what is wrong.
pub fn parse(path: &str) -> Result<JsonPath, String> {
    if !path.starts_with('$') {
        return Err(format!("{path} is invalid"));
    }
    Ok(JsonPath {
        source: path.to_string(),
    })
}

impl JsonPath {
    /// Every value the path matches, in document order.
    pub fn matches(&self, value: &Value) -> Vec<Value> {
        if self.source == "$" {
            vec![value.clone()]
        } else {
            Vec::new()
        }
    }
}
