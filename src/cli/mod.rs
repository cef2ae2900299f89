//! Command line: one file per subcommand.
pub mod args;
pub mod backlog;
pub mod blackout;
pub mod chaos;
pub mod completions;
pub mod console;
pub mod day;
pub mod demo;
pub mod export;
pub mod headless_log;
pub mod help;
pub mod home;
pub mod init;
pub mod plan;
pub mod report;
pub mod resume;
pub mod run;
pub mod session_arg;
pub mod sessions;
pub mod validate;
pub mod watch;

use clap::Parser;
use std::process::ExitCode;

/// Parse arguments and run the chosen subcommand.
pub fn main() -> ExitCode {
    crate::trace::mark_start();
    let (top, command, as_chaos) = parse_invocation();
    if let Err(code) = chaos::apply_top_level(&top, as_chaos) {
        return ExitCode::from(code);
    }
    headless_log::set_verbosity(top.quiet, top.verbose);
    let cli = args::Cli { top, command };
    // A headless run awaits everything it does (activities, the log
    // printer, the signal watchers; long blocking work goes to spawn_blocking),
    // so one thread runs it: no worker threads to start or keep in memory.
    // The console keeps two workers so drawing never waits on the engine.
    let headless_run = match &cli.command {
        Some(args::Command::Run(a)) => a.headless || a.yes,
        Some(args::Command::Chaos(c)) => matches!(c.command, args::ChaosCommand::Run(_)),
        _ => false,
    };
    let built = if headless_run {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()
    };
    let runtime = match built {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gameday: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(async move {
        match cli.command {
            Some(args::Command::Run(a)) => run::run(a).await,
            Some(args::Command::Validate(a)) => validate::validate(a).await,
            Some(args::Command::Resume(a)) => resume::resume(a).await,
            Some(args::Command::Demo(a)) => demo::demo(a).await,
            Some(args::Command::Sessions(a)) => sessions::sessions(a),
            Some(args::Command::Completions(a)) => completions::completions(a),
            Some(args::Command::Man(a)) => completions::man(a),
            Some(args::Command::Report(a)) => report::report(a).await,
            Some(args::Command::Init(a)) => init::init(a).await,
            Some(args::Command::Watch(a)) => watch::watch(a).await,
            Some(args::Command::Export(a)) => export::export(a).await,
            Some(args::Command::Plan(a)) => plan::plan(a).await,
            Some(args::Command::Backlog(a)) => backlog::backlog(a).await,
            Some(args::Command::Chaos(c)) => chaos::dispatch(c.command).await,
            None => home::home().await,
        }
    });
    // Background tasks (stop watchers, readers) must not keep us alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    ExitCode::from(code)
}

/// The command line, whichever way gameday was called: through a link named
/// `chaos` it is chaos's grammar; `gameday chaos …` is the same. Returns the
/// top-level flags that apply (the drop-in's own for `gameday chaos`), the
/// command, and whether chaos's defaults apply.
fn parse_invocation() -> (args::TopLevel, Option<args::Command>, bool) {
    if chaos::invoked_as_chaos(std::env::args_os().next().as_deref()) {
        let c = args::ChaosCli::parse();
        return (c.top.clone(), Some(args::Command::Chaos(c)), true);
    }
    let cli = args::Cli::parse();
    match cli.command {
        Some(args::Command::Chaos(c)) => (c.top.clone(), Some(args::Command::Chaos(c)), true),
        command => (cli.top, command, false),
    }
}
