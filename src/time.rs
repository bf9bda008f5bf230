//! Times: [`Timestamp`], a moment in UTC to the second, parsed once from text and compared as a
//! number. Written as RFC 3339 in UTC (`2026-11-23T10:30:00Z`) in every file, so files read the
//! same everywhere; a date alone (`2026-04-01`) is accepted where people type times, as its
//! midnight.
//!
//! The clock is never read here: the CLI reads it (or `SOURCE_DATE_EPOCH`) and passes the time in.

/// A moment in UTC, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// From seconds since 1970-01-01 UTC.
    pub fn from_unix(seconds: i64) -> Timestamp {
        Timestamp(seconds)
    }

    /// Seconds since 1970-01-01 UTC.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// Reads a UTC time (`2026-04-01T09:00:00Z`) or a date (`2026-04-01`, its midnight), as
    /// people type them; `None` for anything else.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let full = normalise(text)?;
        Timestamp::parse_exact(&full)
    }

    /// Reads exactly the form countersign writes (`2026-04-01T09:00:00Z`), as files hold it:
    /// what is read is written back byte for byte.
    pub fn parse_exact(text: &str) -> Option<Timestamp> {
        // Read in place, field by field: registers and keyrings hold a time per record.
        let b = text.as_bytes();
        if b.len() != 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
            return None;
        }
        let (y, m, d) = parse_date(text.get(..10)?)?;
        let two = |at: usize| {
            let (tens, units) = (b[at], b[at + 1]);
            (tens.is_ascii_digit() && units.is_ascii_digit())
                .then(|| i64::from(tens - b'0') * 10 + i64::from(units - b'0'))
        };
        let (h, min, sec) = (two(11)?, two(14)?, two(17)?);
        if h >= 24 || min >= 60 || sec >= 60 {
            return None;
        }
        let day = days_from_civil(i64::from(y), i64::from(m), i64::from(d));
        Some(Timestamp(day * 86_400 + h * 3600 + min * 60 + sec))
    }

    /// The time as countersign writes it, without allocating; `None` for a year outside
    /// 0000 to 9999, which only [`format_unix`] writes.
    fn written(self) -> Option<[u8; 20]> {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        if !(0..=9999).contains(&y) {
            return None;
        }
        let mut out = *b"0000-00-00T00:00:00Z";
        let mut put = |at: usize, value: i64, width: usize| {
            let mut value = value;
            for i in (at..at + width).rev() {
                out[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, y, 4);
        put(5, i64::from(m), 2);
        put(8, i64::from(d), 2);
        put(11, secs / 3600, 2);
        put(14, secs % 3600 / 60, 2);
        put(17, secs % 60, 2);
        Some(out)
    }

    /// The day, `YYYY-MM-DD`.
    pub fn date(self) -> String {
        let text = self.to_string();
        text.get(..10).unwrap_or(&text).to_string()
    }

    /// Whole days since 1970-01-01.
    pub fn days(self) -> i64 {
        self.0.div_euclid(86_400)
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.written() {
            Some(text) => f.write_str(std::str::from_utf8(&text).map_err(|_| std::fmt::Error)?),
            None => f.write_str(&format_unix(self.0)),
        }
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Written from a stack buffer: replaying a keyring serialises a time or two per change.
        match self.written() {
            Some(text) => serializer
                .serialize_str(std::str::from_utf8(&text).map_err(serde::ser::Error::custom)?),
            None => serializer.collect_str(self),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor rather than a String: registers and keyrings hold a time per record, and
        // reading one should not allocate.
        struct Time;
        impl serde::de::Visitor<'_> for Time {
            type Value = Timestamp;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a UTC time written YYYY-MM-DDTHH:MM:SSZ")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
                Timestamp::parse_exact(text).ok_or_else(|| {
                    E::custom(format!(
                        "'{}' is not a UTC time written YYYY-MM-DDTHH:MM:SSZ",
                        text.chars()
                            .filter(|c| !c.is_control())
                            .take(40)
                            .collect::<String>()
                    ))
                })
            }
        }
        deserializer.deserialize_str(Time)
    }
}

/// Formats seconds since 1970-01-01 UTC.
pub fn format_unix(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (or the date part of a timestamp).
pub fn days(text: &str) -> Option<i64> {
    let (y, m, d) = parse_date(text)?;
    Some(days_from_civil(i64::from(y), i64::from(m), i64::from(d)))
}

/// Days since 1970-01-01 of a calendar date, after Howard Hinnant's algorithm.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Normalises a date (`2026-04-01`) or a UTC timestamp (`2026-04-01T09:00:00Z`) to the full
/// timestamp form; `None` if it is neither.
pub fn normalise(text: &str) -> Option<String> {
    let (date, time) = match text.split_once('T') {
        Some((d, t)) => (d, t),
        None => (text, "00:00:00Z"),
    };
    parse_date(date)?;
    let t = time.strip_suffix('Z')?.as_bytes();
    let ok = t.len() == 8
        && t[2] == b':'
        && t[5] == b':'
        && [0, 1, 3, 4, 6, 7].iter().all(|&i| t[i].is_ascii_digit())
        && (t[0] - b'0') * 10 + (t[1] - b'0') < 24
        && (t[3] - b'0') * 10 + (t[4] - b'0') < 60
        && (t[6] - b'0') * 10 + (t[7] - b'0') < 60;
    ok.then(|| format!("{date}T{time}"))
}

/// The months, as people write them.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A day in words, as people write it: `12 May 2026` (for a date or a timestamp).
pub fn long_date(text: &str) -> String {
    match parse_date(text) {
        Some((y, m, d)) => format!(
            "{d} {} {y}",
            MONTHS.get((m as usize).wrapping_sub(1)).unwrap_or(&"")
        ),
        None => text.chars().filter(|c| !c.is_control()).take(40).collect(),
    }
}

/// Parses a `YYYY-MM-DD` date (a time after `T` is ignored), checking that the day exists.
/// Returns (year, month, day).
pub fn parse_date(text: &str) -> Option<(u32, u32, u32)> {
    let date = text.split_once('T').map_or(text, |(d, _)| d);
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &str| {
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse::<u32>().ok()
        } else {
            None
        }
    };
    let (y, m, d) = (num(&date[0..4])?, num(&date[5..7])?, num(&date[8..10])?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&d).then_some((y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_once_compare_as_numbers_and_round_trip() {
        let t = Timestamp::parse("2026-11-23T12:00:00Z").unwrap();
        assert_eq!(t.unix(), 1_795_435_200);
        assert_eq!(t.to_string(), "2026-11-23T12:00:00Z");
        assert_eq!(
            Timestamp::parse("2026-11-23").unwrap().to_string(),
            "2026-11-23T00:00:00Z"
        );
        assert!(Timestamp::parse("2026-11-23").unwrap() < t);
        assert_eq!(Timestamp::parse_exact("2026-11-23"), None);
        assert_eq!(Timestamp::parse_exact("2026-11-23T12:00:00+00:00"), None);
        assert_eq!(Timestamp::parse("1999-12-31T23:59:60Z"), None);
        assert_eq!(t.date(), "2026-11-23");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-11-23T12:00:00Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        assert!(serde_json::from_str::<Timestamp>("\"2026-11-23\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("\"\u{e9}\u{e9}\"").is_err());
    }

    #[test]
    fn formats_and_normalises() {
        assert_eq!(format_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix(1_795_435_200), "2026-11-23T12:00:00Z");
        assert_eq!(format_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(
            normalise("2026-04-01").as_deref(),
            Some("2026-04-01T00:00:00Z")
        );
        assert_eq!(
            normalise("2026-04-01T09:30:05Z").as_deref(),
            Some("2026-04-01T09:30:05Z")
        );
        assert_eq!(normalise("2026-04-01T25:00:00Z"), None);
        assert_eq!(normalise("2026-04-01T09:30:05+01:00"), None);
        assert_eq!(normalise("yesterday"), None);
        assert_eq!(days("1970-01-01"), Some(0));
        assert_eq!(days("2026-11-23T12:00:00Z"), Some(1_795_435_200 / 86_400));
        assert_eq!(days("2000-03-01").unwrap() - days("2000-02-28").unwrap(), 2);
    }

    #[test]
    fn fast_reading_and_writing_agree_with_the_calendar_rules() {
        // The rules the fast paths replace: a valid calendar date, hours, minutes and seconds
        // in range, and nothing else.
        let by_the_rules = |text: &str| {
            (text.len() == 20 && normalise(text).as_deref() == Some(text))
                .then(|| {
                    let number = |r: std::ops::Range<usize>| text[r].parse::<i64>().ok();
                    let (h, m, s) = (number(11..13)?, number(14..16)?, number(17..19)?);
                    Some(days(text)? * 86_400 + h * 3600 + m * 60 + s)
                })
                .flatten()
        };
        // Every day from 1899 to 2101 (leap years and centuries) at a varying time of day.
        let start = days("1899-01-01").unwrap() * 86_400;
        for day in 0..(203 * 366) {
            let seconds = start + day * 86_400 + (day * 7_919) % 86_400;
            let written = Timestamp::from_unix(seconds).to_string();
            assert_eq!(written, format_unix(seconds));
            assert_eq!(
                Timestamp::parse_exact(&written).map(Timestamp::unix),
                Some(seconds)
            );
            assert_eq!(by_the_rules(&written), Some(seconds));
        }
        for text in [
            "2026-02-29T00:00:00Z",
            "2024-02-29T23:59:59Z",
            "2026-13-01T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-04-01T24:00:00Z",
            "2026-04-01T09:60:00Z",
            "2026-04-01T09:00:60Z",
            "2026-04-01T9:00:000Z",
            "2026-04-01 09:00:00Z",
            "2026-04-01T09:00:00z",
            "+026-04-01T09:00:00Z",
            "2026-04-01T-9:00:00Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2026-04-01T09:00:0\u{e9}",
        ] {
            assert_eq!(
                Timestamp::parse_exact(text).map(Timestamp::unix),
                by_the_rules(text),
                "{text}"
            );
        }
        // Years countersign cannot read back are still written, the long way.
        let far = Timestamp::from_unix(400_000_000_000);
        assert_eq!(far.to_string(), format_unix(far.unix()));
        assert_eq!(
            serde_json::to_string(&far).unwrap(),
            format!("\"{}\"", format_unix(far.unix()))
        );
    }
}
