//! Where the time of `gameday report` goes, phase by phase: reading the
//! session (parsing `events.jsonl` and building the report and journal as
//! it streams) and rendering each format (into a sink, so disk speed does
//! not count). `scripts/bench-report` measures the whole command; this
//! splits it. Run with
//! `cargo run --release --example bench_report -- SESSION_DIR [ROUNDS]`.
use gameday::report::{self, Format};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: bench_report SESSION_DIR [ROUNDS]")?);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    for round in 1..=rounds {
        let t = Instant::now();
        let built = report::read_all(&[dir.as_path()], false)?;
        let read = t.elapsed();
        let mut line = format!("round {round}: read {:>6.0} ms", read.as_secs_f64() * 1e3);
        for (name, format) in [("md", Format::Markdown), ("html", Format::Html), ("json", Format::Json)] {
            let t = Instant::now();
            report::render_to(&built, format, &mut std::io::sink())?;
            line.push_str(&format!("  {name} {:>6.0} ms", t.elapsed().as_secs_f64() * 1e3));
        }
        let t = Instant::now();
        drop(built);
        line.push_str(&format!("  drop {:>4.0} ms", t.elapsed().as_secs_f64() * 1e3));
        println!("{line}");
    }
    Ok(())
}
