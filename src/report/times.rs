//! Times as a report shows them (`T+hh:mm:ss`, `HH:MM:SS`, ISO 8601),
//! written without `format!` or chrono's formatter: a report of 100,000
//! notes formats some 300,000 times, and those two were a third of its
//! time. Each function gives exactly what the plain formatting gives (the
//! tests compare them).
use crate::timefmt;
use chrono::{DateTime, Datelike, Timelike, Utc};
use std::fmt::{self, Write};

/// `n` with at least two digits, as `{:02}` writes it.
fn two<W: Write + ?Sized>(out: &mut W, n: u64) -> fmt::Result {
    if n < 100 {
        out.write_char(char::from(b'0' + (n / 10) as u8))?;
        out.write_char(char::from(b'0' + (n % 10) as u8))
    } else {
        write!(out, "{n}")
    }
}

/// `T+hh:mm:ss` (negative offsets get a minus sign).
pub fn write_t_plus<W: Write + ?Sized>(out: &mut W, t: f64) -> fmt::Result {
    out.write_str(if t < 0.0 { "T+-" } else { "T+" })?;
    let s = t.abs().floor() as u64;
    two(out, s / 3600)?;
    out.write_char(':')?;
    two(out, (s / 60) % 60)?;
    out.write_char(':')?;
    two(out, s % 60)
}

/// The UTC wall-clock time of an RFC 3339 timestamp as `HH:MM:SS`; `None`
/// when it is not one.
pub fn write_clock<W: Write + ?Sized>(out: &mut W, at: &str) -> Option<fmt::Result> {
    let t = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some(write_hms(out, &t))
}

/// `HH:MM:SS`, a leap second as 60 (as chrono's `%S` shows it).
fn write_hms<W: Write + ?Sized>(out: &mut W, t: &DateTime<Utc>) -> fmt::Result {
    let s = t.second() + u32::from(t.nanosecond() >= 1_000_000_000);
    two(out, u64::from(t.hour()))?;
    out.write_char(':')?;
    two(out, u64::from(t.minute()))?;
    out.write_char(':')?;
    two(out, u64::from(s))
}

/// [`timefmt::iso`]: `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`.
pub fn iso(t: &DateTime<Utc>) -> String {
    let micros = t.timestamp_subsec_micros();
    // Four-digit years and whole seconds only; chrono writes anything else
    // (years with a sign, leap seconds) its own way.
    if !(0..=9999).contains(&t.year()) || micros >= 1_000_000 {
        return timefmt::iso(t);
    }
    let mut s = String::with_capacity(32);
    // Writing into a String cannot fail.
    let _ = write_iso(&mut s, t, micros);
    s
}

fn write_iso<W: Write + ?Sized>(out: &mut W, t: &DateTime<Utc>, micros: u32) -> fmt::Result {
    let y = u64::from(t.year().unsigned_abs());
    two(out, y / 100)?;
    two(out, y % 100)?;
    out.write_char('-')?;
    two(out, u64::from(t.month()))?;
    out.write_char('-')?;
    two(out, u64::from(t.day()))?;
    out.write_char('T')?;
    write_hms(out, t)?;
    if micros != 0 {
        write!(out, ".{micros:06}")?;
    }
    out.write_str("+00:00")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t_plus(t: f64) -> String {
        let mut s = String::new();
        write_t_plus(&mut s, t).unwrap();
        s
    }

    #[test]
    fn t_plus_as_format_writes_it() {
        for t in [0.0, 0.4, 59.99, 3725.9, 359_999.0, 360_000.0, 1e9, -5.0, -0.5, f64::NAN] {
            let sign = if t < 0.0 { "-" } else { "" };
            let s = t.abs().floor() as u64;
            let by_format = format!("T+{sign}{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
            assert_eq!(t_plus(t), by_format, "{t}");
        }
    }

    #[test]
    fn clock_as_chrono_formats_it() {
        for at in [
            "2026-01-01T09:00:00+00:00",
            "2026-01-01T09:00:00.123456+00:00",
            "2026-01-01T23:59:60.5Z",
            "2026-06-30T01:30:00+02:00",
        ] {
            let by_chrono =
                DateTime::parse_from_rfc3339(at).unwrap().with_timezone(&Utc).format("%H:%M:%S").to_string();
            let mut s = String::new();
            write_clock(&mut s, at).unwrap().unwrap();
            assert_eq!(s, by_chrono, "{at}");
        }
        assert!(write_clock(&mut String::new(), "2026-01-01T10:00:00").is_none());
        assert!(write_clock(&mut String::new(), "soon").is_none());
    }

    #[test]
    fn iso_as_timefmt_writes_it() {
        let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_micro_opt(23, 59, 59, 1_500_000))
            .unwrap()
            .and_utc();
        let mut times = vec![
            base,
            base + chrono::Duration::microseconds(42),
            base + chrono::Duration::milliseconds(86_399_999),
            Utc.with_ymd_and_hms(999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).unwrap(),
            leap,
        ];
        times.extend((0..1000).map(|i| base + chrono::Duration::microseconds(i * 7_777_777)));
        for t in times {
            assert_eq!(iso(&t), timefmt::iso(&t), "{t:?}");
        }
    }
}
