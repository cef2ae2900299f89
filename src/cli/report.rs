//! `gameday report SESSION|JOURNAL… [--format md|html|json] [-o FILE] [--participant]`.
//! One input gives a single-run report, several an aggregate.
use crate::report::{self, Format};
use clap::Args;
use std::path::{Path, PathBuf};

/// `gameday report`.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// Session directories, `events.jsonl` files or Chaos Toolkit `journal.json` files.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output format: md, html or json.
    #[arg(long, default_value = "md")]
    pub format: String,
    /// Write here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The participant version: hides the method and injected conditions.
    #[arg(long)]
    pub participant: bool,
}

/// Run the subcommand; returns the exit code (0 written, 1 an input or the
/// output could not be used, 2 a bad option).
pub async fn report(args: ReportArgs) -> u8 {
    let Some(format) = Format::parse(&args.format) else {
        eprintln!("gameday report: unknown format '{}' (use md, html or json)", args.format);
        return 2;
    };
    // Reading and rendering a large session is CPU work: keep it off the async workers.
    let job = tokio::task::spawn_blocking(move || {
        let paths: Vec<&Path> = args.inputs.iter().map(PathBuf::as_path).collect();
        let text = report::report_paths(&paths, format, args.participant)?;
        match &args.output {
            Some(p) => std::fs::write(p, text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", p.display())),
            None => {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|_| out.flush()).map_err(|e| format!("cannot write: {e}"))
            }
        }
    });
    match job.await {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            eprintln!("gameday report: {e}");
            1
        }
        Err(e) => {
            eprintln!("gameday report: internal error: {e}");
            1
        }
    }
}
