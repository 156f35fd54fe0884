//! Reads faults and maintenance for the dialogue.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::conversation::{Fault, Maintenance, ServiceStatus};
use crate::store::{maintenance, outages};

/// How far ahead the status shows planned maintenance.
const AHEAD: chrono::Duration = chrono::Duration::days(7);

pub async fn load(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<ServiceStatus> {
    let faults = outages::open_now(&mut *conn)
        .await?
        .into_iter()
        .map(|o| Fault {
            service: o.service_id,
            since: o.started_at,
        })
        .collect();
    let maintenance = maintenance::in_view(conn, now, now + AHEAD)
        .await?
        .into_iter()
        .map(|w| Maintenance {
            service: w.service_id,
            starts_at: w.starts_at,
            ends_at: w.ends_at,
            reason: w.reason,
        })
        .collect();
    Ok(ServiceStatus {
        now,
        faults,
        maintenance,
    })
}
