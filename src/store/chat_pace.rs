//! Each chat's next free send slot, shared by every instance sending for the bot.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::Tx;

/// A chat's slot on the database's clock, and how long from now it is due.
#[derive(Debug, Clone, Copy)]
pub struct Taken {
    pub slot: DateTime<Utc>,
    pub due_in: Duration,
}

/// Takes the chat's next free slot, `interval` after the one before it and never in the past
/// (an idle chat banks no slots).
pub async fn take(pool: &PgPool, bot: &str, chat: &str, interval: Duration) -> sqlx::Result<Taken> {
    let (slot, due_in): (DateTime<Utc>, f64) = sqlx::query_as(
        "INSERT INTO chat_pace AS p (bot, chat, next_slot)
             VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3))
         ON CONFLICT (bot, chat) DO UPDATE
             SET next_slot = GREATEST(p.next_slot, clock_timestamp()) + make_interval(secs => $3)
         RETURNING next_slot - make_interval(secs => $3),
                   EXTRACT(EPOCH FROM (next_slot - make_interval(secs => $3) - clock_timestamp()))::float8",
    )
    .bind(bot)
    .bind(chat)
    .bind(interval.as_secs_f64())
    .fetch_one(pool)
    .await?;
    Ok(Taken {
        slot,
        due_in: Duration::try_from_secs_f64(due_in).unwrap_or(Duration::ZERO),
    })
}

/// `slot` went unused: the chat gets it back, unless a later slot was taken meanwhile (then
/// the order of the takers stands).
pub async fn give_back(
    pool: &PgPool,
    bot: &str,
    chat: &str,
    slot: DateTime<Utc>,
    interval: Duration,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE chat_pace SET next_slot = $3
         WHERE bot = $1 AND chat = $2 AND next_slot = $3 + make_interval(secs => $4)",
    )
    .bind(bot)
    .bind(chat)
    .bind(slot)
    .bind(interval.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(())
}

/// The chat's next slot is no earlier than `not_before`: the send of the slot before it left
/// late.
pub async fn not_before(pool: &PgPool, bot: &str, chat: &str, not_before: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE chat_pace SET next_slot = GREATEST(next_slot, $3) WHERE bot = $1 AND chat = $2")
        .bind(bot)
        .bind(chat)
        .bind(not_before)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets the chats whose next slot passed before `before`; they would get "now" anyway.
pub async fn forget_before(tx: &mut Tx<'_>, before: DateTime<Utc>) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM chat_pace WHERE next_slot < $1")
        .bind(before)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}
