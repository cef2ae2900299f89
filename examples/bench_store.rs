//! Event-log append benchmark: latency of one append with fsync (what the
//! console pays before showing anything as saved) and throughput, plus the
//! headless mode that syncs at checkpoints. Run with
//! `cargo run --release --example bench_store -- [N] [DIR]`.
use gameday::session::event::EventBody;
use gameday::session::{Durability, EventLog};
use std::time::Instant;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let dir = match args.next() {
        Some(d) => std::path::PathBuf::from(d),
        None => std::env::temp_dir(),
    };
    for (label, durability) in [("fsync every event", Durability::EveryEvent), ("checkpoints", Durability::Checkpoints)]
    {
        let path = dir.join(format!("bench-store-{}-{}.jsonl", std::process::id(), label.replace(' ', "-")));
        let _ = std::fs::remove_file(&path);
        let mut log = EventLog::create(&path, durability)?;
        let mut lat = Vec::with_capacity(n);
        let all = Instant::now();
        for i in 0..n {
            let body = EventBody::Observation {
                id: i as u64,
                kind: "observation".into(),
                text: format!("observation number {i}: latency alert fired on the orders API"),
                author: "bench".into(),
                step: Some("inject-latency".into()),
                owner: None,
                due: None,
            };
            let t = Instant::now();
            log.append(body)?;
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        log.sync()?;
        let total = all.elapsed().as_secs_f64();
        lat.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{label}: {n} events in {total:.2}s = {:.0} events/s; append p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            n as f64 / total,
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            lat.last().copied().unwrap_or(0.0)
        );
        let _ = std::fs::remove_file(&path);
    }
    Ok(())
}
