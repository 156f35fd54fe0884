//! The notification outbox. Notices are inserted with the fact that causes them; dispatchers
//! claim due rows under a lease (`FOR UPDATE SKIP LOCKED`, so instances never claim the same
//! row), and a row whose dispatcher died is claimed again once its lease runs out.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

use super::applicants::ApplicantId;
use super::fanout_texts::FanoutTexts;
use super::subscriptions::Audience;
use anyhow::Context as _;

use crate::i18n::Msg;
use crate::notify::kind::NoticeKind;
use crate::vault::{Place, Vault};

/// A notice to queue; `dedup_key` names (event, recipient, channel) and is unique.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub dedup_key: String,
    pub applicant: ApplicantId,
    pub kind: NoticeKind,
    pub message: Msg,
    /// What it is about, as the audit log names it (`request:12`), for staff to look it up.
    pub subject: String,
}

/// Where a notice's message is sealed: bound to the notice's key without its channel, so that
/// its SMS twin (a copy on another channel) opens it too.
pub fn message_place(dedup_key: &str) -> Place<'_> {
    let notice = dedup_key
        .strip_suffix(":chat")
        .or_else(|| dedup_key.strip_suffix(":sms"))
        .unwrap_or(dedup_key);
    Place::new("notifications", "message", notice)
}

/// The message a claimed notice carries: the sealed one when there is one.
pub fn open_message(vault: &Vault, dedup_key: &str, clear: Msg, sealed: Option<&[u8]>) -> anyhow::Result<Msg> {
    match sealed {
        Some(sealed) => vault
            .open_json(message_place(dedup_key), sealed)
            .context("opening a notice's message"),
        None => Ok(clear),
    }
}

/// Queues a notice to an applicant about their request or complaint; its message (a staff note,
/// an answer) is kept sealed, with only its id in the clear. False when one with the same key
/// exists (nothing is queued twice).
pub async fn enqueue(conn: &mut PgConnection, vault: &Vault, notice: &NewNotice) -> sqlx::Result<bool> {
    let clear = Msg::new(notice.message.id.clone());
    let inserted = sqlx::query(
        // The platform is read here so that a claim need not join the applicant; one that does
        // not exist leaves it NULL, which the table refuses.
        "INSERT INTO notifications (dedup_key, applicant_id, channel, kind, message, subject, message_sealed, platform)
         VALUES ($1, $2, 'chat', $3, $4, $5, $6, (SELECT platform FROM applicants WHERE id = $2))
         ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(&notice.dedup_key)
    .bind(notice.applicant)
    .bind(notice.kind.as_str())
    .bind(Json(&clear))
    .bind(&notice.subject)
    .bind(vault.seal_json(message_place(&notice.dedup_key), &notice.message))
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// One notice for many applicants: a broadcast, a maintenance announcement.
#[derive(Debug, Clone, Copy)]
pub struct Fanout<'a> {
    /// Names the occasion; each copy is keyed `{event}:applicant:{id}:chat`.
    pub event: &'a str,
    pub kind: NoticeKind,
    pub subject: &'a str,
    pub message: &'a Msg,
}

/// Queues one chat notice per applicant, a statement per 20,000 of them; for broadcasts to many
/// thousands, where a statement per row would take minutes, and one statement for all would
/// hold a huge array in memory. Returns how many were new. Only applicants that exist are
/// queued: the insert reads them from their table, which stands in for a foreign key.
pub async fn enqueue_many(
    conn: &mut PgConnection,
    fanout: Fanout<'_>,
    applicants: &[ApplicantId],
) -> sqlx::Result<u64> {
    let message = keep_message(&mut *conn, fanout).await?;
    enqueue_on(conn, fanout, message, "chat", applicants).await
}

/// Queues an announcement to its audience: by chat, and by SMS to those who asked for it too
/// (keyed like the SMS a failed chat notice falls back to, so one never doubles the other).
/// Returns how many chat notices were new.
pub async fn announce(conn: &mut PgConnection, fanout: Fanout<'_>, audience: &Audience) -> sqlx::Result<u64> {
    let message = keep_message(&mut *conn, fanout).await?;
    let queued = enqueue_on(&mut *conn, fanout, message, "chat", &audience.chat).await?;
    enqueue_on(conn, fanout, message, "sms", &audience.sms).await?;
    Ok(queued)
}

/// Keeps a fan-out's message once, for its copies to name: a broadcast's text written into
/// each of a million rows made its enqueue 40% slower. It keeps the fan-out's subject too, and
/// (as they are inserted) the range of ids its copies took: what is left pending of them is
/// found there, not through an index entry per copy.
async fn keep_message(conn: &mut PgConnection, fanout: Fanout<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("INSERT INTO fanout_messages (message, subject) VALUES ($1, $2) RETURNING id")
        .bind(Json(fanout.message))
        .bind(fanout.subject)
        .fetch_one(conn)
        .await
}

async fn enqueue_on(
    conn: &mut PgConnection,
    fanout: Fanout<'_>,
    message: i64,
    channel: &str,
    applicants: &[ApplicantId],
) -> sqlx::Result<u64> {
    let mut queued = 0;
    for chunk in applicants.chunks(20_000) {
        let ids: Vec<i64> = chunk.iter().map(|a| a.0).collect();
        let copies = FanoutCopies {
            fanout,
            message,
            channel,
            ids: &ids,
        };
        queued += insert_new_copies(&mut *conn, &copies).await?;
    }
    Ok(queued)
}

/// One statement's worth of a fan-out's copies.
struct FanoutCopies<'a> {
    fanout: Fanout<'a>,
    message: i64,
    channel: &'a str,
    ids: &'a [i64],
}

/// Inserts the copies that are new. A fan-out's copies are nearly always all new, and `ON
/// CONFLICT DO NOTHING` costs a fifth of the insert (each row probes the dedup index before it
/// is written, then again as it is); so they are first inserted plainly, under a savepoint, and
/// only when one already exists (a closure declared again, an announcement retried) is the
/// statement undone and run again skipping the existing ones. The refused statement is in the
/// database's log with the key it met, which names an applicant's row id and nothing more.
async fn insert_new_copies(conn: &mut PgConnection, copies: &FanoutCopies<'_>) -> sqlx::Result<u64> {
    let mut attempt = sqlx::Connection::begin(&mut *conn).await?;
    match insert_copies(&mut attempt, copies, "").await {
        Ok(inserted) => {
            attempt.commit().await?;
            Ok(inserted)
        }
        Err(error) if is_dedup_conflict(&error) => {
            attempt.rollback().await?;
            insert_copies(conn, copies, "ON CONFLICT (dedup_key) DO NOTHING").await
        }
        Err(error) => Err(error),
    }
}

/// Inserts the copies and widens the fan-out's range of ids to hold them; returns how many.
async fn insert_copies(conn: &mut PgConnection, copies: &FanoutCopies<'_>, on_conflict: &str) -> sqlx::Result<u64> {
    let statement = format!(
        "WITH copies AS (
             INSERT INTO notifications (dedup_key, applicant_id, channel, kind, fanout_message_id, subject, platform)
             SELECT $1 || ':applicant:' || a.id || ':' || $6, a.id, $6, $2, $3, $5, a.platform
             FROM applicants a WHERE a.id = ANY($4::bigint[])
             {on_conflict}
             RETURNING id
         ), taken AS (SELECT count(*) AS copies, min(id) AS first_id, max(id) AS last_id FROM copies)
         UPDATE fanout_messages f
         SET first_id = LEAST(f.first_id, taken.first_id), last_id = GREATEST(f.last_id, taken.last_id)
         FROM taken WHERE f.id = $3
         RETURNING taken.copies"
    );
    let inserted: i64 = sqlx::query_scalar(&statement)
        .bind(copies.fanout.event)
        .bind(copies.fanout.kind.as_str())
        .bind(copies.message)
        .bind(copies.ids)
        .bind(copies.fanout.subject)
        .bind(copies.channel)
        .fetch_one(conn)
        .await?;
    Ok(inserted as u64)
}

/// A notice with the same dedup key exists already.
fn is_dedup_conflict(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation() && e.constraint() == Some("notifications_dedup_key_key"))
}

/// A post to the staff group about a request, complaint or document, composed when it is sent
/// so that its buttons are those of the subject's stage at that moment.
#[derive(Debug, Clone)]
pub struct NewStaffPost {
    pub dedup_key: String,
    pub kind: NoticeKind,
    /// The headline ("new request", "documents received"), in the staff's language.
    pub message: Msg,
    pub subject: StaffSubject,
}

/// What a staff post is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffSubject {
    Request(i64),
    Complaint(i64),
    /// A document, sent to the group as a file.
    Document(i64),
    /// Nothing but the message itself: an outage, a digest, an escalation.
    Notice,
}

/// Queues a staff post; false when one with the same key exists.
pub async fn enqueue_staff(conn: &mut PgConnection, post: &NewStaffPost) -> sqlx::Result<bool> {
    let (request, complaint, document) = match post.subject {
        StaffSubject::Request(id) => (Some(id), None, None),
        StaffSubject::Complaint(id) => (None, Some(id), None),
        StaffSubject::Document(id) => (None, None, Some(id)),
        StaffSubject::Notice => (None, None, None),
    };
    let inserted = sqlx::query(
        "INSERT INTO notifications (dedup_key, recipient, channel, kind, message, request_id, complaint_id, document_id)
         VALUES ($1, 'staff', 'chat', $2, $3, $4, $5, $6) ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(&post.dedup_key)
    .bind(post.kind.as_str())
    .bind(Json(&post.message))
    .bind(request)
    .bind(complaint)
    .bind(document)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// A claimed notice with what is needed to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub kind: String,
    pub message: Msg,
    pub attempts: i32,
    pub to: Recipient,
    /// What an applicant's notice is about, as the audit log names it (`request:12`).
    pub subject: Option<String>,
}

/// Who a claimed notice goes to.
#[derive(Debug, Clone)]
pub enum Recipient {
    Applicant(ApplicantChat),
    Staff(StaffSubject),
}

/// An applicant's chat, as a notice reaches it.
#[derive(Debug, Clone)]
pub struct ApplicantChat {
    pub applicant: ApplicantId,
    pub platform: String,
    pub chat_id: i64,
    pub blocked: bool,
    pub locale: Option<String>,
    /// SMS is on for this applicant now (confirmed number, consent, no opt-out since).
    pub sms_active: bool,
}

#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: i64,
    dedup_key: String,
    kind: String,
    message: Option<Json<Msg>>,
    fanout_message_id: Option<i64>,
    message_sealed: Option<Vec<u8>>,
    attempts: i32,
    applicant_id: Option<ApplicantId>,
    platform: Option<String>,
    chat_id: Option<i64>,
    blocked: Option<bool>,
    locale: Option<String>,
    sms_active: Option<bool>,
    request_id: Option<i64>,
    complaint_id: Option<i64>,
    document_id: Option<i64>,
    subject: Option<String>,
}

impl ClaimedRow {
    fn into_claimed(self, vault: &Vault, texts: &FanoutTexts) -> anyhow::Result<Claimed> {
        let to = match (self.applicant_id, self.platform, self.chat_id) {
            (Some(applicant), Some(platform), Some(chat_id)) => Recipient::Applicant(ApplicantChat {
                applicant,
                platform,
                chat_id,
                blocked: self.blocked.unwrap_or(false),
                locale: self.locale,
                sms_active: self.sms_active.unwrap_or(false),
            }),
            _ => Recipient::Staff(match (self.request_id, self.complaint_id, self.document_id) {
                (_, _, Some(id)) => StaffSubject::Document(id),
                (_, Some(id), _) => StaffSubject::Complaint(id),
                (Some(id), _, _) => StaffSubject::Request(id),
                (None, None, None) => StaffSubject::Notice,
            }),
        };
        Ok(Claimed {
            id: self.id,
            message: open_message(
                vault,
                &self.dedup_key,
                texts.message(self.message, self.fanout_message_id)?,
                self.message_sealed.as_deref(),
            )?,
            kind: self.kind,
            attempts: self.attempts,
            to,
            subject: self.subject,
        })
    }
}

/// Claims up to `batch` due notices for `lease`, counting an attempt on each: applicants' on
/// chats of `platforms`, and staff posts when `staff` (a staff chat is running).
pub async fn claim(
    pool: &PgPool,
    vault: &Vault,
    platforms: &[String],
    staff: bool,
    batch: i64,
    lease: Duration,
) -> anyhow::Result<Vec<Claimed>> {
    let rows: Vec<ClaimedRow> = sqlx::query_as(
        // Written so the planner walks the due index in order, reading the notices alone (each
        // keeps its platform): an `IN (subquery) OR …` filter here ran the subquery per row (28 s
        // per claim with 300,000 notices queued), a join in the UPDATE hashed the whole table,
        // and a join to the applicants, before they were analysed, hashed them all and sorted
        // every pending notice. The recipients are then looked up by key, one claimed row at a
        // time (the subquery kept whole by OFFSET 0): as plain joins, the planner hashed every
        // applicant for the 1,000 claimed while their statistics were stale (40 ms, not 15).
        "WITH due AS (
             SELECT n.id FROM notifications n
             WHERE n.status = 'pending' AND n.channel = 'chat' AND n.next_attempt_at <= now()
               AND (n.claimed_until IS NULL OR n.claimed_until < now())
               AND (n.platform = ANY($3) OR (n.recipient = 'staff' AND $4))
             ORDER BY n.next_attempt_at, n.id
             LIMIT $1
             FOR UPDATE OF n SKIP LOCKED
         ), claimed AS (
             UPDATE notifications n
             SET claimed_until = now() + make_interval(secs => $2), attempts = n.attempts + 1
             WHERE n.id IN (SELECT id FROM due)
             RETURNING n.id, n.dedup_key, n.kind, n.applicant_id, n.platform, n.message, n.fanout_message_id,
                       n.message_sealed, n.attempts, n.request_id, n.complaint_id, n.document_id, n.subject
         )
         SELECT c.id, c.dedup_key, c.kind, c.message, c.fanout_message_id, c.message_sealed, c.attempts, c.applicant_id,
                c.platform, a.chat_id, a.blocked, a.locale, a.sms_active,
                c.request_id, c.complaint_id, c.document_id, c.subject
         FROM claimed c
         LEFT JOIN LATERAL (
             SELECT a.chat_id, a.chat_blocked_at IS NOT NULL AS blocked, sms_active(a) AS sms_active,
                    (SELECT d.locale FROM dialogues d WHERE d.applicant_id = a.id) AS locale
             FROM applicants a WHERE a.id = c.applicant_id
             OFFSET 0
         ) a ON true
         ORDER BY c.id",
    )
    .bind(batch)
    .bind(lease.as_secs_f64())
    .bind(platforms)
    .bind(staff)
    .fetch_all(pool)
    .await?;
    let texts = FanoutTexts::read(pool, rows.iter().map(|row| row.fanout_message_id)).await?;
    rows.into_iter().map(|row| row.into_claimed(vault, &texts)).collect()
}

/// Records notices as sent, in one statement: at thousands of sends a second, one round trip
/// per notice would be the bottleneck.
pub async fn mark_sent(pool: &PgPool, ids: &[i64]) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("UPDATE notifications SET status = 'sent', sent_at = now(), claimed_until = NULL WHERE id = ANY($1)")
        .bind(ids)
        .execute(pool)
        .await?;
    Ok(())
}

/// Gives claimed notices back untouched (their attempt refunded), for the next round.
pub async fn release(pool: &PgPool, ids: &[i64]) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("UPDATE notifications SET claimed_until = NULL, attempts = attempts - 1 WHERE id = ANY($1)")
        .bind(ids)
        .execute(pool)
        .await?;
    Ok(())
}

/// Queues the SMS twin of a chat notice (same event, same text); false when it exists. A
/// fan-out copy's twin carries the message itself: it takes an id outside the fan-out's range,
/// so it is found by its subject, as a notice sent one by one is.
pub async fn queue_sms_twin(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO notifications (dedup_key, applicant_id, channel, kind, message, fanout_message_id, urgent, subject,
                                    message_sealed, platform)
         SELECT regexp_replace(dedup_key, ':chat$', '') || ':sms', applicant_id, 'sms', kind,
                COALESCE(n.message, (SELECT f.message FROM fanout_messages f WHERE f.id = n.fanout_message_id)), NULL,
                urgent, subject, message_sealed, platform
         FROM notifications n WHERE id = $1 AND applicant_id IS NOT NULL
         ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// The notice goes by SMS instead of chat: the chat row is skipped and its twin queued, together.
pub async fn move_to_sms(pool: &PgPool, id: i64) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    queue_sms_twin(&mut tx, id).await?;
    end(&mut tx, id, "skipped", "sent by SMS").await?;
    tx.commit().await
}

/// Ends a notice in `status` (a final one), keeping `error` as the reason shown with it.
async fn end(conn: &mut PgConnection, id: i64, status: &str, error: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE notifications SET status = $2, last_error = $3, claimed_until = NULL WHERE id = $1")
        .bind(id)
        .bind(status)
        .bind(error)
        .execute(conn)
        .await?;
    Ok(())
}

/// The notice will not be sent on this channel, for a reason worth showing (no consent, opted
/// out, sent by SMS instead).
pub async fn mark_skipped(pool: &PgPool, id: i64, reason: &str) -> sqlx::Result<()> {
    end(&mut *pool.acquire().await?, id, "skipped", reason).await
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
/// notices can take another channel; with `sms_twin`, its SMS twin is queued in the same
/// transaction.
pub async fn mark_blocked(
    pool: &PgPool,
    id: i64,
    applicant: ApplicantId,
    error: &str,
    sms_twin: bool,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    end(&mut tx, id, "blocked", error).await?;
    sqlx::query("UPDATE applicants SET chat_blocked_at = COALESCE(chat_blocked_at, now()) WHERE id = $1")
        .bind(applicant)
        .execute(&mut *tx)
        .await?;
    if sms_twin {
        queue_sms_twin(&mut tx, id).await?;
    }
    tx.commit().await
}

/// Gives up on a notice; it stays visible with its last error. With `sms_twin`, its SMS twin
/// is queued in the same transaction.
pub async fn mark_dead(pool: &PgPool, id: i64, error: &str, sms_twin: bool) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    end(&mut tx, id, "dead", error).await?;
    if sms_twin {
        queue_sms_twin(&mut tx, id).await?;
    }
    tx.commit().await
}

/// Skips the notices about `subject` still waiting to be claimed (a cancelled broadcast, a
/// maintenance window that moved), keeping `reason`; notices already being sent go out.
/// Returns how many were skipped.
pub async fn skip_pending_about(conn: &mut PgConnection, subject: &str, reason: &str) -> sqlx::Result<u64> {
    // Those sent one by one, by the subject index; a fan-out's copies, in the range of ids each
    // of the subject's fan-outs took.
    let one_by_one = sqlx::query(
        "UPDATE notifications SET status = 'skipped', last_error = $2
         WHERE subject = $1 AND fanout_message_id IS NULL
           AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < now())",
    )
    .bind(subject)
    .bind(reason)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let copies = sqlx::query(
        "UPDATE notifications n SET status = 'skipped', last_error = $2
         FROM fanout_messages f
         WHERE f.subject = $1 AND n.id BETWEEN f.first_id AND f.last_id AND n.fanout_message_id = f.id
           AND n.status = 'pending' AND (n.claimed_until IS NULL OR n.claimed_until < now())",
    )
    .bind(subject)
    .bind(reason)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(one_by_one + copies)
}
