//! Closure days: a day the office closes at short notice, which the SLA clock then counts as
//! a day off (see `crate::office`).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Staff;
use super::extract::Body;
use super::{ApiError, perform_as};
use crate::app::Application;
use crate::domain::jalali;
use crate::staff::access::{Act, Item};
use crate::staff::perform::Action;

/// A day the office is closed.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosureBody {
    /// Solar Hijri, as staff write it: "1405/09/12".
    day: String,
    /// Why (heat, pollution, energy saving, mourning), for staff and the audit log.
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ClosureView {
    /// Solar Hijri.
    day: String,
    /// False when the day was declared closed before; its first reason stands.
    new: bool,
}

/// Declare a closure day; the SLA clock counts none of it.
#[utoipa::path(post, path = "/api/v1/closures", operation_id = "declare_closure", request_body = ClosureBody,
    security(("bearer" = [])),
    responses((status = 201, body = ClosureView), (status = 200, body = ClosureView),
              (status = 422, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn declare(
    State(app): State<Application>,
    staff: Staff,
    body: Body<ClosureBody>,
) -> Result<(axum::http::StatusCode, Json<ClosureView>), ApiError> {
    staff.may(Act::Operate, Item::Operations)?;
    let body = body.parse()?;
    let action = Action::DeclareClosure {
        day: &body.day,
        reason: &body.reason,
    };
    let closure = perform_as(&app, &staff, action, ApiError::no_such("closure day"))
        .await?
        .closure()?;
    let status = if closure.new {
        axum::http::StatusCode::CREATED
    } else {
        axum::http::StatusCode::OK
    };
    let view = ClosureView {
        day: jalali::to_jalali(closure.day).to_string(),
        new: closure.new,
    };
    Ok((status, Json(view)))
}
