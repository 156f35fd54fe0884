//! Requests and their append-only stage history.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, QueryBuilder};

use super::Tx;
use super::applicants::ApplicantId;
use super::codes;
use crate::conversation::Answers;
use crate::domain::TrackingCode;
use crate::i18n::Locale;
use crate::vault::{Place, Vault};

/// The actor recorded for what the applicant did themselves.
pub const APPLICANT: &str = "applicant";

/// How the audit log and the outbox name a request.
pub fn subject(id: i64) -> String {
    format!("request:{id}")
}

/// A request as stored.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub code: TrackingCode,
    pub service_id: String,
    pub applicant_id: ApplicantId,
    pub stage: String,
    /// The form's answers, sealed; opened by [`RequestRow::answers`] only where they are shown.
    sealed_answers: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RequestRow {
    /// The form's answers, opened.
    pub fn answers(&self, vault: &Vault) -> anyhow::Result<Answers> {
        vault
            .open_json(answers_place(&self.code.to_stored().to_string()), &self.sealed_answers)
            .with_context(|| format!("opening the answers of request {}", self.id))
    }
}

/// Where a request's answers are sealed: bound to its tracking code, as stored.
fn answers_place(stored_code: &str) -> Place<'_> {
    Place::new("requests", "answers", stored_code)
}

type RawRow = (
    i64,
    i64,
    String,
    ApplicantId,
    String,
    Vec<u8>,
    DateTime<Utc>,
    DateTime<Utc>,
);

const COLUMNS: &str = "id, code, service_id, applicant_id, stage, answers_sealed, created_at, updated_at";

impl TryFrom<RawRow> for RequestRow {
    type Error = anyhow::Error;
    fn try_from(row: RawRow) -> anyhow::Result<Self> {
        let (id, code, service_id, applicant_id, stage, sealed_answers, created_at, updated_at) = row;
        let code = TrackingCode::from_stored(code).context("a stored tracking code fails its check")?;
        Ok(Self {
            id,
            code,
            service_id,
            applicant_id,
            stage,
            sealed_answers,
            created_at,
            updated_at,
        })
    }
}

/// Records a new request in its service's first stage, with a fresh tracking code.
pub async fn insert(
    tx: &mut Tx<'_>,
    vault: &Vault,
    applicant: ApplicantId,
    service_id: &str,
    stage: &str,
    answers: &Answers,
    locale: Locale,
) -> anyhow::Result<(i64, TrackingCode)> {
    let code = codes::allocate(tx, "request").await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO requests (code, service_id, applicant_id, stage, answers_sealed, locale)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(code.to_stored())
    .bind(service_id)
    .bind(applicant)
    .bind(stage)
    .bind(vault.seal_json(answers_place(&code.to_stored().to_string()), answers))
    .bind(locale.code())
    .fetch_one(&mut **tx)
    .await
    .context("inserting the request")?;
    record_event(tx, vault, id, None, stage, APPLICANT, None).await?;
    Ok((id, code))
}

/// Replaces a request's answers (the applicant edited them before staff acted).
pub async fn replace_answers(
    tx: &mut Tx<'_>,
    vault: &Vault,
    id: i64,
    code: TrackingCode,
    answers: &Answers,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE requests SET answers_sealed = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(vault.seal_json(answers_place(&code.to_stored().to_string()), answers))
        .execute(&mut **tx)
        .await
        .context("replacing the request's answers")?;
    Ok(())
}

/// Where an event's note is sealed: bound to the event's id.
fn note_place(event_id: &str) -> Place<'_> {
    Place::new("request_events", "note", event_id)
}

/// Adds a stage change to a request's history, its note (which may quote the applicant) sealed;
/// returns the event's id.
pub async fn record_event(
    tx: &mut Tx<'_>,
    vault: &Vault,
    request_id: i64,
    from: Option<&str>,
    to: &str,
    actor: &str,
    note: Option<&str>,
) -> sqlx::Result<i64> {
    // The id is drawn first: the sealed note is bound to it.
    let id: i64 = sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('request_events', 'id'))")
        .fetch_one(&mut **tx)
        .await?;
    let sealed = note.map(|n| vault.seal_text(note_place(&id.to_string()), n));
    sqlx::query(
        "INSERT INTO request_events (id, request_id, from_stage, to_stage, actor, note_sealed)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(request_id)
    .bind(from)
    .bind(to)
    .bind(actor)
    .bind(sealed)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

pub async fn find_by_id(conn: &mut PgConnection, id: i64) -> anyhow::Result<Option<RequestRow>> {
    let row: Option<RawRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM requests WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(RequestRow::try_from).transpose()
}

/// Loads and locks a request by its code.
pub async fn lock_by_code(tx: &mut Tx<'_>, code: TrackingCode) -> anyhow::Result<Option<RequestRow>> {
    let row: Option<RawRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM requests WHERE code = $1 FOR UPDATE"))
        .bind(code.to_stored())
        .fetch_optional(&mut **tx)
        .await?;
    row.map(RequestRow::try_from).transpose()
}

/// Loads and locks a request, so that checking its version and acting on it are one step.
pub async fn lock_by_id(tx: &mut Tx<'_>, id: i64) -> anyhow::Result<Option<RequestRow>> {
    let row: Option<RawRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM requests WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(RequestRow::try_from).transpose()
}

/// The request's version: the id of its latest history event. Every move adds an event, so a
/// version names one stage of one request's life.
pub async fn version(conn: &mut PgConnection, request_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(max(id), 0) FROM request_events WHERE request_id = $1")
        .bind(request_id)
        .fetch_one(conn)
        .await
}

/// The stage a request reached at `version`, if that event is one of its own.
pub async fn stage_at(conn: &mut PgConnection, request_id: i64, version: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT to_stage FROM request_events WHERE id = $1 AND request_id = $2")
        .bind(version)
        .bind(request_id)
        .fetch_optional(conn)
        .await
}

pub async fn find_by_code(conn: &mut PgConnection, code: TrackingCode) -> anyhow::Result<Option<RequestRow>> {
    let row: Option<RawRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM requests WHERE code = $1"))
        .bind(code.to_stored())
        .fetch_optional(conn)
        .await?;
    row.map(RequestRow::try_from).transpose()
}

/// The applicant's requests, newest first.
/// The applicants with a request not in one of the `(services[i], stages[i])` closed stages.
pub async fn owners_of_open(
    conn: &mut PgConnection,
    services: &[String],
    stages: &[String],
) -> sqlx::Result<Vec<ApplicantId>> {
    sqlx::query_scalar(
        "SELECT DISTINCT r.applicant_id FROM requests r
         WHERE NOT EXISTS (
             SELECT 1 FROM unnest($1::text[], $2::text[]) AS f(service, stage)
             WHERE f.service = r.service_id AND f.stage = r.stage)
         ORDER BY 1",
    )
    .bind(services)
    .bind(stages)
    .fetch_all(conn)
    .await
}

pub async fn list_for_applicant(conn: &mut PgConnection, applicant: ApplicantId) -> anyhow::Result<Vec<RequestRow>> {
    let rows: Vec<RawRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM requests WHERE applicant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 50"
    ))
    .bind(applicant)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(RequestRow::try_from).collect()
}

/// Each applicant's newest `per_applicant` requests, newest first within each (the steps of
/// a batch of chats, which offer them for picking), in one query through the applicant index.
pub async fn newest_of_each(
    conn: &mut PgConnection,
    applicants: &[ApplicantId],
    per_applicant: i64,
) -> anyhow::Result<Vec<RequestRow>> {
    let ids: Vec<i64> = applicants.iter().map(|a| a.0).collect();
    let rows: Vec<RawRow> = sqlx::query_as(&format!(
        "SELECT r.* FROM unnest($1::bigint[]) AS a(id)
         CROSS JOIN LATERAL (SELECT {COLUMNS} FROM requests WHERE applicant_id = a.id
                             ORDER BY created_at DESC, id DESC LIMIT $2) AS r"
    ))
    .bind(&ids)
    .bind(per_applicant)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(RequestRow::try_from).collect()
}

/// What staff filter the request list by.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub service: Option<String>,
    pub stage: Option<String>,
    pub submitted_from: Option<DateTime<Utc>>,
    pub submitted_to: Option<DateTime<Utc>>,
    /// `None`: every service.
    pub services_in_scope: Option<Vec<String>>,
    /// Only requests listed after this one, newest first: the next page after it. One outside
    /// the filter's services, or unknown, gives an empty page.
    pub after: Option<TrackingCode>,
    pub limit: i64,
}

/// Requests matching the filter, newest first, a page of at most `limit` at a time.
///
/// Only the conditions given are written into the statement: a condition such as
/// `($1 IS NULL OR service_id = $1)` keeps the planner from using an index for any of them,
/// and the list then sorted the whole table for each page (1.5 s at 10 M requests). Pages
/// follow each other by the last request's place in the order (keyset), so a deep page costs
/// what the first one does.
pub async fn list(conn: &mut PgConnection, filter: &Filter) -> anyhow::Result<Vec<RequestRow>> {
    let mut query = QueryBuilder::new(format!("SELECT {COLUMNS} FROM requests WHERE true"));
    if let Some(service) = &filter.service {
        query.push(" AND service_id = ").push_bind(service);
    }
    if let Some(stage) = &filter.stage {
        query.push(" AND stage = ").push_bind(stage);
    }
    if let Some(from) = filter.submitted_from {
        query.push(" AND created_at >= ").push_bind(from);
    }
    if let Some(to) = filter.submitted_to {
        query.push(" AND created_at < ").push_bind(to);
    }
    if let Some(services) = &filter.services_in_scope {
        query.push(" AND service_id = ANY(").push_bind(services).push(")");
    }
    if let Some(after) = filter.after {
        query
            .push(" AND (created_at, id) < (SELECT created_at, id FROM requests WHERE code = ")
            .push_bind(after.to_stored());
        if let Some(services) = &filter.services_in_scope {
            query.push(" AND service_id = ANY(").push_bind(services).push(")");
        }
        query.push(")");
    }
    query
        .push(" ORDER BY created_at DESC, id DESC LIMIT ")
        .push_bind(filter.limit);
    let rows: Vec<RawRow> = query.build_query_as().fetch_all(conn).await?;
    rows.into_iter().map(RequestRow::try_from).collect()
}

/// One entry of a request's history, as staff see it.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub actor: String,
    pub note: Option<String>,
}

/// A request's history, oldest first, notes opened.
pub async fn events(conn: &mut PgConnection, vault: &Vault, request_id: i64) -> anyhow::Result<Vec<Event>> {
    type Raw = (i64, DateTime<Utc>, Option<String>, String, String, Option<Vec<u8>>);
    let rows: Vec<Raw> = sqlx::query_as(
        "SELECT id, at, from_stage, to_stage, actor, note_sealed FROM request_events WHERE request_id = $1
         ORDER BY at, id",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, at, from_stage, to_stage, actor, sealed)| {
            let note = sealed
                .map(|s| vault.open_text(note_place(&id.to_string()), &s))
                .transpose()
                .with_context(|| format!("opening the note of event {id}"))?;
            Ok(Event {
                at,
                from_stage,
                to_stage,
                actor,
                note,
            })
        })
        .collect()
}
