//! Reads faults and maintenance for the dialogue.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::conversation::{Fault, Maintenance, ServiceStatus};

/// How far ahead the status shows planned maintenance.
const AHEAD: chrono::Duration = chrono::Duration::days(7);

/// Open faults and the maintenance in view, in one round trip: the dialogue reads them at
/// every step.
pub async fn load(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<ServiceStatus> {
    /// An open fault has a start and no end; a maintenance window has both.
    #[derive(sqlx::FromRow)]
    struct Row {
        service: Option<String>,
        starts_at: DateTime<Utc>,
        ends_at: Option<DateTime<Utc>>,
        reason: String,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT service_id AS service, started_at AS starts_at, NULL::timestamptz AS ends_at, reason, id
         FROM outages WHERE resolved_at IS NULL
         UNION ALL
         SELECT service_id, starts_at, ends_at, reason, id FROM maintenance_windows
         WHERE cancelled_at IS NULL AND ends_at > $1 AND starts_at < $2
         ORDER BY starts_at, id",
    )
    .bind(now)
    .bind(now + AHEAD)
    .fetch_all(conn)
    .await?;
    let mut faults = Vec::new();
    let mut maintenance = Vec::new();
    for Row {
        service,
        starts_at,
        ends_at,
        reason,
    } in rows
    {
        match ends_at {
            None => faults.push(Fault {
                service,
                since: starts_at,
            }),
            Some(ends_at) => maintenance.push(Maintenance {
                service,
                starts_at,
                ends_at,
                reason,
            }),
        }
    }
    Ok(ServiceStatus {
        now,
        faults,
        maintenance,
    })
}
