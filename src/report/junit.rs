//! JUnit XML of one run, for CI systems (`gameday run --junit FILE`,
//! `gameday report --format junit`). One `<testsuite>` per run, named by the
//! experiment's title, with a test case per steady-state probe (before and
//! after the method), per method activity, per rollback and per halt action,
//! and a last `verdict` case that fails unless the run completed with its
//! steady state met: the run's verdict is the suite's, even for CI tools
//! that only count failed cases. The verdict is also a suite property.
use super::Built;
use super::model::{Report, Step};
use crate::session::recorder::Masker;
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The XML document for `built`.
pub fn render(built: &Built) -> Result<String, String> {
    let masker = super::secrets::masker(&built.secrets);
    let mask = |s: &str| match &masker {
        Some(m) => m.mask_str(s),
        None => s.to_string(),
    };
    let r = &built.report;
    let title = if r.title.trim().is_empty() { "experiment".to_string() } else { mask(&r.title) };
    let mut suite = TestSuite::new(title.clone());
    if let Some(at) = r.started_at.as_deref().and_then(timestamp) {
        suite.set_timestamp(at);
    }
    if let Some(d) = r.duration.and_then(seconds) {
        suite.set_time(d);
    }
    suite.add_property(Property::new("verdict", r.verdict.class.clone()));
    suite.add_property(Property::new("status", r.verdict.status.clone()));
    suite.add_property(Property::new("deviated", r.verdict.deviated.to_string()));
    if let Some(source) = &r.source {
        suite.add_property(Property::new("source", mask(source)));
    }
    suite.add_property(Property::new("input", mask(&built.path)));
    let groups: [(&str, &[Step]); 5] = [
        ("steady-state-before", r.steady_states.before.as_ref().map_or(&[][..], |h| h.probes.as_slice())),
        ("method", r.method.as_slice()),
        ("steady-state-after", r.steady_states.after.as_ref().map_or(&[][..], |h| h.probes.as_slice())),
        ("rollbacks", r.rollbacks.as_slice()),
        ("halt-actions", r.halts.as_slice()),
    ];
    for (class, steps) in groups {
        for step in steps {
            suite.add_test_case(step_case(class, step, masker.as_ref()));
        }
    }
    suite.add_test_case(verdict_case(r, masker.as_ref()));
    let mut doc = quick_junit::Report::new("gameday");
    doc.add_test_suite(suite);
    doc.to_string().map_err(|e| format!("cannot write JUnit XML: {e}"))
}

/// One activity as a test case.
fn step_case(class: &str, step: &Step, masker: Option<&Masker>) -> TestCase {
    let mask = |s: &str| masker.map_or_else(|| s.to_string(), |m| m.mask_str(s));
    let status = match step.status.as_str() {
        "skipped" | "interrupted" => {
            let mut s = TestCaseStatus::skipped();
            let why = match (&step.decision, &step.reason) {
                (_, Some(reason)) => format!("{}: {}", step.status, mask(reason)),
                (Some(d), None) => format!("{}: {d}", step.status),
                _ => step.status.clone(),
            };
            s.set_message(why);
            s
        }
        "failed" => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let exception = step.exception.as_deref().map(&mask).unwrap_or_else(|| "the activity failed".into());
            s.set_message(first_line(&exception));
            s.set_type("activity-failed");
            s.set_description(exception);
            s
        }
        _ if step.tolerance_met == Some(false) => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let tolerance = step.tolerance.as_deref().map(&mask).unwrap_or_else(|| "?".into());
            let value = step.value.as_deref().map(&mask).unwrap_or_else(|| "no value".into());
            s.set_message(format!("outside its tolerance ({tolerance}): {value}"));
            s.set_type("tolerance-not-met");
            s
        }
        _ => TestCaseStatus::success(),
    };
    let name = if step.name.is_empty() { format!("{} {}", step.kind, step.number) } else { mask(&step.name) };
    let mut case = TestCase::new(name, status);
    case.set_classname(class);
    if let Some(d) = step.duration.and_then(seconds) {
        case.set_time(d);
    }
    if let Some(at) = step.start.as_deref().and_then(timestamp) {
        case.set_timestamp(at);
    }
    if let Some(out) = &step.output {
        case.set_system_out(mask(out));
    }
    case
}

/// The run's verdict as a test case: passes only for a completed run whose
/// steady state held (or that had none to check). A steady state not met
/// before the method fails it too: the experiment could not test anything.
fn verdict_case(r: &Report, masker: Option<&Masker>) -> TestCase {
    let mask = |s: &str| masker.map_or_else(|| s.to_string(), |m| m.mask_str(s));
    let passed = matches!(r.verdict.class.as_str(), "met" | "completed");
    let status = if passed {
        TestCaseStatus::success()
    } else {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
        let detail = r.verdict.detail.as_deref().map(|d| format!(" ({})", mask(d))).unwrap_or_default();
        s.set_message(format!("{}{detail}", mask(&r.verdict.headline)));
        s.set_type(r.verdict.class.clone());
        s
    };
    let mut case = TestCase::new(format!("verdict: {}", r.verdict.class), status);
    case.set_classname("verdict");
    if let Some(d) = r.duration.and_then(seconds) {
        case.set_time(d);
    }
    case
}

fn first_line(s: &str) -> String {
    // The last line of a traceback says what went wrong.
    s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(s).trim().to_string()
}

/// Seconds as a duration, if they are a sensible number.
fn seconds(secs: f64) -> Option<Duration> {
    (0.0..1e9).contains(&secs).then(|| Duration::from_secs_f64(secs))
}

/// A journal time (RFC 3339, or Chaos Toolkit's isoformat without an
/// offset, which is UTC).
fn timestamp(s: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(naive.and_utc().fixed_offset())
}
