//! Deadlines for documents asked of applicants.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

/// Sets a deadline of `office_days` on the documents the move `event_id` asked for.
pub async fn insert(conn: &mut PgConnection, event_id: i64, request_id: i64, office_days: i32) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO document_deadlines (event_id, request_id, office_days) VALUES ($1, $2, $3)")
        .bind(event_id)
        .bind(request_id)
        .bind(office_days)
        .execute(conn)
        .await?;
    Ok(())
}

/// A deadline not yet served, with when its request for documents was deemed served (if it
/// has been): the first send, or the first delivery, of its notices, as `delivered_only` says.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unserved {
    pub event_id: i64,
    pub request_id: i64,
    pub office_days: i32,
    pub served_at: Option<DateTime<Utc>>,
}

pub async fn unserved(conn: &mut PgConnection, delivered_only: bool) -> sqlx::Result<Vec<Unserved>> {
    // A chat message accepted by the Bot API is in the applicant's chat: delivered, there.
    sqlx::query_as(
        "SELECT d.event_id, d.request_id, d.office_days,
                (SELECT min(CASE WHEN $1 THEN COALESCE(n.delivered_at, CASE WHEN n.channel = 'chat' THEN n.sent_at END)
                                 ELSE n.sent_at END)
                 FROM notifications n
                 -- The subject finds the request's notices by its index; the key, this move's.
                 WHERE n.subject = 'request:' || d.request_id AND n.fanout_message_id IS NULL
                   AND n.status IN ('sent', 'delivered')
                   AND n.dedup_key LIKE 'request-event:' || d.event_id || ':%') AS served_at
         FROM document_deadlines d
         WHERE d.served_at IS NULL
         ORDER BY d.event_id
         LIMIT 500",
    )
    .bind(delivered_only)
    .fetch_all(conn)
    .await
}

/// Records when the request for documents was served and the date it makes.
pub async fn serve(
    conn: &mut PgConnection,
    event_id: i64,
    served_at: DateTime<Utc>,
    due_on: NaiveDate,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE document_deadlines SET served_at = $2, due_on = $3 WHERE event_id = $1")
        .bind(event_id)
        .bind(served_at)
        .bind(due_on)
        .execute(conn)
        .await?;
    Ok(())
}

/// A served deadline whose request still waits at the stage that asked for the documents.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Open {
    pub event_id: i64,
    pub request_id: i64,
    pub due_on: NaiveDate,
}

/// Served deadlines not yet reminded of whose request still waits for the documents.
pub async fn awaiting_reminder(conn: &mut PgConnection) -> sqlx::Result<Vec<Open>> {
    sqlx::query_as(
        "SELECT d.event_id, d.request_id, d.due_on
         FROM document_deadlines d
         JOIN request_events e ON e.id = d.event_id
         JOIN requests r ON r.id = d.request_id
         WHERE d.reminded_at IS NULL AND d.due_on IS NOT NULL AND r.stage = e.to_stage
         ORDER BY d.event_id
         LIMIT 500",
    )
    .fetch_all(conn)
    .await
}

pub async fn mark_reminded(conn: &mut PgConnection, event_id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE document_deadlines SET reminded_at = now() WHERE event_id = $1")
        .bind(event_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The request's latest served deadline whose documents are still awaited.
const OPEN: &str = "SELECT d.event_id, d.request_id, d.due_on
     FROM document_deadlines d
     JOIN request_events e ON e.id = d.event_id
     JOIN requests r ON r.id = d.request_id
     WHERE d.request_id = $1 AND d.due_on IS NOT NULL AND r.stage = e.to_stage
     ORDER BY d.event_id DESC LIMIT 1";

/// The request's deadline running, as its owner's lookup shows it.
pub async fn open(conn: &mut PgConnection, request_id: i64) -> sqlx::Result<Option<Open>> {
    sqlx::query_as(OPEN).bind(request_id).fetch_optional(conn).await
}

/// The request's deadline running, locked, to move it.
pub async fn open_for_update(conn: &mut PgConnection, request_id: i64) -> sqlx::Result<Option<Open>> {
    sqlx::query_as(&format!("{OPEN} FOR UPDATE OF d"))
        .bind(request_id)
        .fetch_optional(conn)
        .await
}

/// Moves a deadline to `due_on`; its reminder is due again.
pub async fn move_to(conn: &mut PgConnection, event_id: i64, due_on: NaiveDate) -> sqlx::Result<()> {
    sqlx::query("UPDATE document_deadlines SET due_on = $2, reminded_at = NULL WHERE event_id = $1")
        .bind(event_id)
        .bind(due_on)
        .execute(conn)
        .await?;
    Ok(())
}
