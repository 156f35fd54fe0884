//! Complaints: list, answer (the applicant is notified), close.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::extract::{ApiPath, ApiQuery, Body};
use super::{ApiError, path_code, perform_as};
use crate::app::Application;
use crate::domain::TrackingCode;
use crate::staff::access::{self, Act};
use crate::staff::perform::Action;
use crate::store::audit;
use crate::store::complaints::{self, StaffView};
use crate::vault::Vault;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    status: Option<ComplaintStatus>,
    limit: Option<i64>,
}

/// Where a complaint stands.
#[derive(Deserialize, Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum ComplaintStatus {
    Open,
    Answered,
    Closed,
}

impl ComplaintStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
            Self::Closed => "closed",
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ComplaintView {
    code: String,
    /// The request it is about, if any.
    request_code: Option<String>,
    /// What the applicant wrote; null once removed under the retention rules.
    body: Option<String>,
    #[schema(value_type = ComplaintStatus)]
    status: String,
    answer: Option<String>,
    filed_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    answer: String,
}

fn view(vault: &Vault, row: StaffView) -> anyhow::Result<ComplaintView> {
    let code = |stored: i64| {
        TrackingCode::from_stored(stored)
            .map(|c| c.to_string())
            .unwrap_or_default()
    };
    Ok(ComplaintView {
        code: code(row.code),
        request_code: row.request_code.map(code),
        body: row.body(vault)?,
        answer: row.answer(vault)?,
        status: row.status,
        filed_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// List complaints.
#[utoipa::path(get, path = "/api/v1/complaints", operation_id = "list_complaints", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = [ComplaintView])))]
pub async fn list(
    State(app): State<Application>,
    staff: Staff,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<ComplaintView>>, ApiError> {
    staff.may_ever(Act::HandleComplaint)?;
    let mut conn = app.pool().acquire().await?;
    let rows = complaints::list_for_staff(
        &mut conn,
        query.status.map(ComplaintStatus::as_str),
        access::services_in_scope(&staff.0),
        query.limit.unwrap_or(100).clamp(1, 1000),
    )
    .await?;
    audit::record(&mut conn, &staff.0.actor(), "complaints.list", "complaints", json!({})).await?;
    let views = rows
        .into_iter()
        .map(|row| view(app.vault(), row))
        .collect::<anyhow::Result<_>>()?;
    Ok(Json(views))
}

/// Answer a complaint; the applicant receives the answer.
#[utoipa::path(post, path = "/api/v1/complaints/{code}/answer", request_body = AnswerBody,
    params(("code" = String, Path, description = "tracking code: 18 digits in groups of six; a wrong check digit answers 404", pattern = r"^[0-9]{6}-[0-9]{6}-[0-9]{6}$")), security(("bearer" = [])),
    responses((status = 200, body = ComplaintView), (status = 404, body = super::error::ErrorBody)))]
pub async fn answer(
    State(app): State<Application>,
    staff: Staff,
    ApiPath(code): ApiPath<String>,
    body: Body<AnswerBody>,
) -> Result<Json<ComplaintView>, ApiError> {
    staff.may_ever(Act::HandleComplaint)?;
    let body = body.parse()?;
    let code = path_code(&code, "complaint")?;
    let action = Action::AnswerComplaint {
        code,
        answer: &body.answer,
    };
    complaint_act(&app, &staff, action).await
}

/// Close a complaint.
#[utoipa::path(post, path = "/api/v1/complaints/{code}/close",
    params(("code" = String, Path, description = "tracking code: 18 digits in groups of six; a wrong check digit answers 404", pattern = r"^[0-9]{6}-[0-9]{6}-[0-9]{6}$")), security(("bearer" = [])),
    responses((status = 200, body = ComplaintView), (status = 404, body = super::error::ErrorBody)))]
pub async fn close(
    State(app): State<Application>,
    staff: Staff,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<ComplaintView>, ApiError> {
    staff.may_ever(Act::HandleComplaint)?;
    let code = path_code(&code, "complaint")?;
    complaint_act(&app, &staff, Action::CloseComplaint { code }).await
}

/// Performs a complaint act and shows the complaint as it now is.
async fn complaint_act(app: &Application, staff: &Staff, action: Action<'_>) -> Result<Json<ComplaintView>, ApiError> {
    let updated = perform_as(app, staff, action, ApiError::not_found("complaint"))
        .await?
        .complaint()?;
    Ok(Json(view(app.vault(), updated)?))
}
