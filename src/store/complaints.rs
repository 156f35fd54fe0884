//! Complaints and comments, tracked by code like requests.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::Tx;
use super::applicants::ApplicantId;
use super::codes;
use crate::domain::TrackingCode;

/// A complaint as stored.
#[derive(Debug, Clone)]
pub struct ComplaintRow {
    pub code: TrackingCode,
    pub applicant_id: ApplicantId,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

type RawRow = (i64, ApplicantId, String, DateTime<Utc>, DateTime<Utc>);

const COLUMNS: &str = "code, applicant_id, status, created_at, updated_at";

fn from_raw(
    (code, applicant_id, status, created_at, updated_at): RawRow,
) -> anyhow::Result<ComplaintRow> {
    let code = TrackingCode::from_stored(code).context("a stored tracking code fails its check")?;
    Ok(ComplaintRow {
        code,
        applicant_id,
        status,
        created_at,
        updated_at,
    })
}

/// Files a complaint, optionally about one of the applicant's requests.
pub async fn insert(
    tx: &mut Tx<'_>,
    applicant: ApplicantId,
    about_request: Option<i64>,
    body: &str,
) -> anyhow::Result<TrackingCode> {
    let code = codes::allocate(tx, "complaint").await?;
    sqlx::query(
        "INSERT INTO complaints (code, applicant_id, request_id, body) VALUES ($1, $2, $3, $4)",
    )
    .bind(code.to_stored())
    .bind(applicant)
    .bind(about_request)
    .bind(body)
    .execute(&mut **tx)
    .await
    .context("inserting the complaint")?;
    Ok(code)
}

pub async fn find_by_code(
    conn: &mut PgConnection,
    code: TrackingCode,
) -> anyhow::Result<Option<ComplaintRow>> {
    let row: Option<RawRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM complaints WHERE code = $1"))
            .bind(code.to_stored())
            .fetch_optional(conn)
            .await?;
    row.map(from_raw).transpose()
}

/// The applicant's complaints, newest first.
pub async fn list_for_applicant(
    conn: &mut PgConnection,
    applicant: ApplicantId,
) -> anyhow::Result<Vec<ComplaintRow>> {
    let rows: Vec<RawRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM complaints WHERE applicant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 50"
    ))
    .bind(applicant)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(from_raw).collect()
}
