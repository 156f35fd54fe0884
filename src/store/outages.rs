//! Outages as stored: open from the moment they are found or declared until resolved.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Outage {
    pub id: i64,
    /// None: every service.
    pub service_id: Option<String>,
    /// The probe that found it; none when staff declared it.
    pub probe: Option<String>,
    pub reason: String,
    pub started_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub declared_by: String,
    pub resolved_by: Option<String>,
}

const COLUMNS: &str = "id, service_id, probe, reason, started_at, resolved_at, declared_by, resolved_by";

/// An outage as it starts.
#[derive(Debug, Clone, Copy)]
pub struct NewOutage<'a> {
    pub service_id: Option<&'a str>,
    pub probe: Option<&'a str>,
    pub reason: &'a str,
    pub declared_by: &'a str,
}

pub async fn open(conn: &mut PgConnection, new: &NewOutage<'_>, now: DateTime<Utc>) -> sqlx::Result<Outage> {
    sqlx::query_as(&format!(
        "INSERT INTO outages (service_id, probe, reason, started_at, declared_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(new.service_id)
    .bind(new.probe)
    .bind(new.reason)
    .bind(now)
    .bind(new.declared_by)
    .fetch_one(conn)
    .await
}

/// Locks an outage for resolving; none when there is no such outage.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Outage>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM outages WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The open outage a probe found, locked; none while the probe's target is healthy.
pub async fn lock_open_for_probe(conn: &mut PgConnection, probe: &str) -> sqlx::Result<Option<Outage>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM outages WHERE probe = $1 AND resolved_at IS NULL FOR UPDATE"
    ))
    .bind(probe)
    .fetch_optional(conn)
    .await
}

pub async fn resolve(conn: &mut PgConnection, id: i64, by: &str, now: DateTime<Utc>) -> sqlx::Result<Outage> {
    sqlx::query_as(&format!(
        "UPDATE outages SET resolved_at = greatest($2, started_at), resolved_by = $3
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(now)
    .bind(by)
    .fetch_one(conn)
    .await
}

/// Outages still open, oldest first.
pub async fn open_now(conn: &mut PgConnection) -> sqlx::Result<Vec<Outage>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM outages WHERE resolved_at IS NULL ORDER BY started_at, id"
    ))
    .fetch_all(conn)
    .await
}

/// Outages open or resolved after `since`, newest first.
pub async fn recent(conn: &mut PgConnection, since: DateTime<Utc>) -> sqlx::Result<Vec<Outage>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM outages WHERE resolved_at IS NULL OR resolved_at > $1
         ORDER BY started_at DESC, id DESC"
    ))
    .bind(since)
    .fetch_all(conn)
    .await
}
