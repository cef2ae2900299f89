//! The day file: what the facilitator fills in on the day, kept next to the
//! playbook and never in it.
//!
//! A playbook is written by people and full of comments that explain the
//! plan; rewriting it from data would lose them. So `gameday plan` records
//! the day's additions in a sidecar, `<playbook stem>.day.yaml` in the same
//! folder (`people-drill.yaml` → `people-drill.day.yaml`), and reads it back
//! over the playbook:
//!
//! ```yaml
//! # Filled in on the day by `gameday plan` (the playbook itself is never rewritten).
//! playbook: people-drill.yaml
//! approvals:            # the latest word per approver wins over the playbook's row
//!   - name: Tom Becker
//!     approved: true
//!     at: "2025-05-20T09:12:00+02:00"
//!     by: tester        # who recorded it
//!     note: said yes on the phone
//! invite:               # added to the playbook's invite list
//!   - name: Security on-call
//!     role: observer
//!     reason: wants to see the break-glass process
//!     by: tester
//!     at: "2025-05-20T09:15:00+02:00"
//! preflight:            # ticks, by position and text in the playbook's list
//!   - item: 0
//!     text: Bob is out of reach (phone off, status set) and his family knows why.
//!     ticked: true
//!     by: tester
//!     at: "2025-05-20T09:20:00+02:00"
//! notes:
//!   - at: "2025-05-20T09:25:00+02:00"
//!     by: tester
//!     text: room booked until noon
//! ```
//!
//! A tick whose `text` no longer matches the playbook's item at `item` is
//! ignored (the playbook changed under it). Keys this build does not know
//! are kept when the file is saved. Saving writes a temporary file in the
//! same folder and renames it over the old one, so a crash never leaves half
//! a file. Its comments are not kept (it is written by the program).
use crate::model::playbook::{Approval, InviteRole, Invitee, Playbook, PreflightItem};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The sidecar's contents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DayFile {
    /// The playbook's file name, for people who find the file on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<DayApproval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invite: Vec<DayInvitee>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preflight: Vec<DayTick>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<DayNote>,
    /// Keys written by a newer build, kept as they are.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An approval given (or withdrawn) on the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayApproval {
    /// The approver, as named in the playbook's `approvals:`.
    pub name: String,
    pub approved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Who recorded it (the facilitator at the keyboard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Someone added to the invite list on the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayInvitee {
    pub name: String,
    /// `participant` or `observer`.
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// A preflight item ticked (or unticked) by a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayTick {
    /// Position in the playbook's `preflight:` list (0-based).
    pub item: usize,
    /// The item's text when it was ticked.
    pub text: String,
    pub ticked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// A free note about the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayNote {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub text: String,
}

/// `dir/people-drill.yaml` → `dir/people-drill.day.yaml`.
pub fn day_path(playbook: &Path) -> PathBuf {
    let stem = playbook.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "playbook".into());
    let name = format!("{stem}.day.yaml");
    match playbook.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(name),
        _ => PathBuf::from(name),
    }
}

/// True for a file name that is a day file, so lists of playbooks can leave it out.
pub fn is_day_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".day.yaml"))
}

impl DayFile {
    /// Read the day file; a missing one is empty, a broken one an error
    /// that names the file (and the line, for YAML syntax).
    pub fn load(path: &Path) -> Result<DayFile, String> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DayFile::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let origin = path.display().to_string();
        let doc = crate::load::parse_document(&origin, &bytes, crate::load::Format::Yaml).map_err(|e| e.to_string())?;
        if doc.is_null() {
            return Ok(DayFile::default());
        }
        serde_json::from_value(doc).map_err(|e| format!("{origin}: this day file cannot be read: {e}"))
    }

    /// The file's text.
    pub fn to_yaml(&self) -> Result<String, String> {
        let body = serde_saphyr::to_string(self).map_err(|e| format!("cannot write the day file: {e}"))?;
        Ok(format!(
            "# Filled in on the day by `gameday plan` (the playbook itself is never rewritten).\n\
             # Approvals, invitees, preflight ticks and notes here are read over the playbook.\n{body}"
        ))
    }

    /// Write atomically: a temporary file in the same folder, synced, then
    /// renamed over `path`.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = self.to_yaml()?;
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut tmp = tempfile::Builder::new()
            .prefix(".day-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
        std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
        tmp.as_file().sync_all().map_err(|e| format!("{}: {e}", path.display()))?;
        tmp.persist(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(())
    }

    /// The approvals as they stand: the playbook's rows with the day's
    /// latest word laid over them, then approvers only the day file names.
    pub fn approvals(&self, pb: &Playbook) -> Vec<(Approval, bool)> {
        let mut out: Vec<(Approval, bool)> = pb
            .approvals
            .iter()
            .map(|a| match self.approval(&a.name) {
                Some(d) => (
                    Approval {
                        name: a.name.clone(),
                        role: a.role.clone(),
                        approved: d.approved,
                        at: d.at.clone(),
                        note: d.note.clone().or_else(|| a.note.clone()),
                    },
                    true,
                ),
                None => (a.clone(), false),
            })
            .collect();
        for d in &self.approvals {
            if !out.iter().any(|(a, _)| a.name == d.name) {
                out.push((
                    Approval {
                        name: d.name.clone(),
                        role: None,
                        approved: d.approved,
                        at: d.at.clone(),
                        note: d.note.clone(),
                    },
                    true,
                ));
            }
        }
        out
    }

    /// The day's latest word on `name`.
    pub fn approval(&self, name: &str) -> Option<&DayApproval> {
        self.approvals.iter().rev().find(|a| a.name == name)
    }

    /// Record an approval; an earlier entry for the same approver is replaced.
    pub fn set_approval(&mut self, approval: DayApproval) {
        self.approvals.retain(|a| a.name != approval.name);
        self.approvals.push(approval);
    }

    /// The invite list: the playbook's, then the day's additions (`true`).
    pub fn invite(&self, pb: &Playbook) -> Vec<(Invitee, bool)> {
        let mut out: Vec<(Invitee, bool)> = pb.invite.iter().map(|i| (i.clone(), false)).collect();
        out.extend(self.invite.iter().map(|d| {
            let role = if d.role == "observer" { InviteRole::Observer } else { InviteRole::Participant };
            (Invitee { name: d.name.clone(), role, reason: d.reason.clone() }, true)
        }));
        out
    }

    /// The tick for preflight item `index` with text `text`, if it still applies.
    pub fn tick(&self, index: usize, text: &str) -> Option<&DayTick> {
        self.preflight.iter().rev().find(|t| t.item == index && t.text == text)
    }

    /// Record a tick; an earlier one for the same item is replaced.
    pub fn set_tick(&mut self, tick: DayTick) {
        self.preflight.retain(|t| t.item != tick.item);
        self.preflight.push(tick);
    }

    /// Indexes of the playbook's text preflight items ticked on the day,
    /// for a readiness gate that wants to start with them ticked.
    pub fn ticked_preflight(&self, pb: &Playbook) -> Vec<usize> {
        pb.preflight
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                PreflightItem::Text(t) => self.tick(i, t).filter(|d| d.ticked).map(|_| i),
                PreflightItem::Activity(_) => None,
            })
            .collect()
    }

    /// Lay the day's approvals and invitees over a playbook document (for
    /// a run that should see them); the document's other keys are untouched.
    pub fn overlay(&self, doc: &mut Value) {
        let Some(root) = doc.as_object_mut() else { return };
        if !self.approvals.is_empty() {
            let rows = root.entry("approvals").or_insert_with(|| Value::Array(Vec::new()));
            if let Some(rows) = rows.as_array_mut() {
                for d in &self.approvals {
                    let pos = rows.iter().position(|r| r.get("name").and_then(Value::as_str) == Some(&d.name));
                    let row = match pos {
                        Some(i) => &mut rows[i],
                        None => {
                            rows.push(serde_json::json!({"name": d.name}));
                            let last = rows.len() - 1;
                            &mut rows[last]
                        }
                    };
                    if let Some(m) = row.as_object_mut() {
                        m.insert("approved".into(), Value::Bool(d.approved));
                        if let Some(at) = &d.at {
                            m.insert("at".into(), Value::from(at.clone()));
                        }
                        if let Some(note) = &d.note {
                            m.insert("note".into(), Value::from(note.clone()));
                        }
                    }
                }
            }
        }
        if !self.invite.is_empty() {
            let rows = root.entry("invite").or_insert_with(|| Value::Array(Vec::new()));
            if let Some(rows) = rows.as_array_mut() {
                for d in &self.invite {
                    let mut m = Map::new();
                    m.insert("name".into(), Value::from(d.name.clone()));
                    m.insert("role".into(), Value::from(d.role.clone()));
                    if let Some(r) = &d.reason {
                        m.insert("reason".into(), Value::from(r.clone()));
                    }
                    rows.push(Value::Object(m));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn playbook() -> Playbook {
        Playbook::from_doc(&json!({"gameday": 1, "title": "t", "description": "d", "method": [],
            "approvals": [{"name": "Bob", "approved": false}, {"name": "Ann", "approved": true, "at": "2025-01-02"}],
            "preflight": ["first", "second"]}))
        .unwrap()
    }

    #[test]
    fn paths() {
        assert_eq!(day_path(Path::new("playbooks/x.yaml")), PathBuf::from("playbooks/x.day.yaml"));
        assert_eq!(day_path(Path::new("x.json")), PathBuf::from("x.day.yaml"));
        assert!(is_day_file(Path::new("a/x.day.yaml")));
        assert!(!is_day_file(Path::new("a/x.yaml")));
    }

    #[test]
    fn round_trip_keeps_unknown_keys_and_overlays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.day.yaml");
        std::fs::write(&path, "future: [1, 2]\napprovals:\n  - name: Bob\n    approved: true\n    by: me\n").unwrap();
        let mut day = DayFile::load(&path).unwrap();
        let pb = playbook();
        let approvals = day.approvals(&pb);
        assert!(approvals[0].0.approved && approvals[0].1);
        assert!(approvals[1].0.approved && !approvals[1].1);
        day.set_tick(DayTick { item: 1, text: "second".into(), ticked: true, by: None, at: None });
        day.set_tick(DayTick { item: 0, text: "renamed".into(), ticked: true, by: None, at: None });
        assert_eq!(day.ticked_preflight(&pb), vec![1]);
        day.save(&path).unwrap();
        let again = DayFile::load(&path).unwrap();
        assert_eq!(again, day);
        assert_eq!(again.other["future"], json!([1, 2]));
        let mut doc = json!({"approvals": [{"name": "Bob", "approved": false}]});
        again.overlay(&mut doc);
        assert_eq!(doc["approvals"][0]["approved"], true);
    }

    #[test]
    fn missing_is_empty_and_broken_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(DayFile::load(&dir.path().join("none.day.yaml")).unwrap(), DayFile::default());
        let bad = dir.path().join("bad.day.yaml");
        std::fs::write(&bad, "approvals: 3\n").unwrap();
        assert!(DayFile::load(&bad).unwrap_err().contains("bad.day.yaml"));
    }
}
