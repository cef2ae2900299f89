//! Everything between "the file is loaded" and "the first step runs":
//! configuration and secrets resolved (including dynamic configuration
//! probes), the title substituted, and the experiment copy the journal keeps.
use super::config::{ConfigError, load_configuration, load_secrets, secret_values};
use super::options::RunOptions;
use super::pyvalue::py_str;
use super::substitute::{Scope, substitute};
use crate::model::RuntimeVars;
use crate::providers::{self, ProviderError};
use crate::session::recorder::MASK;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

/// A run ready to start.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The experiment to run: the title substituted, `dry` set.
    pub experiment: Value,
    /// The copy the journal keeps: as `experiment`, with inline secret values masked.
    pub journal_copy: Value,
    pub configuration: Map<String, Value>,
    pub secrets: Map<String, Value>,
    /// Every secret value, for masking.
    pub secret_values: Vec<String>,
    /// Problems worth telling the user that do not stop the run.
    pub warnings: Vec<String>,
    /// The title as written, before substitution: what names the session
    /// folder, so that no substituted secret ends up in a path.
    pub title_as_written: String,
}

/// Resolve what the run needs.
pub async fn prepare(doc: Value, vars: &RuntimeVars, opts: &RunOptions) -> Result<Prepared, ConfigError> {
    let title_as_written = doc.get("title").and_then(Value::as_str).unwrap_or("session").to_string();
    let static_conf = load_configuration(doc.get("configuration"), vars)?;
    let (mut secrets, vault) = load_secrets(doc.get("secrets"), vars)?;
    // Vault is read with the static configuration, before dynamic
    // configuration probes run (which may use the secrets), as in chaos.
    let (values, mut warnings) = super::vault::read(&vault, &static_conf).await?;
    super::vault::fill(&mut secrets, values);
    let (configuration, more) = dynamic_configuration(static_conf, &secrets, opts).await;
    warnings.extend(more);
    let mut experiment = doc;
    if let Some(obj) = experiment.as_object_mut() {
        if let Some(title) = obj.get("title") {
            let t = substitute(title, &Scope::new(&configuration, &secrets));
            obj.insert("title".into(), t);
        }
        obj.insert("dry".into(), opts.dry.map_or(Value::Null, |d| Value::String(d.as_str().into())));
    }
    let mut journal_copy = experiment.clone();
    if let Some(Value::Object(decl)) = journal_copy.get_mut("secrets") {
        mask_inline(decl);
    }
    let secret_values = secret_values(&secrets);
    Ok(Prepared { experiment, journal_copy, configuration, secrets, secret_values, warnings, title_as_written })
}

/// Inline secret values are the secrets themselves: never copy them out.
fn mask_inline(decl: &mut Map<String, Value>) {
    for v in decl.values_mut() {
        match v {
            Value::Object(m) if m.contains_key("type") => {}
            Value::Object(m) => mask_inline(m),
            other => *other = Value::String(MASK.into()),
        }
    }
}

async fn dynamic_configuration(
    conf: Map<String, Value>,
    secrets: &Map<String, Value>,
    opts: &RunOptions,
) -> (Map<String, Value>, Vec<String>) {
    let mut out = Map::new();
    let mut warnings = Vec::new();
    for (key, value) in &conf {
        let is_probe = value.get("type").and_then(Value::as_str) == Some("probe");
        if !is_probe {
            out.insert(key.clone(), value.clone());
            continue;
        }
        let kind = value.get("provider").and_then(|p| p.get("type")).and_then(Value::as_str).unwrap_or("").to_string();
        let ctx = providers::Context {
            scope: Scope::new(&out, secrets),
            cancel: CancellationToken::new(),
            live: &providers::Silent,
            python: &opts.python,
        };
        let name = value.get("name").map(py_str).unwrap_or_default();
        match providers::run(value, &ctx).await {
            Ok(output) => match kind.as_str() {
                "process" => {
                    if output.get("status").and_then(Value::as_i64) == Some(0) {
                        let s = output.get("stdout").and_then(Value::as_str).unwrap_or("").trim();
                        out.insert(key.clone(), Value::String(s.to_string()));
                    } else {
                        warnings.push(format!(
                            "dynamic configuration '{name}' exited with a non-zero status; '{key}' is left unset"
                        ));
                    }
                }
                "http" => {
                    out.insert(key.clone(), output.get("body").cloned().unwrap_or(Value::Null));
                }
                _ => {
                    out.insert(key.clone(), output);
                }
            },
            Err(ProviderError::Failed(m) | ProviderError::Crashed(m)) => {
                warnings.push(format!("dynamic configuration '{name}' failed ({m}); '{key}' is left unset"));
            }
            Err(ProviderError::Interrupted) => {}
        }
    }
    (out, warnings)
}
