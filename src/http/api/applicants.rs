//! Re-binding an applicant who lost access (the SLA's "forgot your password, ask the
//! administrator"): an operator, having checked their identity, moves their requests to a new
//! chat.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Staff;
use super::extract::Body;
use super::extract::whole_number;
use super::{ApiError, perform_as};
use crate::app::Application;
use crate::staff::access::{Act, Item};
use crate::staff::perform::Action;

/// Where an applicant chats.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Telegram,
    Bale,
    Terminal,
}

impl Platform {
    fn as_str(self) -> &'static str {
        match self {
            Self::Telegram => "telegram",
            Self::Bale => "bale",
            Self::Terminal => crate::channels::terminal::PLATFORM,
        }
    }
}

/// The longest account of how an applicant's identity was checked.
pub const MAX_REASON: usize = crate::staff::perform::MAX_REBIND_REASON;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RebindBody {
    from_platform: Platform,
    #[serde(deserialize_with = "whole_number")]
    from_chat_id: i64,
    to_platform: Platform,
    #[serde(deserialize_with = "whole_number")]
    to_chat_id: i64,
    /// How the applicant's identity was checked; kept in the audit log.
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct RebindResult {
    requests_moved: u64,
}

/// Move an applicant's requests, complaints and pending notices to another chat.
#[utoipa::path(post, path = "/api/v1/applicants/rebind", request_body = RebindBody, security(("bearer" = [])),
    responses((status = 200, body = RebindResult), (status = 404, body = super::error::ErrorBody)))]
pub async fn rebind(
    State(app): State<Application>,
    staff: Staff,
    body: Body<RebindBody>,
) -> Result<Json<RebindResult>, ApiError> {
    // Refused before the body is read; the staff core checks again, as for every front end.
    staff.may(Act::Operate, Item::Operations)?;
    let body = body.parse()?;
    let rebind = Action::Rebind {
        from: (body.from_platform.as_str(), body.from_chat_id),
        to: (body.to_platform.as_str(), body.to_chat_id),
        reason: &body.reason,
    };
    let absent = ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "no applicant in that chat",
    );
    let moved = perform_as(&app, &staff, rebind, absent).await?.rebound()?;
    Ok(Json(RebindResult { requests_moved: moved }))
}
