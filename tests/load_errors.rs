//! Every file in `tests/malformed/` must give a clear error (file, line and
//! column where they apply, plain words, a caret snippet), never panic and
//! never hang. Files with wrong types parse fine and must then be refused by
//! validation. Big inputs are generated here rather than stored in the repo.
use gameday::load::{self, LoadError, Loaded, ValidateOptions, load_path};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed").join(name)
}

/// `load_path` on a thread with a 2 MiB stack (a tokio worker's size), failing
/// the test if it panics or takes more than 60 s.
fn load_bounded(path: &Path) -> Result<Loaded, LoadError> {
    let (tx, rx) = mpsc::channel();
    let owned = path.to_path_buf();
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let _ = tx.send(load_path(&owned));
        })
        .unwrap();
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("loading {path:?} panicked"),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("loading {path:?} took more than 60 s"),
    }
}

/// Words that betray a debug dump or a location repeated inside the message.
const DEBUG_MARKS: [&str; 9] = ["Some(", "None", "Error {", "kind:", "{ ", "\\u{", " at line ", "Budget", "Options"];

fn assert_plain(path: &Path, message: &str) {
    for mark in DEBUG_MARKS {
        assert!(!message.contains(mark), "{path:?}: message looks like a debug dump ({mark:?}): {message}");
    }
    assert!(message.len() > 15, "{path:?}: message too terse: {message}");
}

/// A syntax error at `line`:`column` whose message contains `words`, whose
/// `Display` starts with `file:line:column:` and whose snippet puts the caret
/// under that column.
fn expect_syntax(name: &str, line: usize, column: usize, words: &str) {
    let path = corpus(name);
    let err = match load_bounded(&path) {
        Err(e) => e,
        Ok(l) => panic!("{name}: expected an error, loaded {:?}", l.doc),
    };
    let shown = err.to_string();
    let LoadError::Syntax { file, line: l, column: c, message, snippet } = err else {
        panic!("{name}: expected a syntax error, got: {shown}");
    };
    assert_eq!(file, path.display().to_string());
    assert_eq!((l, c), (line, column), "{name}: wrong location: {shown}");
    assert!(message.contains(words), "{name}: {message:?} lacks {words:?}");
    assert_plain(&path, &message);
    assert!(shown.starts_with(&format!("{}:{line}:{column}: ", path.display())));
    check_caret(name, &path, line, column, &snippet);
}

/// The snippet is `N | text` over `  | ^`; the caret must sit under the
/// character at `column` of that line in the file.
fn check_caret(name: &str, path: &Path, line: usize, column: usize, snippet: &str) {
    // A line of the secrets block is never shown (it may hold a secret).
    let hidden = format!("{line} | (a line of the 'secrets' block: not shown, it may hold a secret)");
    if snippet == hidden {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.lines().take(line).any(|l| l.starts_with("secrets:")), "{name}: hidden outside the secrets block");
        return;
    }
    let mut rows = snippet.lines();
    let (Some(text_row), Some(caret_row)) = (rows.next(), rows.next()) else {
        panic!("{name}: snippet should have two rows: {snippet:?}");
    };
    let prefix = format!("{line} | ");
    let shown =
        text_row.strip_prefix(&prefix).unwrap_or_else(|| panic!("{name}: snippet row {text_row:?} lacks {prefix:?}"));
    let caret_at = caret_row.chars().count() - prefix.chars().count() - 1;
    assert!(caret_row.ends_with('^'), "{name}: {snippet}");
    let bytes = std::fs::read(path).unwrap();
    let file_text = String::from_utf8_lossy(&bytes);
    let file_line = file_text.split('\n').nth(line - 1).unwrap_or("");
    let under_caret = shown.chars().nth(caret_at);
    match file_line.chars().nth(column - 1) {
        Some(expected) if !shown.starts_with('…') => {
            let expected = if expected.is_control() { under_caret } else { Some(expected) };
            assert_eq!(under_caret, expected, "{name}: caret misplaced:\n{snippet}");
        }
        _ => assert!(caret_at <= shown.chars().count(), "{name}: {snippet}"),
    }
}

fn expect_other(name: &str, words: &str) -> LoadError {
    let path = corpus(name);
    let err = match load_bounded(&path) {
        Err(e) => e,
        Ok(l) => panic!("{name}: expected an error, loaded {:?}", l.doc),
    };
    let shown = err.to_string();
    assert!(shown.contains(words), "{name}: {shown:?} lacks {words:?}");
    assert!(shown.contains(&path.display().to_string()), "{name}: {shown}");
    assert_plain(&path, &shown);
    err
}

#[test]
fn json_syntax_errors() {
    expect_syntax("truncated.json", 5, 34, "truncated");
    expect_syntax("trailing-comma.json", 5, 1, "trailing comma");
    expect_syntax("single-quotes.json", 2, 3, "double quotes");
    expect_syntax("missing-colon.json", 2, 11, "expected `:`");
    expect_syntax("unquoted-key.json", 2, 3, "double quotes");
    expect_syntax("nan.json", 3, 12, "NaN and Infinity are not JSON");
    expect_syntax("trailing-garbage.json", 2, 1, "after the end of the JSON document");
    expect_syntax("unclosed-string.json", 2, 23, "raw line break");
    expect_syntax("lone-surrogate.json", 1, 18, "surrogate");
    expect_syntax("number-out-of-range.json", 1, 31, "out of range");
    expect_syntax("duplicate-keys.json", 4, 3, "\"title\" appears more than once");
}

#[test]
fn yaml_syntax_errors() {
    expect_syntax("truncated.yaml", 6, 1, "truncated");
    expect_syntax("bad-indent.yaml", 3, 9, "not allowed");
    expect_syntax("multi-document.yaml", 3, 1, "more than one YAML document");
    expect_syntax("tabs.yaml", 3, 1, "tab is used for indentation");
    expect_syntax("duplicate-keys.yaml", 3, 1, "`title` appears more than once");
    expect_syntax("unknown-alias.yaml", 1, 8, "unknown");
    expect_syntax("non-finite.yaml", 2, 8, "not a finite number");
    expect_syntax("null-key.yaml", 2, 1, "not null");
    expect_syntax("composite-key.yaml", 2, 3, "not a list or mapping");
}

#[test]
fn unsafe_and_unknown_tags_are_refused() {
    expect_syntax("unsafe-tag.yaml", 4, 5, "`!!python/object/apply:os.system` is not allowed");
    expect_syntax("python-name-tag.yaml", 2, 14, "`!!python/name:os.system` is not allowed");
    expect_syntax("unknown-local-tag.yaml", 3, 6, "`!vault` is not allowed");
    expect_syntax("unsupported-std-tag.yaml", 2, 7, "`!!set` is not allowed");
}

#[test]
fn hostile_inputs_are_bounded() {
    expect_syntax("deep-nesting.json", 1, 128, "nested too deeply");
    expect_syntax("deep-nesting.yaml", 1, 129, "nested too deeply");
    expect_syntax("deep-block.yaml", 129, 257, "nested too deeply");
    expect_syntax("alias-bomb.yaml", 6, 8, "alias bomb");
}

#[test]
fn encoding_problems() {
    expect_syntax("invalid-utf8.json", 2, 16, "byte 0xE9 at byte offset 17");
    expect_syntax("invalid-utf8.yaml", 2, 15, "byte 0xC3 at byte offset 24");
    expect_syntax("utf16.json", 1, 1, "UTF-16");
    expect_syntax("binary.json", 1, 1, "binary file");
    expect_syntax("nul-bytes.json", 1, 15, "NUL byte");
    expect_syntax("nul-bytes.yaml", 1, 9, "U+0000 is not allowed");
}

#[test]
fn empty_documents() {
    for name in ["empty.json", "empty.yaml", "whitespace-only.json", "comments-only.yaml"] {
        let err = expect_other(name, "empty");
        assert!(matches!(err, LoadError::Empty(_)), "{name}: {err}");
    }
}

#[test]
fn unusable_paths() {
    for name in ["experiment.txt", "experiment.JSON", "no-extension"] {
        let err = expect_other(name, "only files with json, yaml or yml extensions are supported");
        assert!(matches!(err, LoadError::UnsupportedExtension(_)));
    }
    expect_other("directory.json", "is a directory");
    let missing = corpus("does-not-exist.json");
    let err = load_bounded(&missing).unwrap_err();
    assert_eq!(err.to_string(), format!("Path \"{}\" does not exist.", missing.display()));
}

#[tokio::test]
async fn async_loader_gives_the_same_errors() {
    let dir = corpus("directory.json");
    let err = load::load(dir.to_str().unwrap()).await.unwrap_err();
    assert!(err.to_string().contains("is a directory"), "{err}");
    let err = load::load("tests/malformed/nope.yaml").await.unwrap_err();
    assert_eq!(err.to_string(), "Path \"tests/malformed/nope.yaml\" does not exist.");
    let tag = corpus("unsafe-tag.yaml");
    let err = load::load(tag.to_str().unwrap()).await.unwrap_err();
    assert!(matches!(err, LoadError::Syntax { line: 4, .. }), "{err}");
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.json");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let err = load_bounded(&fifo).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[test]
fn a_50_mb_string_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("huge.json", format!("{{\"title\": \"{}\"}}", "x".repeat(50_000_000))),
        ("huge.yaml", format!("title: {}\n", "x".repeat(50_000_000))),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let started = std::time::Instant::now();
        let err = load_bounded(&path).unwrap_err();
        assert!(matches!(err, LoadError::TooLarge { .. }), "{err}");
        assert!(err.to_string().contains("safety limit"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

#[test]
fn a_long_string_under_the_limit_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.yaml");
    let long = "y".repeat(5_000_000);
    std::fs::write(&path, format!("title: {long}\ndescription: d\n")).unwrap();
    let loaded = load_bounded(&path).unwrap();
    assert_eq!(loaded.doc["title"].as_str().map(str::len), Some(5_000_000));
}

#[test]
fn a_byte_order_mark_is_accepted() {
    for name in ["bom.json", "bom.yaml"] {
        let loaded = load_bounded(&corpus(name)).unwrap();
        assert_eq!(loaded.doc["title"], "BOM", "{name}");
        assert!(loaded.raw.starts_with('\u{feff}'), "{name}: raw is the exact text");
    }
}

/// These parse, but Chaos Toolkit refuses them (an error message or a Python
/// traceback from `chaos validate`), so validation must refuse them too.
#[test]
fn wrong_types_parse_then_fail_validation() {
    let cases: [(&str, Option<&str>); 12] = [
        ("top-level-list.json", None),
        ("top-level-string.yaml", None),
        ("tags-not-strings.json", Some("experiment tags must be a non-empty string")),
        ("method-is-mapping.json", None),
        ("method-is-string.yaml", None),
        ("activity-is-number.json", None),
        ("timeout-is-string.json", Some("activity timeout must be a number")),
        ("provider-is-string.json", None),
        ("background-not-bool.json", Some("activity background must be a boolean")),
        ("tolerance-is-float.yaml", Some("hypothesis probe tolerance must either be an integer")),
        ("headers-is-list.yaml", Some("a HTTP activities expect headers as a mapping")),
        ("title-is-empty.yaml", Some("experiment requires a title")),
    ];
    for (name, ct_message) in cases {
        let loaded = load_bounded(&corpus(name)).unwrap_or_else(|e| panic!("{name} should parse: {e}"));
        let result = load::validate(&loaded.doc, &ValidateOptions::default());
        let err = match result {
            Err(e) => e,
            Ok(_) => panic!("{name}: validation accepted a document Chaos Toolkit refuses"),
        };
        if let Some(expected) = ct_message {
            assert!(err.message.starts_with(expected), "{name}: {:?} is not Chaos Toolkit's {expected:?}", err.message);
        }
    }
}

/// The corpus is what the brief asks for: at least 30 files, each covered above.
#[test]
fn corpus_is_complete() {
    let count = std::fs::read_dir(corpus("")).unwrap().count();
    assert!(count >= 30, "only {count} corpus entries");
}
