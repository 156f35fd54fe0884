//! Closure days staff declare: the office calendar's days off at short notice.

use chrono::NaiveDate;
use sqlx::PgConnection;

/// A declared closure day.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClosureDay {
    pub day: NaiveDate,
    pub reason: String,
    pub declared_by: String,
}

/// Every closure day from `from` on, in order (the SLA clock looks back a few months at most).
pub async fn since(conn: &mut PgConnection, from: NaiveDate) -> sqlx::Result<Vec<ClosureDay>> {
    sqlx::query_as("SELECT day, reason, declared_by FROM closure_days WHERE day >= $1 ORDER BY day")
        .bind(from)
        .fetch_all(conn)
        .await
}

/// Declares `day` closed; false when it was declared before (the first reason stands).
pub async fn declare(conn: &mut PgConnection, day: NaiveDate, reason: &str, by: &str) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO closure_days (day, reason, declared_by) VALUES ($1, $2, $3) ON CONFLICT (day) DO NOTHING",
    )
    .bind(day)
    .bind(reason)
    .bind(by)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}
