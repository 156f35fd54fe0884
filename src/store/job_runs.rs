//! The scheduler's record of each job's last scheduled run.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Locks a job's record for the run being decided; none before its first run.
pub async fn lock(conn: &mut PgConnection, job: &str) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar("SELECT last_run_at FROM job_runs WHERE job = $1 FOR UPDATE")
        .bind(job)
        .fetch_optional(conn)
        .await
}

pub async fn record(conn: &mut PgConnection, job: &str, at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO job_runs (job, last_run_at) VALUES ($1, $2)
         ON CONFLICT (job) DO UPDATE SET last_run_at = excluded.last_run_at",
    )
    .bind(job)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}
