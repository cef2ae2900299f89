//! The playbook's day file (`<stem>.day.yaml`, written by `gameday plan`)
//! read at the start of `gameday run`, so that what the facilitator approved
//! and ticked while planning counts at the readiness gate: approvals are laid
//! over the document (and so reach the journal and the report), ticked
//! preflight items start ticked at the gate (recorded as ticks by whoever
//! made them in the plan).
use crate::engine::readiness::PriorTick;
use crate::model::playbook::Playbook;
use crate::tui::plan::day::{DayFile, day_path};
use serde_json::Value;
use std::path::Path;

/// Lay the day file next to `origin` over `doc`; returns the ticks to start
/// the gate with. Nothing happens for a plain experiment, a remote source or
/// a playbook without a day file. A day file that cannot be read is an
/// error: starting without the approvals someone recorded would mislead.
pub fn apply(origin: &str, doc: &mut Value) -> Result<Vec<PriorTick>, String> {
    if origin.contains("://") || doc.get("gameday").is_none() {
        return Ok(Vec::new());
    }
    let path = day_path(Path::new(origin));
    let day = DayFile::load(&path)?;
    if day == DayFile::default() {
        return Ok(Vec::new());
    }
    day.overlay(doc);
    // A document the playbook model cannot read has no ticks to carry
    // (validation has already accepted it, so this is a safety net only).
    let Ok(pb) = Playbook::from_doc(doc) else { return Ok(Vec::new()) };
    let ticks = day
        .ticked_preflight(&pb)
        .into_iter()
        .filter_map(|index| {
            let text = match pb.preflight.get(index)? {
                crate::model::playbook::PreflightItem::Text(t) => t.clone(),
                crate::model::playbook::PreflightItem::Activity(_) => return None,
            };
            let tick = day.tick(index, &text)?;
            Some(PriorTick { index, by: tick.by.clone(), at: tick.at.clone(), text })
        })
        .collect();
    Ok(ticks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn playbook() -> Value {
        json!({"gameday": 1, "title": "t", "description": "d", "method": [],
            "approvals": [{"name": "Bob", "approved": false}],
            "preflight": ["first", "second"]})
    }

    #[test]
    fn approvals_and_ticks_come_from_the_day_file() {
        let dir = tempfile::tempdir().unwrap();
        let origin = dir.path().join("p.yaml");
        std::fs::write(
            dir.path().join("p.day.yaml"),
            "approvals:\n  - name: Bob\n    approved: true\n    at: \"2025-05-20T09:12:00+02:00\"\n\
             preflight:\n  - item: 1\n    text: second\n    ticked: true\n    by: kim\n",
        )
        .unwrap();
        let mut doc = playbook();
        let ticks = apply(&origin.display().to_string(), &mut doc).unwrap();
        assert_eq!(doc["approvals"][0]["approved"], true);
        assert_eq!(ticks, [PriorTick { index: 1, text: "second".into(), by: Some("kim".into()), at: None }]);
    }

    #[test]
    fn no_day_file_plain_experiments_and_broken_files() {
        let dir = tempfile::tempdir().unwrap();
        let origin = dir.path().join("p.yaml").display().to_string();
        let mut doc = playbook();
        assert!(apply(&origin, &mut doc).unwrap().is_empty());
        assert_eq!(doc, playbook());
        std::fs::write(dir.path().join("p.day.yaml"), "approvals: 3\n").unwrap();
        let mut plain = json!({"title": "t", "method": []});
        assert!(apply(&origin, &mut plain).unwrap().is_empty(), "an experiment has no day file");
        assert!(apply(&origin, &mut doc).unwrap_err().contains("p.day.yaml"));
    }
}
