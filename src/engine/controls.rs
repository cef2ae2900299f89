//! Chaos Toolkit controls (`controls` blocks with a `python` provider), run
//! in one Python process per run through `providers/control_bridge.py`, so
//! the control modules users already have (human-interaction prompts,
//! notifications, tracing) keep working under gameday.
//!
//! Hook order and call conventions follow chaoslib 1.44 (`control/__init__.py`
//! and `control/python.py`). The engine calls, for each level, [`Controls::before`]
//! then [`Controls::after`] — `after` also when `before` or the block itself was
//! interrupted, as chaoslib's `with controls(...)` does in its `finally`.
//!
//! What a control changes in the `configuration` or `secrets` it is given
//! is fed back ([`Controls::fed_back`]): later activities and hooks are
//! substituted with it, as under chaos, where they share one dict.
//!
//! What else chaos shares with its controls is fed back too ([`Changes`]):
//! the activity a `before_activity_control` changed is the one that runs
//! and is recorded; what an `after_*` hook changes in the state it is handed
//! (a run entry, a phase's entries, a steady state, the journal) is in the
//! journal; steps a hook inserts into the experiment's lists (chaosaddons'
//! repeat control) run where they were put.
//!
//! Known differences from Chaos Toolkit:
//! * Changes a hook makes to the hypothesis block or to the experiment's
//!   other keys stay inside Python (where the experiment object is one and
//!   the same for every hook, as in chaoslib); removing or reordering the
//!   experiment's steps is not followed (a warning says so).
//! * A module that raises something other than `ImportError` while being
//!   imported crashes `chaos run`; here it is a warning and the control is
//!   skipped.
//! * Global controls (the settings file's and `--control-file`'s, see
//!   [`globals`]) are applied as chaoslib applies them, `loader` hooks
//!   included; a global control whose module is missing is skipped with a
//!   warning (chaos skips it silently).
//! * Hooks get `event_registry=None`.
//! * A control's standard input is `/dev/null` and what it prints arrives as
//!   `control output: …` warnings, because the console owns the terminal.
mod bridge;
pub mod globals;
pub mod merge;

use super::pyvalue::py_truthy;
use super::substitute::{Scope, substitute};
use crate::session::event::StepList;
use bridge::{Bridge, Reply};
pub use globals::Globals;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Where warnings go (the engine records them as session warnings).
pub type Warn = Arc<dyn Fn(String) + Send + Sync>;

/// How long one hook may take before the bridge is considered stuck.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The level a hook applies to; its name is the middle of `before_<level>_control`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Experiment,
    Hypothesis,
    Method,
    Rollback,
    Activity,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Experiment => "experiment",
            Level::Hypothesis => "hypothesis",
            Level::Method => "method",
            Level::Rollback => "rollback",
            Level::Activity => "activity",
        }
    }

    /// At these levels chaoslib's context is the experiment itself.
    fn context_is_experiment(self) -> bool {
        matches!(self, Level::Experiment | Level::Method | Level::Rollback)
    }
}

/// The keyword arguments chaoslib adds to a hook when its signature names them.
const HOOK_INJECT: [&str; 6] = ["secrets", "configuration", "state", "experiment", "extensions", "settings"];
/// The same for `configure_control`.
const CONFIGURE_INJECT: [&str; 5] = ["experiment", "secrets", "configuration", "settings", "event_registry"];

/// Steps a hook inserted into one of the experiment's lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Insertion {
    pub list: StepList,
    /// Position of the first inserted step in the list as it is now.
    pub at: usize,
    pub steps: Vec<Value>,
    pub control: String,
}

/// What the hooks of one level changed that chaos would keep (it hands its
/// controls its own objects).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Changes {
    /// The context (the activity) as the hooks left it, when they changed it.
    pub context: Option<Value>,
    /// The state as the `after_*` hooks left it, when they changed it.
    pub state: Option<Value>,
    /// The controls that changed the context or the state.
    pub by: Vec<String>,
    /// Steps inserted into the experiment's lists, in the order they were.
    pub inserted: Vec<Insertion>,
}

fn step_list(name: &str) -> Option<StepList> {
    match name {
        "hypothesis" => Some(StepList::Hypothesis),
        "method" => Some(StepList::Method),
        "rollbacks" => Some(StepList::Rollbacks),
        _ => None,
    }
}

/// Configuration and secrets, in that order.
pub type ScopeMaps = (Map<String, Value>, Map<String, Value>);

/// The controls of one run.
pub struct Controls {
    /// `None` when no control is declared or none could be loaded.
    bridge: Option<Bridge>,
    experiment: Value,
    /// Global controls still registered (one whose `configure_control`
    /// raised is dropped, as chaoslib drops it).
    globals: Vec<Value>,
    /// Configuration and secrets as the controls last left them.
    scope: std::sync::Mutex<Arc<ScopeMaps>>,
    /// Set once a control changed the configuration or secrets.
    changed: std::sync::atomic::AtomicBool,
    /// Each module tried, and whether it imported cleanly.
    modules: HashMap<String, Import>,
    /// Why a control's `validate_control` refused the experiment.
    invalid: Option<String>,
    warn: Warn,
}

/// How importing a control module went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Import {
    Ok,
    /// `ImportError`: Chaos Toolkit's "Could not find Python module" case.
    Missing,
    /// Anything else raised while importing.
    Broken,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn name_of(c: &Value) -> String {
    text(c, "name").unwrap_or("").to_string()
}

/// The module of a `python` control, if it is one.
fn python_module(c: &Value) -> Option<&str> {
    let provider = c.get("provider")?;
    (text(provider, "type") == Some("python")).then_some(())?;
    text(provider, "module").filter(|m| !m.is_empty())
}

impl Controls {
    /// Controls that do nothing, for runs that must not load any.
    pub fn disabled() -> Self {
        Self::none(&Value::Null, Arc::new(|_| {}))
    }

    /// Nothing to do: no control declared.
    fn none(experiment: &Value, warn: Warn) -> Self {
        Self {
            bridge: None,
            experiment: experiment.clone(),
            globals: Vec::new(),
            scope: std::sync::Mutex::new(Arc::new((Map::new(), Map::new()))),
            changed: Default::default(),
            modules: HashMap::new(),
            invalid: None,
            warn,
        }
    }

    /// Load the experiment's controls as `chaos run` does: import each module
    /// (a missing one gives Chaos Toolkit's warning and the control is skipped),
    /// call `validate_control(control)` for every declaration, then
    /// `configure_control(**arguments, …)` once per control name. Call it
    /// once configuration and secrets are resolved, before the first hook.
    pub async fn start(
        experiment: &Value,
        configuration: &Map<String, Value>,
        secrets: &Map<String, Value>,
        python: &str,
        warn: Warn,
    ) -> Self {
        Self::start_with_timeout(experiment, configuration, secrets, python, warn, DEFAULT_TIMEOUT).await
    }

    /// [`Controls::start`] with global controls and settings, in chaos's
    /// order: import the globals, their `loader` hooks, validate the
    /// experiment's controls, `configure_control` of the globals, then of
    /// the experiment's.
    pub async fn start_with_globals(
        experiment: &Value,
        configuration: &Map<String, Value>,
        secrets: &Map<String, Value>,
        python: &str,
        warn: Warn,
        globals: &Globals,
    ) -> Self {
        Self::launch(experiment, configuration, secrets, python, warn, DEFAULT_TIMEOUT, globals).await
    }

    /// [`Controls::start`] with a time limit per hook other than [`DEFAULT_TIMEOUT`].
    pub async fn start_with_timeout(
        experiment: &Value,
        configuration: &Map<String, Value>,
        secrets: &Map<String, Value>,
        python: &str,
        warn: Warn,
        timeout: Duration,
    ) -> Self {
        Self::launch(experiment, configuration, secrets, python, warn, timeout, &Globals::default()).await
    }

    async fn launch(
        experiment: &Value,
        configuration: &Map<String, Value>,
        secrets: &Map<String, Value>,
        python: &str,
        warn: Warn,
        timeout: Duration,
        globals: &Globals,
    ) -> Self {
        let declared = merge::all_controls(experiment);
        let any_python = declared.iter().chain(&globals.controls).any(|c| python_module(c).is_some());
        if !any_python {
            return Self::none(experiment, warn);
        }
        let Some(bridge) = Bridge::spawn(python, timeout, warn.clone()) else {
            return Self::none(experiment, warn);
        };
        let mut me = Self {
            bridge: Some(bridge),
            experiment: experiment.clone(),
            globals: Vec::new(),
            scope: std::sync::Mutex::new(Arc::new((configuration.clone(), secrets.clone()))),
            changed: Default::default(),
            modules: HashMap::new(),
            invalid: None,
            warn,
        };
        let init = json!({
            "op": "init",
            "experiment": experiment,
            "configuration": configuration,
            "secrets": secrets,
            "settings": globals.settings,
        });
        if me.request_slow(&init, "start-up").await.is_none() {
            me.bridge = None;
            return me;
        }
        me.import_globals(&globals.controls).await;
        me.loader_hooks(globals.source.as_deref()).await;
        if globals.validated {
            me.import_all(&declared).await;
        } else {
            me.validate(&declared).await;
        }
        me.configure_globals(&globals.settings).await;
        me.configure(&declared).await;
        if !me.modules.values().any(|s| *s == Import::Ok) {
            // Nothing usable: no need to keep an interpreter around.
            if let Some(b) = me.bridge.take() {
                b.stop().await;
            }
        }
        me
    }

    /// Import a module once; `None` when the bridge is gone.
    async fn import(&mut self, module: &str, name: &str) -> Option<Import> {
        if let Some(state) = self.modules.get(module) {
            return Some(*state);
        }
        let req = json!({"op": "import", "module": module});
        let reply = self.request_slow(&req, &format!("the import of '{module}'")).await?;
        let state = match (reply.get("ok"), text(&reply, "kind")) {
            (Some(_), _) => Import::Ok,
            (None, Some("import")) => Import::Missing,
            (None, _) => {
                let err = text(&reply, "error").unwrap_or("an unknown error");
                (self.warn)(format!(
                    "importing Python module '{module}' for control '{name}' raised {err}; \
                     the control is skipped (chaos run would crash here)"
                ));
                Import::Broken
            }
        };
        self.modules.insert(module.to_string(), state);
        Some(state)
    }

    /// chaoslib's `load_global_controls`: a python global control whose
    /// module cannot be imported is not registered.
    async fn import_globals(&mut self, controls: &[Value]) {
        for c in controls {
            if let Some(module) = python_module(c) {
                let name = name_of(c);
                match self.import(module, &name).await {
                    None => return,
                    Some(Import::Ok) => {}
                    Some(_) => {
                        (self.warn)(format!(
                            "global control '{name}': Python module '{module}' could not be imported; \
                             the control is not registered"
                        ));
                        continue;
                    }
                }
            }
            self.globals.push(c.clone());
        }
    }

    /// `before_loading_experiment_control(context=source)` and
    /// `after_loading_experiment_control(context=source, state=experiment)`
    /// of the global controls (the only ones known while chaos loads the
    /// experiment). Errors are logged and skipped, as chaos does.
    async fn loader_hooks(&mut self, source: Option<&str>) {
        let Some(source) = source else { return };
        if self.globals.is_empty() {
            return;
        }
        let state = self.experiment.clone();
        for (scope, state) in [("before", Value::Null), ("after", state)] {
            let func = format!("{scope}_loading_experiment_control");
            for c in self.globals.clone() {
                let target = c.get("scope").unwrap_or(&Value::Null);
                if py_truthy(target) && target.as_str() != Some(scope) {
                    continue;
                }
                let Some(module) = python_module(&c) else { continue };
                let arguments = c.get("provider").and_then(|p| p.get("arguments")).cloned().unwrap_or(json!({}));
                let req = json!({
                    "op": "call", "module": module, "func": func, "arguments": arguments,
                    "inject": HOOK_INJECT, "state": state, "context": source, "loader": true,
                });
                let name = name_of(&c);
                let Some(reply) = self.request(&req, &format!("{func} of control '{name}'")).await else { return };
                if let Some(err) = reply.get("error").or_else(|| reply.get("interrupt")).and_then(Value::as_str) {
                    (self.warn)(format!("{func} of control '{name}' raised {err}; the run carries on"));
                }
            }
        }
    }

    /// chaoslib's `initialize_global_controls`: `configure_control` of each
    /// global control with the settings; one that raises is dropped.
    async fn configure_globals(&mut self, settings: &Option<Value>) {
        let mut kept = Vec::new();
        for c in std::mem::take(&mut self.globals) {
            let Some(module) = python_module(&c) else {
                kept.push(c);
                continue;
            };
            let name = name_of(&c);
            let arguments = c.get("provider").and_then(|p| p.get("arguments")).cloned().unwrap_or(json!({}));
            let req = json!({
                "op": "call", "module": module, "func": "configure_control", "arguments": arguments,
                "inject": CONFIGURE_INJECT, "given": {"settings": globals::settings_or_empty(settings)},
            });
            let Some(reply) = self.request(&req, &format!("configure_control of global control '{name}'")).await else {
                return;
            };
            self.absorb(&reply);
            if let Some(err) = reply.get("error").or_else(|| reply.get("interrupt")).and_then(Value::as_str) {
                (self.warn)(format!(
                    "configure_control of global control '{name}' raised {err}; the control is not registered, \
                     as in Chaos Toolkit"
                ));
                continue;
            }
            kept.push(c);
        }
        self.globals = kept;
    }

    /// Import each declared module without validating (validation was done).
    async fn import_all(&mut self, declared: &[Value]) {
        for c in declared {
            if let Some(module) = python_module(c)
                && self.import(module, &name_of(c)).await.is_none()
            {
                return;
            }
        }
    }

    /// Import and validate each declaration, as chaoslib's `validate_controls`.
    async fn validate(&mut self, declared: &[Value]) {
        for c in declared {
            let Some(module) = python_module(c) else { continue };
            let name = name_of(c);
            let Some(state) = self.import(module, &name).await else { return };
            if state == Import::Missing {
                // chaoslib's warning, word for word (one per declaration, as it does).
                (self.warn)(format!(
                    "Could not find Python module '{module}' in control '{name}'. Did you install the Python module? \
                     The experiment will carry on running nonetheless."
                ));
            }
            if state != Import::Ok {
                continue;
            }
            let req = json!({"op": "call", "module": module, "func": "validate_control", "control": c});
            let Some(reply) = self.request(&req, &format!("validate_control of control '{name}'")).await else {
                return;
            };
            // chaos run logs the exception's own text and stops.
            let refusal = reply.get("message").or_else(|| reply.get("interrupt")).and_then(Value::as_str);
            if let Some(msg) = refusal
                && self.invalid.is_none()
            {
                self.invalid = Some(msg.to_string());
            }
        }
    }

    /// `configure_control` once per control name, as chaoslib's `initialize_controls`.
    async fn configure(&mut self, declared: &[Value]) {
        let mut seen: Vec<String> = Vec::new();
        for c in declared {
            let name = name_of(c);
            if !c.get("name").is_some_and(py_truthy) || seen.contains(&name) {
                continue;
            }
            seen.push(name.clone());
            let Some(module) = python_module(c).filter(|m| self.usable(m)) else { continue };
            let arguments = c.get("provider").and_then(|p| p.get("arguments")).cloned().unwrap_or(json!({}));
            // chaoslib's `initialize_controls` passes no settings.
            let req = json!({
                "op": "call", "module": module, "func": "configure_control",
                "arguments": arguments, "inject": CONFIGURE_INJECT, "given": {"settings": null},
            });
            let Some(reply) = self.request(&req, &format!("configure_control of control '{name}'")).await else {
                return;
            };
            self.absorb(&reply);
            if let Some(err) = reply.get("error").or_else(|| reply.get("interrupt")).and_then(Value::as_str) {
                (self.warn)(format!(
                    "configure_control of control '{name}' raised {err}; the control stays active, as in Chaos Toolkit"
                ));
            }
        }
    }

    fn current_scope(&self) -> Arc<ScopeMaps> {
        self.scope.lock().map(|s| Arc::clone(&s)).unwrap_or_else(|p| Arc::clone(&p.into_inner()))
    }

    /// Take the configuration and secrets a hook handed back (the bridge
    /// returns them when the hook was given them, changed or not).
    fn absorb(&self, reply: &Value) {
        let (Some(c), Some(s)) =
            (reply.get("configuration").and_then(Value::as_object), reply.get("secrets").and_then(Value::as_object))
        else {
            return;
        };
        let current = self.current_scope();
        if current.0 == *c && current.1 == *s {
            return;
        }
        if let Ok(mut guard) = self.scope.lock() {
            *guard = Arc::new((c.clone(), s.clone()));
            self.changed.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// The configuration and secrets once a control changed them (`None`
    /// while none did): what later activities are substituted with.
    pub fn fed_back(&self) -> Option<Arc<ScopeMaps>> {
        self.changed.load(std::sync::atomic::Ordering::SeqCst).then(|| self.current_scope())
    }

    fn usable(&self, module: &str) -> bool {
        self.modules.get(module) == Some(&Import::Ok)
    }

    /// Send a request; `None` when the bridge is gone (already reported).
    async fn request(&self, req: &Value, what: &str) -> Option<Value> {
        match self.bridge.as_ref()?.call(req, what).await {
            Reply::Answer(v) => Some(v),
            Reply::Gone => None,
        }
    }

    /// [`Controls::request`] for start-up and imports (a longer time limit).
    async fn request_slow(&self, req: &Value, what: &str) -> Option<Value> {
        match self.bridge.as_ref()?.call_slow(req, what).await {
            Reply::Answer(v) => Some(v),
            Reply::Gone => None,
        }
    }

    /// True when there is no control to apply (none declared, none importable,
    /// or the interpreter could not start): the engine may skip every call.
    pub fn is_empty(&self) -> bool {
        self.bridge.is_none()
    }

    /// Set when a control's `validate_control` raised: `chaos run` refuses such
    /// an experiment before running anything (it logs this message as an
    /// error and exits 1). The hooks still work; whether to run is the caller's call.
    pub fn invalid(&self) -> Option<&str> {
        self.invalid.as_deref()
    }

    /// `before_<level>_control` of every control that applies. `context` is the
    /// experiment (experiment, method, rollback levels), the steady-state
    /// hypothesis block (hypothesis) or the resolved activity (activity).
    /// `Err(message)` when a control raised `InterruptExecution` (or exited):
    /// the run is interrupted, as Chaos Toolkit does.
    pub async fn before(&self, level: Level, context: &Value) -> Result<Changes, String> {
        self.apply(level, "before", context, &Value::Null).await
    }

    /// `after_<level>_control(…, state=…)`: the journal (experiment), the
    /// hypothesis state `{"steady_state_met", "probes"}`, the list of run
    /// entries (method, rollback), the run entry or null (activity).
    /// At the experiment level an interruption is only reported (chaoslib
    /// swallows it there), so this returns `Ok`.
    pub async fn after(&self, level: Level, context: &Value, state: &Value) -> Result<Changes, String> {
        let result = self.apply(level, "after", context, state).await;
        match result {
            Err(msg) if level == Level::Experiment => {
                (self.warn)(format!("a control interrupted the end of the experiment: {msg}"));
                Ok(Changes::default())
            }
            other => other,
        }
    }

    async fn apply(&self, level: Level, scope: &str, context: &Value, state: &Value) -> Result<Changes, String> {
        let mut changes = Changes::default();
        if self.bridge.is_none() {
            return Ok(changes);
        }
        let ctx = if level.context_is_experiment() { &self.experiment } else { context };
        let func = format!("{scope}_{}_control", level.as_str());
        let maps = self.current_scope();
        let subst = Scope::new(&maps.0, &maps.1);
        for c in merge::context_controls(level, &self.globals, &self.experiment, ctx) {
            let target = c.get("scope").unwrap_or(&Value::Null);
            if py_truthy(target) && target.as_str() != Some(scope) {
                continue;
            }
            let Some(module) = python_module(&c).filter(|m| self.usable(m)) else { continue };
            let name = name_of(&c);
            let mut arguments = c.get("provider").and_then(|p| p.get("arguments")).cloned().unwrap_or(json!({}));
            if !subst.is_empty() && py_truthy(&arguments) {
                arguments = substitute(&arguments, &subst);
            }
            // Each control is handed what the previous one left, as chaos
            // hands them all the same objects.
            let mut req = json!({
                "op": "call", "module": module, "func": func,
                "arguments": arguments, "inject": HOOK_INJECT,
                "state": changes.state.as_ref().unwrap_or(state),
            });
            if let Some(obj) = req.as_object_mut() {
                if level.context_is_experiment() {
                    obj.insert("context_is_experiment".into(), Value::Bool(true));
                } else {
                    obj.insert("context".into(), changes.context.as_ref().unwrap_or(context).clone());
                }
            }
            let Some(mut reply) = self.request(&req, &format!("{func} of control '{name}'")).await else {
                return Ok(changes);
            };
            self.absorb(&reply);
            self.take_changes(&mut reply, &name, &mut changes);
            if let Some(msg) = reply.get("interrupt") {
                return Err(msg.as_str().map_or_else(|| msg.to_string(), str::to_string));
            }
            if let Some(err) = reply.get("error").and_then(Value::as_str) {
                (self.warn)(format!("{func} of control '{name}' raised {err}; the run carries on"));
            }
        }
        Ok(changes)
    }

    /// Move what a hook changed out of its reply into `changes`.
    fn take_changes(&self, reply: &mut Value, name: &str, changes: &mut Changes) {
        let Some(obj) = reply.as_object_mut() else { return };
        let mut changed = false;
        if let Some(ctx) = obj.remove("context") {
            changes.context = Some(ctx);
            changed = true;
        }
        if let Some(state) = obj.remove("state") {
            changes.state = Some(state);
            changed = true;
        }
        if changed && !changes.by.iter().any(|b| b == name) {
            changes.by.push(name.to_string());
        }
        let Some(Value::Array(groups)) = obj.remove("inserted") else { return };
        for g in groups {
            let list = g.get("list").and_then(Value::as_str).and_then(step_list);
            let at = g.get("at").and_then(Value::as_u64).and_then(|n| usize::try_from(n).ok());
            match (list, at, g.get("steps").and_then(Value::as_array)) {
                (Some(list), Some(at), Some(steps)) if g.get("unsupported").is_none() => {
                    changes.inserted.push(Insertion { list, at, steps: steps.clone(), control: name.to_string() });
                }
                _ => (self.warn)(format!(
                    "control '{name}' removed or reordered steps of the running experiment; gameday follows \
                     only steps a control inserts, so the run goes on with its steps as they were"
                )),
            }
        }
    }

    /// `cleanup_control()` once per control name, then stop the interpreter.
    /// Later calls (and hooks) do nothing. Dropping `Controls` without it
    /// kills the interpreter without running `cleanup_control`.
    pub async fn cleanup(&self) {
        let Some(bridge) = self.bridge.as_ref() else {
            return;
        };
        let mut seen: Vec<String> = Vec::new();
        for c in merge::all_controls(&self.experiment) {
            let name = name_of(&c);
            if !c.get("name").is_some_and(py_truthy) || seen.contains(&name) {
                continue;
            }
            seen.push(name.clone());
            let Some(module) = python_module(&c).filter(|m| self.usable(m)) else { continue };
            let req = json!({"op": "call", "module": module, "func": "cleanup_control"});
            let Some(reply) = self.request(&req, &format!("cleanup_control of control '{name}'")).await else {
                break;
            };
            if let Some(err) = reply.get("error").or_else(|| reply.get("interrupt")).and_then(Value::as_str) {
                (self.warn)(format!("cleanup_control of control '{name}' raised {err}"));
            }
        }
        // Then every global control, one call each (chaoslib's `cleanup_global_controls`).
        for c in &self.globals {
            let name = name_of(c);
            let Some(module) = python_module(c) else { continue };
            let req = json!({"op": "call", "module": module, "func": "cleanup_control"});
            let Some(reply) = self.request(&req, &format!("cleanup_control of global control '{name}'")).await else {
                break;
            };
            if let Some(err) = reply.get("error").or_else(|| reply.get("interrupt")).and_then(Value::as_str) {
                (self.warn)(format!("cleanup_control of global control '{name}' raised {err}"));
            }
        }
        bridge.stop().await;
    }
}
