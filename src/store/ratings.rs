//! Ratings of decisions and complaint answers: stored, given a comment, averaged per service.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::Tx;
use super::applicants::ApplicantId;
use crate::domain::rating::{RatingSubject, Score};
use crate::vault::{Place, Vault};

/// What a rating would be about: its owner, its service (none for a complaint about no
/// request), and where it stands (a request's stage, a complaint's status).
#[derive(Debug, Clone)]
pub struct Rated {
    pub owner: ApplicantId,
    pub service: Option<String>,
    pub state: String,
}

pub async fn rated(conn: &mut PgConnection, subject: RatingSubject) -> sqlx::Result<Option<Rated>> {
    let (sql, id) = match subject {
        RatingSubject::Request(id) => ("SELECT applicant_id, service_id, stage FROM requests WHERE id = $1", id),
        RatingSubject::Complaint(id) => (
            "SELECT c.applicant_id, r.service_id, c.status FROM complaints c
             LEFT JOIN requests r ON r.id = c.request_id WHERE c.id = $1",
            id,
        ),
    };
    let row: Option<(ApplicantId, Option<String>, String)> = sqlx::query_as(sql).bind(id).fetch_optional(conn).await?;
    Ok(row.map(|(owner, service, state)| Rated { owner, service, state }))
}

/// Records `score` for `subject`, replacing an earlier one.
pub async fn record(tx: &mut Tx<'_>, subject: RatingSubject, rated: &Rated, score: Score) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ratings (subject, applicant_id, service_id, score) VALUES ($1, $2, $3, $4)
         ON CONFLICT (subject) DO UPDATE SET score = EXCLUDED.score, rated_at = now()",
    )
    .bind(subject.to_string())
    .bind(rated.owner)
    .bind(&rated.service)
    .bind(i16::from(score.get()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Where a rating's comment is sealed: bound to its subject.
fn comment_place(subject: &str) -> Place<'_> {
    Place::new("ratings", "comment", subject)
}

/// Adds the applicant's comment to their rating of `subject`; false when they have none.
pub async fn comment(
    tx: &mut Tx<'_>,
    vault: &Vault,
    subject: RatingSubject,
    applicant: ApplicantId,
    comment: &str,
) -> sqlx::Result<bool> {
    let subject = subject.to_string();
    let done = sqlx::query("UPDATE ratings SET comment_sealed = $3 WHERE subject = $1 AND applicant_id = $2")
        .bind(&subject)
        .bind(applicant)
        .bind(vault.seal_text(comment_place(&subject), comment))
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How far back the averages the digest and `/metrics` show look.
pub const AVERAGED_OVER: chrono::Duration = chrono::Duration::days(30);

/// The average score and the number of ratings per service over the [`AVERAGED_OVER`] before
/// `now`, by service id (`None` for complaints about no request).
pub async fn averages(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<Vec<(Option<String>, f64, i64)>> {
    let since = now - AVERAGED_OVER;
    sqlx::query_as(
        "SELECT service_id, avg(score)::float8, count(*) FROM ratings WHERE rated_at >= $1
         GROUP BY service_id ORDER BY service_id NULLS LAST",
    )
    .bind(since)
    .fetch_all(conn)
    .await
}
