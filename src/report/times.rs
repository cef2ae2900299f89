//! Times as a report shows them (`T+hh:mm:ss`, `HH:MM:SS`, ISO 8601),
//! written without `format!` or chrono's formatter: a report of 100,000
//! notes formats some 300,000 times, and those two were a third of its
//! time. Each function gives exactly what the plain formatting gives (the
//! tests compare them).
use crate::timefmt;
use chrono::{DateTime, Datelike, Timelike, Utc};
use std::fmt::{self, Write};

/// A few ASCII characters built on the stack and written out in one call
/// (each write into a report goes through a few layers of writers).
struct Small {
    b: [u8; 48],
    n: usize,
}

impl Small {
    fn new() -> Self {
        Self { b: [0; 48], n: 0 }
    }

    fn push(&mut self, s: &str) {
        for &c in s.as_bytes() {
            if let Some(slot) = self.b.get_mut(self.n) {
                *slot = c;
                self.n += 1;
            }
        }
    }

    /// `n` with at least `width` digits, as `{:0width$}` writes it.
    fn num(&mut self, mut n: u64, width: usize) {
        let mut digits = [b'0'; 20];
        let mut len = 0;
        while n > 0 || len < width.max(1) {
            if let Some(d) = digits.get_mut(len) {
                *d = b'0' + (n % 10) as u8;
            }
            n /= 10;
            len += 1;
        }
        for &d in digits[..len.min(20)].iter().rev() {
            if let Some(slot) = self.b.get_mut(self.n) {
                *slot = d;
                self.n += 1;
            }
        }
    }

    fn write_to<W: Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
        out.write_str(std::str::from_utf8(&self.b[..self.n]).map_err(|_| fmt::Error)?)
    }
}

/// `T+hh:mm:ss` (negative offsets get a minus sign).
pub fn write_t_plus<W: Write + ?Sized>(out: &mut W, t: f64) -> fmt::Result {
    let mut b = Small::new();
    b.push(if t < 0.0 { "T+-" } else { "T+" });
    let s = t.abs().floor() as u64;
    b.num(s / 3600, 2);
    b.push(":");
    b.num((s / 60) % 60, 2);
    b.push(":");
    b.num(s % 60, 2);
    b.write_to(out)
}

/// The UTC wall-clock time of an RFC 3339 timestamp as `HH:MM:SS`; `None`
/// when it is not one.
pub fn write_clock<W: Write + ?Sized>(out: &mut W, at: &str) -> Option<fmt::Result> {
    let t = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    let mut b = Small::new();
    hms(&mut b, &t);
    Some(b.write_to(out))
}

/// `HH:MM:SS`, a leap second as 60 (as chrono's `%S` shows it).
fn hms(b: &mut Small, t: &DateTime<Utc>) {
    let s = t.second() + u32::from(t.nanosecond() >= 1_000_000_000);
    b.num(u64::from(t.hour()), 2);
    b.push(":");
    b.num(u64::from(t.minute()), 2);
    b.push(":");
    b.num(u64::from(s), 2);
}

/// [`timefmt::iso`]: `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`.
pub fn iso(t: &DateTime<Utc>) -> String {
    let micros = t.timestamp_subsec_micros();
    // Four-digit years and whole seconds only; chrono writes anything else
    // (years with a sign, leap seconds) its own way.
    if !(0..=9999).contains(&t.year()) || micros >= 1_000_000 {
        return timefmt::iso(t);
    }
    let mut b = Small::new();
    b.num(u64::from(t.year().unsigned_abs()), 4);
    b.push("-");
    b.num(u64::from(t.month()), 2);
    b.push("-");
    b.num(u64::from(t.day()), 2);
    b.push("T");
    hms(&mut b, t);
    if micros != 0 {
        b.push(".");
        b.num(u64::from(micros), 6);
    }
    b.push("+00:00");
    let mut s = String::with_capacity(b.n);
    // Writing into a String cannot fail.
    let _ = b.write_to(&mut s);
    s
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
        for t in [0.0, 0.4, 59.99, 3725.9, 359_999.0, 360_000.0, 1e9, 1e30, -5.0, -0.5, f64::NAN] {
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
