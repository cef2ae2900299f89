//! `gameday run FILE`: the console, or with `--headless` a run that behaves
//! like `chaos run` (same flags, journal and exit codes).
use super::args::RunArgs;
use super::headless_log::{follow, line};
use crate::engine::config::{load_var_files, parse_var};
use crate::engine::{
    AutoApprover, Engine, Gate, HypothesisStrategy, Prepared, RollbackStrategy, RunOptions, StopHandle, StopRequest,
    prepare,
};
use crate::load::{self, ValidateOptions};
use crate::model::RuntimeVars;
use crate::session::event::EventBody;
use crate::session::recorder::LogHealth;
use crate::session::{self, Durability, EventLog, Recorder};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Parse `--var` and `--var-file` into overrides (a .env file sets env vars).
pub fn runtime_vars(vars: &[String], files: &[String]) -> Result<RuntimeVars, String> {
    let mut out = RuntimeVars::default();
    load_var_files(files, &mut out).map_err(|e| e.to_string())?;
    for v in vars {
        let (k, val) = parse_var(v).map_err(|e| e.to_string())?;
        out.configuration.insert(k, val);
    }
    Ok(out)
}

/// Strategies from the settings' `runtime`, then the experiment's `runtime`
/// block, then the flags, as `chaos run` does.
fn strategies(
    doc: &Value,
    args: &RunArgs,
    settings: &Option<Value>,
) -> Result<(RollbackStrategy, HypothesisStrategy), String> {
    use crate::engine::controls::globals::runtime_strategy;
    let mut rollback = RollbackStrategy::Default;
    let mut hypothesis = HypothesisStrategy::Default;
    if let Some(r) = runtime_strategy(settings, "rollbacks") {
        rollback = RollbackStrategy::parse(r)
            .ok_or_else(|| format!("unknown rollback strategy '{r}' in the settings' runtime"))?;
    }
    if let Some(h) = runtime_strategy(settings, "hypothesis") {
        hypothesis = HypothesisStrategy::parse(h)
            .ok_or_else(|| format!("unknown hypothesis strategy '{h}' in the settings' runtime"))?;
    }
    if let Some(rt) = doc.get("runtime").filter(|r| crate::engine::pyvalue::py_truthy(r)) {
        // A runtime block resets a strategy it does not name to the default.
        let r = rt.get("rollbacks").and_then(|r| r.get("strategy")).and_then(Value::as_str);
        rollback = RollbackStrategy::Default;
        hypothesis = HypothesisStrategy::Default;
        if let Some(r) = r {
            rollback =
                RollbackStrategy::parse(r).ok_or_else(|| format!("unknown rollback strategy '{r}' in runtime"))?;
        }
        let h = rt.get("hypothesis").and_then(|h| h.get("strategy")).and_then(Value::as_str);
        if let Some(h) = h {
            hypothesis =
                HypothesisStrategy::parse(h).ok_or_else(|| format!("unknown hypothesis strategy '{h}' in runtime"))?;
        }
    }
    if let Some(r) = args.rollback_strategy {
        rollback = r;
    }
    if let Some(h) = args.hypothesis_strategy {
        hypothesis = h;
    }
    Ok((rollback, hypothesis))
}

/// Everything the run needs, loaded and checked. Errors are already reported.
pub struct Loaded {
    pub origin: String,
    pub doc: Value,
    pub raw: String,
    /// [`source_hash`] of `doc` as loaded.
    pub source_hash: String,
    pub vars: RuntimeVars,
    pub opts: RunOptions,
}

/// Load, validate and turn the flags into run options.
pub async fn load_for_run(args: &RunArgs, headless: bool) -> Result<Loaded, u8> {
    let vars = runtime_vars(&args.vars, &args.var_files).map_err(|e| {
        line("ERROR", &e);
        1
    })?;
    // Settings and global controls come first, as in chaos (their `loader`
    // hooks wrap the loading of the experiment).
    let globals =
        crate::engine::controls::globals::load(&super::chaos::settings_path(), &args.control_files, Some(&args.source))
            .map_err(|e| {
                line("ERROR", &e);
                1
            })?;
    // The validation below calls each `validate_control` (chaos: once, and
    // never under --no-validation).
    let globals = crate::engine::controls::Globals { validated: true, ..globals };
    let fetch = load::LoadOptions { verify_tls: !args.no_verify_tls, ..load::LoadOptions::from_env() };
    let loaded = load::load_with(&args.source, &fetch).await.map_err(|e| {
        line("ERROR", &e.to_string());
        1
    })?;
    let python = args.python.clone().unwrap_or_else(|| "python3".into());
    if args.no_validation
        && let Err(e) = load::validate::check_shape(&loaded.doc)
    {
        line("ERROR", &format!("{}: {e}", loaded.origin));
        return Err(1);
    }
    if !args.no_validation {
        line("INFO", "Validating the experiment's syntax");
        let vopts = ValidateOptions { vars: vars.clone(), python: Some(python.clone()) };
        match super::validate::validate_loaded_off_thread(loaded.clone(), vopts).await {
            Ok(warnings) => {
                for w in warnings {
                    line("WARNING", &w);
                }
                line("INFO", "Experiment looks valid");
            }
            Err(e) => {
                line("ERROR", &e);
                return Err(1);
            }
        }
    }
    // A playbook may wrap an experiment file (`experiment:`): run the merged document.
    let mut loaded = loaded;
    if !loaded.origin.contains("://") {
        let base = Path::new(&loaded.origin).parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        match crate::model::playbook::resolve_doc(&loaded.doc, base) {
            Ok(doc) => loaded.doc = doc,
            Err(e) => {
                line("ERROR", &format!("{}: {}", loaded.origin, e.message));
                return Err(1);
            }
        }
    }
    // Blackout windows: a headless run does not start; the console starts
    // with the window at its readiness gate.
    let blackout = match super::blackout::in_force(&loaded.doc, &loaded.origin, chrono::Utc::now()) {
        Ok(None) => None,
        Ok(Some(message)) if headless => {
            line("ERROR", &format!("{message}; the run does not start (exit {})", super::blackout::EXIT_BLACKOUT));
            return Err(super::blackout::EXIT_BLACKOUT);
        }
        Ok(Some(message)) => Some(message),
        Err(e) => {
            line("ERROR", &e);
            return Err(1);
        }
    };
    let (rollback_strategy, hypothesis_strategy) = strategies(&loaded.doc, args, &globals.settings).map_err(|e| {
        line("ERROR", &e);
        1
    })?;
    if args.hypothesis_strategy == Some(HypothesisStrategy::Continously) {
        line("WARNING", "'continously' is a misspelling of 'continuously'; using 'continuously'");
    }
    let opts = RunOptions {
        dry: args.dry,
        rollback_strategy,
        hypothesis_strategy,
        hypothesis_frequency: args.hypothesis_frequency,
        fail_fast: args.fail_fast,
        gate: if headless { Gate::None } else { args.gate.unwrap_or(Gate::Every) },
        python,
        operator: std::env::var("USER").unwrap_or_else(|_| "facilitator".into()),
        headless,
        lost_secrets: Vec::new(),
        globals,
        blackout,
    };
    let source_hash = source_hash(&loaded.doc);
    Ok(Loaded { origin: loaded.origin, doc: loaded.doc, raw: loaded.raw, source_hash, vars, opts })
}

/// SHA-256 (hex) of an experiment document, to tell later whether the file
/// it came from still says the same.
pub fn source_hash(doc: &Value) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(serde_json::to_vec(doc).unwrap_or_default());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A session directory, its recorder, and the notifier task if one runs.
pub type OpenedSession = (PathBuf, Arc<Recorder>, Option<tokio::task::JoinHandle<()>>);

/// A new session directory with its event log, recorder and frozen experiment.
pub fn open_session(
    root: Option<&Path>,
    prepared: &mut Prepared,
    source: Frozen,
    mode: &str,
    durability: Durability,
) -> Result<OpenedSession, String> {
    let opened = create_session(root, prepared, durability)?;
    let journal_copy = std::mem::take(&mut prepared.journal_copy);
    start_session(&opened.0, &opened.1, prepared, journal_copy, source, mode)?;
    Ok(opened)
}

/// What a session keeps of the experiment it started from.
#[derive(Debug, Clone)]
pub struct Frozen {
    pub doc: Value,
    pub origin: String,
    pub hash: String,
}

impl Frozen {
    pub fn of(loaded: &Loaded) -> Self {
        Self { doc: loaded.doc.clone(), origin: loaded.origin.clone(), hash: loaded.source_hash.clone() }
    }

    /// [`Frozen::of`], taking the document out of `loaded` rather than
    /// copying it (a headless run needs it nowhere else).
    pub fn take(loaded: &mut Loaded) -> Self {
        Self { doc: std::mem::take(&mut loaded.doc), origin: loaded.origin.clone(), hash: loaded.source_hash.clone() }
    }
}

/// The first half of [`open_session`]: the directory, an empty event log and
/// the recorder (and the notifier, subscribed before the first event so it
/// sees the start). Nothing here waits for the disk, so the console can
/// draw its first frame right after it and sync the start afterwards.
pub fn create_session(
    root: Option<&Path>,
    prepared: &Prepared,
    durability: Durability,
) -> Result<OpenedSession, String> {
    let title = prepared.experiment.get("title").and_then(Value::as_str).unwrap_or("session");
    // Named from the title as written (masked too, for an inline secret
    // written straight into it): a substituted secret never names a path.
    let masker = crate::session::recorder::Masker::new(prepared.secret_values.clone());
    let folder_title = masker.mask_str(&prepared.title_as_written);
    let dir =
        session::dir::create(root, &folder_title).map_err(|e| format!("cannot create the session directory: {e}"))?;
    session::lock::hold(&dir, "run").map_err(|e| e.explain(&dir))?;
    let log = EventLog::create(&dir.join(session::dir::EVENTS), durability)
        .map_err(|e| format!("cannot create the event log: {e}"))?;
    let rec = Arc::new(Recorder::new(log));
    rec.set_secrets(prepared.secret_values.clone());
    let notify = crate::notify::resolve(&prepared.experiment, &prepared.configuration, &prepared.secrets);
    let notify = notify.unwrap_or_else(|e| {
        warn_after_start(&rec, format!("no notifications will be sent: {e}"));
        None
    });
    let notifier = notify.map(|cfg| {
        let title = rec.masker().mask_str(title);
        let session = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let rec2 = Arc::clone(&rec);
        crate::notify::spawn(rec.subscribe(), cfg, title, session, move |m| {
            rec2.record_or_flag(EventBody::Warning { message: m });
        })
    });
    Ok((dir, rec, notifier))
}

/// Record `message` as a warning right after the session's first event
/// (nothing may be recorded before `session_started`).
fn warn_after_start(rec: &Arc<Recorder>, message: String) {
    let mut updates = rec.subscribe();
    let rec = Arc::clone(rec);
    tokio::spawn(async move {
        if updates.recv().await.is_some() {
            rec.record_or_flag(EventBody::Warning { message });
        }
    });
}

/// The second half of [`open_session`]: the frozen copy of the experiment
/// and the `session_started` event, both on disk (as the log's durability
/// says) when this returns. Must run before anything else is recorded.
pub fn start_session(
    dir: &Path,
    rec: &Recorder,
    prepared: &Prepared,
    journal_copy: Value,
    source: Frozen,
    mode: &str,
) -> Result<(), String> {
    let path = dir.join(session::dir::EXPERIMENT);
    // The frozen copy is the document as loaded (a playbook's `experiment:`
    // merged in, so it stands alone), written as JSON — valid YAML too —
    // with every secret value replaced by the mask as a whole string, so it
    // always parses again. `resume` knows a masked inline secret by it.
    // Without secrets it is written as it is (no second copy in memory).
    let masker = crate::session::recorder::Masker::new(prepared.secret_values.clone());
    let masked;
    let frozen = if masker.is_empty() {
        &source.doc
    } else {
        masked = masker.mask(&source.doc);
        if holds_secret(&masker, &masked) {
            return Err(format!("refusing to write {}: the copy would still hold a secret value", path.display()));
        }
        &masked
    };
    session::dir::write_atomic_with(&path, |w| serde_json::to_writer_pretty(w, frozen).map_err(std::io::Error::other))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    // Gone before the event is built: a long experiment is not in memory
    // three times over.
    let Frozen { doc, origin, hash } = source;
    drop(doc);
    rec.record(EventBody::SessionStarted {
        experiment: journal_copy,
        source: origin,
        mode: mode.to_string(),
        platform: crate::engine::platform::platform(),
        node: crate::engine::platform::node(),
        facilitator: None,
        argv: std::env::args().collect(),
        cwd: std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default(),
        source_sha256: Some(hash),
    })
    .map_err(|e| format!("cannot write the event log: {e}"))?;
    Ok(())
}

/// Whether any text of `doc` (a key or a string, as JSON writes it) still
/// holds a secret in one of its masked forms. Numbers are not looked at: a
/// short secret may well equal a timeout.
fn holds_secret(masker: &crate::session::recorder::Masker, doc: &Value) -> bool {
    let text_holds = |s: &str| masker.finds_secret(&serde_json::to_string(s).unwrap_or_default());
    match doc {
        Value::String(s) => text_holds(s),
        Value::Array(a) => a.iter().any(|x| holds_secret(masker, x)),
        Value::Object(m) => m.iter().any(|(k, x)| text_holds(k) || holds_secret(masker, x)),
        _ => false,
    }
}

/// Give pending notifications a moment to go out, never more than 5 s.
pub async fn finish_notifier(handle: Option<tokio::task::JoinHandle<()>>) {
    if let Some(mut h) = handle
        && tokio::time::timeout(std::time::Duration::from_secs(5), &mut h).await.is_err()
    {
        h.abort();
    }
}

/// What [`write_journal`] did besides the journal.
#[derive(Debug, Default)]
pub struct Written {
    /// `report.md` and `report.html` are in the session (so their path may be shown).
    pub reports: bool,
    /// For the user: reports that could not be written.
    pub warnings: Vec<String>,
    /// For the user, unless already told: lines of the log that were skipped.
    pub skipped: Vec<String>,
}

/// Write `journal.json` into the session and at `extra` (the `--journal-path`),
/// and the session's reports unless `--no-report` said not to. Nothing is
/// printed (the console may still be on screen): the caller tells the user.
pub fn write_journal(dir: &Path, extra: Option<&Path>, reports: bool) -> Result<Written, String> {
    let log = dir.join(session::dir::EVENTS);
    // Folded one event at a time and written as it is serialised: a long
    // run's log and its journal's text are never in memory whole.
    let (journal, read) = session::journal::project_log(&log).map_err(|e| format!("cannot read the event log: {e}"))?;
    let mut written = Written {
        reports: false,
        warnings: Vec::new(),
        skipped: read.bad_lines.iter().map(|(n, e)| session::store::unreadable_line(&log, *n, e)).collect(),
    };
    let journal_path = dir.join(session::dir::JOURNAL);
    session::dir::write_atomic_with(&journal_path, |w| session::journal::write_pretty(&journal, w))
        .map_err(|e| format!("cannot write the journal: {e}"))?;
    drop(journal);
    // The reports are written with the journal, so a session is complete on disk.
    if reports {
        match crate::report::write_session_reports(dir) {
            Ok(()) => written.reports = true,
            Err(e) => written.warnings.push(format!("the session's reports could not be written: {e}")),
        }
    }
    if let Some(p) = extra {
        std::fs::copy(&journal_path, p).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    Ok(written)
}

/// Tell the user, on stderr (no screen is up), what was not saved or written
/// (and the lines skipped, unless `told_skipped` says they heard already).
pub fn tell_losses(health: &LogHealth, written: Option<&Written>, told_skipped: bool) {
    if let Some(w) = written {
        let skipped = if told_skipped { &[][..] } else { w.skipped.as_slice() };
        for warning in skipped.iter().chain(&w.warnings) {
            line("WARNING", warning);
        }
    }
    if let Some(lost) = health.summary() {
        line("ERROR", &lost);
    }
}

/// Turn SIGINT / SIGTERM / SIGHUP / SIGUSR1 / SIGUSR2 into STOP requests, and a STOP sent by
/// `gameday watch --allow-stop` into the session's `requests.jsonl` too.
///
/// SIGINT, SIGTERM and SIGUSR1 interrupt as they do `chaos run` (rollbacks
/// follow the strategy); SIGUSR2 ends it without rollbacks, as there. SIGHUP, which `chaos run` does not handle at all, and a STOP
/// from a watcher are gameday STOPs: halt actions, then the rollbacks.
pub fn stop_on_signals(stop: &StopHandle, session: &Path) {
    stop_on_requests(stop, session.to_path_buf());
    use tokio::signal::unix::{SignalKind, signal};
    for (kind, name) in [
        (SignalKind::interrupt(), "sigint"),
        (SignalKind::terminate(), "sigterm"),
        (SignalKind::hangup(), "sighup"),
        (SignalKind::user_defined1(), "sigusr1"),
        (SignalKind::user_defined2(), "sigusr2"),
    ] {
        let Ok(mut s) = signal(kind) else { continue };
        let stop = stop.clone();
        tokio::spawn(async move {
            while s.recv().await.is_some() {
                let reason = match name {
                    "sigint" => "Received a termination signal (Ctrl-C)",
                    "sigterm" => "SIGTERM signal received",
                    _ => "SIGHUP: the terminal went away",
                };
                match name {
                    "sighup" => stop.stop(StopRequest::halt("signal", name, Some(reason))),
                    "sigusr1" => stop.stop(StopRequest::exit_signal(true)),
                    "sigusr2" => stop.stop(StopRequest::exit_signal(false)),
                    _ => stop.stop(StopRequest::new("signal", name, Some(reason))),
                }
            }
        });
    }
}

/// Poll the session's requests file for STOPs from watchers (five times a
/// second, as cheap as a `stat` when nothing came).
fn stop_on_requests(stop: &StopHandle, session: std::path::PathBuf) {
    let stop = stop.clone();
    tokio::spawn(async move {
        let mut reader = session::requests::Reader::from_end(&session);
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
        loop {
            tick.tick().await;
            for req in reader.poll(&session) {
                match req {
                    session::requests::Request::Stop { who, reason } => {
                        stop.stop(StopRequest::halt(&who, "remote", reason.as_deref()));
                    }
                }
            }
        }
    });
}

/// Run the subcommand; returns the exit code.
pub async fn run(args: RunArgs) -> u8 {
    let headless = args.headless || args.yes;
    if !headless {
        return super::console::run(args).await;
    }
    // The subcommand's own flags, over the top-level ones.
    if args.quiet || args.verbose {
        super::headless_log::set_verbosity(args.quiet, args.verbose);
    }
    let mut loaded = match load_for_run(&args, true).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    // What was approved and ticked in `gameday plan` counts here too: the
    // gate's record (and the override a headless run writes for what is
    // missing) then says the same as the console would.
    let prior_ticks = match super::day::apply(&loaded.origin, &mut loaded.doc) {
        Ok(t) => t,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    // The experiment as loaded is kept only until the session has its
    // frozen copy; a long experiment is then in memory once (the engine's).
    let source = Frozen::take(&mut loaded);
    loaded.raw = String::new();
    let mut prepared = match prepare(source.doc.clone(), &loaded.vars, &loaded.opts).await {
        Ok(p) => p,
        Err(e) => {
            line("ERROR", &e.to_string());
            return 1;
        }
    };
    for w in &prepared.warnings {
        line("WARNING", w);
    }
    let (dir, rec, notifier) =
        match open_session(args.session_dir.as_deref(), &mut prepared, source, "headless", Durability::Checkpoints) {
            Ok(x) => x,
            Err(e) => {
                line("ERROR", &e);
                return 1;
            }
        };
    let title = rec.masker().mask_str(prepared.experiment.get("title").and_then(Value::as_str).unwrap_or(""));
    line("INFO", &format!("Running experiment: {title}"));
    let logger = tokio::spawn(follow(rec.subscribe()));
    rec.on_failure(Box::new(|m| line("ERROR", m)));
    let stop = StopHandle::new();
    stop_on_signals(&stop, &dir);
    let engine = Engine::new(
        prepared.experiment,
        prepared.configuration,
        prepared.secrets,
        loaded.opts,
        Arc::clone(&rec),
        Arc::new(AutoApprover),
        stop,
    );
    engine.set_prior_ticks(prior_ticks);
    let outcome = engine.run().await;
    rec.record_or_flag(EventBody::SessionEnded);
    rec.sync_or_flag();
    finish_notifier(notifier).await;
    drop(engine);
    // A snapshot: the logger ends only once the recorder is gone.
    let health = rec.health();
    drop(rec);
    let _ = logger.await;
    let written = write_journal(&dir, Some(&args.journal_path), !args.no_report);
    tell_losses(&health, written.as_ref().ok(), false);
    if let Err(e) = written {
        line("ERROR", &e);
        return 1;
    }
    if let Some(path) = &args.junit
        && let Err(e) = write_junit(&dir, path)
    {
        line("ERROR", &e);
        return 1;
    }
    outcome.exit_code()
}

/// `--junit FILE`: the session as JUnit XML, written whole or not at all.
pub fn write_junit(session: &Path, path: &Path) -> Result<(), String> {
    let built = crate::report::build(crate::report::input::read(session)?, false);
    let xml = crate::report::junit::render(&built)?;
    session::dir::write_atomic(path, xml.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    line("INFO", &format!("JUnit XML written to {}", path.display()));
    Ok(())
}
