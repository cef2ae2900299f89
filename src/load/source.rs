//! Experiment sources: local `.json`/`.yaml`/`.yml` files and http(s) URLs.
//!
//! Follows `chaoslib/loader.py`: an existing path is read as a file and its
//! extension picks the parser; otherwise the source must be an http(s) URL.
//! Unlike Chaos Toolkit, every failure is a [`LoadError`] with a message in
//! plain words (file, 1-based line and column, and the offending line), and
//! hostile input is bounded: see [`MAX_DOCUMENT_BYTES`] and [`MAX_NESTING`].
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "fetch.rs"]
mod fetch;
#[path = "pyyaml_scalar.rs"]
mod pyyaml_scalar;
#[path = "yaml.rs"]
mod yaml;
#[path = "yaml_node.rs"]
mod yaml_node;

/// Documents larger than this are refused before parsing: no real experiment
/// comes close, and it bounds memory for a hostile file or server.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// Deepest nesting of lists and mappings accepted (JSON and YAML alike); it
/// keeps recursion bounded. 128 is serde_json's own limit.
pub const MAX_NESTING: usize = 128;

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
    /// Chaos Toolkit's message for a source such as `ftp://…` or `file://…`.
    #[error("'{0}' is not a supported source scheme.")]
    UnsupportedScheme(String),
    #[error("{file}:{line}:{column}: {message}\n{snippet}")]
    Syntax { file: String, line: usize, column: usize, message: String, snippet: String },
    #[error("{0}: the document is empty; there is no experiment in it")]
    Empty(String),
    #[error(
        "{file}: the document is larger than {limit} bytes; gameday refuses bigger experiment files as a safety limit"
    )]
    TooLarge { file: String, limit: usize },
    #[error("Failed to fetch the experiment: {0}")]
    Fetch(String),
    #[error("{0}")]
    Other(String),
}

/// Credentials for one host, as in the settings file's `auths:` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAuth {
    /// `host[:port]` exactly as written in the URL (Python's `netloc`).
    pub netloc: String,
    /// The scheme word sent first, e.g. `bearer` or `basic`.
    pub kind: String,
    pub value: String,
}

/// How http(s) sources are fetched.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// `--no-verify-tls` turns this off.
    pub verify_tls: bool,
    /// `CHAOSTOOLKIT_LOADER_AUTH_BEARER_TOKEN`; wins over `auths`.
    pub bearer_token: Option<String>,
    /// Settings `auths:`, matched against the URL's netloc.
    pub auths: Vec<SourceAuth>,
    /// Whole-request limit, so a silent server cannot hang the console.
    pub timeout: Duration,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self { verify_tls: true, bearer_token: None, auths: Vec::new(), timeout: Duration::from_secs(30) }
    }
}

impl LoadOptions {
    /// Defaults plus the bearer token from the environment, as Chaos Toolkit reads it.
    pub fn from_env() -> Self {
        Self { bearer_token: std::env::var("CHAOSTOOLKIT_LOADER_AUTH_BEARER_TOKEN").ok(), ..Self::default() }
    }
}

/// Load from a path or an http(s) URL (bearer token taken from the environment).
pub async fn load(source: &str) -> Result<Loaded, LoadError> {
    load_with(source, &LoadOptions::from_env()).await
}

/// Load from a path or an http(s) URL with explicit fetch options.
pub async fn load_with(source: &str, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let path = PathBuf::from(source);
    if path.exists() {
        // Reading and parsing up to 10 MiB is blocking work.
        return tokio::task::spawn_blocking(move || load_path(&path))
            .await
            .map_err(|e| LoadError::Other(format!("{source}: loading stopped unexpectedly: {e}")))?;
    }
    match scheme_of(source) {
        None => {
            let end = source.find(['?', '#']).unwrap_or(source.len());
            Err(LoadError::NotFound(source[..end].to_string()))
        }
        Some(s) if s == "http" || s == "https" => fetch::fetch(source, opts).await,
        Some(s) => Err(LoadError::UnsupportedScheme(s)),
    }
}

/// The URL scheme as Python's `urlparse` sees it: letters, digits, `+-.`
/// before the first `:`, starting with a letter; lower-cased.
fn scheme_of(source: &str) -> Option<String> {
    let (head, _) = source.split_once(':')?;
    let mut chars = head.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    (first_ok && rest_ok).then(|| head.to_ascii_lowercase())
}

/// Load a local file; the extension picks the parser.
pub fn load_path(path: &Path) -> Result<Loaded, LoadError> {
    let origin = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound(origin.clone()),
        _ => LoadError::Other(format!("{origin}: cannot be read: {e}")),
    })?;
    if meta.is_dir() {
        return Err(LoadError::Other(format!("{origin}: is a directory, not an experiment file")));
    }
    if !meta.is_file() {
        // FIFOs and devices could block forever or never end.
        return Err(LoadError::Other(format!(
            "{origin}: is not a regular file (a pipe, socket or device cannot hold an experiment)"
        )));
    }
    let format = format_for_extension(path)?;
    if meta.len() > MAX_DOCUMENT_BYTES as u64 {
        return Err(too_large(&origin));
    }
    let bytes = read_bounded(path, &origin)?;
    let doc = parse_document(&origin, &bytes, format)?;
    let raw = String::from_utf8(bytes).map_err(|_| LoadError::Other(format!("{origin}: is not valid UTF-8 text")))?;
    Ok(Loaded { doc, origin, format, raw })
}

/// `.json` → JSON, `.yaml`/`.yml` → YAML, compared case-sensitively like
/// Chaos Toolkit (`os.path.splitext`).
fn format_for_extension(path: &Path) -> Result<Format, LoadError> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => Ok(Format::Json),
        Some("yaml" | "yml") => Ok(Format::Yaml),
        _ => Err(LoadError::UnsupportedExtension(path.display().to_string())),
    }
}

/// Read at most [`MAX_DOCUMENT_BYTES`] (the file may grow after `metadata`).
fn read_bounded(path: &Path, origin: &str) -> Result<Vec<u8>, LoadError> {
    let file = std::fs::File::open(path).map_err(|e| LoadError::Other(format!("{origin}: cannot be opened: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| LoadError::Other(format!("{origin}: cannot be read: {e}")))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(too_large(origin));
    }
    Ok(bytes)
}

fn too_large(origin: &str) -> LoadError {
    LoadError::TooLarge { file: origin.to_string(), limit: MAX_DOCUMENT_BYTES }
}

/// Parse bytes as JSON or YAML, with file:line:column on errors.
///
/// A leading UTF-8 byte-order mark is ignored. A document that is blank (or,
/// in YAML, only comments) is [`LoadError::Empty`]; a top level that is not a
/// mapping is returned as is (validation reports it).
pub fn parse_document(origin: &str, bytes: &[u8], format: Format) -> Result<Value, LoadError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(too_large(origin));
    }
    let text = decode_utf8(origin, bytes)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(LoadError::Empty(origin.to_string()));
    }
    on_parser_stack(origin, || match format {
        Format::Json => parse_json(origin, text),
        Format::Yaml => yaml::parse_yaml(origin, text),
    })
}

/// Stack for the parser thread. serde-saphyr needs about 16 KiB per nesting
/// level in debug builds, so [`MAX_NESTING`] levels overflow a 2 MiB tokio
/// worker stack; 16 MiB leaves ample margin (pages are only touched as used).
const PARSER_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Run a parser on its own thread with a large stack, whoever the caller is,
/// and turn a panic inside a parser into an error instead of a crash.
fn on_parser_stack<F>(origin: &str, parse: F) -> Result<Value, LoadError>
where
    F: FnOnce() -> Result<Value, LoadError> + Send,
{
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("gameday-parse".into())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, parse)
            .map_err(|e| LoadError::Other(format!("{origin}: cannot start the parser: {e}")))?;
        handle.join().unwrap_or_else(|_| {
            Err(LoadError::Other(format!("{origin}: the parser failed unexpectedly on this document")))
        })
    })
}

/// UTF-8 text or a [`LoadError::Syntax`] pointing at the first bad byte.
fn decode_utf8<'a>(origin: &str, bytes: &'a [u8]) -> Result<&'a str, LoadError> {
    let err = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e,
    };
    let offset = err.valid_up_to();
    let before = String::from_utf8_lossy(&bytes[..offset]);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let bad = bytes.get(offset).copied().unwrap_or(0);
    let message = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        "the file is UTF-16 encoded; save it as UTF-8".to_string()
    } else if bytes.iter().take(8192).any(|b| *b == 0) {
        format!(
            "this looks like a binary file, not a text document (byte 0x{bad:02X} at byte offset {offset} is not UTF-8)"
        )
    } else {
        format!("the file is not valid UTF-8 text: byte 0x{bad:02X} at byte offset {offset}")
    };
    let lossy = String::from_utf8_lossy(bytes);
    Err(LoadError::Syntax { file: origin.to_string(), line, column, message, snippet: snippet(&lossy, line, column) })
}

/// Build a [`LoadError::Syntax`] whose snippet is taken from `text` — unless
/// the line may hold an inline secret: the secrets are not known before the
/// document parses, so no line of a `secrets` block is ever shown.
fn syntax_error(origin: &str, text: &str, line: usize, column: usize, message: String) -> LoadError {
    let line = line.max(1);
    let column = column.max(1);
    let snippet = if in_secrets_block(text, line) {
        format!("{line} | (a line of the 'secrets' block: not shown, it may hold a secret)")
    } else {
        snippet(text, line, column)
    };
    LoadError::Syntax { file: origin.to_string(), line, column, message, snippet }
}

/// Whether line `line` (1-based) of `text` names `secrets` itself or lies
/// inside a `secrets:` block (a less indented `secrets:` key above it with
/// nothing even less indented in between).
pub(crate) fn in_secrets_block(text: &str, line: usize) -> bool {
    let lines: Vec<&str> = text.split('\n').take(line).collect();
    let Some(own) = lines.last() else { return false };
    let names_secrets = |l: &str| {
        let t = l.trim_start().trim_start_matches(['-', ' ', '{', ',']);
        t.starts_with("secrets") || t.starts_with("\"secrets\"") || t.starts_with("'secrets'")
    };
    if own.contains("secrets") {
        return true;
    }
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut limit = if own.trim().is_empty() { usize::MAX } else { indent(own) };
    for l in lines.iter().rev().skip(1) {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') || indent(l) >= limit {
            continue;
        }
        if names_secrets(l) {
            return true;
        }
        limit = indent(l);
        if limit == 0 {
            return false;
        }
    }
    false
}

/// Characters shown around the error column when a line is long
/// (minified JSON can be one 10 MB line).
const SNIPPET_WINDOW: usize = 100;

/// The offending line with a caret under `column` (both 1-based, columns
/// in characters). Long lines are cropped around the column; tabs and
/// control characters are shown as one visible character so the caret lines up.
pub(crate) fn snippet(text: &str, line: usize, column: usize) -> String {
    let Some(raw_line) = text.split('\n').nth(line.saturating_sub(1)) else {
        return String::new();
    };
    let raw_line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
    let chars: Vec<char> = raw_line.chars().collect();
    let col0 = column.saturating_sub(1).min(chars.len());
    let start = col0.saturating_sub(SNIPPET_WINDOW / 2);
    let end = (start + SNIPPET_WINDOW).min(chars.len());
    let mut shown: String = chars[start..end].iter().map(|c| visible(*c)).collect();
    let mut caret_at = col0 - start;
    if start > 0 {
        shown.insert(0, '…');
        caret_at += 1;
    }
    if end < chars.len() {
        shown.push('…');
    }
    let gutter = line.to_string();
    let pad = " ".repeat(gutter.len());
    format!("{gutter} | {shown}\n{pad} | {}^", " ".repeat(caret_at))
}

fn visible(c: char) -> char {
    match c {
        '\t' => ' ',
        '\0' => '␀',
        c if c.is_control() => '�',
        c => c,
    }
}

/// The character column (1-based) of a byte column (1-based) in `line` of `text`.
fn char_column(text: &str, line: usize, byte_column: usize) -> usize {
    let Some(l) = text.split('\n').nth(line.saturating_sub(1)) else {
        return byte_column.max(1);
    };
    let mut end = byte_column.saturating_sub(1).min(l.len());
    while !l.is_char_boundary(end) {
        end -= 1;
    }
    l[..end].chars().count() + 1
}

/// JSON with Python's `json.load` semantics where it matters, except that a
/// key repeated in one object is refused (Python silently keeps the last).
fn parse_json(origin: &str, text: &str) -> Result<Value, LoadError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let result = StrictValue.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    result.map_err(|e| json_error(origin, text, &e))
}

/// Marker that starts the message of a duplicate-key error (see [`StrictVisitor`]).
const DUPLICATE_KEY: &str = "duplicate key ";

fn json_error(origin: &str, text: &str, e: &serde_json::Error) -> LoadError {
    let full = e.to_string();
    let bare = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    let mut line = e.line().max(1);
    let mut column = char_column(text, line, e.column().max(1));
    if bare.starts_with("control character") && column == 1 && line > 1 {
        // serde_json has already stepped over the raw newline; show the line it ends.
        line -= 1;
        column = text.split('\n').nth(line - 1).map_or(1, |l| l.chars().count() + 1);
    }
    let offending = text.split('\n').nth(line - 1).and_then(|l| l.chars().nth(column - 1));
    let message = if let Some(key) = bare.strip_prefix(DUPLICATE_KEY) {
        // serde_json reports the position just after the key; point at its start.
        if let Some(l) = text.split('\n').nth(line - 1) {
            let upto: String = l.chars().take(column).collect();
            if let Some(i) = upto.rfind(key) {
                column = upto[..i].chars().count() + 1;
            }
        }
        format!(
            "the key {key} appears more than once in the same object (Chaos Toolkit would silently keep the last one); remove the duplicate"
        )
    } else {
        plain_json_message(bare, offending)
    };
    syntax_error(origin, text, line, column, message)
}

/// serde_json's terse messages, reworded for people editing a file by hand.
fn plain_json_message(bare: &str, offending: Option<char>) -> String {
    match (bare, offending) {
        (_, Some('\0')) => "a NUL byte is not allowed in a JSON document".to_string(),
        (m, _) if m.starts_with("EOF while parsing") => {
            let what = m.trim_start_matches("EOF while parsing").trim();
            format!("the document ends in the middle of {what} (is the file truncated?)")
        }
        ("expected value", Some('\'')) => {
            "expected a JSON value; JSON strings need double quotes, not single quotes".to_string()
        }
        ("expected value", Some(c)) if c.is_alphabetic() => format!(
            "expected a JSON value but found the word starting with `{c}` (text must be in double quotes; NaN and Infinity are not JSON)"
        ),
        ("expected value", _) => "expected a JSON value here".to_string(),
        ("trailing comma", _) => "trailing comma: JSON does not allow a comma before `}` or `]`".to_string(),
        ("expected `:`", _) => "expected `:` between a key and its value".to_string(),
        ("expected `,` or `}`", _) => {
            "expected `,` or `}` after a value in an object (a missing comma?)".to_string()
        }
        ("expected `,` or `]`", _) => {
            "expected `,` or `]` after an item in a list (a missing comma?)".to_string()
        }
        ("key must be a string", _) => "object keys must be text in double quotes".to_string(),
        ("recursion limit exceeded", _) => format!(
            "lists and objects are nested too deeply; gameday refuses more than {MAX_NESTING} levels as a safety limit"
        ),
        ("trailing characters", _) => "unexpected text after the end of the JSON document".to_string(),
        (m, _) if m.starts_with("control character") => {
            "a raw line break or control character inside a string: close the string with `\"` or write an escape such as \\n or \\t"
                .to_string()
        }
        (m, _) if m.contains("hex escape") => {
            "this \\u escape is not a complete character (a UTF-16 surrogate such as \\ud800 must be followed by its pair)"
                .to_string()
        }
        (m, _) => m.to_string(),
    }
}

/// Builds a [`Value`] like serde_json does, but refuses repeated keys.
struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        StrictValue.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(StrictValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                let shown = Value::String(key).to_string();
                return Err(de::Error::custom(format!("{DUPLICATE_KEY}{shown}")));
            }
            let value = map.next_value_seed(StrictValue)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod secrets_block_tests {
    use super::in_secrets_block;

    #[test]
    fn lines_of_the_secrets_block_are_known() {
        let doc =
            "title: t\nsecrets:\n  api:\n    token: |\n      s3cr3t: x\n\n    other: 'a''b\nmethod:\n  - name: x\n";
        let inside: Vec<usize> = (1..=9).filter(|&l| in_secrets_block(doc, l)).collect();
        assert_eq!(inside, [2, 3, 4, 5, 6, 7]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax(r: Result<Value, LoadError>) -> (usize, usize, String, String) {
        match r {
            Err(LoadError::Syntax { line, column, message, snippet, .. }) => (line, column, message, snippet),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn json_parses_in_document_order() {
        let v = parse_document("x.json", br#"{"b": 1, "a": [true, null, 1.5]}"#, Format::Json).unwrap();
        assert_eq!(v.to_string(), r#"{"b":1,"a":[true,null,1.5]}"#);
    }

    #[test]
    fn json_error_has_line_column_and_caret() {
        let text = "{\n  \"title\": \"x\",,\n}";
        let (line, column, message, snip) = syntax(parse_document("e.json", text.as_bytes(), Format::Json));
        assert_eq!((line, column), (2, 16));
        assert_eq!(message, "object keys must be text in double quotes");
        assert_eq!(snip, "2 |   \"title\": \"x\",,\n  |                ^");
    }

    #[test]
    fn json_duplicate_key_points_at_the_key() {
        let text = "{\"a\": 1,\n \"a\": 2}";
        let (line, column, message, _) = syntax(parse_document("d.json", text.as_bytes(), Format::Json));
        assert_eq!((line, column), (2, 2));
        assert!(message.contains("\"a\" appears more than once"), "{message}");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "{\"é\": 1 2}";
        let (_, column, _, snip) = syntax(parse_document("u.json", text.as_bytes(), Format::Json));
        assert_eq!(column, 9);
        assert!(snip.ends_with(&format!("{}^", " ".repeat(8))), "{snip}");
    }

    #[test]
    fn invalid_utf8_reports_offset_line_and_column() {
        let bytes = b"{\n  \"a\": \"\xff\"}";
        let (line, column, message, _) = syntax(parse_document("b.json", bytes, Format::Json));
        assert_eq!((line, column), (2, 9));
        assert!(message.contains("byte offset 10"), "{message}");
    }

    #[test]
    fn long_lines_are_cropped_around_the_column() {
        let text = format!("[{}x]", "1,".repeat(10_000));
        let (_, column, _, snip) = syntax(parse_document("l.json", text.as_bytes(), Format::Json));
        assert_eq!(column, 20_002);
        assert!(snip.len() < 300, "{snip}");
        assert!(snip.contains('…'));
    }

    #[test]
    fn bom_and_empty() {
        assert!(parse_document("b.json", "\u{feff}{}".as_bytes(), Format::Json).is_ok());
        assert!(matches!(parse_document("e.json", b" \n\t", Format::Json), Err(LoadError::Empty(_))));
    }

    #[test]
    fn scheme_detection_follows_urlparse() {
        assert_eq!(scheme_of("https://x/y.json").as_deref(), Some("https"));
        assert_eq!(scheme_of("FTP://x").as_deref(), Some("ftp"));
        assert_eq!(scheme_of("exp.json"), None);
        assert_eq!(scheme_of("./a:b.json"), None);
    }

    #[tokio::test]
    async fn missing_source_and_unknown_scheme() {
        let e = load("no/such/file.json").await.unwrap_err();
        assert_eq!(e.to_string(), "Path \"no/such/file.json\" does not exist.");
        let e = load("ftp://example.invalid/x.json").await.unwrap_err();
        assert_eq!(e.to_string(), "'ftp' is not a supported source scheme.");
    }
}
