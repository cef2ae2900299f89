//! `gameday completions SHELL` and `gameday man`: generated from the same
//! grammar that parses the command line, so they never lag behind it.
use clap::{Args, CommandFactory};
use std::io::Write;
use std::path::PathBuf;

/// `gameday completions`.
#[derive(Debug, Args, Clone)]
#[command(after_long_help = "\
Install (for your user):
  bash: gameday completions bash > ~/.local/share/bash-completion/completions/gameday
  zsh:  gameday completions zsh > ~/.zfunc/_gameday   (with fpath+=(~/.zfunc) before compinit)
  fish: gameday completions fish > ~/.config/fish/completions/gameday.fish")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `gameday man`.
#[derive(Debug, Args, Clone)]
pub struct ManArgs {
    /// Write gameday.1 and one page per command (gameday-run.1, …) into this
    /// folder instead of printing gameday.1.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// Print the completion script.
pub fn completions(args: CompletionsArgs) -> u8 {
    let mut cmd = super::args::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "gameday", &mut out);
    write_stdout(&out)
}

/// Print the man page, or write every page into a folder.
pub fn man(args: ManArgs) -> u8 {
    let cmd = super::args::Cli::command();
    if let Some(dir) = args.out_dir {
        let written = std::fs::create_dir_all(&dir).and_then(|_| clap_mangen::generate_to(cmd, &dir));
        return match written {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("gameday man: cannot write into {}: {e}", dir.display());
                1
            }
        };
    }
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(cmd).render(&mut out) {
        eprintln!("gameday man: {e}");
        return 1;
    }
    write_stdout(&out)
}

/// Write to stdout; a closed pipe (`| head`) is not an error worth a panic.
fn write_stdout(bytes: &[u8]) -> u8 {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("gameday: cannot write: {e}");
            1
        }
    }
}
