//! Where long polling resumes: past the last batch of updates stored.

use sqlx::PgPool;

/// The offset to poll from: the one stored with the last batch, else (a database from
/// before batches were handled side by side) past the highest update handled.
pub async fn resume_from(pool: &PgPool, platform: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COALESCE(
             (SELECT next_offset FROM poll_offsets WHERE platform = $1),
             (SELECT max(update_id) + 1 FROM processed_updates WHERE platform = $1),
             0)",
    )
    .bind(platform)
    .fetch_one(pool)
    .await
}

/// Every update below `next_offset` is stored (in the inbox, or handled).
pub async fn advance(conn: impl sqlx::PgExecutor<'_>, platform: &str, next_offset: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO poll_offsets (platform, next_offset) VALUES ($1, $2)
         ON CONFLICT (platform) DO UPDATE SET next_offset = GREATEST(poll_offsets.next_offset, $2)",
    )
    .bind(platform)
    .bind(next_offset)
    .execute(conn)
    .await?;
    Ok(())
}
