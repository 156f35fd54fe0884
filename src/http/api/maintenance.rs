//! Planned maintenance windows: schedule, list, change, cancel. Each is announced to the
//! window's audience (see `crate::maintenance`).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Staff;
use super::extract::{ApiPath, Body};
use super::{ApiError, perform_as};
use crate::app::Application;
use crate::staff::access::{Act, Item};
use crate::staff::perform::Action;
use crate::store::maintenance::{self as store, Plan, Window};

/// What a window out of reach is called in the 404 answer.
const WINDOW: &str = "maintenance window";

/// A window to schedule, or a window's new times. Times carry their offset
/// (`2026-11-24T22:00:00+03:30` for Tehran).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowBody {
    /// The service it affects; every service when left out.
    service: Option<String>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// Shown to applicants.
    reason: String,
}

impl WindowBody {
    fn plan(&self) -> Plan<'_> {
        Plan {
            service_id: self.service.as_deref(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            reason: &self.reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WindowView {
    id: i64,
    service: Option<String>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: String,
    /// Grows with each change.
    version: i32,
    cancelled_at: Option<DateTime<Utc>>,
}

impl From<Window> for WindowView {
    fn from(w: Window) -> Self {
        Self {
            id: w.id,
            service: w.service_id,
            starts_at: w.starts_at,
            ends_at: w.ends_at,
            reason: w.reason,
            version: w.version,
            cancelled_at: w.cancelled_at,
        }
    }
}

/// Schedule a maintenance window; subscribers are told at once and reminded before it.
#[utoipa::path(post, path = "/api/v1/maintenance", operation_id = "schedule_maintenance", request_body = WindowBody,
    security(("bearer" = [])),
    responses((status = 201, body = WindowView), (status = 422, body = super::error::ErrorBody),
              (status = 403, body = super::error::ErrorBody)))]
pub async fn schedule(
    State(app): State<Application>,
    staff: Staff,
    body: Body<WindowBody>,
) -> Result<(axum::http::StatusCode, Json<WindowView>), ApiError> {
    // Refused before the body is read; the staff core checks again, as for every front end.
    staff.may(Act::Operate, Item::Operations)?;
    let body = body.parse()?;
    let schedule = Action::ScheduleMaintenance(body.plan());
    let window = perform_as(&app, &staff, schedule, ApiError::no_such(WINDOW))
        .await?
        .maintenance()?;
    Ok((axum::http::StatusCode::CREATED, Json(window.into())))
}

/// Maintenance windows not yet over, cancelled ones included, soonest first.
#[utoipa::path(get, path = "/api/v1/maintenance", operation_id = "list_maintenance", security(("bearer" = [])),
    responses((status = 200, body = [WindowView])))]
pub async fn list(State(app): State<Application>, _staff: Staff) -> Result<Json<Vec<WindowView>>, ApiError> {
    let mut conn = app.pool().acquire().await?;
    let windows = store::upcoming(&mut conn, Utc::now()).await?;
    Ok(Json(windows.into_iter().map(WindowView::from).collect()))
}

/// Move a window or change its reason; announced as a change, and reminders follow the new times.
#[utoipa::path(put, path = "/api/v1/maintenance/{id}", operation_id = "change_maintenance", request_body = WindowBody,
    params(("id" = i64, Path, description = "window id")), security(("bearer" = [])),
    responses((status = 200, body = WindowView), (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn change(
    State(app): State<Application>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    body: Body<WindowBody>,
) -> Result<Json<WindowView>, ApiError> {
    staff.may(Act::Operate, Item::Operations)?;
    let body = body.parse()?;
    let change = Action::ChangeMaintenance { id, plan: body.plan() };
    let window = perform_as(&app, &staff, change, ApiError::no_such(WINDOW))
        .await?
        .maintenance()?;
    Ok(Json(window.into()))
}

/// Cancel a window; the cancellation is announced.
#[utoipa::path(post, path = "/api/v1/maintenance/{id}/cancel", operation_id = "cancel_maintenance",
    params(("id" = i64, Path, description = "window id")), security(("bearer" = [])),
    responses((status = 200, body = WindowView), (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody)))]
pub async fn cancel(
    State(app): State<Application>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<WindowView>, ApiError> {
    let cancel = Action::CancelMaintenance { id };
    let window = perform_as(&app, &staff, cancel, ApiError::no_such(WINDOW))
        .await?
        .maintenance()?;
    Ok(Json(window.into()))
}
