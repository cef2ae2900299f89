//! Hostile text — OSC 0/8/52, CSI, BEL, CR, backspace, DEL, C1 and bidi
//! controls, Markdown links, images, headings, fences and cell breakers — in
//! a title, description, activity names, process output and error texts
//! (python exceptions, a process that cannot start): no byte that acts on a
//! terminal reaches headless stderr, `gameday sessions`, `watch
//! --follow-lines` / `--follow-json` or `validate`; `report.md` rendered by
//! pandoc has no link, image, heading, code block or table cell that the
//! same report of a harmless twin does not have.
mod e2e;
use std::path::Path;
use std::process::Command;

/// Every kind of control the brief names, in one string.
const CONTROLS: &str = "\x1b]0;owned-title\x07\x1b]52;c;b3duZWQ=\x07\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\\x1b[2J\x1b[31mred\r\x08\x7f\u{9b}31m\u{202e}gnp.exe\u{2066}";
/// Markdown that would break out of its place if not escaped.
const MARKDOWN: &str = "[x](javascript:alert(1)) ![](http://track.example/p.gif) <img src=x> a\\|b | c\n# owned heading\n```\nfenced\n```\n- item";

fn hostile() -> String {
    format!("{CONTROLS} {MARKDOWN}")
}

/// The experiment, with `text` wherever a user or a remote side can put text.
fn experiment(text: &str) -> serde_json::Value {
    serde_json::json!({
        "title": format!("Inject {text}"),
        "description": text,
        "method": [
            {"type": "action", "name": format!("act {text}"),
             "provider": {"type": "process", "path": "printf", "arguments": ["%s\\n", text]}},
            {"type": "action", "name": format!("err {text}"),
             "provider": {"type": "process", "path": "sh", "arguments": ["-c", "printf '%s\\n' \"$0\" >&2; exit 3", text]}},
            {"type": "probe", "name": format!("py {text}"),
             "provider": {"type": "python", "module": "os.path", "func": "getsize", "arguments": {"filename": text}}},
            {"type": "action", "name": "cannot start",
             "provider": {"type": "process", "path": format!("/nonexistent/{text}")}}
        ]
    })
}

/// Bytes that act on a terminal: C0 except newline and tab, DEL, C1 (as
/// UTF-8) and the bidi controls.
fn acting_bytes(what: &str, bytes: &[u8]) {
    for (i, &b) in bytes.iter().enumerate() {
        assert!(b >= 0x20 || b == b'\n' || b == b'\t', "{what}: byte 0x{b:02x} at {i}: {}", around(bytes, i));
        assert!(b != 0x7f, "{what}: DEL at {i}: {}", around(bytes, i));
    }
    let text = String::from_utf8_lossy(bytes);
    for c in text.chars() {
        let bad = matches!(c, '\u{80}'..='\u{9f}' | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(!bad, "{what}: control U+{:04X}", c as u32);
    }
}

fn around(bytes: &[u8], i: usize) -> String {
    String::from_utf8_lossy(&bytes[i.saturating_sub(60)..(i + 60).min(bytes.len())]).escape_debug().to_string()
}

fn gameday(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gameday"));
    c.env("GAMEDAY_DATA_DIR", data);
    c
}

/// Run the experiment headless; returns its stderr and the session folder.
fn run(dir: &Path, name: &str, text: &str) -> (Vec<u8>, std::path::PathBuf) {
    let exp = dir.join(format!("{name}.json"));
    std::fs::write(&exp, serde_json::to_vec_pretty(&experiment(text)).unwrap()).unwrap();
    let data = dir.join(name);
    let journal = dir.join(format!("{name}-journal.json"));
    // Unvalidated, so an activity whose program cannot be found still runs (and fails).
    let out = gameday(&data)
        .args(["run", "--headless", "--no-validation", "--journal-path"])
        .arg(&journal)
        .arg(&exp)
        .output()
        .unwrap();
    assert!(journal.is_file(), "{name}: the run did not finish: {}", String::from_utf8_lossy(&out.stderr));
    let sessions = data.join("sessions");
    let session = std::fs::read_dir(&sessions).unwrap().flatten().next().unwrap().path();
    (out.stderr, session)
}

/// The tags pandoc made of `report.md` that matter: links, images, headings,
/// code blocks, table cells, raw HTML.
fn structure(report_md: &Path) -> Vec<String> {
    let out =
        Command::new("pandoc").args(["-f", "markdown", "-t", "html"]).arg(report_md).output().expect("pandoc runs");
    assert!(out.status.success(), "pandoc: {}", String::from_utf8_lossy(&out.stderr));
    let html = String::from_utf8(out.stdout).unwrap();
    let mut tags = Vec::new();
    for (i, _) in html.match_indices('<') {
        let tag: String = html[i + 1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let rest = &html[i..html[i..].find('>').map_or(html.len(), |e| i + e)];
        if matches!(
            tag.as_str(),
            "a" | "img" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "pre" | "td" | "th" | "script"
        ) || rest.contains("href=")
            || rest.contains("src=")
        {
            tags.push(tag);
        }
    }
    tags
}

#[test]
fn hostile_text_neither_drives_a_terminal_nor_breaks_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let (stderr, session) = run(dir.path(), "hostile", &hostile());
    // The text really went through (escaped, not dropped).
    let shown = String::from_utf8_lossy(&stderr);
    assert!(shown.contains("\\x1b]52;c;b3duZWQ=\\x07"), "the OSC 52 is not shown escaped:\n{shown}");
    acting_bytes("headless stderr", &stderr);
    let data = session.parent().unwrap().parent().unwrap();
    let listed = gameday(data).arg("sessions").output().unwrap();
    acting_bytes("gameday sessions", &listed.stdout);
    for flag in ["--follow-lines", "--follow-json"] {
        let w = gameday(data).args(["watch", flag]).arg(&session).output().unwrap();
        assert!(w.status.success(), "watch {flag}: {}", String::from_utf8_lossy(&w.stderr));
        assert!(String::from_utf8_lossy(&w.stdout).contains("owned-title"), "watch {flag} lost the text");
        acting_bytes(&format!("watch {flag}"), &w.stdout);
        acting_bytes(&format!("watch {flag} stderr"), &w.stderr);
    }
    // --follow-json is JSON Lines: one event object per line.
    let w = gameday(data).args(["watch", "--follow-json"]).arg(&session).output().unwrap();
    for l in String::from_utf8_lossy(&w.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        assert!(v.get("kind").is_some() && v.get("seq").is_some(), "not an event: {l}");
    }
    let report = std::fs::read(session.join("report.md")).unwrap();
    acting_bytes("report.md", &report);
    // The same report of a harmless twin has exactly the same structure.
    let (_, twin) = run(dir.path(), "twin", "plain words");
    assert_eq!(structure(&session.join("report.md")), structure(&twin.join("report.md")));
}

#[test]
fn validate_messages_are_terminal_safe() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("bad.json");
    // Invalid experiments whose messages quote what the file says.
    let docs = [
        serde_json::json!({"title": "t", "description": "d", "method": [{"type": hostile(), "name": "x"}]}),
        serde_json::json!({"title": "t", "description": "d", "method": [{"type": "action", "name": "a", "ref": hostile()}]}),
        serde_json::json!({"title": "t", "description": "d", "method": [{"type": "action", "name": "a",
            "provider": {"type": "python", "module": hostile(), "func": "f"}}]}),
    ];
    for doc in docs {
        std::fs::write(&exp, serde_json::to_vec(&doc).unwrap()).unwrap();
        let out = gameday(&dir.path().join("data")).arg("validate").arg(&exp).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("owned-title"), "the message does not quote the file: {stderr}");
        acting_bytes("validate", &out.stderr);
    }
    let yaml = dir.path().join("bad.yaml");
    std::fs::write(&yaml, format!("title: t\ndescription: d\nmethod: [\n  {{name: \"{}\" x\n", "\\x1b]0;owned\\x07"))
        .unwrap();
    let out = gameday(&dir.path().join("data")).arg("validate").arg(&yaml).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    acting_bytes("validate (syntax error)", &out.stderr);
}

/// A note pasted into the console (bracketed paste, so every control byte
/// arrives as typed) holding the hostile text: the note is kept, and neither
/// `watch --follow-lines` nor `report.md` passes a byte that acts on a
/// terminal; the report's structure is the template's.
#[test]
fn a_hostile_note_typed_in_the_console_stays_inert_outside_it() {
    use e2e::sandbox::{Sandbox, events, kind, wait_event};
    use e2e::tmux::Tmux;
    let sb = Sandbox::new();
    let exp = sb.experiment(
        "experiment.json",
        &serde_json::json!({"title": "notes", "description": "d",
            "method": [{"type": "action", "name": "wait-here",
                        "provider": {"type": "process", "path": "true"}}]}),
    );
    let tmux = Tmux::start("hostile-note", &sb.run_script(&exp, &[], ""));
    let session = sb.wait_session_dir();
    tmux.wait_decision("action", "wait-here");
    tmux.keys(&["n"]);
    tmux.wait_for(&["New observation"]);
    let note = format!("note {CONTROLS} end");
    tmux.run(&["set-buffer", "--", &note]);
    tmux.run(&["paste-buffer", "-p", "-t", "e2e"]);
    tmux.keys(&["Enter"]);
    wait_event(&session, "the note", |e| {
        kind(e) == "observation" && e["text"].as_str().is_some_and(|t| t.starts_with("note ") && t.ends_with(" end"))
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["COMPLETED"]);
    tmux.keys(&["q"]);
    tmux.wait_exit();
    let saved = events(&session);
    let text = saved.iter().find(|e| kind(e) == "observation").and_then(|e| e["text"].as_str()).unwrap_or("");
    assert!(text.contains("owned-title"), "the note was not kept as written: {text:?}");
    let lines = gameday(&sb.path().join("data")).args(["watch", "--follow-lines"]).arg(&session).output().unwrap();
    acting_bytes("watch --follow-lines", &lines.stdout);
    acting_bytes("watch --follow-lines (stderr)", &lines.stderr);
    let report = std::fs::read(session.join("report.md")).expect("report.md");
    acting_bytes("report.md", &report);
}
