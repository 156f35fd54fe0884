//! The next free send slot of a bot, shared by every instance sending for it.

use std::time::Duration;

use sqlx::PgPool;

/// Takes the bot's next free slot, `interval` after the one before it and never in the past
/// (an idle bot banks no slots), and returns how long from now it is due.
pub async fn take_slot(pool: &PgPool, bot: &str, interval: Duration) -> sqlx::Result<Duration> {
    // The database's clock is the one every instance reads, so slots taken by different
    // instances are spaced on one time line; the caller turns "due in" into its own clock.
    let due_in: f64 = sqlx::query_scalar(
        "INSERT INTO send_budget AS b (bot, next_slot) VALUES ($1, clock_timestamp() + make_interval(secs => $2))
         ON CONFLICT (bot) DO UPDATE
             SET next_slot = GREATEST(b.next_slot, clock_timestamp()) + make_interval(secs => $2)
         RETURNING EXTRACT(EPOCH FROM (next_slot - make_interval(secs => $2) - clock_timestamp()))::float8",
    )
    .bind(bot)
    .bind(interval.as_secs_f64())
    .fetch_one(pool)
    .await?;
    Ok(Duration::try_from_secs_f64(due_in).unwrap_or(Duration::ZERO))
}

/// Moves the bot's time line `by` later: a send went out that much later than its slot, and
/// the slot thirty on must still arrive more than a second after it.
pub async fn move_back(pool: &PgPool, bot: &str, by: Duration) -> sqlx::Result<()> {
    sqlx::query("UPDATE send_budget SET next_slot = next_slot + make_interval(secs => $2) WHERE bot = $1")
        .bind(bot)
        .bind(by.as_secs_f64())
        .execute(pool)
        .await?;
    Ok(())
}
