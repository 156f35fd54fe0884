//! Outages: declare one by hand, resolve one (a probe's too), list those open or recent. Each
//! start and end is announced (see `crate::outage`).

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
use crate::store::outages::{self as store, Outage};

/// A fault staff know of.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareBody {
    /// The service it affects; every service when left out.
    service: Option<String>,
    /// For staff and the audit log; applicants are told that the service has a fault.
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct OutageView {
    id: i64,
    service: Option<String>,
    /// The probe that found it; none when staff declared it.
    probe: Option<String>,
    reason: String,
    started_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    declared_by: String,
    resolved_by: Option<String>,
}

impl From<Outage> for OutageView {
    fn from(o: Outage) -> Self {
        Self {
            id: o.id,
            service: o.service_id,
            probe: o.probe,
            reason: o.reason,
            started_at: o.started_at,
            resolved_at: o.resolved_at,
            declared_by: o.declared_by,
            resolved_by: o.resolved_by,
        }
    }
}

/// Declare an outage; the service's applicants and the staff group are told at once.
#[utoipa::path(post, path = "/api/v1/outages", operation_id = "declare_outage", request_body = DeclareBody,
    security(("bearer" = [])),
    responses((status = 201, body = OutageView), (status = 422, body = super::error::ErrorBody),
              (status = 403, body = super::error::ErrorBody)))]
pub async fn declare(
    State(app): State<Application>,
    staff: Staff,
    body: Body<DeclareBody>,
) -> Result<(axum::http::StatusCode, Json<OutageView>), ApiError> {
    // Refused before the body is read; the staff core checks again, as for every front end.
    staff.may(Act::Operate, Item::Operations)?;
    let body = body.parse()?;
    let declare = Action::DeclareOutage {
        service: body.service.as_deref(),
        reason: &body.reason,
    };
    let outage = perform_as(&app, &staff, declare, ApiError::no_such("outage"))
        .await?
        .outage()?;
    Ok((axum::http::StatusCode::CREATED, Json(outage.into())))
}

/// Outages open now or resolved in the last seven days, newest first.
#[utoipa::path(get, path = "/api/v1/outages", operation_id = "list_outages", security(("bearer" = [])),
    responses((status = 200, body = [OutageView])))]
pub async fn list(State(app): State<Application>, _staff: Staff) -> Result<Json<Vec<OutageView>>, ApiError> {
    let mut conn = app.pool().acquire().await?;
    let outages = store::recent(&mut conn, Utc::now() - chrono::Duration::days(7)).await?;
    Ok(Json(outages.into_iter().map(OutageView::from).collect()))
}

/// Resolve an outage; its recovery is announced. A probe's outage can be resolved too; the
/// probe then needs a full run of failures to declare another.
#[utoipa::path(post, path = "/api/v1/outages/{id}/resolve", operation_id = "resolve_outage",
    params(("id" = i64, Path, description = "outage id")), security(("bearer" = [])),
    responses((status = 200, body = OutageView), (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody)))]
pub async fn resolve(
    State(app): State<Application>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OutageView>, ApiError> {
    let resolve = Action::ResolveOutage { id };
    let outage = perform_as(&app, &staff, resolve, ApiError::no_such("outage"))
        .await?
        .outage()?;
    Ok(Json(outage.into()))
}
