//! Dates, timestamps and intervals: as layer files, CQL2 filters, `datetime`
//! parameters and records write them. Instants are milliseconds since
//! 1970-01-01T00:00:00Z.

use chrono::{DateTime, NaiveDate};

/// Milliseconds since 1970-01-01T00:00:00Z of a `YYYY-MM-DD` date (its start).
pub fn parse_date(s: &str) -> Option<i64> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// Milliseconds since 1970-01-01T00:00:00Z of an RFC 3339 timestamp.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// An RFC 3339 timestamp, else a date (its start).
pub fn parse_instant(s: &str) -> Option<i64> {
    parse_timestamp(s).or_else(|| parse_date(s))
}

/// A closed time interval; `None` ends are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

/// Why a `datetime` value was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("'{0}' is not an RFC 3339 date, timestamp or interval (start/end, '..' for an open end)")]
pub struct BadDatetime(pub String);

impl Interval {
    /// Parses `datetime`: an instant, or `start/end` with `..` or empty for an open end.
    pub fn parse(s: &str) -> Result<Interval, BadDatetime> {
        let bad = || BadDatetime(s.to_string());
        let end_of = |t: &str| -> Result<Option<i64>, BadDatetime> {
            match t {
                ".." | "" => Ok(None),
                // A date as the end of an interval means the whole day.
                t => match parse_date(t) {
                    Some(ms) => Ok(Some(ms + 86_400_000 - 1)),
                    None => parse_timestamp(t).map(Some).ok_or_else(bad),
                },
            }
        };
        let start_of = |t: &str| -> Result<Option<i64>, BadDatetime> {
            match t {
                ".." | "" => Ok(None),
                t => parse_instant(t).map(Some).ok_or_else(bad),
            }
        };
        let interval = match s.split_once('/') {
            Some((a, b)) => {
                if (a == ".." || a.is_empty()) && (b == ".." || b.is_empty()) {
                    return Err(bad());
                }
                Interval {
                    start: start_of(a)?,
                    end: end_of(b)?,
                }
            }
            None => Interval {
                start: start_of(s)?,
                end: end_of(s)?,
            },
        };
        if let (Some(a), Some(b)) = (interval.start, interval.end)
            && a > b
        {
            return Err(bad());
        }
        if interval.start.is_none() && interval.end.is_none() {
            return Err(bad());
        }
        Ok(interval)
    }

    pub fn meets(&self, other: &Interval) -> bool {
        let starts_before_end = match (self.start, other.end) {
            (Some(s), Some(e)) => s <= e,
            _ => true,
        };
        let ends_after_start = match (self.end, other.start) {
            (Some(e), Some(s)) => e >= s,
            _ => true,
        };
        starts_before_end && ends_after_start
    }
}

/// A `YYYY-MM-DD` date, written back the same way; `None` if it is not one.
pub fn checked_date(text: &str) -> Option<String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// Milliseconds the clock is set ahead of the system clock (0 unless a test
/// server was started with the hidden `serve --clock-start`).
static CLOCK_AHEAD_MS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Sets the clock so that it reads `start` now and runs on from there, for
/// the tests of scheduled revisions (a test cannot wait for midnight). The
/// service never calls it unless asked on the command line.
pub fn start_clock_at(start: &str) -> Option<()> {
    let start = parse_timestamp(start)?;
    let system = system_clock().timestamp_millis();
    CLOCK_AHEAD_MS.store(start - system, std::sync::atomic::Ordering::Relaxed);
    Some(())
}

fn system_clock() -> DateTime<chrono::Utc> {
    DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
}

fn clock() -> DateTime<chrono::Utc> {
    let ahead = CLOCK_AHEAD_MS.load(std::sync::atomic::Ordering::Relaxed);
    system_clock() + chrono::TimeDelta::milliseconds(ahead)
}

/// Now, in milliseconds since 1970-01-01T00:00:00Z (the clock [`now`] reads).
pub fn now_ms() -> i64 {
    clock().timestamp_millis()
}

/// An instant (milliseconds since the epoch) as RFC 3339 UTC with
/// milliseconds, as [`now`] writes it; `None` outside chrono's range.
pub fn timestamp(ms: i64) -> Option<String> {
    DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// Now, as RFC 3339 UTC with milliseconds.
pub fn now() -> String {
    clock().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The time zone plan dates are in: China Standard Time, UTC+8, the zone
/// the plans are adopted and adjusted in. An effective date 2027-01-01 comes
/// into force at 2027-01-01T00:00:00+08:00 (2026-12-31T16:00:00Z).
pub fn plan_zone() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Today's date in China Standard Time (UTC+8), `YYYY-MM-DD`: the day
/// effective dates and `as_of` are compared with.
pub fn today() -> String {
    clock()
        .with_timezone(&plan_zone())
        .format("%Y-%m-%d")
        .to_string()
}
