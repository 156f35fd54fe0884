//! API errors: an HTTP status, a stable code for programs and a message for people.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An error as the API returns it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

/// The JSON body of every error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable: `unauthorized`, `forbidden`, `not_found`, `bad_request`, `transition_not_allowed`,
    /// `stale_stage`, `note_required`, `internal`, ….
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no {what} with that tracking code"),
        )
    }

    /// Nothing of kind `what` has the id in the path.
    pub fn no_such(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("no {what} with that id"))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// Unexpected failures are logged with their chain and answered without detail.
impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        tracing::error!(error = format!("{err:#}"), "API request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the service log",
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        anyhow::Error::from(err).into()
    }
}

impl From<crate::staff::perform::Refusal> for ApiError {
    fn from(refusal: crate::staff::perform::Refusal) -> Self {
        use crate::staff::perform::Refusal;
        let code = refusal.code();
        match refusal {
            Refusal::Hidden => Self::new(StatusCode::NOT_FOUND, code, "no such item"),
            Refusal::Forbidden => Self::forbidden(refusal.to_string()),
            Refusal::Invalid { detail, .. } => Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail),
            Refusal::UnknownCodes { .. } => Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, refusal.to_string()),
            Refusal::Conflict { detail, .. } => Self::new(StatusCode::CONFLICT, code, detail),
            Refusal::Unexpected(inner) => inner.into(),
        }
    }
}
