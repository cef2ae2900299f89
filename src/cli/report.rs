//! `gameday report SESSION|JOURNAL… [--format md|html|json] [-o FILE] [--participant]`.
//! One input gives a single-run report, several an aggregate.
use crate::report::{self, Format};
use clap::Args;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Reports are written in large chunks: a big one is tens of megabytes.
const OUT_BUFFER: usize = 1 << 20;

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
        eprintln!(
            "gameday report: unknown format '{}' (use md, html or json)",
            crate::term_text::terminal_safe(&args.format)
        );
        return 2;
    };
    // Reading and rendering a large session is CPU work: keep it off the async workers.
    let job = tokio::task::spawn_blocking(move || {
        let paths: Vec<&Path> = args.inputs.iter().map(PathBuf::as_path).collect();
        // Every input is read before anything is written: a bad input leaves no file behind.
        let built = report::read_all(&paths, args.participant)?;
        for w in built.iter().flat_map(|b| &b.warnings) {
            eprintln!("gameday report: WARNING: {}", crate::term_text::terminal_safe(w));
        }
        let done = match &args.output {
            Some(p) => write_file(p, |out| report::render_to(&built, format, out)),
            None => {
                let mut out = BufWriter::with_capacity(OUT_BUFFER, std::io::stdout().lock());
                report::render_to(&built, format, &mut out)
                    .and_then(|_| out.flush().map_err(|e| format!("cannot write: {e}")))
            }
        };
        // The process ends once the report is written: freeing a report of
        // 100,000 notes piece by piece would only add a sixth to its time.
        std::mem::forget(built);
        done
    });
    match job.await {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            eprintln!("gameday report: {}", crate::term_text::terminal_safe(&e));
            1
        }
        Err(e) => {
            eprintln!("gameday report: internal error: {e}");
            1
        }
    }
}

/// Stream the report into `path`; a report that could not be written whole
/// is removed rather than left cut short.
fn write_file(path: &Path, render: impl FnOnce(&mut dyn Write) -> Result<(), String>) -> Result<(), String> {
    let file = File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut out = BufWriter::with_capacity(OUT_BUFFER, file);
    let done = render(&mut out).and_then(|_| out.flush().map_err(|e| format!("cannot write {}: {e}", path.display())));
    if done.is_err() {
        drop(out);
        let _ = std::fs::remove_file(path);
    }
    done
}
