//! Applicants: one row per chat on a platform.

use super::Tx;

/// An applicant's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(transparent)]
pub struct ApplicantId(pub i64);

/// The applicant for a chat, created on first contact.
pub async fn find_or_create(
    tx: &mut Tx<'_>,
    platform: &str,
    chat_id: i64,
) -> sqlx::Result<ApplicantId> {
    // DO UPDATE (a no-op) rather than DO NOTHING so that RETURNING yields the existing row too.
    sqlx::query_scalar(
        "INSERT INTO applicants (platform, chat_id) VALUES ($1, $2)
         ON CONFLICT (platform, chat_id) DO UPDATE SET platform = EXCLUDED.platform
         RETURNING id",
    )
    .bind(platform)
    .bind(chat_id)
    .fetch_one(&mut **tx)
    .await
}
