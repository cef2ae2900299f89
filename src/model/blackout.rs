//! Blackout windows: times when chaos must not run (a release freeze, the
//! peak hour, a sale). Written as a `blackout:` list in a playbook or in the
//! config file; each window is either dated or recurring weekly, in an IANA
//! time zone:
//!
//! ```yaml
//! blackout:
//!   - name: Black Friday freeze
//!     reason: the sale; no changes to production
//!     from: 2026-11-27 00:00      # or just a date: 2026-11-27
//!     to: 2026-11-30 23:59        # a date alone: up to the end of that day
//!     timezone: America/New_York
//!   - name: Weekday peak
//!     days: [mon, tue, wed, thu, fri]
//!     from: "08:00"               # times of day; quoted, or YAML reads 10:00 as 600
//!     to: "10:00"                 # earlier than `from`: ends the next day
//!     timezone: Europe/Paris
//! ```
//!
//! Local times are read in the window's zone, daylight saving included: a
//! time that does not exist (the hour skipped in spring) is taken as the
//! first moment after the gap, an ambiguous one (autumn) as the earlier.
use super::playbook::fields::{Field, FieldError, get, join, kind, list, mapping};
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::{Map, Value};

/// One window.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub name: String,
    /// Why chaos must wait (optional, shown with the name).
    pub reason: Option<String>,
    pub zone: Tz,
    pub when: When,
    /// JSON pointer of the window in its file, for messages.
    pub pointer: String,
}

/// Dated or weekly.
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    /// From one moment to another (end excluded).
    Dated { from: DateTime<Utc>, to: DateTime<Utc>, from_text: String, to_text: String },
    /// On these days, from a time of day to another (the next day's when
    /// `to` is not after `from`).
    Weekly { days: Vec<Weekday>, from: NaiveTime, to: NaiveTime },
}

/// A window in force at a given moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Active {
    pub name: String,
    pub reason: Option<String>,
    /// The window as written, in words (`mon–fri 08:00–10:00 Europe/Paris`).
    pub description: String,
    /// When this occurrence ends.
    pub until: DateTime<Utc>,
    /// `until` in the window's zone, for people.
    pub until_local: String,
}

impl Active {
    /// One line naming the window, its source and when it ends.
    pub fn message(&self, source: &str) -> String {
        let why = self.reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default();
        format!(
            "blackout window '{}'{why} ({}, from {source}) is in force until {}",
            self.name, self.description, self.until_local
        )
    }
}

/// Read a `blackout:` value (absent or null: no windows).
pub fn parse(value: Option<&Value>, pointer: &str) -> Field<Vec<Window>> {
    let Some(v) = value.filter(|v| !v.is_null()) else { return Ok(Vec::new()) };
    let items = list(v, pointer, "`blackout` (a list of windows)")?;
    items.iter().enumerate().map(|(i, item)| window(item, &format!("{pointer}/{i}"))).collect()
}

/// The first window of `windows` in force at `now`, if any.
pub fn active_at(windows: &[Window], now: DateTime<Utc>) -> Option<Active> {
    windows.iter().find_map(|w| w.active_at(now))
}

const KEYS: &[&str] = &["name", "from", "to", "days", "timezone", "reason"];

fn window(item: &Value, pointer: &str) -> Field<Window> {
    let map = mapping(item, pointer, "a blackout window (name, from, to, timezone, and days for a weekly one)")?;
    if let Some(key) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(FieldError::on_key(
            join(pointer, key),
            format!("unknown key '{key}' in a blackout window (it takes {})", KEYS.join(", ")),
        ));
    }
    let name = match get(map, "name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(other) => {
            return Err(FieldError::new(
                join(pointer, "name"),
                format!("a window's name must be text, not {}", kind(other)),
            ));
        }
        None => return Err(FieldError::new(pointer, "a blackout window needs a `name` (messages name the window)")),
    };
    let zone = match get(map, "timezone") {
        Some(Value::String(s)) => s.trim().parse::<Tz>().map_err(|_| {
            FieldError::new(
                join(pointer, "timezone"),
                format!("unknown time zone '{s}': use an IANA name such as Europe/Paris, America/New_York or UTC"),
            )
        })?,
        Some(other) => {
            return Err(FieldError::new(
                join(pointer, "timezone"),
                format!("`timezone` must be text, not {}", kind(other)),
            ));
        }
        None => {
            return Err(FieldError::new(
                pointer,
                format!("blackout window '{name}' needs a `timezone` (an IANA name such as Europe/Paris or UTC)"),
            ));
        }
    };
    let when = match get(map, "days") {
        Some(days) => weekly(map, days, pointer)?,
        None => dated(map, zone, pointer)?,
    };
    let reason = match get(map, "reason") {
        None => None,
        Some(Value::String(s)) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Some(other) => {
            return Err(FieldError::new(
                join(pointer, "reason"),
                format!("`reason` must be text, not {}", kind(other)),
            ));
        }
    };
    Ok(Window { name, reason, zone, when, pointer: pointer.to_string() })
}

/// The text of `from` or `to`, or an error saying how to write it.
fn required<'a>(map: &'a Map<String, Value>, key: &str, pointer: &str, example: &str) -> Field<&'a str> {
    match get(map, key) {
        Some(Value::String(s)) => Ok(s.trim()),
        Some(Value::Number(n)) => Err(FieldError::new(
            join(pointer, key),
            format!(
                "`{key}` must be written in quotes, like \"{example}\" (unquoted, YAML reads a time such as 10:00 as the number {n})"
            ),
        )),
        Some(other) => Err(FieldError::new(
            join(pointer, key),
            format!("`{key}` must be text like \"{example}\", not {}", kind(other)),
        )),
        None => Err(FieldError::new(pointer, format!("a blackout window needs `{key}` (like \"{example}\")"))),
    }
}

fn weekly(map: &Map<String, Value>, days: &Value, pointer: &str) -> Field<When> {
    let days_pointer = join(pointer, "days");
    let items = match days {
        Value::String(s) => s.split(',').map(|d| Value::String(d.trim().to_string())).collect(),
        other => list(other, &days_pointer, "`days` (a list such as [mon, tue])")?.clone(),
    };
    let mut out = Vec::new();
    for (i, d) in items.iter().enumerate() {
        let day = d.as_str().and_then(weekday).ok_or_else(|| {
            FieldError::new(
                format!("{days_pointer}/{i}"),
                format!("'{}' is not a day of the week (mon, tue, wed, thu, fri, sat, sun)", d.as_str().unwrap_or("?")),
            )
        })?;
        if !out.contains(&day) {
            out.push(day);
        }
    }
    if out.is_empty() {
        return Err(FieldError::new(days_pointer, "`days` must name at least one day"));
    }
    let time = |key: &str| -> Field<NaiveTime> {
        let s = required(map, key, pointer, if key == "from" { "08:00" } else { "10:00" })?;
        NaiveTime::parse_from_str(s, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
            .map_err(|_| FieldError::new(join(pointer, key), format!("'{s}' is not a time of day (HH:MM, 24-hour)")))
    };
    let (from, to) = (time("from")?, time("to")?);
    if from == to {
        return Err(FieldError::new(join(pointer, "to"), "`to` equals `from`: the window would last no time"));
    }
    Ok(When::Weekly { days: out, from, to })
}

fn weekday(s: &str) -> Option<Weekday> {
    let s = s.trim().to_ascii_lowercase();
    let short = s.get(..3)?;
    let day = match short {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    };
    // `mon` or the full name, nothing else (`month` is not a day).
    let full = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    (s.len() == 3 || full.contains(&s.as_str())).then_some(day)
}

fn dated(map: &Map<String, Value>, zone: Tz, pointer: &str) -> Field<When> {
    let from_text = required(map, "from", pointer, "2026-11-27 00:00")?;
    let to_text = required(map, "to", pointer, "2026-11-30 23:59")?;
    let from = moment(from_text, zone, false).ok_or_else(|| bad_moment(pointer, "from", from_text))?;
    let to = moment(to_text, zone, true).ok_or_else(|| bad_moment(pointer, "to", to_text))?;
    if to <= from {
        return Err(FieldError::new(
            join(pointer, "to"),
            format!("`to` ({to_text}) must be after `from` ({from_text})"),
        ));
    }
    Ok(When::Dated { from, to, from_text: from_text.to_string(), to_text: to_text.to_string() })
}

fn bad_moment(pointer: &str, key: &str, text: &str) -> FieldError {
    FieldError::new(
        join(pointer, key),
        format!(
            "'{text}' is not a date and time: write \"YYYY-MM-DD HH:MM\" (in the window's timezone), a date alone, \
             or RFC 3339 with an offset; for a weekly window add `days`"
        ),
    )
}

/// A date, a local date and time in `zone`, or an RFC 3339 moment. A date
/// alone starts at its midnight, or as an end (`end_of_day`) runs to the next.
fn moment(text: &str, zone: Tz, end_of_day: bool) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.to_utc());
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = if end_of_day { d.succ_opt()? } else { d };
        return Some(local(zone, day.and_time(NaiveTime::MIN)));
    }
    for format in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(local(zone, t));
        }
    }
    None
}

/// A local time in `zone` as a moment: the earlier of an ambiguous time, the
/// end of the gap for one that does not exist.
fn local(zone: Tz, t: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&t) {
        LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => x.to_utc(),
        LocalResult::None => {
            // Gaps are at most a few hours; walk forward a minute at a time.
            (1..=24 * 60)
                .find_map(|m| zone.from_local_datetime(&(t + Duration::minutes(m))).earliest())
                .map_or_else(|| t.and_utc(), |x| x.to_utc())
        }
    }
}

impl Window {
    /// The occurrence of this window in force at `now`, if one is.
    pub fn active_at(&self, now: DateTime<Utc>) -> Option<Active> {
        let until = match &self.when {
            When::Dated { from, to, .. } => (*from <= now && now < *to).then_some(*to)?,
            When::Weekly { days, from, to } => {
                let today = now.with_timezone(&self.zone).date_naive();
                // An overnight window that started yesterday may still run.
                [today.pred_opt()?, today].into_iter().find_map(|day| {
                    if !days.contains(&day.weekday()) {
                        return None;
                    }
                    let start = local(self.zone, day.and_time(*from));
                    let end_day = if to <= from { day.succ_opt()? } else { day };
                    let end = local(self.zone, end_day.and_time(*to));
                    (start <= now && now < end).then_some(end)
                })?
            }
        };
        Some(Active {
            name: self.name.clone(),
            reason: self.reason.clone(),
            description: self.describe(),
            until,
            until_local: until.with_timezone(&self.zone).format("%Y-%m-%d %H:%M %Z").to_string(),
        })
    }

    /// The window in words.
    pub fn describe(&self) -> String {
        match &self.when {
            When::Dated { from_text, to_text, .. } => format!("{from_text} to {to_text} {}", self.zone),
            When::Weekly { days, from, to } => {
                let days: Vec<String> = days.iter().map(|d| d.to_string().to_ascii_lowercase()).collect();
                format!("{} {}–{} {}", days.join(","), from.format("%H:%M"), to.format("%H:%M"), self.zone)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn dated_window_in_its_zone() {
        let w = parse(
            Some(
                &json!([{"name": "freeze", "from": "2026-11-27", "to": "2026-11-30", "timezone": "America/New_York"}]),
            ),
            "/blackout",
        )
        .unwrap();
        // New York is UTC-5 in November; the window runs to the end of the 30th.
        assert!(active_at(&w, at("2026-11-27T04:59:00Z")).is_none());
        let a = active_at(&w, at("2026-11-27T05:00:00Z")).unwrap();
        assert_eq!(a.until, at("2026-12-01T05:00:00Z"));
        assert_eq!(a.until_local, "2026-12-01 00:00 EST");
        assert!(active_at(&w, at("2026-12-01T04:59:59Z")).is_some());
        assert!(active_at(&w, at("2026-12-01T05:00:00Z")).is_none());
        assert!(a.message("the playbook").contains("'freeze' (2026-11-27 to 2026-11-30 America/New_York"));
    }

    #[test]
    fn weekly_window_with_daylight_saving_and_overnight() {
        let w = parse(
            Some(&json!([
                {"name": "peak", "days": ["mon", "Friday"], "from": "08:00", "to": "10:00", "timezone": "Europe/Paris"},
                {"name": "batch", "days": "sat", "from": "22:00", "to": "02:00", "timezone": "UTC"}
            ])),
            "/blackout",
        )
        .unwrap();
        // Monday 2026-03-23 (Paris UTC+1) and Monday 2026-03-30 (after the switch, UTC+2).
        assert_eq!(active_at(&w, at("2026-03-23T07:30:00Z")).unwrap().name, "peak");
        assert!(active_at(&w, at("2026-03-23T09:00:00Z")).is_none());
        assert_eq!(active_at(&w, at("2026-03-30T06:30:00Z")).unwrap().until, at("2026-03-30T08:00:00Z"));
        assert!(active_at(&w, at("2026-03-30T08:00:00Z")).is_none());
        // Tuesday: not a listed day.
        assert!(active_at(&w, at("2026-03-24T07:30:00Z")).is_none());
        // Saturday 22:00 to Sunday 02:00, seen from Sunday.
        assert_eq!(active_at(&w, at("2026-03-29T01:00:00Z")).unwrap().name, "batch");
        assert!(active_at(&w, at("2026-03-29T02:00:00Z")).is_none());
        assert!(active_at(&w, at("2026-03-28T21:59:00Z")).is_none());
    }

    #[test]
    fn problems_are_named_at_their_place() {
        let cases = [
            (json!([{"from": "2026-01-01", "to": "2026-01-02", "timezone": "UTC"}]), "/blackout/0", "needs a `name`"),
            (json!([{"name": "x", "from": "2026-01-01", "to": "2026-01-02"}]), "/blackout/0", "needs a `timezone`"),
            (
                json!([{"name": "x", "from": "2026-01-01", "to": "2026-01-02", "timezone": "Mars/Olympus"}]),
                "/blackout/0/timezone",
                "unknown time zone",
            ),
            (
                json!([{"name": "x", "from": "2026-01-02", "to": "2026-01-01", "timezone": "UTC"}]),
                "/blackout/0/to",
                "must be after",
            ),
            (
                json!([{"name": "x", "days": ["mon"], "from": 600, "to": "11:00", "timezone": "UTC"}]),
                "/blackout/0/from",
                "in quotes",
            ),
            (
                json!([{"name": "x", "days": ["month"], "from": "10:00", "to": "11:00", "timezone": "UTC"}]),
                "/blackout/0/days/0",
                "not a day",
            ),
            (
                json!([{"name": "x", "days": ["mon"], "from": "25:00", "to": "11:00", "timezone": "UTC"}]),
                "/blackout/0/from",
                "not a time of day",
            ),
            (
                json!([{"name": "x", "from": "soon", "to": "later", "timezone": "UTC"}]),
                "/blackout/0/from",
                "not a date",
            ),
            (json!([{"name": "x", "form": "2026-01-01", "timezone": "UTC"}]), "/blackout/0/form", "unknown key"),
            (json!({"name": "x"}), "/blackout", "must be a list"),
        ];
        for (doc, pointer, words) in cases {
            let e = parse(Some(&doc), "/blackout").unwrap_err();
            assert_eq!(e.pointer, pointer, "{doc}: {e}");
            assert!(e.message.contains(words), "{doc}: {}", e.message);
        }
        assert!(parse(None, "/blackout").unwrap().is_empty());
        assert!(parse(Some(&Value::Null), "/blackout").unwrap().is_empty());
    }

    #[test]
    fn a_local_time_in_the_spring_gap_starts_after_it() {
        let w = parse(
            Some(&json!([{"name": "x", "from": "2026-03-29 02:30", "to": "2026-03-29 04:00", "timezone": "Europe/Paris"}])),
            "/b",
        )
        .unwrap();
        // 02:30 does not exist in Paris that night: the window starts at 03:00 CEST (01:00Z).
        assert!(active_at(&w, at("2026-03-29T00:59:00Z")).is_none());
        assert!(active_at(&w, at("2026-03-29T01:00:00Z")).is_some());
    }
}
