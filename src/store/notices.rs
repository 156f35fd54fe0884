//! What staff can read of the outbox: each notice about a subject with its state and the reason
//! it ended there, and the counts by state that show a broadcast's progress.

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

/// How many notices about `subject` are in each state, per channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub total: i64,
    pub pending: i64,
    pub sent: i64,
    pub delivered: i64,
    pub failed: i64,
    pub blocked: i64,
    pub dead: i64,
    pub skipped: i64,
}

impl Progress {
    /// Notices that have reached an end, one way or the other.
    pub fn finished(&self) -> i64 {
        self.total - self.pending
    }
}

/// Counts by state of the notices about `subject` on `channel`.
pub async fn progress(conn: &mut PgConnection, subject: &str, channel: &str) -> sqlx::Result<Progress> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, count(*) FROM notifications WHERE subject = $1 AND channel = $2 GROUP BY status",
    )
    .bind(subject)
    .bind(channel)
    .fetch_all(conn)
    .await?;
    let mut progress = Progress::default();
    for (status, count) in rows {
        progress.total += count;
        let slot = match status.as_str() {
            "pending" => &mut progress.pending,
            "sent" => &mut progress.sent,
            "delivered" => &mut progress.delivered,
            "failed" => &mut progress.failed,
            "blocked" => &mut progress.blocked,
            "dead" => &mut progress.dead,
            "skipped" => &mut progress.skipped,
            // The table's CHECK admits no other state.
            _ => continue,
        };
        *slot = count;
    }
    Ok(progress)
}
