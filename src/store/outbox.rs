//! The notification outbox. Notices are inserted with the fact that causes them; dispatchers
//! claim due rows under a lease (`FOR UPDATE SKIP LOCKED`, so instances never claim the same
//! row), and a row whose dispatcher died is claimed again once its lease runs out.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

use super::applicants::ApplicantId;
use crate::i18n::Msg;

/// A notice to queue; `dedup_key` names (event, recipient, channel) and is unique.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub dedup_key: String,
    pub applicant: ApplicantId,
    pub kind: &'static str,
    pub message: Msg,
}

/// Queues a notice; false when one with the same key exists (nothing is queued twice).
pub async fn enqueue(conn: &mut PgConnection, notice: &NewNotice) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO notifications (dedup_key, applicant_id, channel, kind, message)
         VALUES ($1, $2, 'chat', $3, $4) ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(&notice.dedup_key)
    .bind(notice.applicant)
    .bind(notice.kind)
    .bind(Json(&notice.message))
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// A claimed notice with what is needed to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub applicant: ApplicantId,
    pub message: Msg,
    pub attempts: i32,
    pub platform: String,
    pub chat_id: i64,
    pub chat_blocked: bool,
    pub locale: Option<String>,
}

type ClaimedRow = (i64, ApplicantId, Json<Msg>, i32, String, i64, bool, Option<String>);

/// Claims up to `batch` due notices for chats on `platforms` for `lease`, counting an attempt
/// on each.
pub async fn claim(pool: &PgPool, platforms: &[String], batch: i64, lease: Duration) -> sqlx::Result<Vec<Claimed>> {
    let rows: Vec<ClaimedRow> = sqlx::query_as(
        "WITH due AS (
             SELECT id FROM notifications
             WHERE status = 'pending' AND next_attempt_at <= now()
               AND (claimed_until IS NULL OR claimed_until < now())
               AND applicant_id IN (SELECT id FROM applicants WHERE platform = ANY($3))
             ORDER BY next_attempt_at, id
             LIMIT $1
             FOR UPDATE SKIP LOCKED
         ), claimed AS (
             UPDATE notifications n
             SET claimed_until = now() + make_interval(secs => $2), attempts = n.attempts + 1
             FROM due WHERE n.id = due.id
             RETURNING n.id, n.applicant_id, n.message, n.attempts
         )
         SELECT c.id, c.applicant_id, c.message, c.attempts, a.platform, a.chat_id,
                a.chat_blocked_at IS NOT NULL, d.dialogue->>'locale'
         FROM claimed c
         JOIN applicants a ON a.id = c.applicant_id
         LEFT JOIN dialogues d ON d.applicant_id = a.id
         ORDER BY c.id",
    )
    .bind(batch)
    .bind(lease.as_secs_f64())
    .bind(platforms)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, applicant, Json(message), attempts, platform, chat_id, chat_blocked, locale)| Claimed {
                id,
                applicant,
                message,
                attempts,
                platform,
                chat_id,
                chat_blocked,
                locale,
            },
        )
        .collect())
}

pub async fn mark_sent(pool: &PgPool, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE notifications SET status = 'sent', sent_at = now(), claimed_until = NULL WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Puts a notice back for another attempt at `at`. `refund` gives the attempt back, for
/// waits the other side asked for (a 429) rather than failures.
pub async fn retry_at(pool: &PgPool, id: i64, at: DateTime<Utc>, error: &str, refund: bool) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE notifications SET next_attempt_at = $2, last_error = $3, claimed_until = NULL,
                attempts = attempts - CASE WHEN $4 THEN 1 ELSE 0 END
         WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .bind(error)
    .bind(refund)
    .execute(pool)
    .await?;
    Ok(())
}

/// The applicant blocked the bot: the notice stops here and the chat is marked, so later
/// notices can take another channel.
pub async fn mark_blocked(pool: &PgPool, id: i64, applicant: ApplicantId, error: &str) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE notifications SET status = 'blocked', last_error = $2, claimed_until = NULL WHERE id = $1")
        .bind(id)
        .bind(error)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE applicants SET chat_blocked_at = COALESCE(chat_blocked_at, now()) WHERE id = $1")
        .bind(applicant)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Gives up on a notice; it stays visible with its last error.
pub async fn mark_dead(pool: &PgPool, id: i64, error: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE notifications SET status = 'dead', last_error = $2, claimed_until = NULL WHERE id = $1")
        .bind(id)
        .bind(error)
        .execute(pool)
        .await?;
    Ok(())
}
