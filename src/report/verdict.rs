//! The headline verdict and the response times. A deviation is presented as
//! a finding (something learned), never as an error.
use super::model::*;

/// A report with nothing in it yet.
pub fn empty_report(origin: &str) -> Report {
    Report {
        title: String::new(),
        description: None,
        origin: origin.into(),
        source: None,
        mode: None,
        started_at: None,
        ended_at: None,
        duration: None,
        verdict: Verdict {
            status: "unfinished".into(),
            deviated: false,
            class: "unfinished".into(),
            headline: String::new(),
            detail: None,
        },
        plan: Plan::default(),
        readiness: Vec::new(),
        steady_states: SteadyStates::default(),
        method: Vec::new(),
        rollbacks: Vec::new(),
        halts: Vec::new(),
        safeguards: Vec::new(),
        decisions: Vec::new(),
        stops: Vec::new(),
        warnings: Vec::new(),
        observations: Vec::new(),
        milestones: Vec::new(),
        durations: Durations::default(),
        timeline: Vec::new(),
        input_notes: Vec::new(),
        participant: false,
    }
}

/// The verdict from the run's end `(status, deviated)`, the steady states and the STOPs.
pub fn verdict(end: Option<(&str, bool)>, ss: &SteadyStates, stops: &[StopRec], method: &[Step]) -> Verdict {
    let stop_detail = stops.first().map(|s| {
        let why = s.reason.as_ref().map(|r| format!(": {r}")).unwrap_or_else(|| " (no reason given)".into());
        let how = if s.safeguard { "a safeguard tripped".to_string() } else { format!("via {}", s.source) };
        format!("Stopped by {} ({how}) at {}{why}", s.who, super::text::t_plus(s.t))
    });
    let failed_steps = method.iter().filter(|s| s.status == "failed").count();
    let (status, deviated) = match end {
        Some((s, d)) => (s.to_string(), d),
        None => ("unfinished".to_string(), false),
    };
    let before_not_met = ss.before.as_ref().is_some_and(|h| h.met == Some(false));
    let (class, headline) = match status.as_str() {
        "interrupted" => ("interrupted", "Interrupted: the Game Day was stopped before it finished".to_string()),
        "aborted" => ("aborted", "Aborted: the run could not continue (see the exceptions below)".to_string()),
        _ if deviated => {
            ("deviated", "Finding: the steady state deviated after the method — a weakness to learn from".to_string())
        }
        "failed" if before_not_met => {
            ("not-met-before", "Not run: the steady state was not met before the method".to_string())
        }
        "failed" => ("failed", "Failed: an activity or a tolerance could not be evaluated".to_string()),
        "completed" if before_not_met => (
            "not-met-before",
            "Not run: the steady state was not met before the method, so the method was skipped".to_string(),
        ),
        "completed" if ss.after.as_ref().is_some_and(|h| h.met == Some(true)) => {
            ("met", "Steady state met: the hypothesis held".to_string())
        }
        "completed" => ("completed", "Completed".to_string()),
        "unfinished" => ("unfinished", "Unfinished: the run never recorded its end".to_string()),
        other => ("completed", format!("Ended with status {other}")),
    };
    let mut detail = stop_detail;
    if detail.is_none() && class == "interrupted" {
        detail = Some("No STOP was recorded: a signal or a control interrupted the run".into());
    }
    if failed_steps > 0 {
        let note = format!("{failed_steps} method step{} failed", if failed_steps == 1 { "" } else { "s" });
        detail = Some(match detail {
            Some(d) => format!("{d}; {note}"),
            None => note,
        });
    }
    Verdict { status, deviated, class: class.into(), headline, detail }
}

/// Time to detect / diagnose / mitigate / recover, counted from the first
/// method activity's start (when the turbulent conditions begin), or from the
/// session start when no method activity ran. The first milestone of each
/// name counts.
pub fn durations(method: &[Step], milestones: &[MilestoneRec]) -> Durations {
    let first_method = method.iter().filter_map(|s| s.t).reduce(f64::min);
    let (reference, reference_t) = match first_method {
        Some(t) => ("method-start", t),
        None => ("session-start", 0.0),
    };
    let at = |name: &str| {
        milestones.iter().find(|m| m.milestone.eq_ignore_ascii_case(name)).map(|m| round3(m.t - reference_t))
    };
    Durations {
        reference: reference.into(),
        reference_t,
        to_detect: at("detected"),
        to_diagnose: at("diagnosed"),
        to_mitigate: at("mitigated"),
        to_recover: at("recovered"),
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
