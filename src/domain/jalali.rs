//! Dates as Iranians write them: the Solar Hijri (Jalali) calendar, e.g. ۱۴۰۳/۰۷/۱۵. Stored as
//! Gregorian `NaiveDate`; converted with ICU4X's Persian calendar.

use chrono::{Datelike, NaiveDate};
use icu_calendar::{Date, Iso, cal::Persian};

use super::digits::{is_separator, to_ascii_digits};

/// Why a typed date was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a date is year/month/day, e.g. 1403/07/15")]
pub struct DateError;

/// A Jalali year, month and day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JalaliDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// Reads `1403/07/15`, `۱۴۰۳-۷-۱۵` or `1403.7.15` as a Jalali date. A year from 1800 on is read
/// as Gregorian, since no living applicant writes a Jalali year that large.
pub fn parse_date(input: &str) -> Result<NaiveDate, DateError> {
    let ascii = to_ascii_digits(input.trim());
    let parts: Vec<&str> = ascii
        .split(|c: char| matches!(c, '/' | '.' | '٫' | '-') || is_separator(c))
        .filter(|p| !p.is_empty())
        .collect();
    let [year, month, day] = parts[..] else {
        return Err(DateError);
    };
    let (year, month, day): (i32, u8, u8) = (
        year.parse().map_err(|_| DateError)?,
        month.parse().map_err(|_| DateError)?,
        day.parse().map_err(|_| DateError)?,
    );
    if year >= 1800 {
        return NaiveDate::from_ymd_opt(year, month.into(), day.into()).ok_or(DateError);
    }
    if !(1200..1800).contains(&year) {
        return Err(DateError);
    }
    from_jalali(JalaliDate { year, month, day })
}

/// Converts a Jalali date to the Gregorian calendar, refusing days that do not exist.
pub fn from_jalali(date: JalaliDate) -> Result<NaiveDate, DateError> {
    let persian = Date::try_new_persian(date.year, date.month, date.day).map_err(|_| DateError)?;
    // ICU clamps nothing here, but make sure the day survived (e.g. 30 Esfand in a common year).
    if persian.day_of_month().0 != date.day || persian.month().ordinal != date.month {
        return Err(DateError);
    }
    let iso = persian.to_calendar(Iso);
    NaiveDate::from_ymd_opt(
        iso.year().extended_year(),
        iso.month().ordinal.into(),
        iso.day_of_month().0.into(),
    )
    .ok_or(DateError)
}

/// Converts a Gregorian date to Jalali.
pub fn to_jalali(date: NaiveDate) -> JalaliDate {
    let iso = Date::try_new_iso(date.year(), date.month() as u8, date.day() as u8)
        .expect("a chrono date is a valid ISO date");
    let persian = iso.to_calendar(Persian);
    JalaliDate {
        year: persian.year().extended_year(),
        month: persian.month().ordinal,
        day: persian.day_of_month().0,
    }
}

impl std::fmt::Display for JalaliDate {
    /// `1403/07/15`, the way dates are written on Iranian forms.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}/{:02}/{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates_convert() {
        // Nowruz 1403 fell on 20 March 2024; 1401/12/29 is 20 March 2023 (the SLA's end date).
        assert_eq!(
            parse_date("۱۴۰۳/۰۱/۰۱"),
            Ok(NaiveDate::from_ymd_opt(2024, 3, 20).unwrap())
        );
        assert_eq!(
            parse_date("1401-12-29"),
            Ok(NaiveDate::from_ymd_opt(2023, 3, 20).unwrap())
        );
        assert_eq!(
            parse_date("2024-10-06"),
            Ok(NaiveDate::from_ymd_opt(2024, 10, 6).unwrap())
        );
        assert_eq!(
            to_jalali(NaiveDate::from_ymd_opt(2024, 10, 6).unwrap()).to_string(),
            "1403/07/15"
        );
    }

    #[test]
    fn impossible_days_are_refused() {
        for typed in [
            "1403/13/01",
            "1403/07/31",
            "1402/12/30",
            "1403/00/10",
            "hello",
            "1403/07",
            "99/1/1",
        ] {
            assert_eq!(parse_date(typed), Err(DateError), "{typed}");
        }
        assert!(parse_date("1403/12/30").is_ok(), "1403 is a leap year");
    }

    proptest! {
        #[test]
        fn jalali_round_trips(days in 0i64..40_000) {
            let date = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Days::new(days as u64);
            let jalali = to_jalali(date);
            prop_assert_eq!(parse_date(&jalali.to_string()), Ok(date));
        }
    }
}
