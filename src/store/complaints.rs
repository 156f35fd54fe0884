//! Complaints and comments, tracked by code like requests.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::Tx;
use super::applicants::ApplicantId;
use super::codes;
use super::shred_keys::{self, Owner};
use crate::domain::TrackingCode;
use crate::vault::{ItemSecret, Place, Vault};

/// How the audit log and the outbox name a complaint.
pub fn subject(id: i64) -> String {
    format!("complaint:{id}")
}

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

fn from_raw((code, applicant_id, status, created_at, updated_at): RawRow) -> anyhow::Result<ComplaintRow> {
    let code = TrackingCode::from_stored(code).context("a stored tracking code fails its check")?;
    Ok(ComplaintRow {
        code,
        applicant_id,
        status,
        created_at,
        updated_at,
    })
}

/// Where a complaint's `column` is sealed: bound to its tracking code, as stored.
fn place<'a>(column: &'static str, stored_code: &'a str) -> Place<'a> {
    Place::new("complaints", column, stored_code)
}

/// Files a complaint, optionally about one of the applicant's requests; returns its id and code.
/// Its words are sealed under its own item secret, which retention deletes with them.
pub async fn insert(
    tx: &mut Tx<'_>,
    vault: &Vault,
    applicant: ApplicantId,
    about_request: Option<i64>,
    body: &str,
) -> anyhow::Result<(i64, TrackingCode)> {
    let code = codes::allocate(tx, "complaint").await?;
    let secret = shred_keys::get_or_make(tx, Owner::Complaint, code.to_stored()).await?;
    let id = sqlx::query_scalar(
        "INSERT INTO complaints (code, applicant_id, request_id, body_sealed) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(code.to_stored())
    .bind(applicant)
    .bind(about_request)
    .bind(vault.seal_text_for(place("body", &code.to_stored().to_string()), &secret, body))
    .fetch_one(&mut **tx)
    .await
    .context("inserting the complaint")?;
    Ok((id, code))
}

pub async fn find_by_code(conn: &mut PgConnection, code: TrackingCode) -> anyhow::Result<Option<ComplaintRow>> {
    let row: Option<RawRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM complaints WHERE code = $1"))
        .bind(code.to_stored())
        .fetch_optional(conn)
        .await?;
    row.map(from_raw).transpose()
}

/// The applicant's complaints, newest first.
pub async fn list_for_applicant(conn: &mut PgConnection, applicant: ApplicantId) -> anyhow::Result<Vec<ComplaintRow>> {
    let rows: Vec<RawRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM complaints WHERE applicant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 50"
    ))
    .bind(applicant)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(from_raw).collect()
}

/// A complaint as staff see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffView {
    pub id: i64,
    pub code: i64,
    pub applicant_id: ApplicantId,
    pub request_code: Option<i64>,
    /// The service of the request it is about.
    pub service_id: Option<String>,
    body_sealed: Option<Vec<u8>>,
    pub status: String,
    answer_sealed: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The complaint's item secret, when it has one.
    shred_secret: Option<Vec<u8>>,
}

impl StaffView {
    fn secret(&self) -> anyhow::Result<Option<ItemSecret>> {
        shred_keys::from_joined(Owner::Complaint, self.code, self.shred_secret.as_deref())
    }

    /// What the applicant wrote, opened; `None` once purged under the retention rules.
    pub fn body(&self, vault: &Vault) -> anyhow::Result<Option<String>> {
        let secret = self.secret()?;
        self.body_sealed
            .as_deref()
            .map(|sealed| vault.open_text_for(place("body", &self.code.to_string()), secret.as_ref(), sealed))
            .transpose()
            .with_context(|| format!("opening complaint {}", self.id))
    }

    /// The staff's latest answer, opened.
    pub fn answer(&self, vault: &Vault) -> anyhow::Result<Option<String>> {
        let secret = self.secret()?;
        self.answer_sealed
            .as_deref()
            .map(|sealed| vault.open_text_for(place("answer", &self.code.to_string()), secret.as_ref(), sealed))
            .transpose()
            .with_context(|| format!("opening the answer to complaint {}", self.id))
    }
}

/// A complaint with the code of the request it is about.
const STAFF_SELECT: &str = "SELECT c.id, c.code, c.applicant_id, r.code AS request_code, r.service_id, c.body_sealed, c.status, c.answer_sealed, \
                            c.created_at, c.updated_at, k.secret AS shred_secret FROM complaints c LEFT JOIN requests r ON r.id = c.request_id \
                            LEFT JOIN shred_keys k ON k.owner = 'complaint' AND k.id = c.code";

/// Complaints, optionally of one status, newest first; with `services`, only those about a
/// request of one of them (see `staff::access::services_in_scope`).
pub async fn list_for_staff(
    conn: &mut PgConnection,
    status: Option<&str>,
    services: Option<&[String]>,
    limit: i64,
) -> sqlx::Result<Vec<StaffView>> {
    sqlx::query_as(&format!(
        "{STAFF_SELECT} WHERE ($1::text IS NULL OR c.status = $1) AND ($3::text[] IS NULL OR r.service_id = ANY($3))
         ORDER BY c.created_at DESC, c.id DESC LIMIT $2"
    ))
    .bind(status)
    .bind(limit)
    .bind(services)
    .fetch_all(conn)
    .await
}

/// One complaint by row id, as staff see it.
pub async fn staff_view(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<StaffView>> {
    sqlx::query_as(&format!("{STAFF_SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Loads and locks one complaint by row id for an update.
pub async fn lock_by_id(tx: &mut Tx<'_>, id: i64) -> sqlx::Result<Option<StaffView>> {
    sqlx::query_as(&format!("{STAFF_SELECT} WHERE c.id = $1 FOR UPDATE OF c"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// Loads and locks one complaint for an update.
pub async fn lock(tx: &mut Tx<'_>, code: TrackingCode) -> sqlx::Result<Option<StaffView>> {
    sqlx::query_as(&format!("{STAFF_SELECT} WHERE c.code = $1 FOR UPDATE OF c"))
        .bind(code.to_stored())
        .fetch_optional(&mut **tx)
        .await
}

/// Records an answer (or, with `None`, just a new status).
pub async fn update(
    tx: &mut Tx<'_>,
    vault: &Vault,
    complaint: &StaffView,
    status: &str,
    answer: Option<&str>,
) -> anyhow::Result<()> {
    let sealed = match answer {
        Some(answer) => {
            let secret = match complaint.secret()? {
                Some(secret) => secret,
                None => shred_keys::get_or_make(tx, Owner::Complaint, complaint.code).await?,
            };
            Some(vault.seal_text_for(place("answer", &complaint.code.to_string()), &secret, answer))
        }
        None => None,
    };
    sqlx::query(
        "UPDATE complaints SET status = $2, answer_sealed = COALESCE($3, answer_sealed), updated_at = now() WHERE id = $1",
    )
    .bind(complaint.id)
    .bind(status)
    .bind(sealed)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
