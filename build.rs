//! Bakes the git commit into `gameday --version`, and packs the binary's
//! relative relocations when the build asks for it (`GAMEDAY_PACK_RELOCS=1`).
use std::path::Path;
use std::process::Command;

/// The opt-in for packed relative relocations (DT_RELR). Off by default: a
/// binary linked with them requires `GLIBC_ABI_DT_RELR`, i.e. glibc 2.36 or
/// newer, and does not start on Ubuntu 22.04, RHEL 8/9 or Amazon Linux 2023.
const PACK_RELOCS_VAR: &str = "GAMEDAY_PACK_RELOCS";

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown commit".into());
    println!("cargo:rustc-env=GAMEDAY_GIT_COMMIT={commit}");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={PACK_RELOCS_VAR}");
    if pack_relocs_requested() {
        if let Err(why) = packed_relocations_work() {
            // Asked for explicitly, so not getting it is an error rather than
            // a binary that silently differs from what was requested.
            eprintln!("error: {PACK_RELOCS_VAR}=1, but packed relative relocations cannot be used here: {why}");
            std::process::exit(1);
        }
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

fn pack_relocs_requested() -> bool {
    match std::env::var(PACK_RELOCS_VAR).as_deref() {
        Err(_) | Ok("") | Ok("0") => false,
        Ok("1") => true,
        Ok(other) => {
            eprintln!("error: {PACK_RELOCS_VAR} must be 1 (pack relocations) or 0 (do not), not {other:?}");
            std::process::exit(1);
        }
    }
}

/// Whether `-z pack-relative-relocs` links and runs here. A position-
/// independent binary rewrites every pointer in its read-only data when it
/// starts; the packed form (DT_RELR) shrinks that table from ~430 KB to a
/// few KB, about 0.4 MB less resident memory for every run. It needs GNU ld
/// 2.38+ (or lld/mold) and glibc 2.36+, so it is tried on a small program
/// with a pointer to relocate, built and run with the same compiler driver
/// Rust links with.
fn packed_relocations_work() -> Result<(), String> {
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_default();
    if !target.ends_with("-linux-gnu") {
        return Err(format!("the target {target} is not a glibc Linux"));
    }
    if target != host {
        return Err(format!("cross-compiling ({host} -> {target}); the probe must run where it is built"));
    }
    let out = std::env::var_os("OUT_DIR").ok_or("cargo set no OUT_DIR")?;
    let dir = Path::new(&out);
    let src = dir.join("relr_probe.c");
    let exe = dir.join("relr_probe");
    let program = "static const char *p = \"x\";\nint main(void) { return p[0] != 'x'; }\n";
    std::fs::write(&src, program).map_err(|e| format!("writing {}: {e}", src.display()))?;
    let linked = Command::new("cc")
        .args(["-fPIE", "-pie", "-Wl,-z,pack-relative-relocs", "-o"])
        .arg(&exe)
        .arg(&src)
        .output()
        .map_err(|e| format!("running cc: {e}"))?;
    if !linked.status.success() || !linked.stderr.is_empty() {
        let stderr = String::from_utf8_lossy(&linked.stderr);
        return Err(format!(
            "the linker does not take -z pack-relative-relocs (GNU ld 2.38+ needed): {}",
            stderr.trim()
        ));
    }
    match Command::new(&exe).status() {
        Ok(s) if s.success() => Ok(()),
        _ => Err("a probe linked with them does not run (glibc 2.36+ needed)".into()),
    }
}
