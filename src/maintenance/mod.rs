//! Planned maintenance: staff schedule, change and cancel windows; each of those is announced
//! to the window's audience at once, and the scheduler's `maintenance` job sends the reminders
//! before a window, and the notices when it starts and ends.
//!
//! Every notice is keyed by (window, version, event), so running the job again, on another
//! instance or after a restart, queues nothing twice; a change or cancellation skips the
//! notices of the earlier version still waiting, so nobody is told a time that no longer holds.

mod events;
mod when;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::domain::text::{TextError, visible_within};
use crate::domain::{Catalog, UnknownService};
use crate::store::maintenance::{self, Plan, Window};
use crate::store::{Tx, audit, outbox, subscriptions};

pub use events::{Event, KIND, due_events};
pub use when::{TimeError, tehran_time, typed_time};

/// Why a maintenance action was refused.
#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    #[error("no maintenance window has that id")]
    NotFound,
    #[error(transparent)]
    UnknownService(#[from] UnknownService),
    #[error("the window must end after it starts")]
    EndsBeforeStart,
    #[error("the window must start in the future; declare an outage for a fault under way")]
    StartsInPast,
    #[error("the window must end within a year from now")]
    TooFarAhead,
    #[error("the reason: {0}")]
    Reason(TextError),
    #[error("the window was cancelled")]
    Cancelled,
    #[error("the window has ended")]
    Ended,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for MaintenanceError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

/// How far ahead a window may be planned.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// The longest reason kept; it goes into chat notices and SMS.
pub const MAX_REASON: usize = 500;

/// Checks a plan as staff gave it, at `now`; returns it with the reason trimmed, as kept.
fn check<'a>(catalog: &Catalog, plan: &Plan<'a>, now: DateTime<Utc>) -> Result<Plan<'a>, MaintenanceError> {
    catalog.check_scope(plan.service_id)?;
    if plan.ends_at <= plan.starts_at {
        return Err(MaintenanceError::EndsBeforeStart);
    }
    if plan.starts_at < now {
        return Err(MaintenanceError::StartsInPast);
    }
    // Announced to every subscriber at once: a typo such as the year 99999 must not go out.
    if plan.ends_at > now + chrono::Duration::days(MAX_DAYS_AHEAD) {
        return Err(MaintenanceError::TooFarAhead);
    }
    let reason = visible_within(plan.reason, MAX_REASON).map_err(MaintenanceError::Reason)?;
    Ok(Plan { reason, ..*plan })
}

/// Schedules a window and queues its announcement.
pub async fn schedule(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    plan: &Plan<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Window, MaintenanceError> {
    let plan = check(catalog, plan, now)?;
    let window = maintenance::create(tx, &plan, actor, now).await?;
    record(tx, actor, "maintenance.schedule", &window).await?;
    announce(tx, &window, Event::Scheduled).await?;
    Ok(window)
}

/// Moves a window or changes its reason: announced as a change, with the earlier version's
/// waiting notices skipped.
pub async fn change(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    id: i64,
    plan: &Plan<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Window, MaintenanceError> {
    let current = open_window(tx, id, now).await?;
    let plan = check(catalog, plan, now.min(current.starts_at))?;
    let window = maintenance::change(tx, id, &plan, now).await?;
    outbox::skip_pending_about(tx, &subject(window.id), "the maintenance window changed").await?;
    record(tx, actor, "maintenance.change", &window).await?;
    announce(tx, &window, Event::Changed).await?;
    Ok(window)
}

/// Cancels a window: announced, with its waiting notices skipped.
pub async fn cancel(tx: &mut Tx<'_>, id: i64, actor: &str, now: DateTime<Utc>) -> Result<Window, MaintenanceError> {
    open_window(tx, id, now).await?;
    let window = maintenance::cancel(tx, id, now).await?;
    outbox::skip_pending_about(tx, &subject(window.id), "the maintenance window was cancelled").await?;
    record(tx, actor, "maintenance.cancel", &window).await?;
    announce(tx, &window, Event::Cancelled).await?;
    Ok(window)
}

/// The scheduler's job: queues the reminders and start and end notices due at `now`.
/// Returns how many notices it queued.
pub async fn send_due(tx: &mut Tx<'_>, remind_before: &[chrono::Duration], now: DateTime<Utc>) -> anyhow::Result<u64> {
    // A window that ended while no instance ran still gets its end notice, for a day.
    let windows = maintenance::open(tx, now - chrono::Duration::days(1)).await?;
    let mut queued = 0;
    for window in windows {
        for event in due_events(&window, remind_before, now) {
            queued += announce(tx, &window, event).await?;
        }
    }
    Ok(queued)
}

/// Locks a window that can still be changed.
async fn open_window(tx: &mut Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<Window, MaintenanceError> {
    let window = maintenance::lock(tx, id).await?.ok_or(MaintenanceError::NotFound)?;
    if window.cancelled_at.is_some() {
        return Err(MaintenanceError::Cancelled);
    }
    if window.ends_at <= now {
        return Err(MaintenanceError::Ended);
    }
    Ok(window)
}

/// Queues `event`'s notice to the window's audience, once per version of the window; returns
/// how many were queued.
async fn announce(tx: &mut Tx<'_>, window: &Window, event: Event) -> anyhow::Result<u64> {
    let event_key = event.key();
    if !maintenance::mark_announced(tx, window, &event_key).await? {
        return Ok(0);
    }
    let audience = subscriptions::audience(tx, window.service_id.as_deref()).await?;
    let key = format!("maintenance:{}:v{}:{event_key}", window.id, window.version);
    let subject = subject(window.id);
    let message = event.message(window);
    let fanout = outbox::Fanout {
        event: &key,
        kind: events::KIND,
        subject: &subject,
        message: &message,
    };
    Ok(outbox::announce(tx, fanout, &audience).await?)
}

fn subject(id: i64) -> String {
    format!("maintenance:{id}")
}

async fn record(tx: &mut Tx<'_>, actor: &str, action: &str, window: &Window) -> anyhow::Result<()> {
    audit::record(
        tx,
        actor,
        action,
        &subject(window.id),
        json!({
            "service": window.service_id,
            "starts_at": window.starts_at,
            "ends_at": window.ends_at,
            "version": window.version,
        }),
    )
    .await?;
    Ok(())
}
