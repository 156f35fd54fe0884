//! Replies waiting to be sent: queued in the transaction that handled the input they answer,
//! claimed a chat at a time so that a chat's replies go out in order, and deleted once sent.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::conversation::Reply;
use crate::i18n::Locale;
use crate::vault::{Place, Vault};

/// A queued reply, claimed for sending.
#[derive(Debug, Clone)]
pub struct QueuedReply {
    pub id: i64,
    pub platform: String,
    pub chat_id: i64,
    pub locale: Locale,
    pub reply: Reply,
    pub attempts: i32,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    platform: String,
    chat_id: i64,
    locale: String,
    reply_sealed: Vec<u8>,
    attempts: i32,
}

/// Where a reply is sealed (it may quote what the applicant typed): bound to its id.
fn place(id: &str) -> Place<'_> {
    Place::new("replies", "reply", id)
}

/// The replies to one input, for one chat.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub platform: &'a str,
    pub chat_id: i64,
    pub locale: Locale,
    pub replies: &'a [Reply],
}

/// Queues the replies to one input, in order.
pub async fn queue(
    conn: &mut PgConnection,
    vault: &Vault,
    platform: &str,
    chat_id: i64,
    locale: Locale,
    replies: &[Reply],
) -> sqlx::Result<()> {
    let answer = Answer {
        platform,
        chat_id,
        locale,
        replies,
    };
    queue_each(conn, vault, &[answer]).await
}

/// Queues the replies to several inputs in two statements, each input's in order and after
/// those of any input before it.
pub async fn queue_each(conn: &mut PgConnection, vault: &Vault, answers: &[Answer<'_>]) -> sqlx::Result<()> {
    let count: usize = answers.iter().map(|a| a.replies.len()).sum();
    if count == 0 {
        return Ok(());
    }
    // The ids are drawn first, in order (a chat's replies go out in id order), because each
    // sealed reply is bound to its id. One row per reply from an array as long as the replies:
    // over `generate_series(1, $1)` PostgreSQL planned the query afresh on every call (its
    // estimate of rows depends on the bound count), over an array it keeps one plan.
    let mut ids: Vec<i64> = sqlx::query_scalar("SELECT nextval('replies_id_seq') FROM unnest($1::int[])")
        .bind(vec![0i32; count])
        .fetch_all(&mut *conn)
        .await?;
    ids.sort_unstable();
    let mut platforms = Vec::with_capacity(count);
    let mut chats = Vec::with_capacity(count);
    let mut locales = Vec::with_capacity(count);
    let mut sealed = Vec::with_capacity(count);
    let each_reply = answers.iter().flat_map(|a| a.replies.iter().map(move |r| (a, r)));
    for (id, (answer, reply)) in ids.iter().zip(each_reply) {
        platforms.push(answer.platform);
        chats.push(answer.chat_id);
        locales.push(answer.locale.code());
        sealed.push(vault.seal_json(place(&id.to_string()), reply));
    }
    sqlx::query(
        "INSERT INTO replies (id, platform, chat_id, locale, reply_sealed)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::bytea[])",
    )
    .bind(&ids)
    .bind(&platforms)
    .bind(&chats)
    .bind(&locales)
    .bind(&sealed)
    .execute(conn)
    .await?;
    Ok(())
}

/// Claims up to `limit` due replies for `lease`, oldest first, counting an attempt on each. A
/// reply is claimed only with every older waiting reply of its chat, so that a chat's replies
/// are sent in order whichever instance sends them: one whose elder is claimed elsewhere or
/// waits for a retry waits with it. The query is written for plans that stay small however
/// many replies wait: the claimed rows are updated by their ids through the primary key
/// (joined to the picked rows, the planner often read the whole table, dead rows of sent
/// replies included: 4-6 ms for a claim that found nothing), and the older-reply check is a
/// probe of the chat's few entries per picked reply (as `NOT EXISTS` it became an anti-join
/// over every waiting reply: 35 ms for a claim of 512).
pub async fn claim(
    pool: &PgPool,
    vault: &Vault,
    platforms: &[String],
    limit: i64,
    lease: Duration,
) -> sqlx::Result<Vec<QueuedReply>> {
    let rows: Vec<Row> = sqlx::query_as(
        "WITH picked AS (
             SELECT id, platform, chat_id FROM replies
             WHERE NOT dead AND platform = ANY($1) AND next_attempt_at <= now()
               AND (claimed_until IS NULL OR claimed_until < now())
             ORDER BY id LIMIT $2
             FOR UPDATE SKIP LOCKED
         )
         , ready AS (
             SELECT p.id FROM picked p
             WHERE (SELECT e.id FROM replies e
                    WHERE e.platform = p.platform AND e.chat_id = p.chat_id AND e.id < p.id AND NOT e.dead
                      AND e.id NOT IN (SELECT id FROM picked)
                    LIMIT 1) IS NULL
         )
         UPDATE replies r SET claimed_until = now() + make_interval(secs => $3), attempts = r.attempts + 1
         WHERE r.id = ANY (ARRAY (SELECT id FROM ready))
         RETURNING r.id, r.platform, r.chat_id, r.locale, r.reply_sealed, r.attempts",
    )
    .bind(platforms)
    .bind(limit)
    .bind(lease.as_secs_f64())
    .fetch_all(pool)
    .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        match vault.open_json::<Reply>(place(&row.id.to_string()), &row.reply_sealed) {
            Ok(reply) => claimed.push(QueuedReply {
                id: row.id,
                platform: row.platform,
                chat_id: row.chat_id,
                locale: Locale::parse(&row.locale).unwrap_or_default(),
                reply,
                attempts: row.attempts,
            }),
            // Sending cannot mend it; keep it (for an operator with the right key) but stop.
            Err(err) => {
                tracing::error!(error = %err, "a queued reply does not open; it is given up");
                give_up(pool, row.id, &err.to_string()).await?;
            }
        }
    }
    claimed.sort_by_key(|r| r.id);
    Ok(claimed)
}

/// Replies were sent: they are not kept.
pub async fn sent(pool: &PgPool, ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM replies WHERE id = ANY($1)")
        .bind(ids)
        .execute(pool)
        .await?;
    Ok(())
}

/// Gives claimed replies back for another try at `at`, the chat's replies after them with
/// them (they keep their order). `refund` gives the attempt back, for a wait the Bot API asked
/// for rather than a failure.
pub async fn retry_at(pool: &PgPool, ids: &[i64], at: DateTime<Utc>, error: &str, refund: bool) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE replies SET next_attempt_at = $2, last_error = $3, claimed_until = NULL,
                attempts = attempts - CASE WHEN $4 THEN 1 ELSE 0 END
         WHERE id = ANY($1)",
    )
    .bind(ids)
    .bind(at)
    .bind(error)
    .bind(refund)
    .execute(pool)
    .await?;
    Ok(())
}

/// Gives claimed replies back untouched, their attempt refunded.
pub async fn release(pool: &PgPool, ids: &[i64]) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("UPDATE replies SET claimed_until = NULL, attempts = attempts - 1 WHERE id = ANY($1)")
        .bind(ids)
        .execute(pool)
        .await?;
    Ok(())
}

/// A reply that can never be sent as it is (the Bot API refused it as malformed): kept, with
/// the error, for an operator to see, and out of the way of the chat's later replies.
pub async fn give_up(pool: &PgPool, id: i64, error: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE replies SET dead = true, last_error = $2, claimed_until = NULL WHERE id = $1")
        .bind(id)
        .bind(error)
        .execute(pool)
        .await?;
    Ok(())
}

/// The chat blocked the bot: its waiting replies cannot arrive and are dropped, and the
/// applicant is marked so that notices take another channel.
pub async fn chat_blocked(pool: &PgPool, platform: &str, chat_id: i64) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM replies WHERE platform = $1 AND chat_id = $2")
        .bind(platform)
        .bind(chat_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE applicants SET chat_blocked_at = COALESCE(chat_blocked_at, now())
         WHERE platform = $1 AND chat_id = $2",
    )
    .bind(platform)
    .bind(chat_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Replies not yet sent (dead ones aside), for the metrics and the tests.
pub async fn waiting(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM replies WHERE NOT dead")
        .fetch_one(pool)
        .await
}
