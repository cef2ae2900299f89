//! Entry point: everything lives in the library so tests can drive it.
fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    // First, while gameday is one small thread: the spawner is forked from
    // here (see `providers::spawner`).
    gameday::providers::spawner::start_for(std::env::args_os().nth(1).as_deref());
    gameday::cli::main()
}

/// glibc gives every thread that allocates its own malloc arena, and memory
/// freed in one is not reused by another: a long run (thousands of
/// activities, a large journal folded at the end) then holds several
/// half-empty heaps. Two arenas are plenty for gameday's few threads and cut
/// the peak resident memory of a 5,000-activity run by about a fifth
/// (BENCHMARKS.md).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of the allocator; it is called
    // first thing in main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
