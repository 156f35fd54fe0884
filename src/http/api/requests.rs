//! Requests: list and filter, read one with its history and documents, move it along its
//! workflow, ask the applicant for documents.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::extract::{ApiPath, ApiQuery, Body};
use super::{ApiError, path_code, perform_as};
use crate::app::Application;
use crate::domain::{PublicStatus, Role, TrackingCode};
use crate::office::OfficeCalendar;
use crate::staff::access::{self, Act, Item};
use crate::staff::perform::Action;
use crate::store::requests::{self, Filter, RequestRow};
use crate::store::{audit, documents, notices};
use crate::workflow::Move;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this service.
    service: Option<String>,
    /// Only requests at this stage.
    stage: Option<String>,
    /// Only requests past their stage's target duration.
    overdue: Option<bool>,
    /// Submitted at or after this time.
    from: Option<DateTime<Utc>>,
    /// Submitted before this time.
    to: Option<DateTime<Utc>>,
    /// At most this many (default 100, at most 1000).
    limit: Option<i64>,
    /// The next page: only requests listed after this one, given by its tracking code (the
    /// last `code` of the page before). The list is newest first.
    after: Option<String>,
}

/// A request in a list.
#[derive(Serialize, ToSchema)]
pub struct RequestSummary {
    code: String,
    service: String,
    stage: String,
    #[schema(value_type = String)]
    public_status: PublicStatus,
    submitted_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Past the stage's target duration.
    overdue: bool,
}

/// A request with everything staff need to decide on it.
#[derive(Serialize, ToSchema)]
pub struct RequestDetail {
    #[serde(flatten)]
    summary: RequestSummary,
    /// The form's answers, as `[field id, value]` pairs in form order.
    #[schema(value_type = Object)]
    answers: serde_json::Value,
    history: Vec<EventView>,
    documents: Vec<DocumentView>,
    /// The moves the workflow allows from the current stage.
    transitions: Vec<TransitionView>,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    at: DateTime<Utc>,
    from: Option<String>,
    to: String,
    actor: String,
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentView {
    id: i64,
    field: String,
    file_name: String,
    mime: String,
    size_bytes: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TransitionView {
    to: String,
    note_required: bool,
    roles: Vec<String>,
}

/// A move to make.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// The stage to move to.
    to: String,
    /// Why; required by some moves, and shown to the applicant.
    note: Option<String>,
    /// The stage you saw; the move is refused if the request has moved on since.
    expected_from: Option<String>,
}

/// What is missing, told to the applicant.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentRequestBody {
    note: String,
    /// A deadline for the documents, 1 to 60 office days counted from when the request is
    /// deemed served; the applicant is told its date and reminded the office day before.
    deadline_office_days: Option<u16>,
}

/// More time for the documents asked of the applicant.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineExtensionBody {
    /// Office days added to the current deadline, 1 to 60.
    office_days: u16,
}

/// The documents' deadline after an extension.
#[derive(Serialize, ToSchema)]
pub struct DeadlineView {
    /// The last office day the documents may come on (Gregorian, Tehran).
    due_on: chrono::NaiveDate,
    /// The same day in the Solar Hijri calendar, as the applicant is told it.
    due_on_jalali: String,
}

/// A move that was made.
#[derive(Serialize, ToSchema)]
pub struct TransitionResult {
    from: String,
    to: String,
    /// Whether the applicant is being notified.
    notified: bool,
}

/// A notice sent (or being sent) to the applicant about the request.
#[derive(Serialize, ToSchema)]
pub struct NoticeView {
    id: i64,
    /// `chat` or `sms`.
    channel: String,
    /// What the notice is: `stage-changed`, `decision`, ….
    kind: String,
    /// `pending`, `sent`, `delivered` (SMS confirmed by the gateway), `failed` (gateway reported
    /// it undelivered), `blacklisted` (the number is on the operators' blacklist for this line),
    /// `blocked` (the applicant blocked the bot), `dead` (given up after retries), `skipped`
    /// (not sent on this channel: no consent, opted out, sent by SMS instead).
    status: String,
    attempts: i32,
    /// Why it failed, was skipped or is waiting.
    reason: Option<String>,
    queued_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
    /// When a pending notice is tried next.
    next_attempt_at: Option<DateTime<Utc>>,
    /// The SMS gateway that took it.
    provider: Option<String>,
    /// SMS parts billed.
    segments: Option<i32>,
    /// Every step the notice took, oldest first: the evidence of when it was queued, sent,
    /// delivered or why not.
    timeline: Vec<NoticeStep>,
}

/// One step in a notice's life.
#[derive(Serialize, ToSchema)]
pub struct NoticeStep {
    /// `queued`, `sent`, `delivered`, `failed`, `blacklisted`, `blocked`, `dead`, `skipped`,
    /// `retrying` (a failure that will be tried again), `requeued` (going again, through
    /// another gateway), `seen` (the applicant pressed one of its buttons: rated the decision).
    event: String,
    /// The gateway, for `sent`, `delivered` and `failed`.
    provider: Option<String>,
    /// Why it failed, was skipped or is retried.
    detail: Option<String>,
    at: DateTime<Utc>,
}

impl From<notices::NoticeEvent> for NoticeStep {
    fn from(e: notices::NoticeEvent) -> Self {
        Self {
            event: e.event,
            provider: e.provider,
            detail: e.detail,
            at: e.at,
        }
    }
}

impl From<notices::NoticeRow> for NoticeView {
    fn from(row: notices::NoticeRow) -> Self {
        let pending = row.status == "pending";
        Self {
            id: row.id,
            channel: row.channel,
            kind: row.kind,
            status: row.status,
            attempts: row.attempts,
            reason: row.last_error,
            queued_at: row.created_at,
            sent_at: row.sent_at,
            delivered_at: row.delivered_at,
            next_attempt_at: pending.then_some(row.next_attempt_at),
            provider: row.provider,
            segments: row.segments,
            timeline: Vec::new(),
        }
    }
}

fn summary(app: &Application, office: &OfficeCalendar, row: &RequestRow, now: DateTime<Utc>) -> RequestSummary {
    let stage = app.catalog().get(&row.service_id).and_then(|s| s.stage(&row.stage));
    // Targets are hours of office time, so a weekend or Nowruz makes nothing overdue.
    let overdue = stage
        .and_then(|s| s.target_hours)
        .is_some_and(|hours| office.office_time(row.updated_at, now) > chrono::Duration::hours(hours.into()));
    RequestSummary {
        code: row.code.to_string(),
        service: row.service_id.clone(),
        stage: row.stage.clone(),
        public_status: stage.map_or(PublicStatus::InReview, |s| s.public),
        submitted_at: row.created_at,
        updated_at: row.updated_at,
        overdue,
    }
}

/// List requests in the caller's services.
#[utoipa::path(get, path = "/api/v1/requests", operation_id = "list_requests", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = [RequestSummary]), (status = 401, body = super::error::ErrorBody)))]
pub async fn list(
    State(app): State<Application>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<RequestSummary>>, ApiError> {
    let filter = Filter {
        service: query.service,
        stage: query.stage,
        submitted_from: query.from,
        submitted_to: query.to,
        services_in_scope: access::services_in_scope(&staff.0).map(<[String]>::to_vec),
        after: query
            .after
            .as_deref()
            .map(|code| {
                TrackingCode::parse(code)
                    .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_query", format!("after: {e}")))
            })
            .transpose()?,
        limit: query.limit.unwrap_or(100).clamp(1, 1000),
    };
    let mut conn = app.pool().acquire().await?;
    let rows = requests::list(&mut conn, &filter).await?;
    let now = Utc::now();
    let office = crate::office::calendar(&mut conn, &app.config().office, now).await?;
    let list = rows
        .iter()
        .map(|row| summary(&app, &office, row, now))
        .filter(|s| query.overdue.is_none_or(|wanted| s.overdue == wanted))
        .collect();
    Ok(Json(list))
}

/// Read one request with its answers, history, documents and allowed moves. The read is audited.
#[utoipa::path(get, path = "/api/v1/requests/{code}", params(("code" = String, Path, description = "tracking code: 18 digits in groups of six; a wrong check digit answers 404", pattern = r"^[0-9]{6}-[0-9]{6}-[0-9]{6}$")),
    security(("bearer" = [])),
    responses((status = 200, body = RequestDetail), (status = 404, body = super::error::ErrorBody)))]
pub async fn show(
    State(app): State<Application>,
    staff: Staff,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<RequestDetail>, ApiError> {
    let code = path_code(&code, "request")?;
    let mut tx = app.pool().begin().await?;
    let row = requests::find_by_code(&mut tx, code)
        .await?
        .ok_or_else(|| ApiError::not_found("request"))?;
    staff.may(
        Act::See,
        Item::Request {
            service: &row.service_id,
        },
    )?;
    let history = requests::events(&mut tx, app.vault(), row.id).await?;
    let docs = documents::list_for_request(&mut tx, app.vault(), row.id).await?;
    let now = Utc::now();
    let office = crate::office::calendar(&mut tx, &app.config().office, now).await?;
    audit::record_read(&mut tx, &staff.0.actor(), "request.read", &requests::subject(row.id)).await?;
    tx.commit().await?;
    let transitions = app
        .catalog()
        .get(&row.service_id)
        .map(|s| {
            s.transitions_from(&row.stage)
                .map(|t| TransitionView {
                    to: t.to.clone(),
                    note_required: t.note_required,
                    roles: t.roles.iter().map(|r| r.as_str().to_owned()).collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(RequestDetail {
        summary: summary(&app, &office, &row, now),
        answers: serde_json::to_value(row.answers(app.vault())?).map_err(anyhow::Error::from)?,
        history: history
            .into_iter()
            .map(|e| EventView {
                at: e.at,
                from: e.from_stage,
                to: e.to_stage,
                actor: e.actor,
                note: e.note,
            })
            .collect(),
        documents: docs
            .into_iter()
            .map(|d| DocumentView {
                id: d.id,
                field: d.field_id,
                file_name: d.file_name,
                mime: d.mime,
                size_bytes: d.size_bytes,
            })
            .collect(),
        transitions,
    }))
}

/// The notices sent to the applicant about one request, on every channel, with their state and
/// why a notice failed or was skipped.
#[utoipa::path(get, path = "/api/v1/requests/{code}/notices", operation_id = "list_request_notices",
    params(("code" = String, Path, description = "tracking code: 18 digits in groups of six; a wrong check digit answers 404", pattern = r"^[0-9]{6}-[0-9]{6}-[0-9]{6}$")), security(("bearer" = [])),
    responses((status = 200, body = [NoticeView]), (status = 404, body = super::error::ErrorBody)))]
pub async fn notices(
    State(app): State<Application>,
    staff: Staff,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<NoticeView>>, ApiError> {
    let code = path_code(&code, "request")?;
    let mut conn = app.pool().acquire().await?;
    let row = requests::find_by_code(&mut conn, code)
        .await?
        .ok_or_else(|| ApiError::not_found("request"))?;
    staff.may(
        Act::See,
        Item::Request {
            service: &row.service_id,
        },
    )?;
    let views = notices::about_with_timelines(&mut conn, &requests::subject(row.id))
        .await?
        .into_iter()
        .map(|(notice, steps)| NoticeView {
            timeline: steps.into_iter().map(NoticeStep::from).collect(),
            ..NoticeView::from(notice)
        })
        .collect();
    Ok(Json(views))
}

/// Move a request to another stage, as its workflow allows; the applicant is notified.
#[utoipa::path(post, path = "/api/v1/requests/{code}/transitions", request_body = TransitionBody,
    params(("code" = String, Path, description = "tracking code: 18 digits in groups of six; a wrong check digit answers 404", pattern = r"^[0-9]{6}-[0-9]{6}-[0-9]{6}$")), security(("bearer" = [])),
    responses((status = 200, body = TransitionResult), (status = 409, body = super::error::ErrorBody),
              (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn transition(
    State(app): State<Application>,
    staff: Staff,
    ApiPath(code): ApiPath<String>,
    body: Body<TransitionBody>,
) -> Result<Json<TransitionResult>, ApiError> {
    staff.require(&[Role::Reviewer])?;
    let body = body.parse()?;
    let code = path_code(&code, "request")?;
    let mv = Move {
        code,
        to: &body.to,
        expected_from: body.expected_from.as_deref(),
        note: body.note.as_deref(),
    };
    act(&app, &staff, Action::Move(mv)).await
}

/// Ask the applicant for supplementary documents: moves the request to the stage where the
/// applicant sends them, with the note saying what is missing.
#[utoipa::path(post, path = "/api/v1/requests/{code}/document-requests", request_body = DocumentRequestBody,
    params(("code" = String, Path, description = "tracking code: 18 digits in groups of six; a wrong check digit answers 404", pattern = r"^[0-9]{6}-[0-9]{6}-[0-9]{6}$")), security(("bearer" = [])),
    responses((status = 200, body = TransitionResult), (status = 409, body = super::error::ErrorBody)))]
pub async fn request_documents(
    State(app): State<Application>,
    staff: Staff,
    ApiPath(code): ApiPath<String>,
    body: Body<DocumentRequestBody>,
) -> Result<Json<TransitionResult>, ApiError> {
    staff.require(&[Role::Reviewer])?;
    let body = body.parse()?;
    let code = path_code(&code, "request")?;
    let action = Action::RequestDocuments {
        code,
        note: &body.note,
        deadline_office_days: body.deadline_office_days,
    };
    act(&app, &staff, action).await
}

/// Give the applicant more office days for the documents asked of them; they are told the new
/// date.
#[utoipa::path(post, path = "/api/v1/requests/{code}/deadline-extensions", request_body = DeadlineExtensionBody,
    params(("code" = String, Path, description = "tracking code: 18 digits in groups of six; a wrong check digit answers 404", pattern = r"^[0-9]{6}-[0-9]{6}-[0-9]{6}$")), security(("bearer" = [])),
    responses((status = 200, body = DeadlineView), (status = 409, body = super::error::ErrorBody),
              (status = 422, body = super::error::ErrorBody)))]
pub async fn extend_deadline(
    State(app): State<Application>,
    staff: Staff,
    ApiPath(code): ApiPath<String>,
    body: Body<DeadlineExtensionBody>,
) -> Result<Json<DeadlineView>, ApiError> {
    staff.require(&[Role::Reviewer])?;
    let body = body.parse()?;
    let code = path_code(&code, "request")?;
    let action = Action::ExtendDocumentsDeadline {
        code,
        office_days: body.office_days,
    };
    let due_on = perform_as(&app, &staff, action, ApiError::not_found("request"))
        .await?
        .deadline()?;
    Ok(Json(DeadlineView {
        due_on,
        due_on_jalali: crate::domain::jalali::to_jalali(due_on).to_string(),
    }))
}

/// A move through the staff core, committed.
async fn act(app: &Application, staff: &Staff, action: Action<'_>) -> Result<Json<TransitionResult>, ApiError> {
    let applied = perform_as(app, staff, action, ApiError::not_found("request"))
        .await?
        .moved()?;
    Ok(Json(TransitionResult {
        from: applied.from,
        to: applied.to,
        notified: applied.notified,
    }))
}
