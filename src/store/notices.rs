//! What staff can read of the outbox: each notice about a subject with its state, the reason
//! it ended there, and the evidence of each step it took (kept by a trigger: see migration
//! `0029_notice_events`).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

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

/// One step in a notice's life: queued, sent, delivered, failed, blocked, dead, skipped,
/// retrying, requeued.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoticeEvent {
    pub notification_id: i64,
    pub event: String,
    pub provider: Option<String>,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

/// The steps of the notices `ids`, each notice's in the order they happened.
async fn timelines(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<Vec<NoticeEvent>> {
    sqlx::query_as(
        "SELECT notification_id, event, provider, detail, at FROM notice_events
         WHERE notification_id = ANY($1) ORDER BY notification_id, id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// Records that `applicant` has seen the latest chat notice about `subject` sent to them (they
/// pressed one of its buttons), once; `detail` says how it is known.
pub async fn record_seen(
    conn: &mut PgConnection,
    subject: &str,
    applicant: crate::store::applicants::ApplicantId,
    detail: &str,
) -> sqlx::Result<()> {
    let latest: Option<i64> = sqlx::query_scalar(
        "SELECT n.id FROM notifications n
         WHERE n.subject = $1 AND n.fanout_message_id IS NULL AND n.applicant_id = $2 AND n.channel = 'chat'
           AND n.status = 'sent'
           AND notice_keeps_evidence(n.subject)
         ORDER BY n.id DESC LIMIT 1",
    )
    .bind(subject)
    .bind(applicant)
    .fetch_optional(&mut *conn)
    .await?;
    // Only the latest: a second press must not mark the one before it.
    if let Some(id) = latest {
        mark_seen(conn, id, detail).await?;
    }
    Ok(())
}

/// Adds `seen` to notice `id`'s evidence unless it is there already.
async fn mark_seen(conn: &mut PgConnection, id: i64, detail: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notice_events (notification_id, event, detail)
         SELECT $1, 'seen', $2
         WHERE NOT EXISTS (SELECT 1 FROM notice_events WHERE notification_id = $1 AND event = 'seen')",
    )
    .bind(id)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that `applicant` has seen chat notice `id`, sent to them (they pressed "I have seen
/// it" under it), once; false when it is no notice sent to them.
pub async fn record_seen_notice(
    conn: &mut PgConnection,
    id: i64,
    applicant: crate::store::applicants::ApplicantId,
    detail: &str,
) -> sqlx::Result<bool> {
    let theirs: Option<bool> = sqlx::query_scalar(
        "SELECT notice_keeps_evidence(subject) FROM notifications
         WHERE id = $1 AND applicant_id = $2 AND channel = 'chat' AND status = 'sent'",
    )
    .bind(id)
    .bind(applicant)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(keeps_evidence) = theirs else {
        return Ok(false);
    };
    if keeps_evidence {
        mark_seen(conn, id, detail).await?;
    }
    Ok(true)
}

/// Records a step of notice `id` that no change of its row shows (the trigger sees those).
pub async fn record_step(conn: &mut PgConnection, id: i64, event: &str, detail: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO notice_events (notification_id, event, detail) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(event)
        .bind(detail)
        .execute(conn)
        .await?;
    Ok(())
}

/// A provider that did not take a notice before another did, and why.
#[derive(Debug, Clone)]
pub struct PassedOver {
    pub id: i64,
    pub provider: &'static str,
    pub why: String,
}

/// Records, as a `failed` step of each notice that keeps evidence, the provider that did not
/// take it; the trigger sees only the end, through the provider that did.
pub async fn record_passed_over(pool: &PgPool, passed: &[PassedOver]) -> sqlx::Result<()> {
    if passed.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = passed.iter().map(|p| p.id).collect();
    let providers: Vec<&str> = passed.iter().map(|p| p.provider).collect();
    let whys: Vec<&str> = passed.iter().map(|p| p.why.as_str()).collect();
    sqlx::query(
        "INSERT INTO notice_events (notification_id, event, provider, detail)
         SELECT p.id, 'failed', p.provider, p.why
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS p(id, provider, why)
         JOIN notifications n ON n.id = p.id
         WHERE notice_keeps_evidence(n.subject)",
    )
    .bind(&ids)
    .bind(&providers)
    .bind(&whys)
    .execute(pool)
    .await?;
    Ok(())
}

/// The newest notice about `subject` on each channel and gateway, as its recipient may be shown
/// it: its state and when it got there. Notices not sent on a channel by choice (skipped) are
/// left out.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LatestNotice {
    pub channel: String,
    pub provider: Option<String>,
    pub status: String,
    pub at: DateTime<Utc>,
}

pub async fn latest_per_channel(conn: &mut PgConnection, subject: &str) -> sqlx::Result<Vec<LatestNotice>> {
    sqlx::query_as(
        "SELECT DISTINCT ON (channel) channel, provider, status,
                COALESCE(delivered_at, sent_at, created_at) AS at
         FROM notifications WHERE subject = $1 AND fanout_message_id IS NULL AND status <> 'skipped'
         ORDER BY channel, id DESC",
    )
    .bind(subject)
    .fetch_all(conn)
    .await
}

/// A notice with the steps of its delivery, oldest first.
pub type Timeline = (NoticeRow, Vec<NoticeEvent>);

/// The notices about `subject`, oldest first, each with its steps: the evidence staff read.
pub async fn about_with_timelines(conn: &mut PgConnection, subject: &str) -> sqlx::Result<Vec<Timeline>> {
    let sent = about(&mut *conn, subject).await?;
    let ids: Vec<i64> = sent.iter().map(|n| n.id).collect();
    let mut steps = timelines(conn, &ids).await?.into_iter().peekable();
    Ok(sent
        .into_iter()
        .map(|notice| {
            let mut timeline = Vec::new();
            while let Some(step) = steps.next_if(|s| s.notification_id == notice.id) {
                timeline.push(step);
            }
            (notice, timeline)
        })
        .collect())
}

/// The notices about `subject` (`request:12`), oldest first: those sent one by one, which is
/// how a request's or a complaint's are (a fan-out's copies are found by its range instead).
pub async fn about(conn: &mut PgConnection, subject: &str) -> sqlx::Result<Vec<NoticeRow>> {
    sqlx::query_as(
        "SELECT id, channel, kind, status, attempts, last_error, created_at, sent_at, delivered_at,
                next_attempt_at, provider, segments
         FROM notifications WHERE subject = $1 AND fanout_message_id IS NULL ORDER BY id",
    )
    .bind(subject)
    .fetch_all(conn)
    .await
}
