//! Several runs in one report: a row per run, trends per hypothesis (runs
//! grouped by hypothesis statement, or by title when there is none), and
//! every action item. Runs are listed oldest first.
use super::model::Report;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Aggregate {
    pub schema: &'static str,
    pub kind: &'static str,
    pub runs: Vec<Row>,
    pub trends: Vec<Trend>,
    pub actions: Vec<ActionRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub date: String,
    pub title: String,
    pub input: String,
    /// `session` or `journal`.
    pub origin: String,
    pub verdict: String,
    pub verdict_class: String,
    pub status: String,
    pub deviated: bool,
    pub duration: Option<f64>,
    pub decisions: usize,
    pub weaknesses: usize,
    pub observations: usize,
    pub time_to_recover: Option<f64>,
    pub hypothesis: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub hypothesis: String,
    pub runs: usize,
    pub met: usize,
    pub deviated: usize,
    pub other: usize,
    /// Verdict classes, oldest first.
    pub history: Vec<String>,
    pub last: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionRow {
    pub run: String,
    pub date: String,
    pub text: String,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub author: String,
}

/// Summarise runs (each with the path it was read from).
pub fn aggregate(reports: &[(&str, &Report)]) -> Aggregate {
    let mut order: Vec<&(&str, &Report)> = reports.iter().collect();
    order.sort_by(|a, b| a.1.started_at.cmp(&b.1.started_at));
    let mut runs = Vec::new();
    let mut trends: Vec<Trend> = Vec::new();
    let mut actions = Vec::new();
    for &(input, r) in order {
        let hypothesis = r.plan.hypothesis.clone().unwrap_or_else(|| r.title.clone());
        let date = r.started_at.as_deref().map(date_of).unwrap_or_default();
        runs.push(Row {
            date: date.clone(),
            title: r.title.clone(),
            input: input.to_string(),
            origin: r.origin.clone(),
            verdict: r.verdict.headline.clone(),
            verdict_class: r.verdict.class.clone(),
            status: r.verdict.status.clone(),
            deviated: r.verdict.deviated,
            duration: r.duration,
            decisions: r.decisions.len(),
            weaknesses: r.observations.iter().filter(|o| o.kind == "weakness").count(),
            observations: r.observations.len(),
            time_to_recover: r.durations.to_recover,
            hypothesis: hypothesis.clone(),
        });
        let key = super::text::one_line(&hypothesis);
        let i = match trends.iter().position(|t| t.hypothesis == key) {
            Some(i) => i,
            None => {
                trends.push(Trend {
                    hypothesis: key,
                    runs: 0,
                    met: 0,
                    deviated: 0,
                    other: 0,
                    history: Vec::new(),
                    last: String::new(),
                });
                trends.len() - 1
            }
        };
        let t = &mut trends[i];
        t.runs += 1;
        match r.verdict.class.as_str() {
            "met" | "completed" => t.met += 1,
            "deviated" => t.deviated += 1,
            _ => t.other += 1,
        }
        t.history.push(r.verdict.class.clone());
        t.last = r.verdict.class.clone();
        for o in r.observations.iter().filter(|o| o.kind == "action") {
            actions.push(ActionRow {
                run: r.title.clone(),
                date: date.clone(),
                text: o.text.clone(),
                owner: o.owner.clone(),
                due: o.due.clone(),
                author: o.author.clone(),
            });
        }
    }
    Aggregate { schema: super::json::SCHEMA, kind: "aggregate", runs, trends, actions }
}

fn date_of(at: &str) -> String {
    super::text::parse_time(at).map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| at.to_string())
}
