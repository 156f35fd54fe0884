//! SMS rows of the outbox: claiming them with what the send-time checks need, recording what
//! the gateway said, and moving them forward on delivery reports.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

use super::applicants::ApplicantId;
use super::fanout_texts::FanoutTexts;
use crate::domain::PhoneNumber;
use crate::i18n::Msg;
use crate::notify::kind::NoticeKind;
use crate::vault::{Place, Vault};

/// An SMS addressed to a number given for this one message (the code confirming it).
#[derive(Debug, Clone)]
pub struct DirectSms {
    pub dedup_key: String,
    pub applicant: ApplicantId,
    pub to: PhoneNumber,
    pub kind: NoticeKind,
    pub message: Msg,
    pub urgent: bool,
}

/// Forgets, in SMS to a typed number (one-time codes) created before `cutoff` and no longer
/// waiting, the number, the text as sent and the message's arguments (the code): the record
/// that an SMS went, and how it ended, stays.
pub async fn forget_direct_before(conn: &mut PgConnection, cutoff: chrono::DateTime<chrono::Utc>) -> sqlx::Result<u64> {
    let forgotten = sqlx::query(
        "UPDATE notifications
         SET sms_to = NULL, sms_to_sealed = NULL, body = NULL, body_sealed = NULL, message_sealed = NULL,
             message = jsonb_set(message, '{args}', '[]')
         WHERE (sms_to IS NOT NULL OR sms_to_sealed IS NOT NULL) AND created_at < $1 AND status <> 'pending'",
    )
    .bind(cutoff)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(forgotten)
}

/// Where the number of an SMS to a typed number is sealed: bound to the notice.
fn to_place(id: &str) -> Place<'_> {
    Place::new("notifications", "sms_to", id)
}

pub async fn enqueue_direct(conn: &mut PgConnection, vault: &Vault, sms: &DirectSms) -> sqlx::Result<bool> {
    // The id is drawn first: the sealed number is bound to it.
    let id: i64 = sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('notifications', 'id'))")
        .fetch_one(&mut *conn)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO notifications (id, dedup_key, applicant_id, channel, kind, message, urgent, sms_to_sealed)
         VALUES ($7, $1, $2, 'sms', $3, $4, $5, $6) ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(&sms.dedup_key)
    .bind(sms.applicant)
    .bind(sms.kind.as_str())
    .bind(Json(&sms.message))
    .bind(sms.urgent)
    .bind(vault.seal_text(to_place(&id.to_string()), sms.to.e164()))
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// A claimed SMS with what is checked when it is sent.
#[derive(Debug, Clone)]
pub struct ClaimedSms {
    pub id: i64,
    pub kind: String,
    pub message: Msg,
    /// The fan-out whose copy this is: its copies share one text (and kind).
    pub fanout: Option<i64>,
    pub attempts: i32,
    pub urgent: bool,
    /// The number given for this message, else the applicant's.
    pub to: Option<String>,
    /// Addressed to a number of its own: needs no subscription (the applicant asked for it).
    pub direct: bool,
    /// The applicant's SMS is on at this moment.
    pub active: bool,
    pub locale: Option<String>,
    /// The gateways that already had their chance at this notice, in order: it goes through
    /// another.
    pub passed_providers: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    dedup_key: String,
    kind: String,
    message: Option<Json<Msg>>,
    fanout_message_id: Option<i64>,
    message_sealed: Option<Vec<u8>>,
    attempts: i32,
    urgent: bool,
    sms_to: Option<String>,
    sms_to_sealed: Option<Vec<u8>>,
    applicant_id: ApplicantId,
    mobile_sealed: Option<Vec<u8>>,
    active: bool,
    locale: Option<String>,
    passed_providers: Option<Vec<String>>,
}

/// A share of the due SMS: those to applicants whose id leaves `index` when divided by `of`.
/// Dispatcher loops that run side by side each claim their own share, so that each applicant's
/// SMS stay with one loop and go out in the order it claims them, as with a single loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    index: i64,
    of: i64,
}

impl Share {
    /// Every due SMS.
    pub const ALL: Self = Self { index: 0, of: 1 };

    /// Share `index` (from 0) of `of`; `None` unless `index` is below `of`.
    pub fn new(index: i64, of: i64) -> Option<Self> {
        (0..of).contains(&index).then_some(Self { index, of })
    }
}

/// Claims up to `batch` due SMS of `share` for `lease`, counting an attempt on each; consent is
/// read in the same statement, so an opt-out committed before the claim is always seen.
pub async fn claim(
    pool: &PgPool,
    vault: &Vault,
    share: Share,
    batch: i64,
    lease: Duration,
) -> anyhow::Result<Vec<ClaimedSms>> {
    let rows: Vec<Row> = sqlx::query_as(
        "WITH due AS (
             SELECT id FROM notifications
             WHERE status = 'pending' AND channel = 'sms' AND next_attempt_at <= now()
               AND (claimed_until IS NULL OR claimed_until < now())
               AND applicant_id % $3 = $4
             ORDER BY next_attempt_at, id
             LIMIT $1
             FOR UPDATE SKIP LOCKED
         ), claimed AS (
             UPDATE notifications n
             SET claimed_until = now() + make_interval(secs => $2), attempts = n.attempts + 1
             WHERE n.id IN (SELECT id FROM due)
             RETURNING n.id, n.dedup_key, n.kind, n.message, n.fanout_message_id, n.message_sealed, n.attempts,
                       n.urgent, n.sms_to, n.sms_to_sealed, n.applicant_id, n.passed_providers
         )
         SELECT c.id, c.dedup_key, c.kind, c.message, c.fanout_message_id, c.message_sealed, c.attempts, c.urgent,
                c.sms_to, c.sms_to_sealed, c.applicant_id, c.passed_providers, a.mobile_sealed, a.active, a.locale
         FROM claimed c
         -- Each recipient looked up by key, as the chat claim does (see there): as plain joins
         -- the planner may hash every applicant and dialogue when their statistics are stale.
         JOIN LATERAL (
             SELECT a.mobile_sealed, sms_active(a) AS active,
                    (SELECT d.locale FROM dialogues d WHERE d.applicant_id = a.id) AS locale
             FROM applicants a WHERE a.id = c.applicant_id
             OFFSET 0
         ) a ON true
         ORDER BY c.id",
    )
    .bind(batch)
    .bind(lease.as_secs_f64())
    .bind(share.of)
    .bind(share.index)
    .fetch_all(pool)
    .await?;
    let texts = FanoutTexts::read(pool, rows.iter().map(|r| r.fanout_message_id)).await?;
    rows.into_iter()
        .map(|r| {
            let typed = match &r.sms_to_sealed {
                Some(sealed) => Some(vault.open_text(to_place(&r.id.to_string()), sealed)?),
                // Queued before numbers were sealed.
                None => r.sms_to,
            };
            let own = r
                .mobile_sealed
                .as_deref()
                .map(|sealed| vault.open_text(super::sms::mobile_place(&r.applicant_id.0.to_string()), sealed))
                .transpose()?;
            let message = super::outbox::open_message(
                vault,
                &r.dedup_key,
                texts.message(r.message, r.fanout_message_id)?,
                r.message_sealed.as_deref(),
            )?;
            Ok(ClaimedSms {
                id: r.id,
                kind: r.kind,
                message,
                fanout: r.fanout_message_id,
                attempts: r.attempts,
                urgent: r.urgent,
                direct: typed.is_some(),
                to: typed.or(own),
                active: r.active,
                locale: r.locale,
                passed_providers: r.passed_providers.unwrap_or_default(),
            })
        })
        .collect()
}

/// What the gateway took: the provider's id, the parts it cost, and the text as sent (a
/// one-time code is not kept once it is out).
#[derive(Debug, Clone)]
pub struct SentSms {
    pub id: i64,
    pub provider_id: Option<String>,
    /// `sent`, or `delivered` where the gateway knows at once.
    pub status: &'static str,
    pub segments: i32,
    pub body: String,
}

/// Where the text of an SMS as sent is sealed: bound to the notice's id.
fn body_place(id: &str) -> Place<'_> {
    Place::new("notifications", "body", id)
}

/// Records a batch the gateway took, in one statement; the text as sent is kept sealed (a
/// one-time code's not at all).
pub async fn mark_sent(pool: &PgPool, vault: &Vault, provider: &str, sent: &[SentSms]) -> sqlx::Result<()> {
    if sent.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = sent.iter().map(|s| s.id).collect();
    let provider_ids: Vec<Option<String>> = sent.iter().map(|s| s.provider_id.clone()).collect();
    let statuses: Vec<&str> = sent.iter().map(|s| s.status).collect();
    let segments: Vec<i32> = sent.iter().map(|s| s.segments).collect();
    let bodies: Vec<Vec<u8>> = sent
        .iter()
        .map(|s| vault.seal_text(body_place(&s.id.to_string()), &s.body))
        .collect();
    sqlx::query(
        "UPDATE notifications n
         SET status = u.status, provider = $2, provider_message_id = u.provider_id, segments = u.segments,
             body_sealed = CASE WHEN n.kind = 'otp' THEN NULL ELSE u.body END,
             message = CASE WHEN n.kind = 'otp' THEN jsonb_build_object('id', 'sms-code-sent', 'args', '[]'::jsonb)
                            ELSE n.message END,
             sent_at = now(), delivered_at = CASE WHEN u.status = 'delivered' THEN now() END,
             claimed_until = NULL
         FROM unnest($1::bigint[], $3::text[], $4::text[], $5::int[], $6::bytea[])
              AS u(id, provider_id, status, segments, body)
         WHERE n.id = u.id",
    )
    .bind(&ids)
    .bind(provider)
    .bind(&provider_ids)
    .bind(&statuses)
    .bind(&segments)
    .bind(&bodies)
    .execute(pool)
    .await?;
    Ok(())
}

/// A provider's final word on an SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalReport<'a> {
    Delivered,
    /// Not delivered, and why.
    Failed(&'a str),
    /// The number is on the operators' blacklist: not delivered on this line.
    Blacklisted(&'a str),
}

/// Records the provider's final word. Only a row still `sent` moves, so a repeated report,
/// or a late "queued" after "delivered", changes nothing; true when this report moved the row.
pub async fn apply_report(
    pool: &PgPool,
    provider: &str,
    provider_id: &str,
    report: FinalReport<'_>,
) -> sqlx::Result<bool> {
    let (status, detail) = match report {
        FinalReport::Delivered => ("delivered", None),
        FinalReport::Failed(why) => ("failed", Some(why)),
        FinalReport::Blacklisted(why) => ("blacklisted", Some(why)),
    };
    let moved = sqlx::query(
        "UPDATE notifications
         SET status = $3,
             delivered_at = CASE WHEN $3 = 'delivered' THEN now() END,
             last_error = COALESCE($4, last_error)
         WHERE provider = $1 AND provider_message_id = $2 AND channel = 'sms' AND status = 'sent'",
    )
    .bind(provider)
    .bind(provider_id)
    .bind(status)
    .bind(detail)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(moved == 1)
}

/// Puts back, to go through the next gateway of `order`, notices of `kinds` that one of its
/// gateways took and did not confirm delivered by `before`, or reported undelivered, while a
/// gateway of `order` has not had its chance at them. Returns how many moved on.
pub async fn move_on_unconfirmed(
    pool: &PgPool,
    kinds: &[String],
    order: &[&str],
    before: DateTime<Utc>,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE notifications n
         SET status = 'pending', passed_providers = COALESCE(n.passed_providers, '{}') || n.provider, attempts = 0, next_attempt_at = now(),
             claimed_until = NULL,
             last_error = CASE WHEN n.status = 'failed' THEN n.provider || ' reported it undelivered'
                               WHEN n.status = 'blacklisted' THEN n.provider || ' reported the number blacklisted'
                               ELSE 'no delivery report from ' || n.provider || ' in time' END
         WHERE n.id IN (
             SELECT id FROM notifications
             WHERE channel = 'sms' AND status IN ('sent', 'failed', 'blacklisted')
               AND sent_at > now() - interval '3 days'
               AND (status <> 'sent' OR sent_at < $3)
               AND kind = ANY($1) AND provider = ANY($2)
               AND NOT $2 <@ (COALESCE(passed_providers, '{}') || provider)
             LIMIT 500
             FOR UPDATE SKIP LOCKED)",
    )
    .bind(kinds)
    .bind(order)
    .bind(before)
    .execute(pool)
    .await?
    .rows_affected())
}

/// A notice that must be confirmed and that no way delivered: its request, for staff.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Undelivered {
    pub id: i64,
    pub request_id: i64,
}

/// Notices of `kinds` about a request whose cascade ended without a delivery: every gateway of
/// `order` had its chance, and the last reported them undelivered or blacklisted, or confirmed
/// nothing by `before`, and no chat message of the same notice was sent. Each is returned once:
/// a staff post keyed `undelivered:<id>` marks it.
pub async fn undelivered(
    pool: &PgPool,
    kinds: &[String],
    order: &[&str],
    before: DateTime<Utc>,
) -> sqlx::Result<Vec<Undelivered>> {
    sqlx::query_as(
        "SELECT n.id, r.id AS request_id
         FROM notifications n
         -- By the request's key, not by an expression over every request's id.
         JOIN requests r
           ON r.id = CASE WHEN n.subject ~ '^request:[0-9]+$' THEN substr(n.subject, 9)::bigint END
         WHERE n.channel = 'sms' AND n.status IN ('sent', 'failed', 'blacklisted')
           AND n.sent_at > now() - interval '3 days'
           AND (n.status <> 'sent' OR n.sent_at < $3)
           -- Or sent by a gateway its order no longer names: nothing is left to try.
           AND ($2 <@ (COALESCE(n.passed_providers, '{}') || n.provider) OR NOT n.provider = ANY($2))
           AND n.kind = ANY($1)
           AND NOT EXISTS (SELECT 1 FROM notifications c
                           WHERE c.dedup_key = regexp_replace(n.dedup_key, ':sms$', '') || ':chat'
                             AND c.status = 'sent')
           AND NOT EXISTS (SELECT 1 FROM notifications p WHERE p.dedup_key = 'undelivered:' || n.id)
         ORDER BY n.id
         LIMIT 100",
    )
    .bind(kinds)
    .bind(order)
    .bind(before)
    .fetch_all(pool)
    .await
}

/// Provider ids of SMS sent before `before` that still wait for a final report.
pub async fn awaiting_reports(
    pool: &PgPool,
    provider: &str,
    before: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT provider_message_id FROM notifications
         WHERE channel = 'sms' AND status = 'sent' AND provider = $1 AND provider_message_id IS NOT NULL
           AND sent_at < $2 AND sent_at > now() - interval '3 days'
         ORDER BY sent_at LIMIT $3",
    )
    .bind(provider)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::Share;

    #[test]
    fn a_share_is_one_of_as_many_as_there_are() {
        assert_eq!(Share::new(0, 1), Some(Share::ALL));
        assert!(Share::new(1, 2).is_some());
        assert_eq!(Share::new(2, 2), None);
        assert_eq!(Share::new(-1, 2), None);
        assert_eq!(Share::new(0, 0), None);
    }
}
