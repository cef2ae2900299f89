//! The JSON report: the Chaos Toolkit journal, unchanged in shape (so Chaos
//! Toolkit's tools still read it), plus a `gameday` section described in
//! `SCHEMA.md` (`"schema": "gameday-report/1"`).
//!
//! A single run's report is written straight from the report's structs
//! ([`write_document`]): its 100,000 observations are never copied into a
//! `serde_json::Value`.
use super::model::{Obs, Report};
use crate::session::recorder::Masker;
use serde::Serialize;
use serde::ser::{Error as _, SerializeMap, SerializeSeq, Serializer};
use serde_json::ser::PrettyFormatter;
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::io;

/// The schema identifier written into every JSON report.
pub const SCHEMA: &str = "gameday-report/1";

/// Key of the `gameday` section in the journal.
const SECTION: &str = "gameday";
/// Key of the observations in the section.
const OBSERVATIONS: &str = "observations";

/// The `gameday` section of one run.
pub fn section(r: &Report) -> Value {
    let mut v = fields(r);
    if let Some(m) = v.as_object_mut() {
        m.insert(OBSERVATIONS.into(), json!(r.observations));
    }
    v
}

/// The section, its observations left `null` (they are written in place).
fn fields(r: &Report) -> Value {
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
        "observations": Value::Null,
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

/// Write the JSON report of one run into `out`, as
/// `serde_json::to_string_pretty(&document(journal, r))` plus a newline
/// would, with every string (keys included) masked as [`Masker::mask`] does.
pub fn write_document(
    out: &mut dyn io::Write,
    journal: &Value,
    r: &Report,
    masker: Option<&Masker>,
) -> Result<(), String> {
    let mask = |s: &'static str| masker.map_or(Cow::Borrowed(s), |m| Cow::Owned(m.mask_str(s)));
    let mut fields = fields(r);
    let mut journal = Cow::Borrowed(journal);
    if let Some(m) = masker {
        fields = m.mask(&fields);
        journal = Cow::Owned(m.mask(&journal));
    }
    let doc = Document {
        journal: &journal,
        key: &mask(SECTION),
        section: Section { fields: &fields, key: &mask(OBSERVATIONS), observations: &r.observations, masker },
    };
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, PrettyFormatter::new());
    doc.serialize(&mut ser).map_err(|e| format!("cannot write the report: {e}"))?;
    out.write_all(b"\n").map_err(|e| format!("cannot write the report: {e}"))
}

/// The journal, with the section in place of a `gameday` key it already
/// has, or after its last key.
struct Document<'a> {
    journal: &'a Value,
    key: &'a str,
    section: Section<'a>,
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let empty = Map::new();
        let journal = self.journal.as_object().unwrap_or(&empty);
        let mut map = s.serialize_map(None)?;
        let mut placed = false;
        for (k, v) in journal {
            if k == self.key {
                map.serialize_entry(k, &self.section)?;
                placed = true;
            } else {
                map.serialize_entry(k, v)?;
            }
        }
        if !placed {
            map.serialize_entry(self.key, &self.section)?;
        }
        map.end()
    }
}

/// The section's fields, with the observations written at their key.
struct Section<'a> {
    fields: &'a Value,
    key: &'a str,
    observations: &'a [Obs],
    masker: Option<&'a Masker>,
}

impl Serialize for Section<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let empty = Map::new();
        let fields = self.fields.as_object().unwrap_or(&empty);
        let mut map = s.serialize_map(None)?;
        for (k, v) in fields {
            if k == self.key {
                map.serialize_entry(k, &Observations { list: self.observations, masker: self.masker })?;
            } else {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

struct Observations<'a> {
    list: &'a [Obs],
    masker: Option<&'a Masker>,
}

impl Serialize for Observations<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Some(m) = self.masker else {
            return s.collect_seq(self.list);
        };
        // One note at a time through a `Value`, so masking reaches every string.
        let mut seq = s.serialize_seq(Some(self.list.len()))?;
        for o in self.list {
            let v = serde_json::to_value(o).map_err(S::Error::custom)?;
            seq.serialize_element(&m.mask(&v))?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::verdict::empty_report;

    fn report() -> Report {
        let mut r = empty_report("session");
        r.title = "Orders hold with s3cr3t-pw".into();
        r.observations.push(Obs {
            anchor: "obs-2".into(),
            id: 1,
            t: 1.5,
            at: "2026-01-01T09:00:01.500000+00:00".into(),
            kind: "note".into(),
            text: "password s3cr3t-pw \"quoted\" ünï\n".into(),
            author: "sam".into(),
            step: None,
            owner: Some("kim".into()),
            due: None,
        });
        r
    }

    /// The document as it was first written: a `Value`, masked, pretty-printed.
    fn by_value(journal: &Value, r: &Report, masker: Option<&Masker>) -> String {
        let doc = document(journal.clone(), r);
        let doc = masker.map_or(doc.clone(), |m| m.mask(&doc));
        serde_json::to_string_pretty(&doc).unwrap() + "\n"
    }

    fn streamed(journal: &Value, r: &Report, masker: Option<&Masker>) -> String {
        let mut out = Vec::new();
        write_document(&mut out, journal, r, masker).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn streamed_document_is_the_value_document() {
        let masker = Masker::new(vec!["s3cr3t-pw".into()]);
        let journals = [
            json!({"chaoslib-version": "1.44.0", "experiment": {"title": "x s3cr3t-pw"}, "run": [], "status": null}),
            // A `gameday` key already there is replaced where it stands.
            json!({"gameday": 1, "status": "completed"}),
            json!({}),
            json!(null),
        ];
        let mut empty = report();
        empty.observations.clear();
        for j in &journals {
            for r in [&report(), &empty] {
                for m in [None, Some(&masker)] {
                    assert_eq!(streamed(j, r, m), by_value(j, r, m), "journal {j}");
                }
            }
        }
        assert!(!streamed(&journals[0], &report(), Some(&masker)).contains("s3cr3t-pw"));
    }
}
