//! PostgreSQL: the pool, migrations, and one module of queries per aggregate. Every write that
//! has a consequence takes the caller's transaction so the consequence commits with it.

pub mod applicants;
pub mod audit;
pub mod broadcasts;
pub mod chat_pace;
pub mod closures;
pub mod cluster;
pub mod codes;
pub mod complaints;
pub mod counts;
pub mod dialogues;
pub mod document_deadlines;
pub mod documents;
pub mod fanout_texts;
pub mod inbox;
pub mod job_runs;
pub mod maintenance;
pub mod metrics;
pub mod notices;
pub mod outages;
pub mod outbox;
pub mod poll_offsets;
pub mod probe_states;
pub mod rates;
pub mod ratings;
pub mod replies;
pub mod requests;
pub mod roles;
pub mod secrets;
pub mod send_budget;
pub mod shred_keys;
pub mod sla;
pub mod sms;
pub mod sms_credit;
pub mod sms_outbox;
pub mod staff;
pub mod staff_sessions;
pub mod subscriptions;
pub mod updates;

use std::time::Duration;

use anyhow::Context as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

pub type Tx<'a> = sqlx::Transaction<'a, sqlx::Postgres>;

/// Opens a pool; statement logging stays off so that no applicant data reaches the log.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url.parse().context("parsing the database URL")?;
    let options = options.disable_statement_logging();
    PgPoolOptions::new()
        .max_connections(max_connections)
        // Long enough for a busy moment; short enough that a database gone away is noticed
        // and ridden out by the callers rather than waited on.
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .context("connecting to PostgreSQL")
}

/// Applies the migrations under `migrations/`, embedded at build time.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::migrate!("./migrations")
        .run(pool)
        .await
        .context("applying migrations")
}

/// Creates `database` on the server behind `admin_url` unless it exists.
pub async fn create_database(admin_url: &str, database: &str) -> anyhow::Result<()> {
    let pool = connect(admin_url, 1).await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(database)
        .fetch_one(&pool)
        .await?;
    if !exists {
        // Identifiers cannot be bound; the name is quoted and comes from our own code.
        sqlx::query(&format!("CREATE DATABASE \"{}\"", database.replace('"', "\"\"")))
            .execute(&pool)
            .await
            .with_context(|| format!("creating database {database}"))?;
    }
    pool.close().await;
    Ok(())
}
