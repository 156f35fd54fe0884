//! Deadlines for the documents asked of an applicant. A request for documents may give so
//! many office days; they count from the day it is deemed served (when its notice was first
//! sent, or first delivered on any channel, as `[notices] documents_served_when` says), on the
//! office calendar with its closure days. The applicant is told the date in their calendar
//! once it is known, reminded the office day before, and told again if staff extend it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::app::Application;
use crate::conversation::messages as m;
use crate::i18n::{Arg, Msg};
use crate::notify::kind::{NoticeKind, dedup};
use crate::office::{self, OfficeCalendar};
use crate::store::outbox::{self, NewNotice};
use crate::store::{Tx, document_deadlines as store, requests};

/// The kind of the notice that tells the applicant their deadline, first or extended.
pub const KIND: NoticeKind = NoticeKind::DocumentsDeadline;
/// The kind of the reminder the office day before it.
pub const REMINDER_KIND: NoticeKind = NoticeKind::DocumentsReminder;
/// The most office days a deadline may give at once.
pub const MAX_OFFICE_DAYS: u16 = 60;

/// When a request for documents counts as served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServedWhen {
    /// When its notice was first sent on any channel (as a letter counts from its posting).
    #[default]
    Posted,
    /// When it was first delivered on any channel: an SMS with its report, a chat message
    /// accepted into the chat.
    Delivered,
}

/// The `days`-th office day after `from`.
pub fn office_days_after(calendar: &OfficeCalendar, from: NaiveDate, days: u32) -> NaiveDate {
    let mut day = from;
    let mut left = days;
    while left > 0 {
        day = day.succ_opt().expect("a date within chrono's range");
        if calendar.is_office_day(day) {
            left -= 1;
        }
    }
    day
}

/// The office day before `day`.
fn office_day_before(calendar: &OfficeCalendar, day: NaiveDate) -> NaiveDate {
    let mut before = day.pred_opt().expect("a date within chrono's range");
    // A calendar with no office day at all is refused at start; a year back is a bound.
    for _ in 0..366 {
        if calendar.is_office_day(before) {
            break;
        }
        before = before.pred_opt().expect("a date within chrono's range");
    }
    before
}

/// What the applicant is told of their deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Told {
    /// Its date, once the request is served.
    Set,
    /// That it ends on the next office day.
    Reminder,
    /// Its new date, after staff extended it.
    Extended,
}

impl Told {
    /// The message, the notice's kind, and the word in its dedup key.
    fn parts(self) -> (&'static str, NoticeKind, &'static str) {
        match self {
            Self::Set => (m::NOTICE_DOCUMENTS_DEADLINE, KIND, "set"),
            Self::Reminder => (m::NOTICE_DOCUMENTS_REMINDER, REMINDER_KIND, "reminder"),
            Self::Extended => (m::NOTICE_DOCUMENTS_EXTENDED, KIND, "extended"),
        }
    }
}

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Ran {
    /// Deadlines whose request was deemed served, and the applicant told the date.
    pub served: usize,
    /// Reminders queued.
    pub reminded: usize,
}

/// Serves the deadlines whose request for documents went out, and reminds the applicants whose
/// deadline ends on the next office day.
pub async fn run(tx: &mut Tx<'_>, app: &Application, now: DateTime<Utc>) -> anyhow::Result<Ran> {
    let calendar = office::calendar(tx, &app.config().office, now).await?;
    let delivered_only = app.config().notices.documents_served_when == ServedWhen::Delivered;
    let mut ran = Ran::default();
    for deadline in store::unserved(tx, delivered_only).await? {
        let Some(served_at) = deadline.served_at else { continue };
        let days = u32::try_from(deadline.office_days).unwrap_or(1);
        let due_on = office_days_after(&calendar, office::local_date(served_at), days);
        store::serve(tx, deadline.event_id, served_at, due_on).await?;
        tell(tx, app, deadline.request_id, deadline.event_id, Told::Set, due_on).await?;
        ran.served += 1;
    }
    let today = office::local_date(now);
    for open in store::awaiting_reminder(tx).await? {
        if today >= office_day_before(&calendar, open.due_on) {
            tell(tx, app, open.request_id, open.event_id, Told::Reminder, open.due_on).await?;
            store::mark_reminded(tx, open.event_id).await?;
            ran.reminded += 1;
        }
    }
    Ok(ran)
}

/// Extends the request's open deadline by `days` office days from its current date; the new
/// date, or `None` when the request has no deadline running.
pub async fn extend(
    tx: &mut Tx<'_>,
    app: &Application,
    request_id: i64,
    days: u16,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<NaiveDate>> {
    let Some(open) = store::open_for_update(tx, request_id).await? else {
        return Ok(None);
    };
    let calendar = office::calendar(tx, &app.config().office, now).await?;
    let due_on = office_days_after(&calendar, open.due_on, u32::from(days));
    store::move_to(tx, open.event_id, due_on).await?;
    tell(tx, app, request_id, open.event_id, Told::Extended, due_on).await?;
    Ok(Some(due_on))
}

/// Tells the request's owner their deadline.
async fn tell(
    tx: &mut Tx<'_>,
    app: &Application,
    request_id: i64,
    event_id: i64,
    told: Told,
    due_on: NaiveDate,
) -> anyhow::Result<()> {
    let row = requests::lock_by_id(tx, request_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("request {request_id} of a deadline is gone"))?;
    let (id, kind, what) = told.parts();
    let notice = NewNotice {
        dedup_key: dedup::documents_deadline(event_id, what, due_on),
        applicant: row.applicant_id,
        kind,
        message: Msg::new(id)
            .arg("code", Arg::Code(row.code))
            .arg("date", Arg::Date(due_on)),
        subject: requests::subject(request_id),
    };
    outbox::enqueue(tx, app.vault(), &notice).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, DEFAULT_TOML};

    #[test]
    fn office_days_skip_the_weekend_and_closures() {
        let (config, _) = Config::from_toml(DEFAULT_TOML, |_| None).unwrap();
        // 2026-12-02 (1405/09/11) is a Wednesday; Thursday and Friday are not office days.
        let wednesday = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let calendar = OfficeCalendar::new(&config.office).unwrap();
        assert_eq!(
            office_days_after(&calendar, wednesday, 1),
            NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
        );
        let closed = calendar.with_closures([NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()]);
        assert_eq!(
            office_days_after(&closed, wednesday, 2),
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
        assert_eq!(
            office_day_before(&closed, NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()),
            wednesday
        );
    }
}
