//! Bot API updates already handled: claiming an update in the transaction that handles it
//! makes a redelivered update (webhook retry, polling overlap) a no-op.

use super::Tx;

/// True when this update is new; false when it was handled before.
pub async fn claim(tx: &mut Tx<'_>, platform: &str, update_id: i64) -> sqlx::Result<bool> {
    let inserted =
        sqlx::query("INSERT INTO processed_updates (platform, update_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(platform)
            .bind(update_id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    Ok(inserted == 1)
}

/// Forgets updates handled before `cutoff`, except each platform's latest, which is where
/// polling resumes. The Bot API redelivers an update for a day at most, so a week is ample.
pub async fn forget_before(tx: &mut Tx<'_>, cutoff: chrono::DateTime<chrono::Utc>) -> sqlx::Result<u64> {
    let deleted = sqlx::query(
        "DELETE FROM processed_updates p
         WHERE processed_at < $1
           AND update_id < (SELECT max(update_id) FROM processed_updates q WHERE q.platform = p.platform)",
    )
    .bind(cutoff)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(deleted)
}
