//! Feed dates to UTC: RFC 822/1123 and its common malformations (two-digit years, missing
//! seconds or zone, named zones, full month or day names, stray commas), W3C-DTF / ISO 8601
//! (complete and reduced precision, basic and extended format) and C `asctime`.
//! Returns `None` for anything else rather than guessing.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

/// `2004-02-28T18:14:55Z`: how parsed dates are written in the feed model.
pub fn rfc3339_utc(d: &DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// Parses a feed date, normalised to UTC.
pub fn parse_date(input: &str) -> Option<DateTime<Utc>> {
    let s = input.trim();
    if s.is_empty() || s.len() > 100 {
        return None;
    }
    parse_iso8601(s)
        .or_else(|| parse_rfc822(s))
        .or_else(|| parse_asctime(s))
}

fn month_number(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    let key = lower.get(..3)?;
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    months.iter().position(|m| *m == key).map(|i| i as u32 + 1)
}

/// Offset in seconds east of UTC for a zone name or `+hhmm` / `-hh:mm`.
fn zone_offset(zone: &str) -> Option<i64> {
    let z = zone.trim().trim_matches(|c| c == '(' || c == ')');
    if let Some(sign) = z.chars().next().filter(|c| *c == '+' || *c == '-') {
        let digits: String = z[1..].chars().filter(char::is_ascii_digit).collect();
        let (h, m) = match digits.len() {
            1 | 2 => (digits.parse::<i64>().ok()?, 0),
            3 | 4 => (
                digits[..digits.len() - 2].parse::<i64>().ok()?,
                digits[digits.len() - 2..].parse::<i64>().ok()?,
            ),
            _ => return None,
        };
        if h > 23 || m > 59 {
            return None;
        }
        let secs = h * 3600 + m * 60;
        return Some(if sign == '-' { -secs } else { secs });
    }
    let hours = match z.to_ascii_uppercase().as_str() {
        "" | "Z" | "UT" | "UTC" | "GMT" => 0,
        "EST" => -5,
        "EDT" => -4,
        "CST" => -6,
        "CDT" => -5,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        "AST" => -4,
        "ADT" => -3,
        "BST" => 1,
        "CET" => 1,
        "CEST" => 2,
        "EET" => 2,
        "EEST" => 3,
        "MSK" => 3,
        "IST" => 5,
        "JST" => 9,
        "KST" => 9,
        "HKT" => 8,
        "AEST" => 10,
        "AEDT" => 11,
        "NZST" => 12,
        "ETC/GMT" => 0,
        other if other.len() == 1 => military_zone(other.chars().next()?)?,
        _ => return None,
    };
    Some(hours * 3600)
}

fn military_zone(c: char) -> Option<i64> {
    match c {
        'A'..='I' => Some(-(c as i64 - 'A' as i64 + 1)),
        'K'..='M' => Some(-(c as i64 - 'K' as i64 + 10)),
        'N'..='Y' => Some(c as i64 - 'N' as i64 + 1),
        _ => None,
    }
}

fn build(
    year: i32,
    month: u32,
    day: u32,
    (h, m, s): (u32, u32, u32),
    offset: i64,
) -> Option<DateTime<Utc>> {
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let (h, extra_day) = if h == 24 && m == 0 && s == 0 {
        (0, 1)
    } else {
        (h, 0)
    };
    let time = date.and_hms_opt(h, m, s.min(59))?;
    let utc = Utc.from_utc_datetime(&time) - Duration::seconds(offset) + Duration::days(extra_day);
    Some(utc)
}

fn two_digit_year(year: i32, digits: usize) -> i32 {
    if digits <= 2 {
        if year < 50 { 2000 + year } else { 1900 + year }
    } else {
        year
    }
}

/// `Thu, 01 Jan 2004 19:48:21 GMT` and friends.
fn parse_rfc822(s: &str) -> Option<DateTime<Utc>> {
    let cleaned = s.replace(',', " ");
    let mut parts: Vec<&str> = cleaned.split_whitespace().collect();
    if parts
        .first()
        .is_some_and(|p| p.chars().all(char::is_alphabetic) && month_number(p).is_none())
    {
        parts.remove(0); // day name
    }
    if parts.len() < 3 {
        return None;
    }
    // `01 Jan 2004` or `Jan 01 2004`.
    let (day, month, year) = match (parts[0].parse::<u32>(), month_number(parts[1])) {
        (Ok(d), Some(m)) => (d, m, parts[2]),
        _ => (
            parts[1]
                .trim_end_matches(|c: char| c.is_alphabetic())
                .parse::<u32>()
                .ok()?,
            month_number(parts[0])?,
            parts[2],
        ),
    };
    let year_digits = year.len();
    let year = two_digit_year(year.parse::<i32>().ok()?, year_digits);
    let mut time = (0, 0, 0);
    let mut zone = "";
    if let Some(t) = parts.get(3) {
        let mut fields = t.split(':');
        let h = fields.next()?.parse::<u32>().ok()?;
        let m = fields.next().unwrap_or("0").parse::<u32>().ok()?;
        let sec = fields
            .next()
            .unwrap_or("0")
            .split('.')
            .next()?
            .parse::<u32>()
            .ok()?;
        time = (h, m, sec);
        zone = parts.get(4).copied().unwrap_or("");
    }
    let offset = zone_offset(zone).unwrap_or(0);
    build(year, month, day, time, offset)
}

/// `Sun Jan  4 16:29:06 2004` (optionally with a zone before the year).
fn parse_asctime(s: &str) -> Option<DateTime<Utc>> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    if parts.len() < 5 {
        return None;
    }
    let month = month_number(parts[1])?;
    let day = parts[2].parse::<u32>().ok()?;
    let mut fields = parts[3].split(':');
    let h = fields.next()?.parse().ok()?;
    let m = fields.next()?.parse().ok()?;
    let sec = fields.next().unwrap_or("0").parse().ok()?;
    let (zone, year) = if parts.len() >= 6 {
        (parts[4], parts[5])
    } else {
        ("", parts[4])
    };
    build(
        year.parse().ok()?,
        month,
        day,
        (h, m, sec),
        zone_offset(zone).unwrap_or(0),
    )
}

/// W3C-DTF and ISO 8601: `2003-12-31T10:14:55Z`, `2003-12-31 10:14:55.5+01:00`, `20031231T101455Z`,
/// `2003-12`, `2003`.
fn parse_iso8601(s: &str) -> Option<DateTime<Utc>> {
    let bytes = s.as_bytes();
    if bytes.len() < 4 || !bytes[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (date_part, time_part) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let (year, month, day) = parse_iso_date(date_part)?;
    let Some(time_part) = time_part.filter(|t| !t.is_empty()) else {
        return build(year, month, day, (0, 0, 0), 0);
    };
    let zone_at = time_part
        .find(['Z', 'z', '+', '-'])
        .or_else(|| time_part.find(|c: char| c.is_ascii_alphabetic()));
    let (clock, zone) = match zone_at {
        Some(i) => (&time_part[..i], time_part[i..].trim()),
        None => (time_part, ""),
    };
    let clock = clock.trim();
    let clock = clock.split(['.', ',']).next().unwrap_or(clock);
    let (h, m, sec) = if clock.contains(':') {
        let mut f = clock.split(':');
        (
            f.next()?.parse::<u32>().ok()?,
            f.next().unwrap_or("0").parse::<u32>().ok()?,
            f.next().unwrap_or("0").parse::<u32>().ok()?,
        )
    } else {
        let digits = |r: std::ops::Range<usize>| clock.get(r).and_then(|d| d.parse::<u32>().ok());
        match clock.len() {
            2 => (digits(0..2)?, 0, 0),
            4 => (digits(0..2)?, digits(2..4)?, 0),
            6 => (digits(0..2)?, digits(2..4)?, digits(4..6)?),
            _ => return None,
        }
    };
    let offset = zone_offset(zone)?;
    build(year, month, day, (h, m, sec), offset)
}

fn parse_iso_date(d: &str) -> Option<(i32, u32, u32)> {
    let num = |s: &str| s.parse::<u32>().ok();
    if d.contains('-') {
        let mut f = d.split('-');
        let year = f.next()?.parse::<i32>().ok()?;
        let month = f.next().map_or(Some(1), num)?;
        let day = f.next().map_or(Some(1), num)?;
        if f.next().is_some() {
            return None;
        }
        // `2003-335`: ordinal day.
        if month > 12 && d.len() == 8 {
            let date = NaiveDate::from_yo_opt(year, month)?;
            return Some((
                year,
                date.format("%m").to_string().parse().ok()?,
                date.format("%d").to_string().parse().ok()?,
            ));
        }
        return Some((year, month, day));
    }
    match d.len() {
        4 => Some((d.parse().ok()?, 1, 1)),
        8 => Some((d[..4].parse().ok()?, num(&d[4..6])?, num(&d[6..8])?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> String {
        parse_date(s)
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default()
    }

    #[test]
    fn rfc822_variants() {
        assert_eq!(iso("Thu, 01 Jan 2004 19:48:21 GMT"), "2004-01-01T19:48:21Z");
        assert_eq!(iso("Thu, 01 Jan 04 19:48 EST"), "2004-01-02T00:48:00Z");
        assert_eq!(
            iso("01 January 2004 19:48:21 +0100"),
            "2004-01-01T18:48:21Z"
        );
        assert_eq!(iso("Sat, 07 Sep 2002 00:00:01"), "2002-09-07T00:00:01Z");
    }

    #[test]
    fn iso8601_variants() {
        assert_eq!(iso("2004-04-06T23:05:43-05:00"), "2004-04-07T04:05:43Z");
        assert_eq!(iso("2003-12-31T10:14:55.123Z"), "2003-12-31T10:14:55Z");
        assert_eq!(iso("2003-12"), "2003-12-01T00:00:00Z");
        assert_eq!(iso("20031231T101455Z"), "2003-12-31T10:14:55Z");
        assert_eq!(iso("Sun Jan  4 16:29:06 2004"), "2004-01-04T16:29:06Z");
    }

    #[test]
    fn nonsense_is_none() {
        assert_eq!(iso("yesterday"), "");
        assert_eq!(iso("2004-13-45"), "");
    }
}
