//! The long `--help` texts (also the man page's extra sections): examples,
//! the environment gameday reads, exit codes, and the action names the
//! config file's `keys:` takes. The action list comes from the keymap, so
//! it cannot drift from the keys.
use crate::tui::keymap::Action;

/// Exit codes every command shares; `run` and `resume` add the verdicts.
/// (Lines stay under 72 characters: the man page indents them.)
pub const EXIT_CODES: &str = "\
Exit status:
  0  the run completed without deviating, as with `chaos run`
     (other commands: success)
  1  the run failed, deviated, was interrupted or aborted; an input
     could not be read or is invalid; a file could not be written
  2  usage error: an unknown flag or value, or a screen that needs
     a terminal started without one
  3  not started: a blackout window is in force (`run --headless`,
     `resume --headless`; the message names the window)";

/// Environment variables gameday itself reads.
pub const ENVIRONMENT: &str = "\
Environment:
  GAMEDAY_CONFIG    the config file (default:
                    $XDG_CONFIG_HOME/gameday/config.yaml, else
                    ~/.config/gameday/config.yaml)
  GAMEDAY_DATA_DIR  where sessions are kept, in sessions/ (default:
                    $XDG_DATA_HOME/gameday, else ~/.local/share/gameday)
  GAMEDAY_PYTHON    the Python interpreter for python providers
  XDG_CONFIG_HOME   the config folder (its gameday/playbooks/ shows
                    on Home)
  XDG_DATA_HOME     the data folder, when GAMEDAY_DATA_DIR is not set
  CHAOSTOOLKIT_LOADER_AUTH_BEARER_TOKEN
                    bearer token sent when an experiment is loaded
                    from an http(s) URL
  NO_COLOR          anything non-empty: no colours in the console
  USER, LOGNAME     the default facilitator name (config: facilitator)
  VAULT_ADDR, VAULT_TOKEN
                    Vault, for `type: vault` secrets without settings";

const EXAMPLES: &str = "\
Examples:
  gameday demo
      the demo service and its Game Day
  gameday run playbooks/db-failover.yaml
      run a playbook in the console
  gameday run exp.json --headless --quiet --junit results.xml
      unattended, for a scheduler or CI: warnings only, JUnit XML
  gameday validate --json playbooks/*.yaml
      one JSON object per file
  gameday sessions --json
      sessions and their verdicts
  gameday report 20260101-100000-db-failover --format html -o r.html
      a session's report, by the name `gameday sessions` shows
  gameday watch --follow-lines --json
      the running session as JSON Lines
  gameday completions bash > ~/.local/share/bash-completion/completions/gameday
  gameday man | man -l -";

/// After `gameday --help`.
pub fn top_after_long_help() -> String {
    format!("{EXAMPLES}\n\n{ENVIRONMENT}\n\n{EXIT_CODES}\n\n{}", key_actions())
}

/// After `gameday run --help`.
pub fn run_after_long_help() -> String {
    format!(
        "\
Examples:
  gameday run playbook.yaml
      the console; every step waits for Enter
  gameday run playbook.yaml --gate dangerous
      only steps marked dangerous wait
  gameday run exp.json --headless
      like `chaos run` (same journal, same exit codes)
  gameday run exp.json --headless --quiet --junit results.xml
      for a scheduler or CI: warnings only, JUnit XML
  gameday run exp.json --headless --var region=eu-west-1 --var-file s.env

{ENVIRONMENT}

{EXIT_CODES}

{}",
        key_actions()
    )
}

/// The action names the config file's `keys:` section takes.
pub fn key_actions() -> String {
    let names: Vec<String> = Action::ALL.iter().map(|a| a.config_name()).collect();
    let mut out = String::from("Key actions (the config file's `keys:` rebinds them: `note: [\"o\"]`):\n ");
    let mut width = 1;
    for (i, name) in names.iter().enumerate() {
        let piece = if i + 1 < names.len() { format!(" {name},") } else { format!(" {name}") };
        if width + piece.len() > 70 {
            out.push_str("\n ");
            width = 1;
        }
        width += piece.len();
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_listed_and_lines_fit() {
        let text = key_actions();
        for a in Action::ALL {
            assert!(text.contains(&a.config_name()), "{}", a.config_name());
        }
        assert!(text.lines().all(|l| l.chars().count() <= 72), "{text}");
        for block in [EXIT_CODES, ENVIRONMENT] {
            assert!(block.lines().all(|l| l.chars().count() <= 72), "{block}");
        }
    }
}
