//! Entry point: everything lives in the library so tests can drive it.
fn main() -> std::process::ExitCode {
    // First, while gameday is one small thread: the spawner is forked from
    // here (see `providers::spawner`).
    gameday::providers::spawner::start_for(std::env::args_os().nth(1).as_deref());
    gameday::cli::main()
}
