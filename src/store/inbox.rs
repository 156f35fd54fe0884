//! Bot API updates fetched by long polling and not yet handled: stored, sealed, in the
//! transaction that moves the polling offset past them, read back a chat at a time when they
//! did not fit in memory (or after a restart), and deleted once handled.

use sqlx::PgPool;

use crate::vault::{Place, Vault, VaultError};

/// An update as fetched: its id, its chat (0 for updates without one) and its JSON.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub update_id: i64,
    pub chat_id: i64,
    pub json: Vec<u8>,
}

/// A chat with updates waiting, and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub chat_id: i64,
    pub count: usize,
}

/// Sealed where it is stored, bound to the platform and the update.
fn place(row: &str) -> Place<'_> {
    Place::new("inbox", "update", row)
}

fn row(platform: &str, update_id: i64) -> String {
    format!("{platform}:{update_id}")
}

/// Stores a batch and moves the polling offset to `next_offset`, together. Returns the ids of
/// the updates stored now: one still stored from an earlier fetch (the Bot API gave it again
/// after a restart) is not stored twice.
pub async fn store_batch(
    pool: &PgPool,
    vault: &Vault,
    platform: &str,
    batch: &[Fetched],
    next_offset: i64,
) -> sqlx::Result<Vec<i64>> {
    let update_ids: Vec<i64> = batch.iter().map(|u| u.update_id).collect();
    let chat_ids: Vec<i64> = batch.iter().map(|u| u.chat_id).collect();
    let sealed: Vec<Vec<u8>> = batch
        .iter()
        .map(|u| vault.seal(place(&row(platform, u.update_id)), &u.json))
        .collect();
    let mut tx = pool.begin().await?;
    let mut stored: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO inbox (platform, update_id, chat_id, update_sealed)
         SELECT $1, u, c, s FROM unnest($2::bigint[], $3::bigint[], $4::bytea[]) AS t(u, c, s)
         ON CONFLICT (platform, update_id) DO NOTHING
         RETURNING update_id",
    )
    .bind(platform)
    .bind(&update_ids)
    .bind(&chat_ids)
    .bind(&sealed)
    .fetch_all(&mut *tx)
    .await?;
    super::poll_offsets::advance(&mut *tx, platform, next_offset).await?;
    tx.commit().await?;
    stored.sort_unstable();
    Ok(stored)
}

/// The chats with updates waiting, the chat of the oldest update first.
pub async fn waiting_chats(pool: &PgPool, platform: &str) -> sqlx::Result<Vec<Waiting>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT chat_id, count(*) FROM inbox WHERE platform = $1
         GROUP BY chat_id ORDER BY min(update_id)",
    )
    .bind(platform)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(chat_id, count)| Waiting {
            chat_id,
            count: usize::try_from(count).unwrap_or(0),
        })
        .collect())
}

/// Up to `limit` of a chat's waiting updates after `after`, oldest first; each is the update's
/// JSON, or why it does not open.
pub async fn load(
    pool: &PgPool,
    vault: &Vault,
    platform: &str,
    chat_id: i64,
    after: i64,
    limit: usize,
) -> sqlx::Result<Vec<(i64, Result<Vec<u8>, VaultError>)>> {
    let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT update_id, update_sealed FROM inbox
         WHERE platform = $1 AND chat_id = $2 AND update_id > $3
         ORDER BY update_id LIMIT $4",
    )
    .bind(platform)
    .bind(chat_id)
    .bind(after)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, sealed)| (id, vault.open(place(&row(platform, id)), &sealed)))
        .collect())
}

/// The updates were handled (or can never be): they are not kept.
pub async fn done(pool: &PgPool, platform: &str, update_ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM inbox WHERE platform = $1 AND update_id = ANY($2)")
        .bind(platform)
        .bind(update_ids)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets updates stored before `cutoff` and never handled: those of a platform no longer
/// polled (the Bot API itself keeps an update a day). They hold what applicants typed.
pub async fn forget_before(tx: &mut super::Tx<'_>, cutoff: chrono::DateTime<chrono::Utc>) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM inbox WHERE received_at < $1")
        .bind(cutoff)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// Updates stored and not yet handled, for the metrics and the tests.
pub async fn waiting(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM inbox").fetch_one(pool).await
}
