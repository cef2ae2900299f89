//! The README's key table must be the keymap's own (so the docs cannot drift
//! from the keys), and the commands it promises must exist.
use gameday::tui::keymap::Keymap;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md is readable")
}

#[test]
fn readme_key_table_matches_the_keymap() {
    let text = readme();
    let start = text.find("<!-- keys:begin -->\n").expect("keys:begin marker") + "<!-- keys:begin -->\n".len();
    let end = text.find("<!-- keys:end -->").expect("keys:end marker");
    let expected = Keymap::default().markdown_table();
    assert_eq!(
        &text[start..end],
        expected,
        "the README's key table differs from the keymap; replace it with:\n{expected}"
    );
}

#[test]
fn readme_commands_exist() {
    let text = readme();
    assert!(text.contains("cargo run --release -- demo"));
    assert!(text.contains("./scripts/test"));
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).expect(".ci/run");
    assert!(ci.contains("./scripts/test"), ".ci/run must run the README's test command");
    for cmd in ["run", "validate", "resume", "demo", "sessions", "report"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gameday")).args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success(), "`gameday {cmd} --help` failed");
    }
}
