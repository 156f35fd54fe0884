//! The staff HTTP API under `/api/v1`: JSON, bearer tokens, errors with stable codes, and an
//! OpenAPI document generated from the handlers themselves.

mod applicants;
mod audit;
mod auth;
mod broadcasts;
mod closures;
mod complaints;
mod error;
mod extract;
mod maintenance;
mod openapi;
mod outages;
mod requests;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

use crate::app::Application;

pub use error::ApiError;

/// The API's routes.
pub fn router(app: Application) -> Router {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/requests", get(requests::list))
        .route("/api/v1/requests/{code}", get(requests::show))
        .route("/api/v1/requests/{code}/notices", get(requests::notices))
        .route("/api/v1/requests/{code}/transitions", post(requests::transition))
        .route(
            "/api/v1/requests/{code}/document-requests",
            post(requests::request_documents),
        )
        .route(
            "/api/v1/requests/{code}/deadline-extensions",
            post(requests::extend_deadline),
        )
        .route("/api/v1/complaints", get(complaints::list))
        .route("/api/v1/complaints/{code}/answer", post(complaints::answer))
        .route("/api/v1/complaints/{code}/close", post(complaints::close))
        .route("/api/v1/applicants/rebind", post(applicants::rebind))
        .route("/api/v1/audit", get(audit::list))
        .route(
            "/api/v1/maintenance",
            get(maintenance::list).post(maintenance::schedule),
        )
        .route("/api/v1/maintenance/{id}", put(maintenance::change))
        .route("/api/v1/maintenance/{id}/cancel", post(maintenance::cancel))
        .route("/api/v1/outages", get(outages::list).post(outages::declare))
        .route("/api/v1/closures", post(closures::declare))
        .route("/api/v1/outages/{id}/resolve", post(outages::resolve))
        .route("/api/v1/broadcasts", post(broadcasts::draft))
        .route("/api/v1/broadcasts/{id}", get(broadcasts::show))
        .route("/api/v1/broadcasts/{id}/confirm", post(broadcasts::confirm))
        .route("/api/v1/broadcasts/{id}/cancel", post(broadcasts::cancel))
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .with_state(app)
}

/// A known path asked with a method it does not take: JSON like every other error.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path does not take that method; see /api/v1/openapi.json",
    )
}

/// Unknown paths answer like every other error: JSON with a stable code.
pub async fn unknown_route() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "no such route; the routes are listed in /api/v1/openapi.json",
    )
}

/// A tracking code from a body, or a 400 that says what is wrong with it.
fn parse_code(text: &str) -> Result<crate::domain::TrackingCode, ApiError> {
    crate::domain::TrackingCode::parse(text).map_err(|e| ApiError::bad_request(format!("tracking code: {e}")))
}

/// Does `action` as the calling member through the staff core, and commits. An item out of
/// the member's sight answers exactly as an absent one does: `absent`.
async fn perform_as(
    app: &Application,
    staff: &auth::Staff,
    action: crate::staff::perform::Action<'_>,
    absent: ApiError,
) -> Result<crate::staff::perform::Done, ApiError> {
    use crate::staff::perform::{Actor, Refusal, perform};
    let mut tx = app.pool().begin().await?;
    let done = perform(&mut tx, app, Actor::Member(&staff.0), action, chrono::Utc::now())
        .await
        .map_err(|refusal| match refusal {
            Refusal::Hidden => absent,
            other => other.into(),
        })?;
    tx.commit().await?;
    Ok(done)
}

/// A tracking code naming the path's `what`. One whose check digit does not match names no
/// item at all, so it answers 404 like a code that matches none; a code of the wrong shape
/// is a 400.
fn path_code(text: &str, what: &str) -> Result<crate::domain::TrackingCode, ApiError> {
    use crate::domain::tracking_code::TrackingCodeError;
    crate::domain::TrackingCode::parse(text).map_err(|e| match e {
        TrackingCodeError::BadCheckDigit => ApiError::not_found(what),
        other => ApiError::bad_request(format!("tracking code: {other}")),
    })
}
