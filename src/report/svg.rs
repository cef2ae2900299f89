//! Geometry of the HTML report's inline SVG timeline: phases as bands, steps
//! as marks, observations and milestones as pins, STOPs as red lines. Only
//! numbers and labels are computed here; the template draws them (escaped).
//! Pins that would overlap are merged (one per few pixels and kind), so a
//! session with 100,000 notes still draws a small picture.
use super::model::{Report, Step};
use super::text::t_plus;
use serde::Serialize;
use std::collections::BTreeMap;

/// Drawing width in SVG units.
const WIDTH: f64 = 1000.0;
const LEFT: f64 = 8.0;
const RIGHT: f64 = 8.0;
/// Pins closer than this (in SVG units) and of the same kind are merged.
const PIN_BUCKET: f64 = 6.0;

#[derive(Debug, Serialize)]
pub struct Svg {
    pub width: f64,
    pub height: f64,
    pub bands: Vec<Band>,
    pub marks: Vec<Mark>,
    pub pins: Vec<Pin>,
    pub stops: Vec<StopLine>,
    pub ticks: Vec<Tick>,
    pub axis_y: f64,
}

#[derive(Debug, Serialize)]
pub struct Band {
    pub x: f64,
    pub w: f64,
    pub label: String,
    /// Whether the band is wide enough to print its label (else only its tooltip).
    pub show_label: bool,
    pub class: String,
    pub link: String,
}

#[derive(Debug, Serialize)]
pub struct Mark {
    pub x: f64,
    pub w: f64,
    pub y: f64,
    pub class: String,
    pub title: String,
    pub link: String,
}

#[derive(Debug, Serialize)]
pub struct Pin {
    pub x: f64,
    pub y: f64,
    /// One letter, so a pin's kind is not told by colour alone.
    pub letter: String,
    pub class: String,
    pub title: String,
    pub link: String,
}

#[derive(Debug, Serialize)]
pub struct StopLine {
    pub x: f64,
    pub title: String,
    pub link: String,
}

#[derive(Debug, Serialize)]
pub struct Tick {
    pub x: f64,
    pub label: String,
}

/// Rows of the drawing (the template draws phase bands at y = 18).
const STEP_Y: f64 = 52.0;
const OBS_Y: f64 = 92.0;
const MILESTONE_Y: f64 = 122.0;
const AXIS_Y: f64 = 146.0;
const HEIGHT: f64 = 170.0;

/// The letter and CSS class of an observation kind.
pub fn pin_style(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "note" => ("N", "k-note"),
        "observation" => ("O", "k-observation"),
        "weakness" => ("W", "k-weakness"),
        "decision" => ("D", "k-decision"),
        "question" => ("Q", "k-question"),
        "action" => ("A", "k-action"),
        _ => ("•", "k-other"),
    }
}

/// Lay the report out on a time axis.
pub fn layout(r: &Report) -> Svg {
    let mut end = r.duration.unwrap_or(0.0);
    for e in &r.timeline {
        end = end.max(e.t);
    }
    for s in all_steps(r) {
        end = end.max(s.t.unwrap_or(0.0) + s.duration.unwrap_or(0.0));
    }
    let span = if end > 0.0 { end } else { 1.0 };
    let x = |t: f64| LEFT + (t.max(0.0) / span).min(1.0) * (WIDTH - LEFT - RIGHT);

    let mut bands = Vec::new();
    let groups: [(&str, &str, Vec<&Step>); 5] = [
        ("readiness", "Readiness", r.readiness.iter().collect()),
        ("before", "Before", r.steady_states.before.iter().flat_map(|h| &h.probes).collect()),
        ("method", "Method", r.method.iter().collect()),
        ("after", "After", r.steady_states.after.iter().flat_map(|h| &h.probes).collect()),
        ("rollback", "Rollbacks", r.rollbacks.iter().collect()),
    ];
    for (class, label, steps) in &groups {
        let starts = steps.iter().filter_map(|s| s.t);
        let Some(a) = starts.clone().reduce(f64::min) else { continue };
        let b = steps.iter().filter_map(|s| s.t.map(|t| t + s.duration.unwrap_or(0.0))).fold(a, f64::max);
        let link = match *class {
            "before" => "steady-before",
            "after" => "steady-after",
            "rollback" => "rollbacks",
            other => other,
        };
        bands.push(Band {
            x: x(a),
            w: (x(b) - x(a)).max(3.0),
            show_label: x(b) - x(a) >= 60.0,
            label: label.to_string(),
            class: format!("b-{class}"),
            link: link.into(),
        });
    }

    let mut marks = Vec::new();
    for (row, s) in all_steps(r).enumerate() {
        let Some(t) = s.t else { continue };
        marks.push(Mark {
            x: x(t),
            w: (x(t + s.duration.unwrap_or(0.0)) - x(t)).max(2.0),
            y: STEP_Y + (row % 3) as f64 * 7.0,
            class: format!("s-{}", s.status),
            title: format!("{} {} — {}", t_plus(t), s.name, s.status),
            link: s.anchor.clone(),
        });
    }

    let mut buckets: BTreeMap<(i64, &str), (f64, usize, String, String)> = BTreeMap::new();
    for o in &r.observations {
        let px = x(o.t);
        let key = ((px / PIN_BUCKET) as i64, o.kind.as_str());
        let b = buckets.entry(key).or_insert_with(|| (px, 0, o.text.clone(), o.anchor.clone()));
        b.1 += 1;
    }
    let mut pins = Vec::new();
    for ((_, kind), (px, n, first, link)) in buckets {
        let (letter, class) = pin_style(kind);
        let more = if n > 1 { format!(" (+{} more)", n - 1) } else { String::new() };
        let slot = ["note", "observation", "weakness", "decision", "question", "action"]
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(6);
        pins.push(Pin {
            x: px,
            y: OBS_Y + (slot % 2) as f64 * 12.0 - 6.0,
            letter: letter.into(),
            class: class.into(),
            title: format!("{kind}: {}{more}", super::text::truncate(&first, 80)),
            link,
        });
    }
    for m in &r.milestones {
        pins.push(Pin {
            x: x(m.t),
            y: MILESTONE_Y,
            letter: milestone_letter(&m.milestone).into(),
            class: "k-milestone".into(),
            title: format!("{} milestone: {}", t_plus(m.t), m.milestone),
            link: m.anchor.clone(),
        });
    }
    let stops = r
        .stops
        .iter()
        .map(|s| StopLine {
            x: x(s.t),
            title: format!("{} STOP by {} ({})", t_plus(s.t), s.who, s.source),
            link: s.anchor.clone(),
        })
        .collect();
    let ticks = (0..=5)
        .map(|i| {
            let t = span * i as f64 / 5.0;
            Tick { x: x(t), label: t_plus(t) }
        })
        .collect();
    Svg { width: WIDTH, height: HEIGHT, bands, marks, pins, stops, ticks, axis_y: AXIS_Y }
}

/// Milestones are numbered as their keys (1–4), so "detected" and
/// "diagnosed" do not share a letter.
fn milestone_letter(m: &str) -> &'static str {
    match m {
        "detected" => "1",
        "diagnosed" => "2",
        "mitigated" => "3",
        "recovered" => "4",
        _ => "M",
    }
}

fn all_steps(r: &Report) -> impl Iterator<Item = &Step> {
    r.readiness
        .iter()
        .chain(r.steady_states.before.iter().flat_map(|h| &h.probes))
        .chain(&r.method)
        .chain(r.steady_states.after.iter().flat_map(|h| &h.probes))
        .chain(&r.rollbacks)
        .chain(&r.halts)
}
