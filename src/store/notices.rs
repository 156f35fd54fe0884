//! What staff can read of the outbox: each notice about a subject with its state and the reason
//! it ended there.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// One notice as staff see it. The phone number and the text are left out: the state and the
/// reason are what a reviewer needs, and the number is the applicant's.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: i64,
    pub channel: String,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    /// Why it failed, was skipped or is waiting; none once it went through.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// When a pending notice is tried next.
    pub next_attempt_at: DateTime<Utc>,
    pub provider: Option<String>,
    pub segments: Option<i32>,
}

/// The notices about `subject` (`request:12`), oldest first.
pub async fn about(conn: &mut PgConnection, subject: &str) -> sqlx::Result<Vec<NoticeRow>> {
    sqlx::query_as(
        "SELECT id, channel, kind, status, attempts, last_error, created_at, sent_at, delivered_at,
                next_attempt_at, provider, segments
         FROM notifications WHERE subject = $1 ORDER BY id",
    )
    .bind(subject)
    .fetch_all(conn)
    .await
}
