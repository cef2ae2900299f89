//! `gameday init [FILE]`: create a playbook from a template.
//!
//! Each answer comes from its flag when given; otherwise it is asked on the
//! terminal (Enter takes the default shown), or, with `--yes`, the default is
//! taken. Without a terminal and without `--yes`, missing answers are an
//! error rather than a silent guess. `--from-backlog FILE --card ID` starts
//! from a hypothesis backlog card. An existing file is never overwritten, and
//! the playbook is validated before it is written.
use super::headless_log::line;
use crate::load::validate::{ValidateOptions, locate_pointer, validate_playbook};
use crate::load::{Format, parse_document};
use crate::model::backlog::Backlog;
use crate::model::playbook::Style;
use crate::model::playbook::template::{TemplateParams, render};
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// `gameday init`.
#[derive(Debug, Args, Clone, Default)]
pub struct InitArgs {
    /// Where to write the playbook (default: playbook.yaml). Never overwritten.
    pub file: Option<PathBuf>,
    /// The Game Day's title.
    #[arg(long)]
    pub title: Option<String>,
    /// dungeons-and-dragons, informed-in-advance, or a name of your own.
    #[arg(long)]
    pub style: Option<String>,
    /// Where the turbulent conditions happen, e.g. staging.
    #[arg(long)]
    pub environment: Option<String>,
    /// The target is production (`--production` or `--production=false`).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub production: Option<bool>,
    /// Who facilitates (keeps the log; not a participant).
    #[arg(long)]
    pub facilitator: Option<String>,
    /// Who watches for danger and may call STOP.
    #[arg(long = "safety-monitor")]
    pub safety_monitor: Option<String>,
    /// Planned length, e.g. 2h or 90m.
    #[arg(long)]
    pub duration: Option<String>,
    /// A hypothesis backlog to take the card from.
    #[arg(long = "from-backlog", requires = "card", value_name = "FILE")]
    pub from_backlog: Option<PathBuf>,
    /// The id of the backlog card the Game Day explores.
    #[arg(long, requires = "from_backlog", value_name = "ID")]
    pub card: Option<String>,
    /// Take the default for every question not answered by a flag.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Run the subcommand; returns the exit code.
pub async fn init(args: InitArgs) -> u8 {
    // Questions read the terminal: keep that off the async workers.
    match tokio::task::spawn_blocking(move || init_blocking(&args)).await {
        Ok(Ok(path)) => {
            line("INFO", &format!("created {}", path.display()));
            line(
                "INFO",
                &format!(
                    "next: edit it, then `gameday validate {}` and `gameday plan {}`",
                    path.display(),
                    path.display()
                ),
            );
            0
        }
        Ok(Err(e)) => {
            line("ERROR", &e);
            1
        }
        Err(e) => {
            line("ERROR", &format!("init stopped unexpectedly: {e}"));
            1
        }
    }
}

/// Where answers come from when a flag is missing.
enum Asker {
    Defaults,
    Terminal,
    Nobody,
}

impl Asker {
    fn ask(&self, question: &str, default: &str) -> Result<String, String> {
        match self {
            Asker::Defaults => Ok(default.to_string()),
            Asker::Nobody => Err(format!(
                "no terminal to ask \"{question}\"; pass the flags (see gameday init --help) or --yes to take the defaults"
            )),
            Asker::Terminal => {
                let mut err = std::io::stderr();
                let shown = if default.is_empty() { String::new() } else { format!(" [{default}]") };
                let _ = write!(err, "{question}{shown}: ");
                let _ = err.flush();
                let mut answer = String::new();
                std::io::stdin().lock().read_line(&mut answer).map_err(|e| format!("cannot read the answer: {e}"))?;
                let answer = answer.trim();
                Ok(if answer.is_empty() { default.to_string() } else { answer.to_string() })
            }
        }
    }
}

fn init_blocking(args: &InitArgs) -> Result<PathBuf, String> {
    let path = args.file.clone().unwrap_or_else(|| PathBuf::from("playbook.yaml"));
    if !matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
        return Err(format!("{}: a playbook is a YAML file; give it a .yaml or .yml name", path.display()));
    }
    if path.exists() {
        return Err(format!(
            "{} already exists; gameday init never overwrites a file (choose another name)",
            path.display()
        ));
    }
    let card = match (&args.from_backlog, &args.card) {
        (Some(file), Some(id)) => {
            let backlog = Backlog::load(file).map_err(|e| e.to_string())?;
            let card = backlog.card(id).cloned().ok_or_else(|| {
                let ids: Vec<&str> = backlog.cards.iter().map(|c| c.id.as_str()).collect();
                format!("{}: no card with id '{id}' (the ids are: {})", file.display(), ids.join(", "))
            })?;
            Some(card)
        }
        _ => None,
    };
    let asker = if args.yes {
        Asker::Defaults
    } else if std::io::stdin().is_terminal() {
        Asker::Terminal
    } else {
        Asker::Nobody
    };
    let answer = |flag: &Option<String>, question: &str, default: &str| -> Result<String, String> {
        match flag {
            Some(v) => Ok(v.clone()),
            None => asker.ask(question, default),
        }
    };
    let defaults = TemplateParams::default();
    let default_title = card.as_ref().map_or(defaults.title.clone(), |c| format!("Game Day: {}", c.title));
    let title = answer(&args.title, "Title of the Game Day", &default_title)?;
    let style =
        answer(&args.style, "Style (dungeons-and-dragons, informed-in-advance, or your own)", "informed-in-advance")?;
    let environment = answer(&args.environment, "Target environment", &defaults.environment)?;
    let production = match args.production {
        Some(p) => p,
        None => yes_no(&asker.ask("Is that production? (y/N)", "n")?)?,
    };
    let user = std::env::var("USER").unwrap_or_default();
    let facilitator = answer(&args.facilitator, "Facilitator", &user)?;
    let safety_monitor = answer(&args.safety_monitor, "Safety monitor (empty: none yet)", "")?;
    let duration = answer(&args.duration, "Planned duration", &defaults.duration)?;

    if title.trim().is_empty() {
        return Err("the title must not be empty".into());
    }
    if style.trim().is_empty() {
        return Err("the style must not be empty".into());
    }
    if environment.trim().is_empty() {
        return Err("the environment must not be empty".into());
    }
    match crate::model::duration::parse_str(&duration) {
        Ok(d) if !d.is_zero() => {}
        Ok(_) => return Err("the duration must be longer than zero".into()),
        Err(e) => return Err(e),
    }
    let some = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let params = TemplateParams {
        title: title.trim().to_string(),
        style: Style::parse(&style),
        environment: environment.trim().to_string(),
        production,
        facilitator: some(facilitator),
        safety_monitor: some(safety_monitor),
        duration: duration.trim().to_string(),
        hypothesis: None,
        conditions: None,
    };
    let text = match &card {
        Some(c) => c.to_playbook(TemplateParams { title: params.title.clone(), ..params }),
        None => render(&params),
    };
    check(&path, &text)?;
    write_new(&path, &text)?;
    Ok(path)
}

fn yes_no(answer: &str) -> Result<bool, String> {
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" => Ok(true),
        "" | "n" | "no" | "false" => Ok(false),
        other => Err(format!("please answer y or n, not '{other}'")),
    }
}

/// The new playbook must validate; if it does not, that is a bug here.
fn check(path: &Path, text: &str) -> Result<(), String> {
    let origin = path.display().to_string();
    let doc = parse_document(&origin, text.as_bytes(), Format::Yaml).map_err(|e| e.to_string())?;
    let base = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    validate_playbook(&doc, base, &ValidateOptions::default()).map(|_| ()).map_err(|p| {
        let at = p.pointer.as_deref().unwrap_or("");
        format!("the new playbook would not validate: {}", locate_pointer(&origin, text, at, p.on_key, &p.message))
    })
}

/// Create the file, failing if it appeared meanwhile.
fn write_new(path: &Path, text: &str) -> Result<(), String> {
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!("{} already exists; gameday init never overwrites a file", path.display())
        } else {
            format!("cannot create {}: {e}", path.display())
        }
    })?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
