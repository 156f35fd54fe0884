//! Quiet hours in Tehran time: when a non-urgent SMS found inside them may go out instead.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};

use super::config::QuietHours;

/// Iran Standard Time. Iran has kept +03:30 all year since it dropped daylight saving in 2022.
pub fn tehran() -> FixedOffset {
    FixedOffset::east_opt(3 * 3600 + 30 * 60).expect("a valid offset")
}

/// The end of the quiet period `now` falls in, or `None` when sending is fine now.
pub fn quiet_until(hours: QuietHours, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = now.with_timezone(&tehran());
    let time = local.time();
    let inside = if hours.start == hours.end {
        // An empty window: no quiet hours.
        false
    } else if hours.start < hours.end {
        hours.start <= time && time < hours.end
    } else {
        // Spans midnight, e.g. 22:00 to 07:00.
        time >= hours.start || time < hours.end
    };
    if !inside {
        return None;
    }
    let mut day = local.date_naive();
    if time >= hours.end {
        day += Duration::days(1);
    }
    let end = tehran()
        .from_local_datetime(&day.and_time(hours.end))
        .single()
        .unwrap_or(local);
    Some(end.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use super::*;

    /// A wall-clock time in Tehran on the day of `now`, as UTC.
    fn at_tehran(now: DateTime<Utc>, time: NaiveTime) -> DateTime<Utc> {
        let day = now.with_timezone(&tehran()).date_naive();
        tehran()
            .from_local_datetime(&day.and_time(time))
            .single()
            .expect("a fixed offset has no gaps")
            .with_timezone(&Utc)
    }

    fn hours() -> QuietHours {
        QuietHours {
            start: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
        }
    }

    fn tehran_time(h: u32, m: u32) -> DateTime<Utc> {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        at_tehran(now, NaiveTime::from_hms_opt(h, m, 0).unwrap())
    }

    #[test]
    fn daytime_is_not_quiet() {
        assert_eq!(quiet_until(hours(), tehran_time(12, 0)), None);
        assert_eq!(quiet_until(hours(), tehran_time(7, 0)), None);
        assert_eq!(quiet_until(hours(), tehran_time(21, 59)), None);
    }

    #[test]
    fn late_evening_waits_for_the_next_morning() {
        let until = quiet_until(hours(), tehran_time(23, 30)).unwrap();
        assert_eq!(until - tehran_time(23, 30), Duration::minutes(7 * 60 + 30));
        assert_eq!(
            until.with_timezone(&tehran()).time(),
            NaiveTime::from_hms_opt(7, 0, 0).unwrap()
        );
    }

    #[test]
    fn early_morning_waits_for_the_same_morning() {
        let until = quiet_until(hours(), tehran_time(3, 0)).unwrap();
        assert_eq!(until, tehran_time(7, 0));
    }

    #[test]
    fn a_window_within_one_day_works_too() {
        let lunch = QuietHours {
            start: NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
        };
        assert_eq!(quiet_until(lunch, tehran_time(13, 30)), Some(tehran_time(14, 0)));
        assert_eq!(quiet_until(lunch, tehran_time(14, 30)), None);
    }
}
