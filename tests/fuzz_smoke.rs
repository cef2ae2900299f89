//! A bounded, seeded, dependency-free random-input harness over the same
//! entry points as the cargo-fuzz targets in `fuzz/` (experiment/playbook
//! loading and validation, substitution, tolerances, the event-log reader,
//! JSONPath, durations and timeouts), plus a replay of every crashing input kept under
//! `tests/fuzz_regressions/<target>/`.
//!
//! Inputs are mutations (a small xorshift generator, no new dependency) of
//! seed documents from the repository and of inline samples. The seed is
//! printed; reproduce a failure with `GAMEDAY_FUZZ_SEED=<seed>`. The input
//! count per target is `GAMEDAY_FUZZ_INPUTS` (default 4,000, so 20,000 in
//! all). A failing input is written to the temp directory and its path
//! printed, ready to be copied into `tests/fuzz_regressions/<target>/`.
#[path = "reliability/fuzz_entry.rs"]
mod fuzz_entry;
#[path = "reliability/rng.rs"]
mod rng;

use rng::XorShift;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

const DEFAULT_SEED: u64 = 0x9e37_79b9_7f4a_7c15;
const DEFAULT_INPUTS: usize = 4_000;

fn seed() -> u64 {
    std::env::var("GAMEDAY_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SEED)
}

fn inputs() -> usize {
    std::env::var("GAMEDAY_FUZZ_INPUTS").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_INPUTS)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files of a directory (sorted), at most `limit`, each at most 64 KiB.
fn files(dir: &Path, limit: usize) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths.into_iter().filter_map(|p| std::fs::read(p).ok()).filter(|b| b.len() <= 64 * 1024).take(limit).collect()
}

/// Starting points for one target's mutations.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let r = root();
    let mut out: Vec<Vec<u8>> = Vec::new();
    match target {
        "load_validate" => {
            for dir in ["tests/validate", "tests/malformed", "playbooks"] {
                for doc in files(&r.join(dir), 40) {
                    let yaml = u8::from(!doc.trim_ascii_start().starts_with(b"{"));
                    let mut v = vec![yaml];
                    v.extend_from_slice(&doc);
                    out.push(v);
                }
            }
            out.push(b"\x00{\"title\":\"t\",\"description\":\"d\",\"method\":[{\"type\":\"action\",\"name\":\"a\",\"provider\":{\"type\":\"process\",\"path\":\"echo\"}}]}".to_vec());
            out.push(b"\x01title: t\ndescription: d\nmethod:\n- type: probe\n  name: p\n  provider: {type: http, url: 'http://x'}\n".to_vec());
        }
        "substitute" => {
            out.push(b"${a} and $b and $$c ${s}\na=1\nb=\"two\"\nk.s=[1,2]".to_vec());
            out.push(b"${a}\na={\"x\":[1,null,true]}".to_vec());
            out.push(b"{\"k\":[\"${a}\",\"$a$a\",{\"n\":\"${missing}\"}]}\na=3.5".to_vec());
        }
        "tolerance" => {
            for t in [
                "200\n200",
                "[200, 201]\n201",
                "true\ntrue",
                "\"^ok$\"\n\"ok\"",
                "{\"type\":\"range\",\"range\":[1,5],\"target\":\"status\"}\n{\"status\":3}",
                "{\"type\":\"regex\",\"pattern\":\"o+\",\"target\":\"body\"}\n{\"body\":\"foo\"}",
                "{\"type\":\"jsonpath\",\"path\":\"$.a[*]\",\"expect\":[1]}\n{\"a\":[1]}",
                "{\"type\":\"jsonpath\",\"path\":\"$.a\",\"count\":1}\n{\"a\":1}",
                "{\"type\":\"probe\",\"name\":\"p\",\"pass\":1,\"provider\":{}}\n1",
                "{\"type\":\"range\",\"range\":[\"${x}\",2]}\n1.5",
            ] {
                out.push(t.as_bytes().to_vec());
            }
        }
        "event_log" => {
            let start = r#"{"seq":1,"at":"2026-01-01T00:00:00.000000Z","t":0.0,"kind":"session_started","experiment":{"title":"x"},"source":"x.json","mode":"console","platform":"linux","node":"n","argv":["gameday","run","x.json"],"cwd":"/"}"#;
            let note = r#"{"seq":2,"at":"2026-01-01T00:00:01.000000Z","t":1.0,"kind":"observation","id":1,"type":"observation","text":"hello","author":"me"}"#;
            let ended = r#"{"seq":3,"at":"2026-01-01T00:00:02.000000Z","t":2.0,"kind":"session_ended"}"#;
            out.push(format!("{start}\n{note}\n{ended}\n").into_bytes());
            out.push(format!("{start}\n{note}\n{}", &ended[..20]).into_bytes());
            out.push(format!("{start}\nnot json\n\n{note}\n").into_bytes());
        }
        "jsonpath" => {
            for p in [
                "$.a[*].b",
                "$..d[?(@ > 1)]",
                "$.a[0:2:1]",
                "$['e']['f'].g",
                "$.a[-1:]",
                "$..*",
                "$.a[?(@.b = \"c\")]",
                "$.a[::0]",
                "$[*][*][*]",
            ] {
                out.push(p.as_bytes().to_vec());
                out.push(format!("{p}\n{{\"a\":[{{\"b\":1}},{{\"b\":[2,3]}}],\"d\":[0,5]}}").into_bytes());
            }
        }
        "durations" => {
            for v in [
                "1e308",
                "\"1e308\"",
                "1e20",
                "\"inf\"",
                "[1e19, 1e19]",
                "604800",
                "604800.001",
                "-1",
                "0",
                "\"10m\"",
                "\"1h30m\"",
                "\"168h\"",
                "\"169h\"",
                "\"500ms\"",
                "2.5",
                "[1, null]",
                "\"${t}\"",
                "18446744073709551616",
            ] {
                out.push(v.as_bytes().to_vec());
            }
            // Eight bytes read as an f64: infinity, NaN, the largest finite value.
            for f in [f64::INFINITY, f64::NAN, f64::MAX, -0.0, 1.8e19] {
                out.push(f.to_le_bytes().to_vec());
            }
        }
        other => panic!("no seeds for {other}"),
    }
    out
}

/// Bytes that matter to the parsers: structure, sigils, escapes, UTF-8.
const INTERESTING: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"\n",
    b"$",
    b"${",
    b"@",
    b"..",
    b"*",
    b"?(",
    b")",
    b"-",
    b"0",
    b"1e400",
    b"1e308",
    b"1.0e+308",
    b"1e19",
    b"604801",
    b"\"inf\"",
    b"168h",
    b"-0",
    b"9223372036854775808",
    b"\\u0000",
    b"\\ud800",
    b"\xc3\xa9",
    b"\xff",
    b"\xf0\x9f\x92\xa5",
    b"&a",
    b"*a",
    b"!!",
    b"---",
    b"- ",
    b"  ",
    b"\t",
    b"\r",
    b"null",
    b"true",
    b"[[[[[[[[",
    b"{\"a\":{\"a\":",
];

/// One mutation of `base` (other seeds may be spliced in).
fn mutate(rng: &mut XorShift, base: &[u8], pool: &[Vec<u8>]) -> Vec<u8> {
    let mut v = base.to_vec();
    let rounds = 1 + rng.below(6);
    for _ in 0..rounds {
        let len = v.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(len + 1);
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                v.splice(i..i, piece.iter().copied());
            }
            2 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(32));
                v.drain(i..i + n);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                let piece: Vec<u8> = v[i..i + n].to_vec();
                let at = rng.below(len + 1);
                v.splice(at..at, piece);
            }
            4 if !pool.is_empty() => {
                let other = &pool[rng.below(pool.len())];
                if !other.is_empty() {
                    let i = rng.below(other.len());
                    let n = 1 + rng.below((other.len() - i).min(128));
                    let at = rng.below(len + 1);
                    v.splice(at..at, other[i..i + n].iter().copied());
                }
            }
            5 if len > 0 => {
                v.truncate(rng.below(len));
            }
            6 => {
                let i = rng.below(len + 1);
                v.insert(i, rng.below(256) as u8);
            }
            _ => {
                // A fresh random input now and then.
                if rng.below(8) == 0 {
                    v = (0..rng.below(64)).map(|_| rng.below(256) as u8).collect();
                }
            }
        }
    }
    v.truncate(256 * 1024);
    v
}

/// Run `target` on one input; on a panic, save the input and fail with its path.
fn check(target: &str, data: &[u8], what: &str) {
    let result = catch_unwind(AssertUnwindSafe(|| fuzz_entry::run(target, data)));
    if let Err(e) = result {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        let saved = std::env::temp_dir().join(format!("gameday-fuzz-{target}-{}.bin", std::process::id()));
        let _ = std::fs::write(&saved, data);
        panic!(
            "fuzz target {target} panicked on {what} ({} bytes, saved to {}): {msg}\ninput (escaped): {}",
            data.len(),
            saved.display(),
            data.escape_ascii()
        );
    }
}

fn smoke(target: &str) {
    let seed = seed() ^ (target.len() as u64).wrapping_mul(0x1000_0000_01b3) ^ u64::from(target.as_bytes()[0]);
    let n = inputs();
    println!("fuzz smoke {target}: seed {} (GAMEDAY_FUZZ_SEED), {n} inputs", self::seed());
    let pool = seeds(target);
    let mut rng = XorShift::new(seed);
    let started = Instant::now();
    for s in &pool {
        check(target, s, "a seed input");
    }
    for i in 0..n {
        let base = &pool[rng.below(pool.len())];
        let input = mutate(&mut rng, base, &pool);
        check(target, &input, &format!("mutated input #{i}"));
    }
    println!("fuzz smoke {target}: {n} inputs in {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn smoke_load_validate() {
    smoke("load_validate");
}

#[test]
fn smoke_substitute() {
    smoke("substitute");
}

#[test]
fn smoke_tolerance() {
    smoke("tolerance");
}

#[test]
fn smoke_event_log() {
    smoke("event_log");
}

#[test]
fn smoke_jsonpath() {
    smoke("jsonpath");
}

#[test]
fn smoke_durations() {
    smoke("durations");
}

/// Every input the fuzzers ever crashed on stays fixed.
#[test]
fn regressions_replay() {
    let base = root().join("tests/fuzz_regressions");
    let mut replayed = 0;
    for target in fuzz_entry::TARGETS {
        let dir = base.join(target);
        let mut paths: Vec<PathBuf> =
            std::fs::read_dir(&dir).into_iter().flatten().filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for p in paths.iter().filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md")) {
            let data = std::fs::read(p).expect("regression input");
            check(target, &data, &p.display().to_string());
            replayed += 1;
        }
    }
    println!("replayed {replayed} regression inputs");
}
