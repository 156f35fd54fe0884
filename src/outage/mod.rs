//! Outages: faults behind a service, found by HTTP probes (see `config`) or declared by staff,
//! announced to the service's applicants and to the staff group when they start and when
//! they end.
//!
//! A probe opens an outage only after `failures_before_outage` failed checks in a row and
//! closes it after `successes_before_recovery` good ones, so a target that flaps between
//! answering and not never reaches applicants; each announcement is keyed by outage and event,
//! so nothing is announced twice.

pub mod config;
mod probe;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::conversation::messages as m;
use crate::domain::text::{TextError, visible_within};
use crate::domain::{Catalog, UnknownService};
use crate::i18n::{Arg, Msg};
use crate::notify::kind::{NoticeKind, dedup};
use crate::store::outages::{self, NewOutage, Outage};
use crate::store::outbox::{self, NewStaffPost, StaffSubject};
use crate::store::{Tx, audit, probe_states, subscriptions};

pub use config::ProbeConfig;
pub use probe::Prober;

/// The kind of every outage notice, for the channel policy in `[notices]` (and urgent in
/// quiet hours by default).
pub const KIND: NoticeKind = NoticeKind::Outage;

/// Why an outage action was refused.
#[derive(Debug, thiserror::Error)]
pub enum OutageError {
    #[error("no outage has that id")]
    NotFound,
    #[error(transparent)]
    UnknownService(#[from] UnknownService),
    #[error("the reason: {0}")]
    Reason(TextError),
    #[error("the outage was resolved already")]
    Resolved,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for OutageError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

/// Who hears of an outage besides the affected applicants.
#[derive(Debug, Clone, Copy)]
pub struct Reach {
    /// A staff group is configured.
    pub staff_chat: bool,
}

impl Reach {
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            staff_chat: config.staff_chat.is_some(),
        }
    }
}

/// What a probe's check changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Started(Outage),
    Recovered(Outage),
}

/// Staff declare an outage they know of.
pub async fn declare(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    service: Option<&str>,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
    reach: Reach,
) -> Result<Outage, OutageError> {
    catalog.check_scope(service)?;
    // The same limit as a maintenance window's reason (the table checks it too).
    let reason = visible_within(reason, crate::maintenance::MAX_REASON).map_err(OutageError::Reason)?;
    let new = NewOutage {
        service_id: service,
        probe: None,
        reason,
        declared_by: actor,
    };
    Ok(open(tx, &new, "outage.declare", now, reach).await?)
}

/// Staff close an outage, theirs or a probe's; a probe then needs a full run of failures to
/// open another.
pub async fn resolve(
    tx: &mut Tx<'_>,
    id: i64,
    actor: &str,
    now: DateTime<Utc>,
    reach: Reach,
) -> Result<Outage, OutageError> {
    let outage = outages::lock(tx, id).await?.ok_or(OutageError::NotFound)?;
    if outage.resolved_at.is_some() {
        return Err(OutageError::Resolved);
    }
    let outage = close(tx, id, actor, "outage.resolve", now, reach).await?;
    if let Some(probe) = &outage.probe {
        probe_states::reset(tx, probe).await?;
    }
    Ok(outage)
}

/// Counts one check of `probe` (`failure` says why it failed; none when it answered) and
/// opens or closes its outage when the run of like results is long enough.
async fn record_check(
    tx: &mut Tx<'_>,
    probe: &ProbeConfig,
    failure: Option<&str>,
    now: DateTime<Utc>,
    reach: Reach,
) -> anyhow::Result<Option<Change>> {
    let run = probe_states::count(tx, &probe.name, failure, now).await?;
    let current = outages::lock_open_for_probe(tx, &probe.name).await?;
    let actor = format!("probe:{}", probe.name);
    match (failure, current) {
        (Some(error), None) if run.failures >= probe.failures_before_outage as i32 => {
            let new = NewOutage {
                service_id: probe.service.as_deref(),
                probe: Some(&probe.name),
                reason: error,
                declared_by: &actor,
            };
            let outage = open(tx, &new, "outage.detect", now, reach).await?;
            Ok(Some(Change::Started(outage)))
        }
        (None, Some(current)) if run.successes >= probe.successes_before_recovery as i32 => {
            let outage = close(tx, current.id, &actor, "outage.recover", now, reach).await?;
            Ok(Some(Change::Recovered(outage)))
        }
        _ => Ok(None),
    }
}

/// Opens an outage, whoever found it, and tells of it.
async fn open(
    tx: &mut Tx<'_>,
    new: &NewOutage<'_>,
    action: &str,
    now: DateTime<Utc>,
    reach: Reach,
) -> anyhow::Result<Outage> {
    let outage = outages::open(tx, new, now).await?;
    record(tx, new.declared_by, action, &outage).await?;
    announce(tx, &outage, Event::Started, reach).await?;
    Ok(outage)
}

/// Closes an outage, whoever closed it, and tells of the recovery.
async fn close(
    tx: &mut Tx<'_>,
    id: i64,
    actor: &str,
    action: &str,
    now: DateTime<Utc>,
    reach: Reach,
) -> anyhow::Result<Outage> {
    let outage = outages::resolve(tx, id, actor, now).await?;
    record(tx, actor, action, &outage).await?;
    announce(tx, &outage, Event::Resolved, reach).await?;
    Ok(outage)
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Started,
    Resolved,
}

impl Event {
    fn key(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Resolved => "resolved",
        }
    }
}

/// Queues the notice of `event` to the outage's audience and, when there is one, the staff group.
async fn announce(tx: &mut Tx<'_>, outage: &Outage, event: Event, reach: Reach) -> anyhow::Result<()> {
    let service = m::service_or_every(outage.service_id.as_deref());
    let end = outage.resolved_at.unwrap_or(outage.started_at);
    let (applicant_id, staff_id) = match event {
        Event::Started => (m::NOTICE_OUTAGE_STARTED, m::STAFF_OUTAGE_STARTED),
        Event::Resolved => (m::NOTICE_OUTAGE_RESOLVED, m::STAFF_OUTAGE_RESOLVED),
    };
    let with_times = |id: &str| {
        Msg::new(id)
            .arg("service", service.clone())
            .arg("start", Arg::Time(outage.started_at))
            .arg("end", Arg::Time(end))
    };
    let key = format!("outage:{}:{}", outage.id, event.key());
    let audience = subscriptions::audience(tx, outage.service_id.as_deref()).await?;
    let message = with_times(applicant_id);
    let fanout = outbox::Fanout {
        event: &key,
        kind: KIND,
        subject: &subject(outage.id),
        message: &message,
    };
    outbox::announce(tx, fanout, &audience).await?;
    if reach.staff_chat {
        let by = outage.resolved_by.as_deref().unwrap_or(&outage.declared_by);
        let post = NewStaffPost {
            dedup_key: dedup::staff_copy(&key),
            kind: KIND,
            message: with_times(staff_id)
                .arg("reason", Arg::Text(outage.reason.clone()))
                .arg("by", Arg::Text(by.to_owned()))
                .arg("notified", Arg::Number(audience.chat.len() as i64)),
            subject: StaffSubject::Notice,
        };
        outbox::enqueue_staff(tx, &post).await?;
    }
    Ok(())
}

pub fn subject(id: i64) -> String {
    format!("outage:{id}")
}

async fn record(tx: &mut Tx<'_>, actor: &str, action: &str, outage: &Outage) -> anyhow::Result<()> {
    audit::record(
        tx,
        actor,
        action,
        &subject(outage.id),
        json!({
            "service": outage.service_id,
            "probe": outage.probe,
            "started_at": outage.started_at,
            "resolved_at": outage.resolved_at,
        }),
    )
    .await?;
    Ok(())
}
