//! cargo-fuzz target `durations`: see tests/reliability/fuzz_entry.rs, shared with
//! tests/fuzz_smoke.rs (which replays tests/fuzz_regressions/durations/).
#![no_main]

#[path = "../../tests/reliability/fuzz_entry.rs"]
mod fuzz_entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_entry::run("durations", data);
});
