//! The audit log: who did or read what, appended in the transaction of the act itself.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

/// Appends an entry; returns its id.
pub async fn record(
    conn: &mut PgConnection,
    actor: &str,
    action: &str,
    subject: &str,
    detail: Value,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("INSERT INTO audit_log (actor, action, subject, detail) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(detail)
        .fetch_one(conn)
        .await
}

/// One audit entry.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Value,
    pub at: DateTime<Utc>,
}

/// The newest entries first.
pub async fn recent(pool: &PgPool, limit: i64) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as("SELECT id, actor, action, subject, detail, at FROM audit_log ORDER BY id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(pool)
        .await
}
