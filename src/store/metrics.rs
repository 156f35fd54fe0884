//! The figures an operator watches, read at each scrape. Every query here is answered from an
//! index or a small table: a scrape every few seconds must not scan the outbox.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{counts, outages, sla};

/// The outbox of one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub channel: &'static str,
    /// Notices not yet sent, due or later.
    pub pending: i64,
    /// How long the oldest due notice has waited past its time; zero when none is due.
    pub oldest_due_seconds: f64,
    /// Notices given up on, visible in the API with their error.
    pub dead: i64,
}

/// What the service holds and does now.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub queues: Vec<Queue>,
    /// SMS sent and still waiting for the provider's final report.
    pub sms_awaiting_report: i64,
    /// Requests per (service, stage).
    pub requests: Vec<(String, String, i64)>,
    pub open_complaints: i64,
    pub open_outages: i64,
    /// Each scheduler job and the scheduled time of its last run.
    pub job_runs: Vec<(String, DateTime<Utc>)>,
    /// Replies queued and not yet sent, and how long the oldest due one has waited.
    pub replies_waiting: i64,
    pub oldest_reply_seconds: f64,
    /// Updates fetched by polling and not yet handled, and how long the oldest has waited.
    pub updates_waiting: i64,
    pub oldest_update_seconds: f64,
    /// Running totals the chat limits keep (failed lookups, refusals), by name.
    pub totals: Vec<(String, i64)>,
    /// Per service (`None`: complaints about no request), the average satisfaction score and
    /// how many gave one, over the last 30 days.
    pub satisfaction: Vec<(Option<String>, f64, i64)>,
    /// Each SMS provider's credit as it last reported it.
    pub sms_credit: Vec<(String, f64)>,
}

pub async fn snapshot(conn: &mut PgConnection) -> sqlx::Result<Snapshot> {
    let mut queues = Vec::new();
    for channel in ["chat", "sms"] {
        // The channel is written into each condition, not bound, so that the plan can use the
        // channel's partial index.
        let pending = format!("status = 'pending' AND channel = '{channel}'");
        let oldest_due_seconds: Option<f64> = sqlx::query_scalar(&format!(
            "SELECT EXTRACT(EPOCH FROM now() - min(next_attempt_at))::float8
             FROM notifications WHERE {pending} AND next_attempt_at <= now()"
        ))
        .fetch_one(&mut *conn)
        .await?;
        queues.push(Queue {
            channel,
            pending: counts::rows_where(&mut *conn, "notifications", &pending).await?,
            oldest_due_seconds: oldest_due_seconds.unwrap_or(0.0).max(0.0),
            dead: counts::rows_where(
                &mut *conn,
                "notifications",
                &format!("status = 'dead' AND channel = '{channel}'"),
            )
            .await?,
        });
    }
    let sms_awaiting_report = counts::rows_where(
        &mut *conn,
        "notifications",
        "channel = 'sms' AND status = 'sent' AND provider_message_id IS NOT NULL",
    )
    .await?;
    // The same figures the staff digest reads.
    let requests = sla::per_stage(&mut *conn).await?;
    let open_complaints = sla::open_complaints(&mut *conn).await?;
    // Open faults are few: the list the bot's status shows, counted.
    let open_outages = outages::open_now(&mut *conn).await?.len() as i64;
    let job_runs = sqlx::query_as("SELECT job, last_run_at FROM job_runs ORDER BY job")
        .fetch_all(&mut *conn)
        .await?;
    // Replies are sent within moments and deleted: the table holds what is waiting, no more.
    let (replies_waiting, oldest_reply_seconds): (i64, Option<f64>) = sqlx::query_as(
        "SELECT count(*),
                EXTRACT(EPOCH FROM now() - min(next_attempt_at) FILTER (WHERE next_attempt_at <= now()))::float8
         FROM replies WHERE NOT dead",
    )
    .fetch_one(&mut *conn)
    .await?;
    // Like replies, stored updates are deleted once handled.
    let (updates_waiting, oldest_update_seconds): (i64, Option<f64>) =
        sqlx::query_as("SELECT count(*), EXTRACT(EPOCH FROM now() - min(received_at))::float8 FROM inbox")
            .fetch_one(&mut *conn)
            .await?;
    let totals = sqlx::query_as("SELECT name, total FROM event_totals ORDER BY name")
        .fetch_all(&mut *conn)
        .await?;
    let satisfaction = super::ratings::averages(conn, chrono::Utc::now()).await?;
    Ok(Snapshot {
        queues,
        sms_awaiting_report,
        requests,
        open_complaints,
        open_outages,
        job_runs,
        replies_waiting,
        oldest_reply_seconds: oldest_reply_seconds.unwrap_or(0.0).max(0.0),
        updates_waiting,
        oldest_update_seconds: oldest_update_seconds.unwrap_or(0.0).max(0.0),
        totals,
        satisfaction,
        sms_credit: super::sms_credit::all(conn).await?,
    })
}
