//! What the binaries require of the C library they run on. The default build
//! must not need `GLIBC_ABI_DT_RELR` (glibc 2.36+: packed relocations are an
//! opt-in, `GAMEDAY_PACK_RELOCS=1`), and the tarball `scripts/release` makes
//! must run on glibc 2.28 or newer, which its binary's required symbol
//! versions show.
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

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
    // And the release script's own check refuses it, naming the version.
    let check = check_binary(&exe);
    assert!(!check.status.success(), "scripts/release --check-binary accepted a binary needing DT_RELR");
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(stderr.contains("GLIBC_ABI_DT_RELR"), "the refusal does not name the version: {stderr}");
}

fn check_binary(binary: &Path) -> std::process::Output {
    Command::new(Path::new(ROOT).join("scripts/release"))
        .arg("--check-binary")
        .arg(binary)
        .output()
        .expect("scripts/release runs")
}

/// The directory holding the tarball to check. `scripts/test` runs
/// `scripts/release --quick` before the tests (so its build does not compete
/// with timing-sensitive tests) and names the directory in
/// `GAMEDAY_RELEASE_DIST`; without it, the release is made here.
fn release_dist() -> &'static Path {
    static DIST: OnceLock<PathBuf> = OnceLock::new();
    DIST.get_or_init(|| {
        if let Some(dir) = std::env::var_os("GAMEDAY_RELEASE_DIST") {
            return PathBuf::from(dir);
        }
        let dir = Path::new(ROOT).join("target/release-check");
        let status = Command::new(Path::new(ROOT).join("scripts/release"))
            .args(["--quick", "--out"])
            .arg(&dir)
            .status()
            .expect("scripts/release runs");
        assert!(status.success(), "scripts/release --quick failed: {status}");
        dir
    })
}

fn package_name() -> String {
    format!("gameday-{VERSION}-x86_64-linux-gnu")
}

/// The tarball, unpacked once into a temporary directory that lives as long
/// as the test process.
fn unpacked() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let tarball = release_dist().join(format!("{}.tar.gz", package_name()));
        let out = Command::new("tar").arg("-xzf").arg(&tarball).arg("-C").arg(dir.path()).output().expect("tar runs");
        assert!(out.status.success(), "unpacking {}: {}", tarball.display(), String::from_utf8_lossy(&out.stderr));
        dir
    })
    .path()
}

#[test]
fn the_tarball_has_its_checksum_and_everything_a_user_installs() {
    let name = package_name();
    let tarball = release_dist().join(format!("{name}.tar.gz"));
    let bytes = std::fs::read(&tarball).unwrap_or_else(|e| panic!("{}: {e}", tarball.display()));
    let sums = std::fs::read_to_string(release_dist().join(format!("{name}.tar.gz.sha256"))).expect("the .sha256 file");
    let digest: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(sums, format!("{digest}  {name}.tar.gz\n"), "the .sha256 file does not match the tarball");

    let listing = Command::new("tar").arg("-tzf").arg(&tarball).output().expect("tar runs");
    assert!(listing.status.success());
    let entries: Vec<String> = String::from_utf8_lossy(&listing.stdout).lines().map(str::to_string).collect();
    assert!(entries.iter().all(|e| e.starts_with(&format!("{name}/"))), "entries outside {name}/: {entries:?}");
    for want in [
        "gameday",
        "README.md",
        "LICENSE",
        "completions/gameday.bash",
        "completions/_gameday",
        "completions/gameday.fish",
        "man/man1/gameday.1",
        "man/man1/gameday-run.1",
    ] {
        assert!(entries.contains(&format!("{name}/{want}")), "{want} missing from the tarball: {entries:?}");
    }

    let pkg = unpacked().join(&name);
    let same = |file: &str| std::fs::read(pkg.join(file)).ok() == std::fs::read(Path::new(ROOT).join(file)).ok();
    assert!(same("README.md") && same("LICENSE"), "README.md or LICENSE differs from the repository's");
    let read = |file: &str| std::fs::read_to_string(pkg.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert!(read("completions/gameday.bash").contains("complete -F"), "not a bash completion script");
    assert!(read("completions/_gameday").starts_with("#compdef gameday"), "not a zsh completion script");
    assert!(read("completions/gameday.fish").contains("complete -c gameday"), "not a fish completion script");
    assert!(read("man/man1/gameday.1").contains(".TH gameday 1"), "not the gameday(1) man page");

    let version = Command::new(pkg.join("gameday")).arg("--version").output().expect("the packaged binary runs");
    assert!(version.status.success());
    let text = String::from_utf8_lossy(&version.stdout);
    assert!(text.starts_with(&format!("gameday {VERSION} ")), "--version says {text:?}");
}

#[test]
fn the_packaged_binary_runs_on_glibc_2_28() {
    let binary = unpacked().join(package_name()).join("gameday");
    let versions = required_versions(&binary);
    let glibc: Vec<(u32, u32)> = versions.iter().filter_map(|(_, v)| glibc_version(v)).collect();
    assert!(!glibc.is_empty(), "no glibc version read from {}: {versions:?}", binary.display());
    let too_new: Vec<_> = versions
        .iter()
        .filter(|(_, v)| v == "GLIBC_ABI_DT_RELR" || glibc_version(v).is_some_and(|n| n > (2, 28)))
        .collect();
    assert!(too_new.is_empty(), "the packaged binary requires {too_new:?}, above glibc 2.28");
    let check = check_binary(&binary);
    assert!(
        check.status.success(),
        "scripts/release --check-binary refused it: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}
