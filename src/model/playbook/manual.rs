//! Manual steps (`type: manual`) and the planned offsets (`at: "T+15m"`)
//! and time boxes (`timebox: 10m`) any step of a playbook may carry.
use super::fields::{Field, FieldError, join, kind, text};
use crate::model::duration;
use serde_json::Value;
use std::time::Duration;

/// Which list of the plan a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `steady-state-hypothesis.probes`
    SteadyState,
    Method,
    Rollbacks,
}

impl Phase {
    /// The JSON pointer of the list.
    pub fn pointer(self) -> &'static str {
        match self {
            Phase::SteadyState => "/steady-state-hypothesis/probes",
            Phase::Method => "/method",
            Phase::Rollbacks => "/rollbacks",
        }
    }

    pub const ALL: [Phase; 3] = [Phase::SteadyState, Phase::Method, Phase::Rollbacks];
}

/// A human step, as the console shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualStep {
    pub phase: Phase,
    /// Position in its list (manual and automated steps counted together).
    pub index: usize,
    pub name: String,
    pub instructions: String,
    /// What should be seen when the step goes well (`expect`).
    pub expect: Option<String>,
    /// Who performs it: a role key (`facilitator`) or a person's name.
    pub who: Option<String>,
    /// Planned offset from the start of the Game Day (`at: "T+15m"`).
    pub at: Option<Duration>,
    /// How long the step may take before the console warns (`timebox: 10m`).
    pub timebox: Option<Duration>,
}

impl ManualStep {
    /// Read a manual step at `phase`/`index`. `Err` when it is not a manual
    /// step or one of its fields is wrong.
    pub fn from_activity(phase: Phase, index: usize, activity: &Value) -> Field<ManualStep> {
        let pointer = format!("{}/{index}", phase.pointer());
        let Some(map) = activity.as_object() else {
            return Err(FieldError::new(pointer, format!("a step must be a mapping, not {}", kind(activity))));
        };
        if map.get("type").and_then(Value::as_str) != Some("manual") {
            return Err(FieldError::new(join(&pointer, "type"), "this step is not a manual step"));
        }
        let name = text(map, "name", &pointer, "the name of a manual step")?
            .ok_or_else(|| FieldError::new(&pointer, "a manual step needs a `name`"))?;
        let instructions =
            text(map, "instructions", &pointer, "the instructions of a manual step")?.ok_or_else(|| {
                FieldError::new(
                    &pointer,
                    format!("manual step '{name}' has no `instructions`: say what the person should do"),
                )
            })?;
        let expect = text(map, "expect", &pointer, "the expected outcome (`expect`) of a manual step")?;
        let who = text(map, "who", &pointer, "`who` of a manual step")?;
        let (at, timebox) = timing(map, &pointer)?;
        Ok(ManualStep { phase, index, name, instructions, expect, who, at, timebox })
    }
}

/// `at` and `timebox` of any step.
pub fn timing(map: &serde_json::Map<String, Value>, pointer: &str) -> Field<(Option<Duration>, Option<Duration>)> {
    let at = match map.get("at").filter(|v| !v.is_null()) {
        None => None,
        Some(Value::String(s)) => Some(parse_offset(s).map_err(|e| FieldError::new(join(pointer, "at"), e))?),
        Some(other) => {
            return Err(FieldError::new(
                join(pointer, "at"),
                format!("`at` must be a planned offset like \"T+15m\", not {}", kind(other)),
            ));
        }
    };
    let timebox = match map.get("timebox").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => {
            let d =
                duration::parse(v).map_err(|e| FieldError::new(join(pointer, "timebox"), format!("timebox: {e}")))?;
            if d.is_zero() {
                return Err(FieldError::new(join(pointer, "timebox"), "a timebox must be longer than zero"));
            }
            Some(d)
        }
    };
    Ok((at, timebox))
}

/// `T+15m`, `T+1h30m`, `T+0` → offset from the start of the Game Day.
pub fn parse_offset(s: &str) -> Result<Duration, String> {
    let bad = || format!("`at` '{s}' is not a planned offset; write T+ and a duration, like \"T+15m\" or \"T+1h30m\"");
    let rest = s.trim().strip_prefix("T+").or_else(|| s.trim().strip_prefix("t+")).ok_or_else(bad)?;
    let secs = duration::seconds_in(rest).ok().filter(|secs| *secs >= 0.0).ok_or_else(bad)?;
    duration::within_limit(secs, &format!("`at` '{s}'"))
}

/// `T+1h05m`: an offset as it is written in a playbook.
pub fn format_offset(d: Duration) -> String {
    format!("T+{}", duration::human(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("T+15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_offset("T+1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_offset("T+0").unwrap(), Duration::ZERO);
        for bad in ["15m", "T-5m", "T+", "T+soon", "", "T+-5", "T+169h", "T+1e308", "T+inf"] {
            assert!(parse_offset(bad).is_err(), "{bad}");
        }
        assert_eq!(format_offset(Duration::from_secs(900)), "T+15m");
    }

    #[test]
    fn manual_step() {
        let a = json!({"type": "manual", "name": "ask", "instructions": "Ask", "at": "T+5m", "timebox": "2m", "who": "facilitator"});
        let m = ManualStep::from_activity(Phase::Method, 2, &a).unwrap();
        assert_eq!(m.at, Some(Duration::from_secs(300)));
        assert_eq!(m.timebox, Some(Duration::from_secs(120)));
        let bad = json!({"type": "manual", "name": "ask", "instructions": "Ask", "timebox": "soon"});
        let e = ManualStep::from_activity(Phase::Method, 2, &bad).unwrap_err();
        assert_eq!(e.pointer, "/method/2/timebox");
    }
}
