//! Web console sessions and the record of failed sign-ins that throttles guessing.
//!
//! A session is named by a random token in an HttpOnly cookie; only its SHA-256 is stored.
//! It ends when idle too long, at its absolute end, at sign-out, or when its member signs out
//! everywhere.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

use crate::i18n::Locale;

/// A session as a request presents it.
#[derive(Debug, Clone)]
pub struct Session {
    pub staff_id: i64,
    pub csrf_token: String,
    pub locale: Locale,
}

/// A new session: the cookie's token (given to the browser, not kept) and the session.
pub async fn open(
    conn: &mut PgConnection,
    staff_id: i64,
    locale: Locale,
    lasts: Duration,
) -> anyhow::Result<(String, Session)> {
    let token = random_hex()?;
    let csrf_token = random_hex()?;
    sqlx::query(
        "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, locale, expires_at)
         VALUES ($1, $2, $3, $4, now() + $5)",
    )
    .bind(hash(&token).as_slice())
    .bind(staff_id)
    .bind(&csrf_token)
    .bind(locale.code())
    .bind(lasts)
    .execute(conn)
    .await?;
    Ok((
        token,
        Session {
            staff_id,
            csrf_token,
            locale,
        },
    ))
}

/// The live session `token` names (not past its absolute end, and used within `idle`),
/// marked used now, which pushes its idle end back: one statement per page.
pub async fn take(conn: &mut PgConnection, token: &str, idle: Duration) -> anyhow::Result<Option<Session>> {
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "UPDATE staff_sessions SET last_seen_at = now()
         WHERE token_hash = $1 AND expires_at > now() AND last_seen_at > now() - $2
         RETURNING staff_id, csrf_token, locale",
    )
    .bind(hash(token).as_slice())
    .bind(idle)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(staff_id, csrf_token, locale)| Session {
        staff_id,
        csrf_token,
        locale: Locale::parse(&locale).unwrap_or(Locale::Fa),
    }))
}

pub async fn set_locale(conn: &mut PgConnection, token: &str, locale: Locale) -> sqlx::Result<()> {
    sqlx::query("UPDATE staff_sessions SET locale = $2 WHERE token_hash = $1")
        .bind(hash(token).as_slice())
        .bind(locale.code())
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends one session.
pub async fn close(conn: &mut PgConnection, token: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
        .bind(hash(token).as_slice())
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of a member; returns how many there were.
pub async fn close_all(conn: &mut PgConnection, staff_id: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1")
        .bind(staff_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Failed sign-ins for `name` since `since`.
pub async fn failures_since(conn: &mut PgConnection, name: &str, since: DateTime<Utc>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM staff_sign_in_failures WHERE name = lower($1) AND at >= $2")
        .bind(name)
        .bind(since)
        .fetch_one(conn)
        .await
}

/// The oldest failure for `name` since `since`: when the throttle lifts is counted from it.
pub async fn oldest_failure_since(
    conn: &mut PgConnection,
    name: &str,
    since: DateTime<Utc>,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar("SELECT min(at) FROM staff_sign_in_failures WHERE name = lower($1) AND at >= $2")
        .bind(name)
        .bind(since)
        .fetch_one(conn)
        .await
}

pub async fn record_failure(conn: &mut PgConnection, name: &str) -> sqlx::Result<()> {
    // Old failures count for nothing; each new one sweeps them so the table stays small.
    sqlx::query("DELETE FROM staff_sign_in_failures WHERE at < now() - interval '1 day'")
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO staff_sign_in_failures (name) VALUES (lower($1))")
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn clear_failures(conn: &mut PgConnection, name: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM staff_sign_in_failures WHERE name = lower($1)")
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

/// A new one-time sign-in link for a member, good for `lasts`: its token (sent, not kept).
pub async fn create_link(
    conn: &mut PgConnection,
    staff_id: i64,
    locale: Locale,
    lasts: Duration,
) -> anyhow::Result<String> {
    let token = random_hex()?;
    sqlx::query(
        "INSERT INTO staff_sign_in_links (token_hash, staff_id, locale, expires_at) VALUES ($1, $2, $3, now() + $4)",
    )
    .bind(hash(&token).as_slice())
    .bind(staff_id)
    .bind(locale.code())
    .bind(lasts)
    .execute(conn)
    .await?;
    Ok(token)
}

/// Uses a sign-in link: the member and language it was for, once, while it is good.
pub async fn take_link(conn: &mut PgConnection, token: &str) -> anyhow::Result<Option<(i64, Locale)>> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "UPDATE staff_sign_in_links SET used_at = now()
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
         RETURNING staff_id, locale",
    )
    .bind(hash(token).as_slice())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id, locale)| (id, Locale::parse(&locale).unwrap_or(Locale::Fa))))
}

/// Whether a sign-in link is still good (its page shows the button, or says it is spent).
pub async fn link_is_good(conn: &mut PgConnection, token: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM staff_sign_in_links
                        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now())",
    )
    .bind(hash(token).as_slice())
    .fetch_one(conn)
    .await
}

/// Links sent to a member since `since`.
pub async fn links_since(conn: &mut PgConnection, staff_id: i64, since: DateTime<Utc>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM staff_sign_in_links WHERE staff_id = $1 AND created_at >= $2")
        .bind(staff_id)
        .bind(since)
        .fetch_one(conn)
        .await
}

/// 32 bytes from the OS random source, as hex.
fn random_hex() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("drawing a session token from the OS random source: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}
