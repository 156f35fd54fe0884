//! The figures of the SLA clock: how long requests have sat in their stage, how long decisions
//! took, how many complaints are open.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::counts;

/// A request that entered its stage before a time.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Stay {
    pub request_id: i64,
    /// The history event that put it in the stage: one escalation per stay.
    pub event_id: i64,
    pub entered_at: DateTime<Utc>,
}

/// Requests of `service` in `stage` that entered it before `before`, longest there first.
pub async fn in_stage_since_before(
    conn: &mut PgConnection,
    service: &str,
    stage: &str,
    before: DateTime<Utc>,
) -> sqlx::Result<Vec<Stay>> {
    sqlx::query_as(
        "SELECT r.id AS request_id, e.id AS event_id, e.at AS entered_at
         FROM requests r
         JOIN LATERAL (
             SELECT id, at FROM request_events WHERE request_id = r.id ORDER BY at DESC, id DESC LIMIT 1
         ) e ON true
         WHERE r.service_id = $1 AND r.stage = $2 AND e.at < $3
         ORDER BY e.at, r.id",
    )
    .bind(service)
    .bind(stage)
    .bind(before)
    .fetch_all(conn)
    .await
}

/// How many requests sit in each (service, stage): exactly up to a thousand, estimated above
/// (see `counts`). Grouping the whole table took over a second at 10 M requests.
pub async fn per_stage(conn: &mut PgConnection) -> sqlx::Result<Vec<(String, String, i64)>> {
    // Each (service, stage) in use, found by skipping along the index from one to the next
    // (a handful of index probes, not a scan), with its rows counted up to the cap.
    let capped: Vec<(String, String, i64)> = sqlx::query_as(&format!(
        "WITH RECURSIVE pairs AS (
             (SELECT service_id, stage FROM requests ORDER BY service_id, stage LIMIT 1)
             UNION ALL
             SELECT next.service_id, next.stage FROM pairs p
             CROSS JOIN LATERAL (
                 SELECT service_id, stage FROM requests r
                 WHERE (r.service_id, r.stage) > (p.service_id, p.stage)
                 ORDER BY service_id, stage LIMIT 1
             ) next
         )
         SELECT service_id, stage,
                (SELECT count(*) FROM (SELECT 1 FROM requests r
                                       WHERE r.service_id = p.service_id AND r.stage = p.stage
                                       LIMIT {}) AS capped)
         FROM pairs p ORDER BY 1, 2",
        counts::EXACT_UP_TO + 1
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut stages = Vec::with_capacity(capped.len());
    for (service, stage, count) in capped {
        let count = if count > counts::EXACT_UP_TO {
            let condition = format!(
                "service_id = {} AND stage = {}",
                counts::literal(&service),
                counts::literal(&stage)
            );
            counts::estimate(conn, "requests", &condition, count).await?
        } else {
            count
        };
        stages.push((service, stage, count));
    }
    Ok(stages)
}

/// The median time from submission to decision, in seconds, of the requests decided (put in
/// one of the `(services[i], stages[i])` final stages) since `since`; none without any.
pub async fn median_to_decision(
    conn: &mut PgConnection,
    services: &[String],
    stages: &[String],
    since: DateTime<Utc>,
) -> sqlx::Result<Option<f64>> {
    sqlx::query_scalar(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - r.created_at))
         FROM unnest($1::text[], $2::text[]) AS f(service, stage)
         JOIN requests r ON r.service_id = f.service AND r.stage = f.stage
         JOIN request_events e ON e.request_id = r.id AND e.to_stage = r.stage
         WHERE e.at >= $3",
    )
    .bind(services)
    .bind(stages)
    .bind(since)
    .fetch_one(conn)
    .await
}

pub async fn open_complaints(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM complaints WHERE status = 'open'")
        .fetch_one(conn)
        .await
}

/// Per service, how long decisions took from submission, in seconds, of the requests decided
/// (put in one of the `(services[i], stages[i])` final stages) since `since`: the median, the
/// 90th percentile and how many.
pub async fn decision_times(
    conn: &mut PgConnection,
    services: &[String],
    stages: &[String],
    since: DateTime<Utc>,
) -> sqlx::Result<Vec<(String, f64, f64, i64)>> {
    sqlx::query_as(
        "SELECT r.service_id,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - r.created_at))::float8,
                percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - r.created_at))::float8,
                count(*)
         FROM unnest($1::text[], $2::text[]) AS f(service, stage)
         JOIN requests r ON r.service_id = f.service AND r.stage = f.stage
         JOIN request_events e ON e.request_id = r.id AND e.to_stage = r.stage
         WHERE e.at >= $3
         GROUP BY r.service_id ORDER BY r.service_id",
    )
    .bind(services)
    .bind(stages)
    .bind(since)
    .fetch_all(conn)
    .await
}

/// Open complaints about requests of `services` (every complaint when `None`).
pub async fn open_complaints_in(conn: &mut PgConnection, services: Option<&[String]>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM complaints c LEFT JOIN requests r ON r.id = c.request_id
         WHERE c.status = 'open' AND ($1::text[] IS NULL OR r.service_id = ANY($1))",
    )
    .bind(services)
    .fetch_one(conn)
    .await
}
