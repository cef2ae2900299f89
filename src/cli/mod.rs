//! Command line: one file per subcommand.
use std::process::ExitCode;

/// Parse arguments and run the chosen subcommand.
pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
