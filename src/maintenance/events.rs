//! Which notices a maintenance window calls for at a given moment, and their texts.

use chrono::{DateTime, Duration, Utc};

use crate::conversation::messages as m;
use crate::i18n::{Arg, Msg};
use crate::notify::kind::NoticeKind;
use crate::store::maintenance::Window;

/// The kind of every maintenance notice, for the channel policy in `[notices]`.
pub const KIND: NoticeKind = NoticeKind::Maintenance;

/// A notice about a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Scheduled,
    Changed,
    Cancelled,
    /// A reminder this long before the start.
    Reminder(Duration),
    Started,
    Ended,
}

impl Event {
    /// Names the event in the notice's dedup key.
    pub fn key(self) -> String {
        match self {
            Self::Scheduled => "scheduled".into(),
            Self::Changed => "changed".into(),
            Self::Cancelled => "cancelled".into(),
            Self::Reminder(before) => format!("reminder-{}m", before.num_minutes()),
            Self::Started => "started".into(),
            Self::Ended => "ended".into(),
        }
    }

    pub fn message(self, window: &Window) -> Msg {
        let id = match self {
            Self::Scheduled => m::NOTICE_MAINTENANCE_SCHEDULED,
            Self::Changed => m::NOTICE_MAINTENANCE_CHANGED,
            Self::Cancelled => m::NOTICE_MAINTENANCE_CANCELLED,
            Self::Reminder(_) => m::NOTICE_MAINTENANCE_REMINDER,
            Self::Started => m::NOTICE_MAINTENANCE_STARTED,
            Self::Ended => m::NOTICE_MAINTENANCE_ENDED,
        };
        Msg::new(id)
            .arg("service", m::service_or_every(window.service_id.as_deref()))
            .arg("start", Arg::Time(window.starts_at))
            .arg("end", Arg::Time(window.ends_at))
            .arg("reason", Arg::Text(window.reason.clone()))
    }
}

/// The notices due for `window` at `now`, besides those staff actions send at once: the
/// reminder whose time has come (only the nearest to the start, and none whose time had
/// passed when the window was announced, since the announcement said as much), the start
/// while the window is under way, and the end once it is over.
pub fn due_events(window: &Window, remind_before: &[Duration], now: DateTime<Utc>) -> Vec<Event> {
    if window.cancelled_at.is_some() {
        return Vec::new();
    }
    if now >= window.ends_at {
        return vec![Event::Ended];
    }
    if now >= window.starts_at {
        return vec![Event::Started];
    }
    remind_before
        .iter()
        .copied()
        .filter(|before| {
            let at = window.starts_at - *before;
            at <= now && at >= window.updated_at
        })
        .min()
        .map(Event::Reminder)
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, hour, minute, 0).unwrap()
    }

    fn window(announced: DateTime<Utc>) -> Window {
        Window {
            id: 1,
            service_id: None,
            starts_at: at(20, 0),
            ends_at: at(22, 0),
            reason: "upgrade".into(),
            version: 1,
            updated_at: announced,
            cancelled_at: None,
        }
    }

    const OFFSETS: [Duration; 2] = [Duration::hours(3), Duration::hours(1)];

    #[test]
    fn each_reminder_is_due_from_its_time_until_the_next_one() {
        let w = window(at(8, 0));
        assert_eq!(due_events(&w, &OFFSETS, at(16, 59)), vec![]);
        assert_eq!(
            due_events(&w, &OFFSETS, at(17, 0)),
            vec![Event::Reminder(Duration::hours(3))]
        );
        assert_eq!(
            due_events(&w, &OFFSETS, at(18, 59)),
            vec![Event::Reminder(Duration::hours(3))]
        );
        assert_eq!(
            due_events(&w, &OFFSETS, at(19, 0)),
            vec![Event::Reminder(Duration::hours(1))]
        );
        assert_eq!(due_events(&w, &OFFSETS, at(20, 0)), vec![Event::Started]);
        assert_eq!(due_events(&w, &OFFSETS, at(22, 0)), vec![Event::Ended]);
    }

    #[test]
    fn a_reminder_whose_time_passed_before_the_announcement_is_not_sent() {
        // Announced at 18:00: the 3-hour reminder's time (17:00) had passed; the 1-hour one has not.
        let w = window(at(18, 0));
        assert_eq!(due_events(&w, &OFFSETS, at(18, 30)), vec![]);
        assert_eq!(
            due_events(&w, &OFFSETS, at(19, 0)),
            vec![Event::Reminder(Duration::hours(1))]
        );
    }

    #[test]
    fn a_cancelled_window_calls_for_nothing() {
        let mut w = window(at(8, 0));
        w.cancelled_at = Some(at(9, 0));
        assert_eq!(due_events(&w, &OFFSETS, at(19, 30)), vec![]);
    }

    #[test]
    fn keys_tell_the_reminders_apart() {
        assert_eq!(Event::Reminder(Duration::hours(24)).key(), "reminder-1440m");
        assert_ne!(
            Event::Reminder(Duration::hours(1)).key(),
            Event::Reminder(Duration::hours(24)).key()
        );
    }
}
