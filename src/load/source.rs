//! Experiment sources: local `.json`/`.yaml`/`.yml` files and http(s) URLs.
//! OWNER: loader helper. Stub: replace with the real implementation.
use serde_json::Value;
use std::path::Path;

/// How a document is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

/// A parsed document and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub doc: Value,
    /// The path or URL as the user gave it.
    pub origin: String,
    pub format: Format,
    /// The text as read, kept so the session can freeze an exact copy.
    pub raw: String,
}

/// Why a document could not be read. `Display` is the message the user sees.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("Path \"{0}\" does not exist.")]
    NotFound(String),
    #[error("{0}: only files with json, yaml or yml extensions are supported")]
    UnsupportedExtension(String),
    #[error("{file}:{line}:{column}: {message}\n{snippet}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
        snippet: String,
    },
    #[error("Failed to fetch the experiment: {0}")]
    Fetch(String),
    #[error("{0}")]
    Other(String),
}

/// Load from a path or an http(s) URL.
pub async fn load(source: &str) -> Result<Loaded, LoadError> {
    load_path(Path::new(source))
}

/// Load a local file; the extension picks the parser.
pub fn load_path(path: &Path) -> Result<Loaded, LoadError> {
    let raw = std::fs::read_to_string(path)
        .map_err(|_| LoadError::NotFound(path.display().to_string()))?;
    let format = if path.extension().is_some_and(|e| e == "json") {
        Format::Json
    } else {
        Format::Yaml
    };
    let doc = parse_document(&path.display().to_string(), raw.as_bytes(), format)?;
    Ok(Loaded {
        doc,
        origin: path.display().to_string(),
        format,
        raw,
    })
}

/// Parse bytes as JSON or YAML, with file:line:column on errors.
pub fn parse_document(origin: &str, bytes: &[u8], format: Format) -> Result<Value, LoadError> {
    let _ = format;
    serde_json::from_slice(bytes).map_err(|e| LoadError::Syntax {
        file: origin.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
        snippet: String::new(),
    })
}
