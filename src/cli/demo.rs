//! `gameday demo`: start the embedded demo service on 127.0.0.1 and open the
//! bundled demo Game Day against it — nothing to install but the binary.
use super::args::{DemoArgs, RunArgs};
use super::headless_log::line;
use crate::demo::{self, DemoOptions};
use std::path::PathBuf;

/// Where the bundled playbook is written so a session can be resumed.
fn playbook_path() -> Result<PathBuf, String> {
    let dir = crate::session::dir::data_root().join("demo");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join("demo.yaml");
    std::fs::write(&path, demo::PLAYBOOK_YAML).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Run the subcommand; returns the exit code.
pub async fn demo(args: DemoArgs) -> u8 {
    if args.serve_only {
        return match demo::serve_forever(args.port).await {
            Ok(()) => 0,
            Err(e) => {
                line("ERROR", &format!("the demo service could not start: {e}"));
                1
            }
        };
    }
    let svc = match demo::start_with(DemoOptions { port: args.port, traffic_per_s: demo::DEFAULT_TRAFFIC_PER_S }).await
    {
        Ok(s) => s,
        Err(e) => {
            line("ERROR", &format!("the demo service could not start: {e}"));
            return 1;
        }
    };
    let path = match playbook_path() {
        Ok(p) => p,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    let journal = crate::session::dir::data_root().join("demo").join("journal.json");
    let run = RunArgs {
        source: path.display().to_string(),
        headless: args.headless,
        yes: false,
        journal_path: journal,
        dry: None,
        no_validation: false,
        no_verify_tls: false,
        rollback_strategy: None,
        hypothesis_strategy: None,
        hypothesis_frequency: 1.0,
        fail_fast: false,
        vars: vec![format!("base_url={}", svc.base_url())],
        var_files: Vec::new(),
        control_files: Vec::new(),
        gate: None,
        python: None,
        session_dir: None,
        no_report: false,
        junit: None,
        quiet: false,
        verbose: false,
    };
    if args.headless {
        line("INFO", &format!("demo service on {}", svc.base_url()));
    }
    let code = super::run::run(run).await;
    let _ = svc.shutdown().await;
    code
}
