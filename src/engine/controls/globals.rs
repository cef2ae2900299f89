//! Global controls: those of Chaos Toolkit's settings file and of
//! `--control-file`, loaded as chaoslib's `load_global_controls` and
//! chaostoolkit's `run` command load them (settings first, then each control
//! file in the order given; each entry's key becomes its `name`).
use crate::load::{Format, LoadError, parse_document};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// What a run knows of the settings and the global controls.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    /// In load order: the settings file's, then each control file's.
    pub controls: Vec<Value>,
    /// The settings as hooks see them (`settings=`): `None` without a settings
    /// file, as chaoslib's `get_loaded_settings() or None`.
    pub settings: Option<Value>,
    /// The experiment's source as given on the command line: the context of
    /// the `loader` hooks.
    pub source: Option<String>,
    /// The run's validation already called each `validate_control` (or was
    /// skipped, as `chaos run --no-validation` skips it): chaos calls it once
    /// at most, so the controls do not call it again.
    pub validated: bool,
}

/// `~/.chaostoolkit/settings.yaml`, chaos's default `--settings`.
pub fn default_settings_path() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    home.join(".chaostoolkit").join("settings.yaml")
}

/// Read the settings file. A missing file is no settings (`Ok(None)`), as
/// for chaos; an unreadable or malformed one is an error with its position
/// (chaos only logs it and runs without settings: see the README).
pub fn load_settings(path: &Path) -> Result<Option<Value>, String> {
    if !path.exists() {
        return Ok(None);
    }
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the settings file {origin}: {e}"))?;
    match parse_document(&origin, &bytes, Format::Yaml) {
        Ok(Value::Null) | Err(LoadError::Empty(_)) => Ok(None),
        Ok(v @ Value::Object(_)) => Ok(Some(v)),
        Ok(_) => Err(format!("{origin}: the settings file must be a mapping")),
        Err(e) => Err(format!("settings file: {e}")),
    }
}

/// chaostoolkit's `run` fills the runtime strategies in the loaded settings
/// (the same dict hooks get later), so do it here too.
pub fn with_runtime_defaults(settings: &mut Value) {
    let Some(map) = settings.as_object_mut() else { return };
    let runtime = map.entry("runtime").or_insert_with(|| json!({}));
    if let Some(rt) = runtime.as_object_mut() {
        for key in ["rollbacks", "hypothesis"] {
            let block = rt.entry(key).or_insert_with(|| json!({}));
            if let Some(b) = block.as_object_mut() {
                b.entry("strategy").or_insert_with(|| json!("default"));
            }
        }
    }
}

/// The named controls of one `{name: control}` mapping, each given its
/// `name` (chaoslib writes it into the mapping itself, so the settings hooks
/// receive show it too).
fn named_controls(block: &mut Value, origin: &str) -> Result<Vec<Value>, String> {
    let Some(map) = block.as_object_mut() else {
        return Err(format!("{origin}: controls must be a mapping of name to control, as Chaos Toolkit reads them"));
    };
    let mut out = Vec::new();
    for (name, control) in map.iter_mut() {
        let Some(c) = control.as_object_mut() else {
            return Err(format!("{origin}: control '{name}' must be a mapping with a `provider`"));
        };
        c.insert("name".into(), json!(name));
        out.push(control.clone());
    }
    Ok(out)
}

/// How chaoslib picks a control file's format: `.yaml`/`.yml` is YAML, and
/// anything its `ext in (".json")` accepts (a substring test, so also a file
/// without extension) is JSON.
fn control_file_format(path: &Path) -> Option<Format> {
    let ext = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    match ext.as_str() {
        ".yaml" | ".yml" => Some(Format::Yaml),
        e if ".json".contains(e) => Some(Format::Json),
        _ => None,
    }
}

/// The controls of one `--control-file`. An empty file has none.
fn file_controls(path: &Path) -> Result<Vec<Value>, String> {
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the control file {origin}: {e}"))?;
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let format = control_file_format(path)
        .ok_or_else(|| format!("control file {origin}: only .json, .yaml and .yml files are read"))?;
    let mut doc = match parse_document(&origin, &bytes, format) {
        Err(LoadError::Empty(_)) => return Ok(Vec::new()),
        Err(e) => return Err(format!("control file: {e}")),
        Ok(v) => v,
    };
    named_controls(&mut doc, &origin)
}

/// Load the settings file and the global controls: settings' `controls`
/// first, then each control file's. The returned settings carry the names
/// and runtime defaults chaos adds to them.
pub fn load(settings_path: &Path, control_files: &[String], source: Option<&str>) -> Result<Globals, String> {
    let mut settings = load_settings(settings_path)?;
    let mut controls = Vec::new();
    if let Some(s) = settings.as_mut() {
        if let Some(block) = s.get_mut("controls").filter(|b| !b.is_null()) {
            controls = named_controls(block, &settings_path.display().to_string())?;
        }
        with_runtime_defaults(s);
    }
    for file in control_files {
        controls.extend(file_controls(Path::new(file))?);
    }
    Ok(Globals { controls, settings, source: source.map(str::to_string), validated: false })
}

/// The `runtime` strategies a settings file sets (`runtime.rollbacks.strategy`,
/// `runtime.hypothesis.strategy`), used when neither the experiment nor a flag does.
pub fn runtime_strategy<'a>(settings: &'a Option<Value>, key: &str) -> Option<&'a str> {
    settings.as_ref()?.get("runtime")?.get(key)?.get("strategy")?.as_str()
}

/// An empty settings mapping, what chaos hands `configure_control` of a
/// global control when there is no settings file.
pub fn settings_or_empty(settings: &Option<Value>) -> Value {
    settings.clone().unwrap_or_else(|| Value::Object(Map::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_file_formats_follow_chaoslib() {
        assert_eq!(control_file_format(Path::new("a.yml")), Some(Format::Yaml));
        assert_eq!(control_file_format(Path::new("a.json")), Some(Format::Json));
        assert_eq!(control_file_format(Path::new("a")), Some(Format::Json));
        assert_eq!(control_file_format(Path::new("a.toml")), None);
    }

    #[test]
    fn settings_and_files_are_loaded_in_order_with_names() {
        let dir = tempfile::tempdir().unwrap();
        let settings = dir.path().join("settings.yaml");
        std::fs::write(&settings, "controls:\n  first:\n    provider: {type: python, module: m}\n").unwrap();
        let file = dir.path().join("c.json");
        std::fs::write(&file, r#"{"second": {"provider": {"type": "python", "module": "n"}}}"#).unwrap();
        let g = load(&settings, &[file.display().to_string()], None).unwrap();
        let names: Vec<_> = g.controls.iter().map(|c| c["name"].as_str().unwrap_or("")).collect();
        assert_eq!(names, ["first", "second"]);
        let s = g.settings.unwrap();
        assert_eq!(s["controls"]["first"]["name"], "first");
        assert_eq!(s["runtime"]["rollbacks"]["strategy"], "default");
    }

    #[test]
    fn a_missing_settings_file_is_no_settings_and_a_bad_one_says_where() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(&dir.path().join("nope.yaml"), &[], None).unwrap().settings.is_none());
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, "controls:\n  x: [\n").unwrap();
        let err = load(&bad, &[], None).unwrap_err();
        assert!(err.contains("bad.yaml:"), "{err}");
        let list = dir.path().join("list.yaml");
        std::fs::write(&list, "controls:\n  - name: x\n").unwrap();
        assert!(load(&list, &[], None).unwrap_err().contains("mapping"));
    }
}
