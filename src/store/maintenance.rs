//! Maintenance windows as stored.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// A maintenance window; `version` grows with each change.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Window {
    pub id: i64,
    /// None: every service.
    pub service_id: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    pub version: i32,
    /// When the current version was announced.
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, service_id, starts_at, ends_at, reason, version, updated_at, cancelled_at";

/// The times and reason of a window, as staff give them.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    pub service_id: Option<&'a str>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: &'a str,
}

/// `now` is when it is announced (the scheduler's clock, which tests control).
pub async fn create(
    conn: &mut PgConnection,
    plan: &Plan<'_>,
    created_by: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Window> {
    sqlx::query_as(&format!(
        "INSERT INTO maintenance_windows (service_id, starts_at, ends_at, reason, created_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind(plan.service_id)
    .bind(plan.starts_at)
    .bind(plan.ends_at)
    .bind(plan.reason)
    .bind(created_by)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Locks a window for a change; none when there is no such window.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Window>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM maintenance_windows WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Gives a window new times and reason as its next version.
pub async fn change(conn: &mut PgConnection, id: i64, plan: &Plan<'_>, now: DateTime<Utc>) -> sqlx::Result<Window> {
    sqlx::query_as(&format!(
        "UPDATE maintenance_windows
         SET service_id = $2, starts_at = $3, ends_at = $4, reason = $5, version = version + 1, updated_at = $6
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(plan.service_id)
    .bind(plan.starts_at)
    .bind(plan.ends_at)
    .bind(plan.reason)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn cancel(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> sqlx::Result<Window> {
    sqlx::query_as(&format!(
        "UPDATE maintenance_windows SET cancelled_at = $2, version = version + 1, updated_at = $2
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Windows not cancelled that end after `since`, soonest first.
pub async fn open(conn: &mut PgConnection, since: DateTime<Utc>) -> sqlx::Result<Vec<Window>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM maintenance_windows WHERE cancelled_at IS NULL AND ends_at > $1 ORDER BY starts_at, id"
    ))
    .bind(since)
    .fetch_all(conn)
    .await
}

/// Records that `event` of the window's current version is announced; false when it was
/// already, and nothing is to be queued again.
pub async fn mark_announced(conn: &mut PgConnection, window: &Window, event: &str) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO maintenance_announcements (window_id, version, event) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(window.id)
    .bind(window.version)
    .bind(event)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Windows not over at `now`, cancelled ones included, soonest first.
pub async fn upcoming(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<Vec<Window>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM maintenance_windows WHERE ends_at > $1 ORDER BY starts_at, id"
    ))
    .bind(now)
    .fetch_all(conn)
    .await
}
