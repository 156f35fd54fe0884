//! Applicants: one row per chat on a platform.

use super::Tx;

/// An applicant's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct ApplicantId(pub i64);

/// The applicant for a chat, created on first contact. A chat that writes to the bot has not
/// blocked it (any more), so chat notices reach it again.
pub async fn find_or_create(tx: &mut Tx<'_>, platform: &str, chat_id: i64) -> sqlx::Result<ApplicantId> {
    // DO UPDATE rather than DO NOTHING so that RETURNING yields the existing row too.
    sqlx::query_scalar(
        "INSERT INTO applicants (platform, chat_id) VALUES ($1, $2)
         ON CONFLICT (platform, chat_id) DO UPDATE SET chat_blocked_at = NULL
         RETURNING id",
    )
    .bind(platform)
    .bind(chat_id)
    .fetch_one(&mut **tx)
    .await
}

/// The applicant's chat wrote to the bot: it has not blocked it (any more).
pub async fn chat_unblocked(tx: &mut Tx<'_>, applicant: ApplicantId) -> sqlx::Result<()> {
    sqlx::query("UPDATE applicants SET chat_blocked_at = NULL WHERE id = $1")
        .bind(applicant)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Moves everything of one chat's applicant (requests, complaints, notices not yet sent) to
/// another chat's, for an applicant who lost access to their account. Returns how many
/// requests moved; `None` when the old chat is unknown.
pub async fn rebind(
    tx: &mut Tx<'_>,
    from: (&str, i64),
    to: (&str, i64),
) -> sqlx::Result<Option<(ApplicantId, ApplicantId, u64)>> {
    let old: Option<ApplicantId> = sqlx::query_scalar("SELECT id FROM applicants WHERE platform = $1 AND chat_id = $2")
        .bind(from.0)
        .bind(from.1)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(old) = old else { return Ok(None) };
    let new = find_or_create(tx, to.0, to.1).await?;
    let moved = sqlx::query("UPDATE requests SET applicant_id = $2 WHERE applicant_id = $1")
        .bind(old)
        .bind(new)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    sqlx::query("UPDATE complaints SET applicant_id = $2 WHERE applicant_id = $1")
        .bind(old)
        .bind(new)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE notifications SET applicant_id = $2 WHERE applicant_id = $1 AND status = 'pending'")
        .bind(old)
        .bind(new)
        .execute(&mut **tx)
        .await?;
    Ok(Some((old, new, moved)))
}
