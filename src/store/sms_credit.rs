//! Each SMS provider's credit as it last reported it.

use sqlx::{PgConnection, PgPool};

/// Records what `provider` reported now.
pub async fn record(pool: &PgPool, provider: &str, credit: f64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sms_credit (provider, credit) VALUES ($1, $2)
         ON CONFLICT (provider) DO UPDATE SET credit = EXCLUDED.credit, checked_at = now()",
    )
    .bind(provider)
    .bind(credit)
    .execute(pool)
    .await?;
    Ok(())
}

/// Every provider's last reported credit, by name.
pub async fn all(conn: &mut PgConnection) -> sqlx::Result<Vec<(String, f64)>> {
    sqlx::query_as("SELECT provider, credit FROM sms_credit ORDER BY provider")
        .fetch_all(conn)
        .await
}
