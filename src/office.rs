//! Office time: the days and hours the directorate works, which is what the SLA clock counts.
//! Government offices close on Fridays (most on Thursdays too), for Nowruz and the other fixed
//! Solar Hijri holidays, for about ten lunar holidays that move every year, and on closure days
//! announced at short notice (heat, pollution, energy saving, mourning). A stage's target is
//! that many hours of office time, so a request does not turn overdue over a long weekend.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use serde::Deserialize;

use crate::domain::jalali::{self, JalaliDate};
use crate::notify::kind::NoticeKind;
use crate::sms::quiet::tehran;

/// How far the clock looks for office time before it gives up: a calendar with no office day
/// in a year is a mistake in the configuration, refused at start; this only bounds the walk.
const MAX_DAYS_WALKED: i64 = 3 * 366;

/// `[office]` in bot.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeConfig {
    /// Weekly days off, in English ("thursday", "friday").
    #[serde(default = "default_days_off")]
    pub days_off: Vec<Weekday>,
    /// Office hours in Tehran time, "07:30" to "14:30".
    #[serde(default = "default_opens")]
    pub opens: NaiveTime,
    #[serde(default = "default_closes")]
    pub closes: NaiveTime,
    /// Holidays on the same Solar Hijri day every year, as "MM/DD" (Nowruz is "01/01".."01/04").
    #[serde(default = "default_yearly_holidays")]
    pub yearly_holidays: Vec<String>,
    /// Holidays of one year, as Solar Hijri dates "YYYY/MM/DD": the lunar ones, which move.
    #[serde(default)]
    pub holidays: Vec<String>,
}

fn default_days_off() -> Vec<Weekday> {
    vec![Weekday::Thu, Weekday::Fri]
}

fn default_opens() -> NaiveTime {
    NaiveTime::from_hms_opt(7, 30, 0).expect("a valid time")
}

fn default_closes() -> NaiveTime {
    NaiveTime::from_hms_opt(14, 30, 0).expect("a valid time")
}

fn default_yearly_holidays() -> Vec<String> {
    [
        "01/01", "01/02", "01/03", "01/04", "01/12", "01/13", "03/14", "03/15", "11/22", "12/29",
    ]
    .map(str::to_owned)
    .to_vec()
}

impl Default for OfficeConfig {
    fn default() -> Self {
        Self {
            days_off: default_days_off(),
            opens: default_opens(),
            closes: default_closes(),
            yearly_holidays: default_yearly_holidays(),
            holidays: Vec::new(),
        }
    }
}

/// Why an `[office]` section was refused.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("[office] opens at {opens} but closes at {closes}: the office must open before it closes")]
    Hours { opens: NaiveTime, closes: NaiveTime },
    #[error("[office] days_off leaves no working day in the week")]
    NoWorkingDay,
    #[error("[office] yearly_holidays: {0:?} is not a Solar Hijri month/day such as \"01/01\"")]
    YearlyHoliday(String),
    #[error("[office] holidays: {0:?} is not a Solar Hijri date such as \"1405/03/14\"")]
    Holiday(String),
}

/// The office calendar as configured, with the closure days staff declared, for `now`.
pub async fn calendar(
    conn: &mut sqlx::PgConnection,
    config: &OfficeConfig,
    now: DateTime<Utc>,
) -> anyhow::Result<OfficeCalendar> {
    // Closures older than this cannot matter to a stay the clock still measures.
    let from = local_date(now) - Duration::days(MAX_DAYS_WALKED);
    let closures = crate::store::closures::since(conn, from).await?;
    Ok(OfficeCalendar::new(config)?.with_closures(closures.into_iter().map(|c| c.day)))
}

/// Why a closure day was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClosureError {
    #[error("the day: {0:?} is not a Solar Hijri date such as \"1405/09/12\"")]
    Day(String),
    #[error("the day {0} is more than a month past or a year ahead")]
    OutOfRange(String),
    #[error("the reason: {0}")]
    Reason(crate::domain::text::TextError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A declared closure day; `new` is false when the day was declared closed before.
#[derive(Debug, Clone)]
pub struct Closure {
    pub day: NaiveDate,
    pub new: bool,
}

/// The longest reason a closure day takes.
pub const MAX_CLOSURE_REASON: usize = 500;

/// The kind of the notice that tells applicants with open requests of a closure.
pub const CLOSURE_KIND: NoticeKind = NoticeKind::Closure;

/// Declares `day` (a Solar Hijri date as staff type it) closed, audited: the SLA clock counts
/// none of it. A day may be declared up to a month late (a closure found out after the fact)
/// and up to a year ahead; a day not yet past is announced to every applicant with an open
/// request, since their requests wait a day longer.
pub async fn declare_closure(
    tx: &mut crate::store::Tx<'_>,
    catalog: &crate::domain::Catalog,
    day: &str,
    reason: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Closure, ClosureError> {
    let date = parse_solar_hijri(day).ok_or_else(|| ClosureError::Day(day.to_owned()))?;
    let today = local_date(now);
    if date < today - Duration::days(31) || date > today + Duration::days(366) {
        return Err(ClosureError::OutOfRange(jalali::to_jalali(date).to_string()));
    }
    let reason = crate::domain::text::visible_within(reason, MAX_CLOSURE_REASON).map_err(ClosureError::Reason)?;
    let new = crate::store::closures::declare(tx, date, reason, by)
        .await
        .map_err(anyhow::Error::from)?;
    if new {
        // A closure's reason is the office's, not an applicant's: kept in the clear.
        let detail = serde_json::json!({ "day": jalali::to_jalali(date).to_string(), "reason": reason });
        crate::store::audit::record(tx, by, "closure.declare", &format!("closure:{date}"), detail)
            .await
            .map_err(anyhow::Error::from)?;
        if date >= today {
            tell_waiting_applicants(tx, catalog, date, reason).await?;
        }
    }
    Ok(Closure { day: date, new })
}

/// Queues the closure's notice to everyone with a request still open.
async fn tell_waiting_applicants(
    tx: &mut crate::store::Tx<'_>,
    catalog: &crate::domain::Catalog,
    day: NaiveDate,
    reason: &str,
) -> anyhow::Result<u64> {
    let (services, stages) = crate::sla::closed_stages(catalog);
    let waiting = crate::store::requests::owners_of_open(tx, &services, &stages).await?;
    let message = crate::i18n::Msg::new(crate::conversation::messages::NOTICE_CLOSURE)
        .arg("day", crate::i18n::Arg::Date(day))
        .arg("reason", crate::i18n::Arg::Text(reason.to_owned()));
    let event = format!("closure:{day}");
    let fanout = crate::store::outbox::Fanout {
        event: &event,
        kind: CLOSURE_KIND,
        subject: &event,
        message: &message,
    };
    Ok(crate::store::outbox::enqueue_many(tx, fanout, &waiting).await?)
}

/// The office calendar, with the closure days staff declared.
#[derive(Debug, Clone)]
pub struct OfficeCalendar {
    days_off: Vec<Weekday>,
    opens: NaiveTime,
    closes: NaiveTime,
    yearly: Vec<(u8, u8)>,
    holidays: BTreeSet<NaiveDate>,
}

impl OfficeCalendar {
    pub fn new(config: &OfficeConfig) -> Result<Self, CalendarError> {
        if config.opens >= config.closes {
            return Err(CalendarError::Hours {
                opens: config.opens,
                closes: config.closes,
            });
        }
        let days_off: BTreeSet<u32> = config.days_off.iter().map(Weekday::num_days_from_monday).collect();
        if days_off.len() >= 7 {
            return Err(CalendarError::NoWorkingDay);
        }
        let yearly = config
            .yearly_holidays
            .iter()
            .map(|text| parse_month_day(text).ok_or_else(|| CalendarError::YearlyHoliday(text.clone())))
            .collect::<Result<_, _>>()?;
        let holidays = config
            .holidays
            .iter()
            .map(|text| parse_solar_hijri(text).ok_or_else(|| CalendarError::Holiday(text.clone())))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            days_off: config.days_off.clone(),
            opens: config.opens,
            closes: config.closes,
            yearly,
            holidays,
        })
    }

    /// The calendar with these closure days (Tehran dates) added.
    pub fn with_closures(mut self, days: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.holidays.extend(days);
        self
    }

    /// Whether the office works on `day` (a Tehran date).
    pub fn is_office_day(&self, day: NaiveDate) -> bool {
        use chrono::Datelike as _;
        if self.days_off.contains(&day.weekday()) || self.holidays.contains(&day) {
            return false;
        }
        let JalaliDate { month, day: dom, .. } = jalali::to_jalali(day);
        !self.yearly.contains(&(month, dom))
    }

    /// Office time between two instants (none when `to` is not after `from`).
    pub fn office_time(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let mut total = Duration::zero();
        if to <= from {
            return total;
        }
        let mut day = local_date(from);
        let last = local_date(to);
        while day <= last {
            if let Some((open, close)) = self.window(day) {
                let start = open.max(from);
                let end = close.min(to);
                if end > start {
                    total += end - start;
                }
            }
            day = day.succ_opt().expect("dates far from chrono's limits");
        }
        total
    }

    /// The latest instant from which `hours` of office time have passed by `now`: a request
    /// that entered its stage before it is past a target of `hours`.
    pub fn start_of_last(&self, now: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        let mut left = Duration::hours(i64::from(hours));
        if left.is_zero() {
            return now;
        }
        let mut day = local_date(now);
        for _ in 0..MAX_DAYS_WALKED {
            if let Some((open, close)) = self.window(day) {
                let end = close.min(now);
                if end > open {
                    let worked = end - open;
                    if worked >= left {
                        return end - left;
                    }
                    left -= worked;
                }
            }
            day = day.pred_opt().expect("dates far from chrono's limits");
        }
        now - Duration::days(MAX_DAYS_WALKED)
    }

    /// The moment `hours` of office time after `from` end: a stage's deadline.
    pub fn deadline(&self, from: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        let mut left = Duration::hours(i64::from(hours));
        let mut day = local_date(from);
        for _ in 0..MAX_DAYS_WALKED {
            if let Some((open, close)) = self.window(day) {
                let start = open.max(from);
                if close > start {
                    let available = close - start;
                    if available >= left {
                        return start + left;
                    }
                    left -= available;
                }
            }
            day = day.succ_opt().expect("dates far from chrono's limits");
        }
        from + Duration::days(MAX_DAYS_WALKED)
    }

    /// The office's hours on `day`, as instants; `None` on a day off.
    fn window(&self, day: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.is_office_day(day) {
            return None;
        }
        let at = |time: NaiveTime| {
            day.and_time(time)
                .and_local_timezone(tehran())
                .single()
                .map(|t| t.with_timezone(&Utc))
        };
        Some((at(self.opens)?, at(self.closes)?))
    }
}

/// When the Tehran day `day` begins.
pub fn day_starts(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN)
        .and_local_timezone(tehran())
        .single()
        .map_or_else(|| day.and_time(NaiveTime::MIN).and_utc(), |t| t.with_timezone(&Utc))
}

/// The Tehran date of `at`.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tehran()).date_naive()
}

/// A Solar Hijri date ("1405/03/14"); a Gregorian one is refused rather than read as such,
/// since the calendar is written the way the government publishes it.
fn parse_solar_hijri(text: &str) -> Option<NaiveDate> {
    let ascii = crate::domain::digits::to_ascii_digits(text.trim());
    let year: i32 = ascii.split(['/', '-', '.']).next()?.parse().ok()?;
    if year >= 1800 {
        return None;
    }
    jalali::parse_date(&ascii).ok()
}

/// "01/13" (or "۰۱/۱۳") as month 1, day 13, when such a day exists in some year.
fn parse_month_day(text: &str) -> Option<(u8, u8)> {
    let ascii = crate::domain::digits::to_ascii_digits(text.trim());
    let (month, day) = ascii.split_once('/')?;
    let (month, day): (u8, u8) = (month.parse().ok()?, day.parse().ok()?);
    let longest = match month {
        1..=6 => 31,
        // Esfand has 30 days in a leap year only; its 30th is still a valid yearly date.
        7..=12 => 30,
        _ => return None,
    };
    (1..=longest).contains(&day).then_some((month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped calendar: Thursday and Friday off, 07:30-14:30, the fixed holidays, and
    /// one lunar holiday of 1405 (Tasua, 1405/04/03).
    fn calendar() -> OfficeCalendar {
        let config = OfficeConfig {
            holidays: vec!["1405/04/03".into()],
            ..OfficeConfig::default()
        };
        OfficeCalendar::new(&config).unwrap()
    }

    /// A Tehran wall-clock time as an instant.
    fn tehran_at(date: &str, time: &str) -> DateTime<Utc> {
        let day = jalali::parse_date(date).unwrap();
        let time = NaiveTime::parse_from_str(time, "%H:%M").unwrap();
        day.and_time(time)
            .and_local_timezone(tehran())
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn nowruz_is_not_office_time() {
        let c = calendar();
        // 1404/12/27 is a Wednesday; 28-29 Esfand are Thursday and Friday (29 is also a
        // holiday), then 1-4 Farvardin, Thursday 6, Friday 7 ... 12 and 13 Farvardin.
        let wednesday = tehran_at("1404/12/27", "14:00");
        let after = tehran_at("1405/01/05", "08:30");
        assert_eq!(c.office_time(wednesday, after), Duration::minutes(90));
        for day in [
            "1405/01/01",
            "1405/01/02",
            "1405/01/03",
            "1405/01/04",
            "1405/01/12",
            "1405/01/13",
        ] {
            assert!(!c.is_office_day(jalali::parse_date(day).unwrap()), "{day}");
        }
        assert!(c.is_office_day(jalali::parse_date("1405/01/05").unwrap()));
    }

    #[test]
    fn a_thursday_friday_weekend_stops_the_clock() {
        let c = calendar();
        // 1405/09/11 is a Wednesday (2026-12-02).
        let wednesday = tehran_at("1405/09/11", "13:30");
        let saturday = tehran_at("1405/09/14", "08:30");
        assert_eq!(c.office_time(wednesday, saturday), Duration::hours(2));
        // Two office hours after Wednesday 13:30 end on Saturday at 08:30.
        assert_eq!(c.deadline(wednesday, 2), saturday);
        assert_eq!(c.start_of_last(saturday, 2), wednesday);
    }

    #[test]
    fn a_lunar_holiday_and_a_closure_day_are_days_off() {
        // Tasua 1405/04/03 is a Wednesday; the Tuesday before is declared closed.
        let c = calendar().with_closures([jalali::parse_date("1405/04/02").unwrap()]);
        let monday = tehran_at("1405/04/01", "14:30");
        let saturday = tehran_at("1405/04/06", "07:30");
        assert_eq!(c.office_time(monday, saturday), Duration::zero());
        assert_eq!(c.deadline(monday, 1), tehran_at("1405/04/06", "08:30"));
        // Without them, the same span holds two working days.
        let plain = OfficeCalendar::new(&OfficeConfig::default()).unwrap();
        assert_eq!(plain.office_time(monday, saturday), Duration::hours(14));
    }

    #[test]
    fn outside_hours_counts_nothing_and_deadlines_start_at_opening() {
        let c = calendar();
        let evening = tehran_at("1405/09/15", "20:00");
        let next_morning = tehran_at("1405/09/16", "07:30");
        assert_eq!(c.office_time(evening, next_morning), Duration::zero());
        assert_eq!(c.deadline(evening, 3), tehran_at("1405/09/16", "10:30"));
        assert_eq!(c.start_of_last(tehran_at("1405/09/16", "10:30"), 3), next_morning);
        // Deadline and start_of_last undo each other from a moment of office time.
        let from = tehran_at("1405/09/15", "11:10");
        for hours in [1, 7, 8, 48, 240] {
            let due = c.deadline(from, hours);
            assert_eq!(c.office_time(from, due), Duration::hours(hours.into()), "{hours}");
            assert_eq!(c.start_of_last(due, hours), from, "{hours}");
        }
    }

    #[test]
    fn a_calendar_that_never_works_or_has_a_bad_day_is_refused() {
        let never = OfficeConfig {
            days_off: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat,
                Weekday::Sun,
            ],
            ..OfficeConfig::default()
        };
        assert!(matches!(OfficeCalendar::new(&never), Err(CalendarError::NoWorkingDay)));
        let bad_day = OfficeConfig {
            yearly_holidays: vec!["13/01".into()],
            ..OfficeConfig::default()
        };
        assert!(matches!(
            OfficeCalendar::new(&bad_day),
            Err(CalendarError::YearlyHoliday(_))
        ));
        let gregorian = OfficeConfig {
            holidays: vec!["2026-06-24".into()],
            ..OfficeConfig::default()
        };
        assert!(matches!(
            OfficeCalendar::new(&gregorian),
            Err(CalendarError::Holiday(_))
        ));
    }
}
