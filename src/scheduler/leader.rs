//! One leader among instances: whoever holds a PostgreSQL advisory lock on its own connection.
//! The lock goes with the connection, so when the leader dies (or its connection does) the
//! server releases it and another instance takes it on its next try.

use sqlx::{Connection, PgConnection, PgPool};

/// The advisory lock key: "peygir" in ASCII, so it will not meet another program's.
const LOCK_KEY: i64 = 0x7065_7967_6972;

/// The lock is taken on a connection of its own, outside the pool: dropping it (with this value, or
/// with the process) closes it, which is what frees the lock for the others.
pub struct Leadership {
    pool: PgPool,
    held: Option<PgConnection>,
}

impl Leadership {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, held: None }
    }

    pub fn holds(&self) -> bool {
        self.held.is_some()
    }

    /// Whether this instance leads now: keeps the lock while its connection answers, or tries
    /// to take it.
    pub async fn lead(&mut self) -> bool {
        if let Some(conn) = &mut self.held {
            if sqlx::query("SELECT 1").execute(&mut *conn).await.is_ok() {
                return true;
            }
            tracing::warn!("lost the scheduler's connection; leadership is given up");
            self.held = None;
        }
        match self.try_take().await {
            Ok(taken) => taken,
            Err(err) => {
                tracing::warn!(error = %err, "could not ask for the scheduler lock");
                false
            }
        }
    }

    async fn try_take(&mut self) -> sqlx::Result<bool> {
        let options = self.pool.connect_options();
        let mut conn = PgConnection::connect_with(&options).await?;
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LOCK_KEY)
            .fetch_one(&mut conn)
            .await?;
        if taken {
            tracing::info!("this instance now runs the schedule");
            self.held = Some(conn);
        }
        Ok(taken)
    }

    /// Gives the lock back (on shutdown), so another instance need not wait.
    pub async fn resign(&mut self) {
        if let Some(mut conn) = self.held.take() {
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(LOCK_KEY)
                .execute(&mut conn)
                .await;
        }
    }
}
