//! Times as staff type them for a window: a date (Jalali `1405/09/03` or Gregorian
//! `2026-11-24`, any digits) and a time of day (`22:00`), in Tehran time.

use chrono::{DateTime, NaiveTime, TimeZone, Utc};

use crate::domain::digits::to_ascii_digits;
use crate::domain::jalali::parse_date;
use crate::sms::quiet::tehran;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a time is a date and a time of day in Tehran time, e.g. 1405/09/03 22:00")]
pub struct TimeError;

/// The moment `date` `time` names in Tehran.
pub fn tehran_time(date: &str, time: &str) -> Result<DateTime<Utc>, TimeError> {
    let date = parse_date(date).map_err(|_| TimeError)?;
    let time = NaiveTime::parse_from_str(&to_ascii_digits(time.trim()), "%H:%M").map_err(|_| TimeError)?;
    let local = tehran()
        .from_local_datetime(&date.and_time(time))
        .single()
        .ok_or(TimeError)?;
    Ok(local.with_timezone(&Utc))
}

/// A moment as staff type it: its Tehran Solar Hijri date and `HH:MM` (what [`tehran_time`]
/// reads back), for a form filled in with a window's times.
pub fn typed_time(at: DateTime<Utc>) -> (String, String) {
    let local = at.with_timezone(&tehran());
    let day = crate::domain::jalali::to_jalali(local.date_naive()).to_string();
    (day, local.format("%H:%M").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jalali_and_gregorian_dates_in_any_digits_are_read_in_tehran_time() {
        // 1405/09/03 is 24 November 2026; 22:00 in Tehran is 18:30 UTC.
        let expected = Utc.with_ymd_and_hms(2026, 11, 24, 18, 30, 0).unwrap();
        assert_eq!(tehran_time("1405/09/03", "22:00"), Ok(expected));
        assert_eq!(tehran_time("۱۴۰۵/۰۹/۰۳", "۲۲:۰۰"), Ok(expected));
        assert_eq!(tehran_time("2026-11-24", "22:00"), Ok(expected));
        for (date, time) in [
            ("1405/13/01", "22:00"),
            ("1405/09/03", "25:00"),
            ("فردا", "22:00"),
            ("1405/09/03", ""),
        ] {
            assert_eq!(tehran_time(date, time), Err(TimeError), "{date} {time}");
        }
    }
}
