//! The config file (`config.yaml` in the platform config dir, or
//! `$GAMEDAY_CONFIG`): facilitator name, Python interpreter, key bindings,
//! blackout windows.
//! Layers: built-in defaults < config file < command-line flags.
use super::keymap::{Action, Keymap};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Name recorded as the author of observations and decisions.
    pub facilitator: Option<String>,
    /// Python interpreter for python providers.
    pub python: Option<String>,
    /// Key bindings: action name → list of keys.
    #[serde(default)]
    pub keys: BTreeMap<Action, Vec<String>>,
    /// Blackout windows for every run (as written; read into `blackout_windows`).
    #[serde(default)]
    pub blackout: Option<serde_json::Value>,
    #[serde(skip)]
    pub blackout_windows: Vec<crate::model::blackout::Window>,
}

/// Where the config file is looked for.
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GAMEDAY_CONFIG") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "gameday").map(|d| d.config_dir().join("config.yaml"))
}

/// Read the config file; a missing file is an empty config, a broken one an error.
pub fn load() -> Result<ConfigFile, String> {
    let Some(path) = config_path() else {
        return Ok(ConfigFile::default());
    };
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let origin = path.display().to_string();
    // An empty file (or one of comments only) is an empty config.
    let doc = match crate::load::parse_document(&origin, &text, crate::load::Format::Yaml) {
        Ok(doc) => doc,
        Err(crate::load::LoadError::Empty(_)) => return Ok(ConfigFile::default()),
        Err(e) => return Err(e.to_string()),
    };
    if doc.is_null() {
        return Ok(ConfigFile::default());
    }
    let windows = crate::model::blackout::parse(doc.get("blackout"), "/blackout").map_err(|e| {
        let raw = String::from_utf8_lossy(&text);
        crate::load::validate::locate_pointer(&origin, &raw, &e.pointer, e.on_key, &e.message).to_string()
    })?;
    let mut config: ConfigFile = serde_json::from_value(doc).map_err(|e| format!("{origin}: {e}"))?;
    config.blackout_windows = windows;
    Ok(config)
}

impl ConfigFile {
    pub fn keymap(&self) -> Result<Keymap, String> {
        Keymap::default().with_overrides(&self.keys)
    }
}
