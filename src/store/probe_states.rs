//! Each probe's run of like results, so counting survives a change of leader.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ProbeState {
    /// Failed checks in a row.
    pub failures: i32,
    /// Successful checks in a row.
    pub successes: i32,
}

/// When each probe was last checked.
pub async fn checked_at(conn: &mut PgConnection) -> sqlx::Result<Vec<(String, DateTime<Utc>)>> {
    sqlx::query_as("SELECT probe, checked_at FROM probe_states")
        .fetch_all(conn)
        .await
}

/// Counts one check's result and returns the run it extends (or starts).
pub async fn count(
    conn: &mut PgConnection,
    probe: &str,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<ProbeState> {
    sqlx::query_as(
        "INSERT INTO probe_states AS p (probe, failures, successes, checked_at, last_error)
         VALUES ($1, ($2::text IS NOT NULL)::int, ($2::text IS NULL)::int, $3, $2)
         ON CONFLICT (probe) DO UPDATE SET
             failures = CASE WHEN $2::text IS NULL THEN 0 ELSE p.failures + 1 END,
             successes = CASE WHEN $2::text IS NULL THEN p.successes + 1 ELSE 0 END,
             checked_at = $3,
             last_error = coalesce($2, p.last_error)
         RETURNING failures, successes",
    )
    .bind(probe)
    .bind(error)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Starts the probe's count afresh: staff resolved its outage by hand, so it takes a full run
/// of failures to open another.
pub async fn reset(conn: &mut PgConnection, probe: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE probe_states SET failures = 0, successes = 0 WHERE probe = $1")
        .bind(probe)
        .execute(conn)
        .await?;
    Ok(())
}
