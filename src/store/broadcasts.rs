//! Broadcasts as stored, their audiences, and their progress.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::applicants::ApplicantId;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Broadcast {
    pub id: i64,
    pub service_id: Option<String>,
    /// Tracking codes (as stored) whose owners it goes to.
    pub codes: Option<Vec<i64>>,
    pub body: String,
    pub created_by: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, service_id, codes, body, created_by, confirmed_at, cancelled_at";

pub async fn create(
    conn: &mut PgConnection,
    service_id: Option<&str>,
    codes: Option<&[i64]>,
    body: &str,
    by: &str,
) -> sqlx::Result<Broadcast> {
    sqlx::query_as(&format!(
        "INSERT INTO broadcasts (service_id, codes, body, created_by) VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
    ))
    .bind(service_id)
    .bind(codes)
    .bind(body)
    .bind(by)
    .fetch_one(conn)
    .await
}

pub async fn find(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Broadcast>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM broadcasts WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Broadcast>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM broadcasts WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn mark_confirmed(conn: &mut PgConnection, id: i64, by: &str) -> sqlx::Result<Broadcast> {
    sqlx::query_as(&format!(
        "UPDATE broadcasts SET confirmed_by = $2, confirmed_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(by)
    .fetch_one(conn)
    .await
}

pub async fn mark_cancelled(conn: &mut PgConnection, id: i64, by: &str) -> sqlx::Result<Broadcast> {
    sqlx::query_as(&format!(
        "UPDATE broadcasts SET cancelled_by = $2, cancelled_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(by)
    .fetch_one(conn)
    .await
}

/// The owners of these requests and complaints who have not muted announcements.
pub async fn owners_of(conn: &mut PgConnection, codes: &[i64]) -> sqlx::Result<Vec<ApplicantId>> {
    sqlx::query_scalar(
        "SELECT a.id FROM applicants a
         WHERE a.announcements_muted_at IS NULL
           AND (EXISTS (SELECT 1 FROM requests r WHERE r.applicant_id = a.id AND r.code = ANY($1))
             OR EXISTS (SELECT 1 FROM complaints c WHERE c.applicant_id = a.id AND c.code = ANY($1)))
         ORDER BY a.id",
    )
    .bind(codes)
    .fetch_all(conn)
    .await
}

/// Of these codes, those that name no request or complaint.
pub async fn unknown_codes(conn: &mut PgConnection, codes: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT u.code FROM unnest($1::bigint[]) AS u(code)
         WHERE NOT EXISTS (SELECT 1 FROM tracking_codes t WHERE t.code = u.code)",
    )
    .bind(codes)
    .fetch_all(conn)
    .await
}

/// A broadcast's notices counted by channel and status, as the outbox's triggers keep them
/// (counting a million notices each time took a fifth of a second).
pub async fn progress(conn: &mut PgConnection, subject: &str) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as("SELECT channel, status, notices FROM broadcast_progress WHERE subject = $1 AND notices <> 0")
        .bind(subject)
        .fetch_all(conn)
        .await
}

/// The latest broadcasts, newest first.
pub async fn recent(conn: &mut PgConnection, limit: i64) -> sqlx::Result<Vec<Broadcast>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT $1"))
        .bind(limit)
        .fetch_all(conn)
        .await
}
