//! `gameday report SESSION|JOURNAL… [--format md|html|json|junit] [-o FILE] [--participant] [--json]`.
//! One input gives a single-run report, several an aggregate. A session is
//! its folder or its name (as `gameday sessions` lists it).
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
    /// Session directories or names, `events.jsonl` files or Chaos Toolkit `journal.json` files.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output format: md, html, json or junit (JUnit XML, one input only).
    #[arg(long, default_value = "md")]
    pub format: String,
    /// Write here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The participant version: hides the method and injected conditions.
    #[arg(long)]
    pub participant: bool,
    /// Print a JSON summary on stdout (a row per run: verdict, duration,
    /// counts; the action items; where the report went). Without --output
    /// the summary is all that is printed.
    #[arg(long)]
    pub json: bool,
}

/// The summary's schema name; a new number means an incompatible change.
pub const SUMMARY_SCHEMA: &str = "gameday-report-summary/1";

/// What `report` makes: one of the report formats, or JUnit XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Report(Format),
    Junit,
}

/// Run the subcommand; returns the exit code (0 written, 1 an input or the
/// output could not be used, 2 a bad option).
pub async fn report(args: ReportArgs) -> u8 {
    let output = match Format::parse(&args.format) {
        Some(f) => Output::Report(f),
        None if args.format.eq_ignore_ascii_case("junit") => Output::Junit,
        None => {
            eprintln!(
                "gameday report: unknown format '{}' (use md, html, json or junit)",
                crate::term_text::terminal_safe(&args.format)
            );
            return 2;
        }
    };
    if output == Output::Junit && args.inputs.len() != 1 {
        eprintln!("gameday report: JUnit XML is made from one session or journal at a time");
        return 2;
    }
    // Reading and rendering a large session is CPU work: keep it off the async workers.
    let job = tokio::task::spawn_blocking(move || {
        let inputs: Vec<PathBuf> = args.inputs.iter().map(|p| super::session_arg::report_input(p)).collect();
        let paths: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
        // Every input is read before anything is written: a bad input leaves no file behind.
        let built = report::read_all(&paths, args.participant)?;
        for w in built.iter().flat_map(|b| &b.warnings) {
            eprintln!("gameday report: WARNING: {}", crate::term_text::terminal_safe(w));
        }
        let render = |out: &mut dyn Write| match output {
            Output::Report(format) => report::render_to(&built, format, out),
            Output::Junit => {
                let xml = built.first().map(report::junit::render).unwrap_or_else(|| Err("no input given".into()))?;
                out.write_all(xml.as_bytes()).map_err(|e| format!("cannot write: {e}"))
            }
        };
        let done = match (&args.output, args.json) {
            (Some(p), _) => write_file(p, render),
            // `--json` alone: the summary is the output.
            (None, true) => Ok(()),
            (None, false) => {
                let mut out = BufWriter::with_capacity(OUT_BUFFER, std::io::stdout().lock());
                render(&mut out).and_then(|_| out.flush().map_err(|e| format!("cannot write: {e}")))
            }
        };
        let done = done.and_then(|()| {
            if !args.json {
                return Ok(());
            }
            let text = summary(&built, args.output.as_deref(), &args.format);
            let mut out = std::io::stdout().lock();
            writeln!(out, "{text}").map_err(|e| format!("cannot write: {e}"))
        });
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

/// The `--json` summary: `{schema, output, format, runs[], actions[]}`,
/// rows as in the aggregate report (oldest first), secrets masked.
fn summary(built: &[report::Built], output: Option<&Path>, format: &str) -> String {
    let all: Vec<String> = built.iter().flat_map(|b| b.secrets.iter().cloned()).collect();
    let pairs: Vec<(&str, &report::model::Report)> = built.iter().map(|b| (b.path.as_str(), &*b.report)).collect();
    let agg = report::aggregate::aggregate(&pairs);
    let doc = serde_json::json!({
        "schema": SUMMARY_SCHEMA,
        "output": output.map(|p| p.display().to_string()),
        "format": format.to_ascii_lowercase(),
        "runs": agg.runs,
        "actions": agg.actions,
    });
    let doc = match report::secrets::masker(&all) {
        Some(m) => m.mask(&doc),
        None => doc,
    };
    let text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    crate::term_text::json_terminal_safe(&text).into_owned()
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
