//! Telling a passing database fault (a restart, a dropped connection, a deadlock) from a real
//! failure, and riding the passing ones out before anyone is told anything.

use std::time::Duration;

use tokio::time::Instant;

/// Whether `err` comes from a fault that goes away by itself: the connection to PostgreSQL
/// lost or refused, the server shutting down or starting, a serialization failure or deadlock.
pub fn is_transient(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| match cause.downcast_ref::<sqlx::Error>() {
        Some(
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed,
        ) => true,
        // SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown,
        // cannot connect now), serialization failure, deadlock, too many connections.
        Some(sqlx::Error::Database(db)) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || matches!(&*c, "40001" | "40P01" | "53300")),
        _ => false,
    })
}

/// Runs `attempt` again while it fails with a passing fault, waiting longer each time (50 ms
/// doubling to 2 s), for up to `patience` in all; then returns what the last attempt did.
pub async fn with_retries<T, F, Fut>(patience: Duration, mut attempt: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let start = Instant::now();
    let mut wait = Duration::from_millis(50);
    loop {
        match attempt().await {
            Err(err) if is_transient(&err) && start.elapsed() + wait < patience => {
                tracing::warn!(error = format!("{err:#}"), retry_in = ?wait, "the database is unreachable; trying again");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(2));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_faults_pass_and_others_do_not() {
        let io = anyhow::Error::from(sqlx::Error::Io(std::io::Error::other("reset"))).context("handling");
        assert!(is_transient(&io));
        assert!(is_transient(&anyhow::Error::from(sqlx::Error::PoolTimedOut)));
        assert!(!is_transient(&anyhow::Error::from(sqlx::Error::RowNotFound)));
        assert!(!is_transient(&anyhow::anyhow!("the form is incomplete")));
    }

    #[tokio::test(start_paused = true)]
    async fn passing_faults_are_retried_until_patience_runs_out() {
        let mut tries = 0;
        let result: anyhow::Result<()> = with_retries(Duration::from_secs(1), || {
            tries += 1;
            async { Err(sqlx::Error::PoolTimedOut.into()) }
        })
        .await;
        assert!(result.is_err());
        // 50 + 100 + 200 + 400 ms of waits fit in a second; the next (800 ms) does not.
        assert_eq!(tries, 5);
        let mut tries = 0;
        let result: anyhow::Result<()> = with_retries(Duration::from_secs(1), || {
            tries += 1;
            async { Err(anyhow::anyhow!("a bug")) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(tries, 1, "a real failure is not retried");
    }
}
