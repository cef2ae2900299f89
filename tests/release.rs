//! What the binaries require of the C library they run on. The default build
//! must not need `GLIBC_ABI_DT_RELR` (glibc 2.36+: packed relocations are an
//! opt-in, `GAMEDAY_PACK_RELOCS=1`), and the tarball `scripts/release` makes
//! must run on glibc 2.28 or newer, which its binary's required symbol
//! versions show.
use std::path::Path;
use std::process::Command;

/// The symbol versions a binary requires, by library, read with binutils'
/// `objdump -p` ("Version References"): what the dynamic loader checks
/// before the program starts, including versions no symbol carries such as
/// `GLIBC_ABI_DT_RELR`.
fn required_versions(binary: &Path) -> Vec<(String, String)> {
    let out = Command::new("objdump").arg("-p").arg(binary).output().expect("objdump (binutils) runs");
    assert!(out.status.success(), "objdump -p {} failed: {}", binary.display(), String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let refs = text.split_once("Version References:").map(|(_, rest)| rest).unwrap_or_default();
    let mut library = String::new();
    let mut versions = Vec::new();
    for line in refs.lines() {
        let line = line.trim();
        if let Some(lib) = line.strip_prefix("required from ").and_then(|l| l.strip_suffix(':')) {
            library = lib.to_string();
        } else if let [_hash, _flags, _index, name] = line.split_whitespace().collect::<Vec<_>>()[..] {
            versions.push((library.clone(), name.to_string()));
        } else if !line.is_empty() {
            break;
        }
    }
    versions
}

/// `GLIBC_2.28` -> (2, 28); `None` for anything that is not a numbered glibc version.
fn glibc_version(name: &str) -> Option<(u32, u32)> {
    let (major, minor) = name.strip_prefix("GLIBC_")?.split_once('.')?;
    let minor = minor.split('.').next()?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

#[test]
fn the_default_build_does_not_require_packed_relocations() {
    let binary = Path::new(env!("CARGO_BIN_EXE_gameday"));
    let versions = required_versions(binary);
    assert!(
        versions.iter().any(|(lib, v)| lib == "libc.so.6" && glibc_version(v).is_some()),
        "no glibc version read from {}: {versions:?}",
        binary.display()
    );
    let relr: Vec<_> = versions.iter().filter(|(_, v)| v == "GLIBC_ABI_DT_RELR").collect();
    assert!(
        relr.is_empty(),
        "{} requires {relr:?} (glibc 2.36+): packed relocations must stay opt-in (is GAMEDAY_PACK_RELOCS set?)",
        binary.display()
    );
}

/// The reader above would pass on anything if it missed the version: a
/// small program linked with packed relocations must show it.
#[test]
fn the_reader_sees_a_packed_relocations_requirement() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let src = dir.path().join("relr.c");
    let exe = dir.path().join("relr");
    std::fs::write(&src, "static const char *p = \"x\";\nint main(void) { return p[0] != 'x'; }\n").expect("write");
    let cc = Command::new("cc")
        .args(["-fPIE", "-pie", "-Wl,-z,pack-relative-relocs", "-o"])
        .arg(&exe)
        .arg(&src)
        .output()
        .expect("cc runs");
    assert!(cc.status.success(), "cc failed: {}", String::from_utf8_lossy(&cc.stderr));
    let versions = required_versions(&exe);
    assert!(versions.iter().any(|(_, v)| v == "GLIBC_ABI_DT_RELR"), "not seen in {versions:?}");
}
