//! `gameday validate FILE…`: one verdict per file; exit 1 if any is invalid.
use super::args::ValidateArgs;
use super::headless_log::line;
use crate::load::{self, ValidateOptions};

/// Run the subcommand; returns the exit code.
pub async fn validate(args: ValidateArgs) -> u8 {
    let vars = match super::run::runtime_vars(&args.vars, &args.var_files) {
        Ok(v) => v,
        Err(e) => {
            line("ERROR", &e);
            return 1;
        }
    };
    let opts = ValidateOptions { vars, python: args.python.clone(), ..Default::default() };
    let mut code = 0;
    for source in &args.sources {
        match load::load(source).await {
            Err(e) => {
                line("ERROR", &format!("{source}: {e}"));
                code = 1;
            }
            Ok(loaded) => match load::validate(&loaded.doc, &opts) {
                Ok(warnings) => {
                    for w in warnings {
                        line("WARNING", &format!("{source}: {w}"));
                    }
                    line("INFO", &format!("{source}: experiment syntax and semantic look valid"));
                }
                Err(e) => {
                    line("ERROR", &format!("{source}: {e}"));
                    code = 1;
                }
            },
        }
    }
    code
}
