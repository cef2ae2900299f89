//! YAML documents, read the way Chaos Toolkit's `yaml.safe_load` reads them
//! as far as serde-saphyr allows, into a JSON value.
//!
//! Choices (each checked against serde-saphyr 2.1 and PyYAML):
//! * tags that are not standard YAML tags (`!!python/object/apply:…`, `!foo`)
//!   are refused, as `safe_load` refuses them; `!!str`, `!!int`, `!!float`,
//!   `!!bool`, `!!null`, `!!map`, `!!seq`, `!!binary` work;
//! * plain scalars are typed by PyYAML's YAML 1.1 rules (`yes`/`on` are
//!   booleans, `y` is text, `0755` is octal, `12:30` is 750; see
//!   `pyyaml_scalar`), checked against PyYAML by `tests/yaml_compat.rs`;
//! * a key repeated in one mapping is refused (PyYAML silently keeps the last);
//! * `.nan`/`.inf` are refused: an experiment is JSON and JSON has no such numbers;
//! * budgets bound nesting, node count and alias expansion (alias bombs).
use super::yaml_node::Node;
use super::{LoadError, MAX_NESTING, syntax_error};
use serde_json::Value;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{DuplicateKeyPolicy, Error, MessageFormatter, UserMessageFormatter};

/// Most values (scalars, lists, mappings) one document may hold.
const MAX_NODES: usize = 250_000;
/// Most values that aliases (`*name`) may copy in, in total.
const MAX_ALIAS_REPLAY: usize = 100_000;

/// Parse one YAML document (the text has no BOM and is not blank).
pub(super) fn parse_yaml(origin: &str, text: &str) -> Result<Value, LoadError> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_NESTING,
            flow_nesting_limit: MAX_NESTING,
            max_nodes: MAX_NODES,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_REPLAY,
        },
        duplicate_keys: DuplicateKeyPolicy::Error,
        reject_unsupported_tags: true,
        legacy_octal_numbers: true,
        with_snippet: false,
    };
    match serde_saphyr::from_str_with_options::<Node>(text, options).map(|node| node.into_value(text)) {
        Ok(Value::Null) if only_comments(text) => Err(LoadError::Empty(origin.to_string())),
        Ok(v) => Ok(v),
        Err(e) => Err(to_load_error(origin, text, &e)),
    }
}

/// True when the text holds no node at all: blank lines, comments,
/// directives and document markers only.
fn only_comments(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with('#') || l.starts_with('%') || l == "---" || l == "...")
}

fn to_load_error(origin: &str, text: &str, e: &Error) -> LoadError {
    let (line, mut column) = e.location().map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
    let inner = innermost(e);
    let source_line = text.split('\n').nth(line.saturating_sub(1)).unwrap_or("");
    let offending = source_line.chars().nth(column.saturating_sub(1));
    let mut message = message(inner);
    if let Error::UnsupportedTag { tag, .. } = inner {
        // serde-saphyr points at the tagged node; the tag itself is clearer.
        column = start_of(source_line, tag, column).unwrap_or(column);
    } else if message.contains("mapping values are not allowed in this context") {
        // PyYAML's words, which `chaos validate` prints: the same sentence
        // in both tools (the excerpt below it shows where).
        message = "Failed parsing YAML experiment: mapping values are not allowed here".into();
    } else if message.contains("tabs disallowed") {
        message = "a tab is used for indentation here; YAML indentation must use spaces".into();
        if let Some(i) = source_line.chars().position(|c| c == '\t') {
            column = i + 1;
        }
    } else if let Some(c) = offending.filter(|c| c.is_control() && !matches!(c, '\t' | '\r')) {
        message = format!(
            "the control character U+{:04X} is not allowed in a YAML document (is this a binary file?)",
            u32::from(c)
        );
    } else if at_end(text, line, column) && !matches!(inner, Error::Eof { .. }) {
        message.push_str(" (reached the end of the file: is it truncated, or a quote or bracket left open?)");
    }
    syntax_error(origin, text, line, column, message)
}

/// 1-based column where `needle` starts, searching leftwards from `column`.
fn start_of(line: &str, needle: &str, column: usize) -> Option<usize> {
    let upto: String = line.chars().take(column).collect();
    let byte = upto.rfind(needle).or_else(|| line.find(needle))?;
    Some(line[..byte].chars().count() + 1)
}

/// True when (line, column) is past the last character of the text.
fn at_end(text: &str, line: usize, column: usize) -> bool {
    let lines: Vec<&str> = text.trim_end().split('\n').collect();
    line > lines.len() || (line == lines.len() && column > lines.last().map_or(0, |l| l.chars().count()))
}

/// The error under any alias or snippet wrapper.
fn innermost(mut e: &Error) -> &Error {
    loop {
        match e {
            Error::AliasError { error, .. } | Error::WithSnippet { error, .. } => e = error,
            other => return other,
        }
    }
}

/// A message in plain words; serde-saphyr's own wording otherwise, minus
/// its location suffix (the location is shown separately).
fn message(e: &Error) -> String {
    match e {
        Error::UnsupportedTag { tag, .. } => format!(
            "the tag `{tag}` is not allowed: like Chaos Toolkit's yaml.safe_load, gameday refuses tags that build objects or that it does not know; the standard tags !!str, !!int, !!float, !!bool, !!null, !!map, !!seq and !!binary are accepted"
        ),
        Error::DuplicateMappingKey { key, .. } => format!(
            "the key {} appears more than once in the same mapping (Chaos Toolkit would silently keep the last one); remove the duplicate",
            key.as_deref().map_or_else(|| "here".to_string(), |k| format!("`{k}`"))
        ),
        Error::NonFiniteFloat { value, .. } => format!(
            "`{value}` is not a finite number and an experiment is JSON, which has no NaN or infinity; quote it if you mean text"
        ),
        Error::MultipleDocuments { .. } => {
            "the file holds more than one YAML document (`---`); an experiment is a single document".to_string()
        }
        Error::NullIntoString { .. } => "a mapping key must be text, a number or a boolean, not null".to_string(),
        Error::Eof { .. } => "the document ends unexpectedly (is the file truncated?)".to_string(),
        Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => alias_bomb(),
        Error::Budget { breach, .. } => budget_message(breach),
        other => {
            let text = UserMessageFormatter.format_message(other);
            if text.contains("string scalar") {
                "a mapping key must be a single value (text, number or boolean), not a list or mapping".to_string()
            } else if text.contains("recursion limit") {
                too_deep()
            } else {
                text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
            }
        }
    }
}

fn alias_bomb() -> String {
    format!(
        "aliases (*name) expand to too many values (over {MAX_ALIAS_REPLAY}); this looks like an alias bomb and is refused as a safety limit"
    )
}

fn too_deep() -> String {
    format!(
        "lists and mappings are nested too deeply; gameday refuses more than {MAX_NESTING} levels as a safety limit"
    )
}

fn budget_message(breach: &BudgetBreach) -> String {
    match breach {
        BudgetBreach::Depth { .. } => too_deep(),
        BudgetBreach::Nodes { .. } => {
            format!("the document holds too many values (over {MAX_NODES}); refused as a safety limit")
        }
        BudgetBreach::Aliases { .. }
        | BudgetBreach::Anchors { .. }
        | BudgetBreach::AliasAnchorRatio { .. }
        | BudgetBreach::RecordedAnchorEvents { .. }
        | BudgetBreach::RecordedAnchorBytes { .. } => alias_bomb(),
        BudgetBreach::Documents { .. } => {
            "the file holds too many YAML documents; an experiment is a single document".to_string()
        }
        BudgetBreach::ScalarBytes { .. } | BudgetBreach::InputBytes { .. } => {
            "the document's text is too large; refused as a safety limit".to_string()
        }
        _ => "the document is too large or too complex; refused as a safety limit".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, LoadError, parse_document};
    use serde_json::json;

    fn parse(text: &str) -> Result<serde_json::Value, LoadError> {
        parse_document("t.yaml", text.as_bytes(), Format::Yaml)
    }

    fn err(text: &str) -> (usize, usize, String) {
        match parse(text) {
            Err(LoadError::Syntax { line, column, message, .. }) => (line, column, message),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn a_colon_in_a_plain_value_is_named_as_pyyaml_names_it() {
        let (line, column, message) = err("title: t\ndescription: d: x\n");
        assert_eq!((line, column), (2, 15));
        assert_eq!(message, "Failed parsing YAML experiment: mapping values are not allowed here");
    }

    #[test]
    fn yaml_1_1_scalars_like_pyyaml() {
        let v = parse("a: yes\nb: off\nc: 0755\nd: 1_000\ne: !!str 12\nf: ~\ng: 2020-01-01\n").unwrap();
        assert_eq!(v, json!({"a": true, "b": false, "c": 493, "d": 1000, "e": "12", "f": null, "g": "2020-01-01"}));
    }

    #[test]
    fn unsafe_tag_is_refused_with_location() {
        let (line, column, message) = err("title: t\nx: !!python/object/apply:os.system [ls]\n");
        assert_eq!((line, column), (2, 4));
        assert!(message.contains("`!!python/object/apply:os.system` is not allowed"), "{message}");
    }

    #[test]
    fn anchors_and_merge_keys_work() {
        let v = parse("base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\nl: *b\n").unwrap();
        assert_eq!(v["d"], json!({"y": 2, "x": 1}));
        assert_eq!(v["l"], json!({"x": 1}));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(",");
            text.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
        }
        let (_, _, message) = err(&text);
        assert!(message.contains("safety limit"), "{message}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let (_, _, message) = err(&"[".repeat(100_000));
        assert!(message.contains("nested too deeply"), "{message}");
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&ok).is_ok());
    }

    /// The deepest accepted document must not overflow a tokio worker's 2 MiB stack.
    #[test]
    fn deepest_accepted_document_fits_a_small_stack() {
        let block: String = (0..super::MAX_NESTING - 1).map(|i| format!("{}k:\n", "  ".repeat(i))).collect();
        let flow = format!("{}{}", "[".repeat(super::MAX_NESTING), "]".repeat(super::MAX_NESTING));
        let worker = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || (parse(&block).is_ok(), parse(&flow).is_ok()))
            .unwrap();
        assert_eq!(worker.join().unwrap(), (true, true));
    }

    #[test]
    fn comments_only_is_empty_but_explicit_null_is_not() {
        assert!(matches!(parse("# nothing\n---\n"), Err(LoadError::Empty(_))));
        assert_eq!(parse("~\n").unwrap(), serde_json::Value::Null);
    }

    #[test]
    fn duplicate_key_and_nan_are_plain_errors() {
        let (line, column, message) = err("a: 1\na: 2\n");
        assert_eq!((line, column), (2, 1));
        assert!(message.contains("`a` appears more than once"), "{message}");
        let (_, _, message) = err("a: .nan\n");
        assert!(message.contains("not a finite number"), "{message}");
    }
}
