//! The JSON report: the Chaos Toolkit journal, unchanged in shape (so Chaos
//! Toolkit's tools still read it), plus a `gameday` section described in
//! `SCHEMA.md` (`"schema": "gameday-report/1"`).
use super::model::Report;
use serde_json::{Map, Value, json};

/// The schema identifier written into every JSON report.
pub const SCHEMA: &str = "gameday-report/1";

/// The `gameday` section of one run.
pub fn section(r: &Report) -> Value {
    json!({
        "schema": SCHEMA,
        "origin": r.origin,
        "participant": r.participant,
        "title": r.title,
        "source": r.source,
        "mode": r.mode,
        "verdict": r.verdict,
        "plan": r.plan,
        "started_at": r.started_at,
        "ended_at": r.ended_at,
        "durations": {
            "run": r.duration,
            "reference": r.durations.reference,
            "reference_t": r.durations.reference_t,
            "to_detect": r.durations.to_detect,
            "to_diagnose": r.durations.to_diagnose,
            "to_mitigate": r.durations.to_mitigate,
            "to_recover": r.durations.to_recover,
        },
        "decisions": r.decisions,
        "stops": r.stops,
        "safeguards": r.safeguards,
        "halts": r.halts,
        "observations": r.observations,
        "milestones": r.milestones,
        "warnings": r.warnings,
        "readiness": r.readiness,
        "notes": r.input_notes,
    })
}

/// Journal + `gameday` section.
pub fn document(journal: Value, r: &Report) -> Value {
    let mut m = match journal {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    m.insert("gameday".into(), section(r));
    Value::Object(m)
}
