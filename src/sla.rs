//! The SLA clock: a request that sits in a stage past the stage's target (`target_hours` in the
//! catalog, hours of office time: see `office`) is posted to the staff group once per stay, as its card with the moves open to
//! staff; and a daily digest gives the figures: requests per open stage, how many are overdue,
//! the median time to a decision, complaints open.
//!
//! Both go to the staff group, so without one configured there is nothing to send and the jobs
//! do nothing.

use chrono::{DateTime, NaiveDate, Utc};

use crate::conversation::messages as m;
use crate::domain::service::stage_name_id;
use crate::domain::{Catalog, PublicStatus};
use crate::i18n::{Arg, I18n, Locale, Msg};
use crate::notify::kind::{NoticeKind, dedup};
use crate::office::OfficeCalendar;
use crate::store::outbox::{self, NewStaffPost, StaffSubject};
use crate::store::{Tx, sla};

/// The kind of SLA posts, for the outbox.
pub const KIND: NoticeKind = NoticeKind::Sla;

/// How far back the digest's median time to decision looks.
pub const DECISIONS_OVER: chrono::Duration = chrono::Duration::days(30);

/// Posts each request that has overstayed its stage's target at `now`; returns how many were new.
pub async fn escalate(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    office: &OfficeCalendar,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    let mut posted = 0;
    for (service, stage, hours) in targets(catalog) {
        let entered_before = office.start_of_last(now, hours);
        for stay in sla::in_stage_since_before(tx, service, stage, entered_before).await? {
            let post = NewStaffPost {
                // One escalation per stay in the stage: the event that put it there names it.
                dedup_key: dedup::overdue_to_staff(stay.event_id),
                kind: KIND,
                message: Msg::new(m::STAFF_OVERDUE)
                    .arg("stage", Arg::Msg(stage_name_id(stage)))
                    .arg("since", Arg::Time(stay.entered_at))
                    .arg("hours", Arg::Number(i64::from(hours))),
                subject: StaffSubject::Request(stay.request_id),
            };
            if outbox::enqueue_staff(tx, &post).await? {
                posted += 1;
            }
        }
    }
    Ok(posted)
}

/// Queues the digest of `day` (a Tehran date) in the staff's language, with the figures as
/// they stand at `now`; false when that day's digest was queued already.
#[allow(clippy::too_many_arguments)]
pub async fn digest(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    office: &OfficeCalendar,
    i18n: &I18n,
    locale: Locale,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let render = |msg: Msg| i18n.render(locale, &msg);
    let mut stages = Vec::new();
    for (service_id, stage_id, count) in sla::per_stage(tx).await? {
        let open = catalog
            .get(&service_id)
            .and_then(|s| s.stage(&stage_id))
            .is_some_and(|s| !s.public.is_closed());
        if open {
            stages.push(render(
                Msg::new(m::STAFF_DIGEST_STAGE)
                    .arg("service", Arg::Msg(format!("service-{service_id}")))
                    .arg("stage", Arg::Msg(stage_name_id(&stage_id)))
                    .arg("count", Arg::Number(count)),
            ));
        }
    }
    if stages.is_empty() {
        stages.push(render(Msg::new(m::STAFF_DIGEST_NOTHING_OPEN)));
    }
    let (services, finals) = final_stages(catalog);
    let median = sla::median_to_decision(tx, &services, &finals, now - DECISIONS_OVER).await?;
    let median = match median {
        Some(seconds) => Msg::new(m::STAFF_DIGEST_HOURS).arg("hours", Arg::Number((seconds / 3600.0).round() as i64)),
        None => Msg::new(m::STAFF_DIGEST_NO_DECISIONS),
    };
    let message = Msg::new(m::STAFF_DIGEST)
        .arg("date", Arg::Date(day))
        .arg("stages", Arg::Text(stages.join("\n")))
        .arg("overdue", Arg::Number(overdue(tx, catalog, office, now).await?))
        .arg("median", Arg::Text(render(median)))
        .arg("complaints", Arg::Number(sla::open_complaints(tx).await?))
        .arg("satisfaction", Arg::Text(satisfaction(tx, &render, now).await?));
    let post = NewStaffPost {
        dedup_key: dedup::digest(day),
        kind: KIND,
        message,
        subject: StaffSubject::Notice,
    };
    Ok(outbox::enqueue_staff(tx, &post).await?)
}

/// One line per service: the average score applicants gave over the last
/// [`crate::store::ratings::AVERAGED_OVER`], and how many gave one.
async fn satisfaction(tx: &mut Tx<'_>, render: &impl Fn(Msg) -> String, now: DateTime<Utc>) -> anyhow::Result<String> {
    let averages = crate::store::ratings::averages(tx, now).await?;
    if averages.is_empty() {
        return Ok(render(Msg::new(m::STAFF_DIGEST_NO_RATINGS)));
    }
    let lines: Vec<String> = averages
        .into_iter()
        .map(|(service, average, count)| {
            let service = match service {
                Some(id) => Arg::Msg(format!("service-{id}")),
                None => Arg::Msg(m::STAFF_DIGEST_GENERAL.into()),
            };
            let tenths = (average * 10.0).round() as i64;
            render(
                Msg::new(m::STAFF_DIGEST_SATISFACTION)
                    .arg("service", service)
                    .arg("whole", Arg::Number(tenths / 10))
                    .arg("tenth", Arg::Number(tenths % 10))
                    .arg("count", Arg::Number(count)),
            )
        })
        .collect();
    Ok(lines.join("\n"))
}

/// Requests past their stage's target at `now`.
async fn overdue(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    office: &OfficeCalendar,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    Ok(overdue_per_service(tx, catalog, office, now)
        .await?
        .iter()
        .map(|(_, n)| n)
        .sum())
}

/// Requests past their stage's target at `now`, per service (each service of the catalog,
/// in its order).
pub async fn overdue_per_service<'c>(
    conn: &mut sqlx::PgConnection,
    catalog: &'c Catalog,
    office: &OfficeCalendar,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<(&'c str, i64)>> {
    let mut counts: Vec<(&str, i64)> = catalog.services().iter().map(|s| (s.id.as_str(), 0)).collect();
    for (service, stage, hours) in targets(catalog) {
        let late = sla::in_stage_since_before(conn, service, stage, office.start_of_last(now, hours))
            .await?
            .len() as i64;
        if let Some(entry) = counts.iter_mut().find(|(id, _)| *id == service) {
            entry.1 += late;
        }
    }
    Ok(counts)
}

/// Every (service, stage) with a target, and the target in hours.
fn targets(catalog: &Catalog) -> impl Iterator<Item = (&str, &str, u32)> {
    catalog.services().iter().flat_map(|service| {
        service
            .stages
            .iter()
            .filter_map(move |stage| Some((service.id.as_str(), stage.id.as_str(), stage.target_hours?)))
    })
}

/// The (service, stage) pairs where a request is decided, as two columns.
pub(crate) fn final_stages(catalog: &Catalog) -> (Vec<String>, Vec<String>) {
    stages_where(catalog, PublicStatus::is_decision)
}

/// The (service, stage) pairs where nothing more happens to a request (decided or withdrawn).
pub(crate) fn closed_stages(catalog: &Catalog) -> (Vec<String>, Vec<String>) {
    stages_where(catalog, PublicStatus::is_closed)
}

fn stages_where(catalog: &Catalog, holds: fn(PublicStatus) -> bool) -> (Vec<String>, Vec<String>) {
    catalog
        .services()
        .iter()
        .flat_map(|service| {
            service
                .stages
                .iter()
                .filter(|s| holds(s.public))
                .map(|s| (service.id.clone(), s.id.clone()))
        })
        .unzip()
}
