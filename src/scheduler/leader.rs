//! One leader among instances: whoever holds a PostgreSQL advisory lock on its own connection.
//! The lock goes with the connection, so when the leader dies (or its connection does) the
//! server releases it and another instance takes it on its next try.

use sqlx::{Connection, PgConnection, PgPool};

/// The advisory lock key: "peygir" in ASCII, so it will not meet another program's.
const LOCK_KEY: i64 = 0x7065_7967_6972;

/// The lock is asked for on a connection of its own, outside the pool and kept between tries:
/// closing it (by dropping this value, or with the process) is what frees the lock for others.
pub struct Leadership {
    pool: PgPool,
    conn: Option<PgConnection>,
    leading: bool,
}

impl Leadership {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            conn: None,
            leading: false,
        }
    }

    pub fn holds(&self) -> bool {
        self.leading
    }

    /// Whether this instance leads now: keeps the lock while its connection answers, or tries
    /// to take it. A connection that fails is dropped, and with it any lock it held.
    pub async fn lead(&mut self) -> bool {
        match self.ask().await {
            Ok(leading) => {
                if leading && !self.leading {
                    tracing::info!("this instance now runs the schedule");
                }
                self.leading = leading;
            }
            Err(err) => {
                if self.leading {
                    tracing::warn!(error = %err, "lost the scheduler's connection; leadership is given up");
                } else {
                    tracing::warn!(error = %err, "could not ask for the scheduler lock");
                }
                self.conn = None;
                self.leading = false;
            }
        }
        self.leading
    }

    async fn ask(&mut self) -> sqlx::Result<bool> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self
                .conn
                .insert(PgConnection::connect_with(&self.pool.connect_options()).await?),
        };
        if self.leading {
            sqlx::query("SELECT 1").execute(&mut *conn).await?;
            return Ok(true);
        }
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LOCK_KEY)
            .fetch_one(&mut *conn)
            .await
    }

    /// Gives the lock back (on shutdown), so another instance need not wait.
    pub async fn resign(&mut self) {
        if let Some(mut conn) = self.conn.take()
            && self.leading
        {
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(LOCK_KEY)
                .execute(&mut conn)
                .await;
        }
        self.leading = false;
    }
}
